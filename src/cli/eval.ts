/**
 * `bulwark eval --policy DIR --events FILE --labels FILE`: replays the events with the pack in
 * event-time order and measures the decisions against ground-truth labels — damage prevented,
 * recall, precision, benign friction, time to detect, per area and per rule (src/eval/).
 */

import { createWriteStream, openSync, type WriteStream, writeFileSync } from 'node:fs'
import { evalText } from '../eval/eval-text.ts'
import { htmlReport } from '../eval/html/page.ts'
import { evaluate } from '../eval/run.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { flags, readEvents, readLabels } from './eval-input.ts'
import { loadPackFrom } from './pack.ts'
import { terminalProgress } from './progress.ts'

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Measure a pack against labelled events: damage prevented, friction, precision, recall',
  usage: `bulwark eval --policy DIR --events FILE.jsonl --labels FILE.jsonl [--json] [--report FILE.html] [--out FILE]

  Replays the events (one JSON object per line, each with a time; - for standard input) with the
  pack in DIR, in event-time order on a fresh in-memory engine, and measures the decisions against
  the labels: one line per event, {"event_id","malicious","area"?,"campaign"?,"damage"?}.

  An action is stopped when its outcome is challenge, review or block. Per abuse area: malicious
  actions and how many were stopped (recall), damage prevented, precision of the area's rules,
  benign friction on the event types the area's malicious events use (events and users), time
  to detect each campaign, and what shadow rules would have added. Per rule: hits (enforced and
  shadow), precision and recall. Formulas: docs/evaluation.md.

  --json           print the report as one JSON object, the last line of standard output
  --report FILE    also write a self-contained HTML report with charts
  --out FILE       also write every decision, one JSON object per line
  Label lines that do not parse are reported on standard error with their line numbers. On a
  terminal, without --json, a progress bar runs on standard error.
  Exit 1 if a flag is wrong, the pack does not load or a file cannot be read.`,
  async run(args, io: Io) {
    const values = flags(
      'eval',
      this.usage,
      args,
      {
        policy: { type: 'string' },
        events: { type: 'string' },
        labels: { type: 'string' },
        json: { type: 'boolean' },
        report: { type: 'string' },
        out: { type: 'string' },
      },
      io,
    )
    if (!values) return 1
    const missing = missingFlags(values, ['policy', 'events', 'labels'])
    if (missing) {
      io.err(usageError('eval', missing, this.usage))
      return 1
    }
    if (values.events === '-' && values.labels === '-') {
      io.err('bulwark eval: only one of --events and --labels can be standard input')
      return 1
    }
    const pack = await loadPackFrom(values.policy!, io)
    if (!pack) return 1
    const events = await readEvents(values.events!, io)
    if (!events) return 1
    const labels = await readLabels(values.labels!, io)
    if (!labels) return 1
    let file: WriteStream | undefined
    if (values.out) {
      try {
        file = createWriteStream('', { fd: openSync(values.out, 'w') })
      } catch (e) {
        io.err(`cannot write ${values.out}: ${(e as Error).message}`)
        return 1
      }
    }
    const progress = terminalProgress(values.json)
    const { report, replay } = await evaluate(pack, events, labels, {
      ...(progress ? { onProgress: progress } : {}),
      ...(file
        ? { onDecision: (d, duplicate) => file.write(`${JSON.stringify({ ...d, duplicate })}\n`) }
        : {}),
    })
    if (file)
      await new Promise<void>((resolve, reject) =>
        file.end((e?: Error | null) => (e ? reject(e) : resolve())),
      )
    for (const p of replay.problems) io.err(`${values.events}:${p.line}: ${p.code} ${p.message}`)
    if (replay.rejected > replay.problems.length)
      io.err(`… and ${replay.rejected - replay.problems.length} more rejected event lines`)
    if (values.report) {
      try {
        writeFileSync(values.report, htmlReport(report))
      } catch (e) {
        io.err(`cannot write ${values.report}: ${(e as Error).message}`)
        return 1
      }
    }
    if (values.json) io.out(JSON.stringify(report))
    else io.out(evalText(report))
    return 0
  },
}
