/**
 * `bulwark simulate --seed N (--days D | --events N) --out DIR`: generates a reproducible world
 * of benign users and adversary campaigns (src/sim) — events.jsonl, labels.jsonl, manifest.json.
 */

import { parseArgs } from 'node:util'
import { runSimulation } from '../sim/run.ts'
import { DEFAULT_USERS } from '../sim/world.ts'
import { type Command, missingFlags, usageError } from './command.ts'

const DEFAULT_START = '2026-01-05T00:00:00Z'

/** A number flag: undefined when absent, an error message when malformed or out of range. */
function numberFlag(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
  integer: boolean,
): number | string | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    return `--${name} must be ${integer ? 'an integer' : 'a number'}, got '${text}'`
  if (n < min || n > max) return `--${name} must be between ${min} and ${max}, got ${text}`
  return n
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Generate benign and adversarial traffic with ground-truth labels',
  usage: `bulwark simulate --seed N (--days D | --events N) --out DIR [options]

  Simulates a short-video and live-streaming platform — a benign population and adversary
  campaigns in all eight abuse areas — and writes, in DIR:
    events.jsonl   the events the platform would send Bulwark (starter pack event types),
                   sorted by time, each with an opaque id and an RFC 3339 time
    labels.jsonl   one ground-truth line per event, same order: {"event_id", "malicious",
                   "area", "campaign", "damage"} (area, campaign, damage for malicious ones)
    manifest.json  seed, parameters, counts per area and campaign, benign users and events
  The same seed and options always produce byte-identical files.

  --seed N         random seed (integer)
  --days D         simulate D days (may be fractional), or
  --events N       stop after N events
  --out DIR        output directory (created if missing; files in it are overwritten)
  --evasion E      0..1, how hard every campaign hides (default 0.3)
  --intensity X    campaign volume multiplier; 2 or more runs several crews per kind (default 1)
  --users N        benign population size (default ${DEFAULT_USERS})
  --start TIME     RFC 3339 start of simulated time (default ${DEFAULT_START})
  --json           print the manifest as JSON on standard output instead of the summary
  Exit 1 on a bad or missing option.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        seed: { type: 'string' },
        days: { type: 'string' },
        events: { type: 'string' },
        out: { type: 'string' },
        evasion: { type: 'string' },
        intensity: { type: 'string' },
        users: { type: 'string' },
        start: { type: 'string' },
        json: { type: 'boolean' },
      },
    })
    const problem =
      missingFlags(values, ['seed', 'out']) ??
      (values.days === undefined && values.events === undefined
        ? 'give --days or --events'
        : values.days !== undefined && values.events !== undefined
          ? 'give either --days or --events, not both'
          : undefined)
    if (problem) {
      io.err(usageError('simulate', problem, this.usage))
      return 1
    }
    const parsed = {
      seed: numberFlag('seed', values.seed, 0, 2 ** 32 - 1, true),
      days: numberFlag('days', values.days, 0.001, 3650, false),
      events: numberFlag('events', values.events, 1, 1e9, true),
      evasion: numberFlag('evasion', values.evasion, 0, 1, false),
      intensity: numberFlag('intensity', values.intensity, 0, 100, false),
      users: numberFlag('users', values.users, 10, 10_000_000, true),
    }
    const bad = Object.values(parsed).find((v) => typeof v === 'string')
    if (bad) {
      io.err(bad as string)
      return 1
    }
    const start = Date.parse(values.start ?? DEFAULT_START)
    if (Number.isNaN(start) || !/^\d{4}-\d{2}-\d{2}T/.test(values.start ?? DEFAULT_START)) {
      io.err(`--start must be an RFC 3339 time, got '${values.start}'`)
      return 1
    }
    const n = (v: number | string | undefined) => v as number | undefined
    const began = performance.now()
    const manifest = runSimulation({
      out: values.out!,
      seed: n(parsed.seed)!,
      start,
      ...(parsed.days !== undefined ? { days: n(parsed.days)! } : {}),
      ...(parsed.events !== undefined ? { events: n(parsed.events)! } : {}),
      users: n(parsed.users) ?? DEFAULT_USERS,
      evasion: n(parsed.evasion) ?? 0.3,
      intensity: n(parsed.intensity) ?? 1,
    })
    const ms = Math.round(performance.now() - began)
    if (values.json) {
      io.out(JSON.stringify(manifest))
      return 0
    }
    const lines = [
      `${manifest.events} events (${manifest.benign.events} benign from ${manifest.benign.users} users, ${manifest.malicious.events} malicious) from ${manifest.from} to ${manifest.to}`,
      'area: malicious events / damage',
      ...Object.entries(manifest.areas).map(([a, v]) => `  ${a}: ${v.events} / ${v.damage}`),
      `written to ${values.out}/{events.jsonl,labels.jsonl,manifest.json} in ${ms} ms (${Math.round((manifest.events / Math.max(ms, 1)) * 1000)} events/s)`,
    ]
    io.err(lines.join('\n'))
    return 0
  },
}
