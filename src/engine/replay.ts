/**
 * Offline replay: decide a recorded stream of events with a pack, in event-time order, on a fresh
 * in-memory engine whose clock follows the events — so windows, `now` and label expiry behave as
 * they would have live. Nothing is stored. The stream (a string, or a file's bytes when it is larger
 * than a string can be) is read whole and sorted stably by event time
 * (events with equal times keep their file order); a line that is not a JSON object, has no valid
 * `time`, or fails validation is counted and reported, never fatal.
 */

import { ManualClock } from '../core/clock.ts'
import type { Decision } from '../core/domain.ts'
import { BulwarkError } from '../core/errors.ts'
import { MemoryFeatureStore } from '../features/memory.ts'
import { toTimestamp } from '../policy/fields.ts'
import type { Pack } from '../policy/pack.ts'
import { memoryEngine } from './pack-tests.ts'

export interface ReplayProblem {
  /** 1-based line of the input. */
  readonly line: number
  readonly code: string
  readonly message: string
}

export interface ReplaySummary {
  readonly policy: { readonly name: string; readonly version: string }
  readonly lines: number
  readonly decided: number
  /** Events whose id repeated an earlier one: answered with the first decision, not counted again. */
  readonly duplicates: number
  readonly rejected: number
  /** The first problems (at most 20), with their line numbers. */
  readonly problems: readonly ReplayProblem[]
  readonly outcomes: Readonly<Record<string, number>>
  /** Per rule: enforced hits, shadow hits, evaluation errors. */
  readonly rules: Readonly<Record<string, { enforced: number; shadow: number; errors: number }>>
  /** First and last event time (RFC 3339), or null without events. */
  readonly from: string | null
  readonly to: string | null
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

export interface ReplayOptions {
  /**
   * Called with every decision, in replay order, with the event as read (raw, before validation)
   * and its time in ms since the epoch.
   */
  readonly onDecision?: (
    decision: Decision,
    duplicate: boolean,
    event: Record<string, unknown>,
    time: number,
  ) => void
  /** Called now and then with progress (decided so far, total). */
  readonly onProgress?: (done: number, total: number) => void
}

const MAX_PROBLEMS = 20
/** Empty windows are dropped every 2^16 events (a mask). */
const EXPIRE_EVERY = 0xffff

/** One event ready to replay: where it came from (a line, or a position), its time and content. */
export interface ReplayEvent {
  readonly line: number
  /** Event time, ms since the epoch. */
  readonly time: number
  readonly event: Record<string, unknown>
}

/** Events already parsed (e.g. read from storage), in any order; they are replayed by time. */
export interface ParsedEvents {
  readonly events: ReplayEvent[]
  readonly lines: number
  readonly problems: ReplayProblem[]
  readonly rejected: number
}

/**
 * Replays JSON lines: a string, or the bytes of a file (UTF-8) — bytes for large files, since a
 * string cannot hold more than about 512 MiB.
 */
export async function replay(
  pack: Pack,
  input: string | Uint8Array,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const started = performance.now()
  return replayEvents(pack, parseEvents(input), options, started)
}

/** Calls `line` with each line's text and 1-based number; bytes are split on \n and decoded. */
export function forEachLine(input: string | Uint8Array, line: (text: string, n: number) => void): void {
  if (typeof input === 'string') {
    const lines = input.split('\n')
    for (let i = 0; i < lines.length; i++) line(lines[i]!, i + 1)
    return
  }
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  let start = 0
  for (let n = 1; ; n++) {
    const end = bytes.indexOf(10, start)
    line(bytes.toString('utf8', start, end < 0 ? bytes.length : end), n)
    if (end < 0) return
    start = end + 1
  }
}

/** Parses JSON lines into replayable events; bad lines become numbered problems. */
export function parseEvents(input: string | Uint8Array): ParsedEvents {
  const problems: ReplayProblem[] = []
  let rejected = 0
  const reject = (line: number, code: string, message: string) => {
    rejected++
    if (problems.length < MAX_PROBLEMS) problems.push({ line, code, message })
  }

  const queue: ReplayEvent[] = []
  let count = 0
  forEachLine(input, (raw, line) => {
    const text = raw.trim()
    if (text === '') return
    count++
    let event: unknown
    try {
      event = JSON.parse(text)
    } catch (e) {
      reject(line, 'INVALID_JSON', (e as Error).message)
      return
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      reject(line, 'EVENT_INVALID', 'a line must hold one JSON object (an event)')
      return
    }
    const time = toTimestamp((event as { time?: unknown }).time)
    if (time === undefined) {
      reject(line, 'EVENT_INVALID', 'time is required for a replay (RFC 3339 or epoch milliseconds)')
      return
    }
    queue.push({ line, time: time.toMillis(), event: event as Record<string, unknown> })
  })
  return { events: queue, lines: count, problems, rejected }
}

/** Decides parsed events in event-time order (sorting `parsed.events` in place). */
export async function replayEvents(
  pack: Pack,
  parsed: ParsedEvents,
  options: ReplayOptions = {},
  started = performance.now(),
): Promise<ReplaySummary> {
  const problems = [...parsed.problems]
  let rejected = parsed.rejected
  const reject = (line: number, code: string, message: string) => {
    rejected++
    if (problems.length < MAX_PROBLEMS) problems.push({ line, code, message })
  }
  const queue = parsed.events
  // Array.prototype.sort is stable: equal times keep their order in the file.
  queue.sort((a, b) => a.time - b.time)

  const clock = new ManualClock(queue[0]?.time ?? 0)
  const engine = memoryEngine(pack, clock)
  const store = engine.features instanceof MemoryFeatureStore ? engine.features : undefined
  const outcomes: Record<string, number> = {}
  const rules: Record<string, { enforced: number; shadow: number; errors: number }> = {}
  const rule = (id: string) => {
    let r = rules[id]
    if (r === undefined) {
      r = { enforced: 0, shadow: 0, errors: 0 }
      rules[id] = r
    }
    return r
  }
  let decided = 0
  let duplicates = 0
  for (let i = 0; i < queue.length; i++) {
    const q = queue[i]!
    clock.set(q.time)
    try {
      // The in-memory engine answers synchronously: no Promise and no microtask turn per event.
      const { decision, duplicate } = engine.decideSync(q.event)
      options.onDecision?.(decision, duplicate, q.event, q.time)
      if (duplicate) {
        duplicates++
      } else {
        decided++
        outcomes[decision.outcome] = (outcomes[decision.outcome] ?? 0) + 1
        for (const h of decision.hits) rule(h.rule)[h.mode === 'enforce' ? 'enforced' : 'shadow']++
        for (const e of decision.errors) rule(e.rule).errors++
      }
    } catch (e) {
      if (!(e instanceof BulwarkError)) throw e
      reject(q.line, e.code, e.message)
    }
    if ((i & 1023) === 1023) options.onProgress?.(i + 1, queue.length)
    // Windows the stream has left behind read as empty: drop them, so the store (and the heap the
    // garbage collector walks) holds the live windows rather than every key ever used.
    if ((i & EXPIRE_EVERY) === EXPIRE_EVERY && store !== undefined) store.expireWindows(q.time)
  }
  options.onProgress?.(queue.length, queue.length)
  const elapsedMs = performance.now() - started
  return {
    policy: { name: pack.name, version: pack.version },
    lines: parsed.lines,
    decided,
    duplicates,
    rejected,
    problems,
    outcomes,
    rules,
    from: queue.length ? new Date(queue[0]!.time).toISOString() : null,
    to: queue.length ? new Date(queue[queue.length - 1]!.time).toISOString() : null,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: elapsedMs > 0 ? Math.round((queue.length / elapsedMs) * 1000) : 0,
  }
}
