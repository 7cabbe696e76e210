/**
 * `npm run bench:replay [-- --json] [-- --events N] [-- --policy DIR]`: offline replay and
 * evaluation throughput against merely reading and JSON-parsing the same file, in one run.
 *
 * The benchmark writes N events (default 1,000,000) of the realistic starter-pack mix
 * (bench/event-mix.ts), one second apart in event time, and labels for them (one in ten
 * malicious, spread over the eight areas and 50 campaigns) to a temporary directory, then times:
 *   (a) read the file + JSON.parse every line: the floor any replay pays (before and after the
 *       replays; the faster of the two counts);
 *   (b) `replay()` of the same file with the pack (read, parse, sort by time, decide every event
 *       on an in-memory engine whose clock follows the events);
 *   (c) `evaluate()` — (b) plus the evaluation against the labels.
 * Last line: {"events","replay_eps","parse_eps","ratio","eval_eps","eval_ratio","cpu_ratio",
 * "eval_cpu_ratio"}; ratio is replay_eps / parse_eps by wall-clock time; the cpu_ ratios are the
 * same comparisons by this process's CPU time (user + system), which other work on a shared
 * machine disturbs less.
 */

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { seededRandom as rng } from '../src/core/random.ts'
import { forEachLine, parseEvents, replay } from '../src/engine/replay.ts'
import { AREAS, parseLabels } from '../src/eval/labels.ts'
import { evaluate } from '../src/eval/run.ts'
import { readPackDir } from '../src/policy/bundle.ts'
import { loadPack } from '../src/policy/load.ts'
import { eventMix } from './event-mix.ts'

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    events: { type: 'string', default: '1000000' },
    policy: { type: 'string', default: 'policies/starter' },
  },
})
const N = Number(values.events)
if (!Number.isInteger(N) || N < 1)
  throw new Error(`--events must be a positive whole number, got ${values.events}`)
const loaded = loadPack(readPackDir(values.policy!))
if (!loaded.ok) throw new Error(`${values.policy} does not load`)
const pack = loaded.pack
const log = (s: string) => process.stderr.write(`${s}\n`)

// Generate the events and labels into a temporary directory, in chunks.
const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-replay-'))
const eventsFile = join(dir, 'events.jsonl')
const labelsFile = join(dir, 'labels.jsonl')
const T0 = Date.UTC(2026, 0, 1)
{
  // Timestamp fields drawn before each event's own time: the same file on every run.
  const mix = eventMix(pack, 11, (i) => T0 + i * 1000)
  const r = rng(5)
  const ev = openSync(eventsFile, 'w')
  const lb = openSync(labelsFile, 'w')
  const CHUNK = 10_000
  for (let start = 0; start < N; start += CHUNK) {
    const e: string[] = []
    const l: string[] = []
    for (let i = start; i < Math.min(N, start + CHUNK); i++) {
      const event: Record<string, unknown> = { ...mix(i), time: new Date(T0 + i * 1000).toISOString() }
      e.push(JSON.stringify(event))
      const malicious = r() < 0.1
      const k = Math.floor(r() * 50)
      l.push(
        JSON.stringify(
          malicious
            ? {
                event_id: event.id,
                malicious,
                area: AREAS[k % AREAS.length],
                campaign: `c${k}`,
                damage: 1 + (k % 3),
              }
            : { event_id: event.id, malicious },
        ),
      )
    }
    writeSync(ev, `${e.join('\n')}\n`)
    writeSync(lb, `${l.join('\n')}\n`)
  }
  closeSync(ev)
  closeSync(lb)
}
log(`${N} events written to ${eventsFile}`)

const timed = async <T>(f: () => T | Promise<T>): Promise<{ value: T; seconds: number; cpu: number }> => {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const value = await f()
  const c = process.cpuUsage(c0)
  return { value, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }
}

try {
  // (a) The floor: read the file and JSON.parse every line. Timed before and after the replays
  // (the faster counts), so a burst of other work on the machine does not inflate the ratio.
  const readAndParse = () =>
    timed(() => {
      // Bytes, split into lines: a million events are more than one string can hold.
      let n = 0
      forEachLine(readFileSync(eventsFile), (text) => {
        if (text !== '' && JSON.parse(text) !== null) n++
      })
      return n
    })
  const parseBefore = await readAndParse()
  if (parseBefore.value !== N) throw new Error(`parsed ${parseBefore.value} of ${N} lines`)
  log(`(a) read + JSON.parse: ${parseBefore.seconds.toFixed(2)} s`)

  // (b) The replay of the same file.
  const rep = await timed(() => replay(pack, readFileSync(eventsFile)))
  if (rep.value.decided !== N)
    throw new Error(`replay decided ${rep.value.decided} of ${N} (${rep.value.rejected} rejected)`)
  log(`(b) replay: ${rep.seconds.toFixed(2)} s, outcomes ${JSON.stringify(rep.value.outcomes)}`)

  // (c) The evaluation: the replay plus the metrics against the labels.
  const ev = await timed(() =>
    evaluate(pack, parseEvents(readFileSync(eventsFile)), parseLabels(readFileSync(labelsFile))),
  )
  log(`(c) eval: ${ev.seconds.toFixed(2)} s, damage prevented ${ev.value.report.damage_prevented}`)

  const parseAfter = await readAndParse()
  log(`(a) read + JSON.parse, again: ${parseAfter.seconds.toFixed(2)} s`)
  const parseEps = Math.round(N / Math.min(parseBefore.seconds, parseAfter.seconds))
  const replayEps = Math.round(N / rep.seconds)
  const evalEps = Math.round(N / ev.seconds)
  const parseCpu = Math.min(parseBefore.cpu, parseAfter.cpu)
  const result = {
    events: N,
    replay_eps: replayEps,
    parse_eps: parseEps,
    ratio: Math.round((replayEps / parseEps) * 1e4) / 1e4,
    eval_eps: evalEps,
    eval_ratio: Math.round((evalEps / parseEps) * 1e4) / 1e4,
    cpu_ratio: Math.round((parseCpu / rep.cpu) * 1e4) / 1e4,
    eval_cpu_ratio: Math.round((parseCpu / ev.cpu) * 1e4) / 1e4,
  }
  if (!values.json) {
    console.log(`events                 ${N}`)
    console.log(`read + JSON.parse      ${parseEps} events/s`)
    console.log(`replay                 ${replayEps} events/s  (${result.ratio} of parse)`)
    console.log(`eval (replay + labels) ${evalEps} events/s  (${result.eval_ratio} of parse)`)
  }
  console.log(JSON.stringify(result))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
