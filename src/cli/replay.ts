/**
 * `bulwark replay --policy DIR --events FILE.jsonl`: decides a recorded event stream offline, in
 * event-time order (engine/replay.ts), writing one decision per line and a summary.
 */

import { createWriteStream, readFileSync, type WriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { type ReplaySummary, replay } from '../engine/replay.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { loadPackFrom } from './pack.ts'
import { terminalProgress } from './progress.ts'

function human(s: ReplaySummary): string {
  const lines = [
    `policy ${s.policy.name} ${s.policy.version}: ${s.decided} decided, ${s.duplicates} duplicates, ${s.rejected} rejected of ${s.lines} lines`,
    s.from ? `events from ${s.from} to ${s.to}` : 'no events',
    `outcomes: ${
      Object.entries(s.outcomes)
        .map(([o, n]) => `${o} ${n}`)
        .join(', ') || 'none'
    }`,
  ]
  const rules = Object.entries(s.rules).sort(
    (a, b) => b[1].enforced + b[1].shadow - (a[1].enforced + a[1].shadow),
  )
  if (rules.length) {
    lines.push('rule hits (enforced / shadow / errors):')
    for (const [id, r] of rules) lines.push(`  ${id}: ${r.enforced} / ${r.shadow} / ${r.errors}`)
  }
  for (const p of s.problems) lines.push(`line ${p.line}: ${p.code} ${p.message}`)
  if (s.rejected > s.problems.length)
    lines.push(`… and ${s.rejected - s.problems.length} more rejected lines`)
  lines.push(`${s.elapsedMs} ms, ${s.eventsPerSecond} events/s`)
  return lines.join('\n')
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Decide a recorded event stream offline, in event-time order',
  usage: `bulwark replay --policy DIR --events FILE.jsonl [--out FILE] [--json]

  Reads events (one JSON object per line, each with a time) from FILE.jsonl (- for standard
  input), sorts them by event time (ties keep file order) and decides them with the pack in DIR on
  a fresh in-memory engine whose clock follows the events. Nothing is stored.

  Decisions are written one per line to --out FILE, or to standard output. A summary (outcomes,
  hits per rule, rejected lines with their numbers) goes to standard error, with a progress bar
  when standard error is a terminal.
  --json   print the summary as one JSON object on standard output instead (decisions then go
           only to --out, if given)
  Exit 1 if the pack does not load or the events cannot be read; rejected lines do not fail.`,
  async run(args, io: Io) {
    const { values } = parseArgs({
      args,
      options: {
        policy: { type: 'string' },
        events: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      },
    })
    const missing = missingFlags(values, ['policy', 'events'])
    if (missing) {
      io.err(usageError('replay', missing, this.usage))
      return 1
    }
    const pack = await loadPackFrom(values.policy!, io)
    if (!pack) return 1
    let input: string | Uint8Array
    try {
      input = values.events === '-' ? await io.stdin() : readFileSync(values.events!)
    } catch (e) {
      io.err(`cannot read ${values.events}: ${(e as Error).message}`)
      return 1
    }
    const file: WriteStream | undefined = values.out ? createWriteStream(values.out) : undefined
    const write = file ? (line: string) => file.write(`${line}\n`) : values.json ? undefined : io.out
    const progress = terminalProgress(values.json)
    const summary = await replay(pack, input, {
      ...(write ? { onDecision: (d, duplicate) => write(JSON.stringify({ ...d, duplicate })) } : {}),
      ...(progress ? { onProgress: progress } : {}),
    })
    if (file)
      await new Promise<void>((resolve, reject) =>
        file.end((e?: Error | null) => (e ? reject(e) : resolve())),
      )
    if (values.json) io.out(JSON.stringify(summary))
    else io.err(human(summary))
    return 0
  },
}
