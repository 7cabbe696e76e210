/**
 * Offline replay: decide a recorded stream of events with a pack, in event-time order, on a fresh
 * in-memory engine whose clock follows the events — so windows, `now` and label expiry behave as
 * they would have live. Nothing is stored. The stream (a string, or a file's bytes when it is larger
 * than a string can be) is read whole and sorted stably by event time
 * (events with equal times keep their file order); a line that is not a JSON object, has no valid
 * `time`, or fails validation is counted and reported, never fatal.
 *
 * Two passes over the text: the first reads every line's time and id — from the bytes without
 * parsing (line-scan.ts) where it can, else by parsing the line — and keeps only where the line is
 * (a million parsed events would fill gigabytes of heap for the garbage collector to walk); the
 * second parses each line when its turn comes, decides it and lets it go. Ids
 * that occur more than once are known after the first pass, so only their decisions are kept for
 * answering the repeats — the engine's ring of recent decisions is not needed offline.
 */

import { ManualClock } from '../core/clock.ts'
import type { Decision } from '../core/domain.ts'
import { BulwarkError } from '../core/errors.ts'
import { MemoryFeatureStore } from '../features/memory.ts'
import { toTimestamp } from '../policy/fields.ts'
import type { Pack } from '../policy/pack.ts'
import { scanTimeAndId } from './line-scan.ts'
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
    line: number,
  ) => void
  /** Called now and then with progress (decided so far, total). */
  readonly onProgress?: (done: number, total: number) => void
}

const MAX_PROBLEMS = 20
const TIME_REQUIRED = 'time is required for a replay (RFC 3339 or epoch milliseconds)'

/** Whether the events are already in non-decreasing time order. */
function inTimeOrder(events: readonly ReplayEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]!.time < events[i - 1]!.time) return false
  return true
}
/**
 * Housekeeping in event time, as `bulwark serve` does on its timer (src/service/node.ts
 * maintain()): feature keys idle past their retention — first_seen and last_seen included, so
 * a key forgotten live is forgotten here too — expired labels and list entries are dropped. It
 * runs before any gap of a minute or more in event time (the server's timer would have fired in
 * it) and, in a dense stream, every 2^14 events (a mask) once event time has moved on by the
 * server's interval: a full pass over the keys each minute of a dense stream would cost more
 * than deciding.
 */
export const MAINTENANCE_EVERY_MS = 60_000
const MAINTENANCE_CHECK = 0x3fff

/** One event ready to replay: where it came from (a line, or a position), its time and content. */
export interface ReplayEvent {
  readonly line: number
  /** Event time, ms since the epoch. */
  readonly time: number
  readonly event: Record<string, unknown>
}

/** Events already parsed (e.g. read from storage), in any order; they are replayed by time. */
export interface ParsedEvents {
  /**
   * The events; from parseEvents, each `event` is parsed from its line when read (read it once
   * per use and keep the object, as the replay does).
   */
  readonly events: ReplayEvent[]
  readonly lines: number
  readonly problems: ReplayProblem[]
  readonly rejected: number
  /**
   * Event ids seen on more than one line, when known (parseEvents knows them). Then only their
   * decisions are kept to answer repeats; without it the engine remembers recent decisions.
   */
  readonly repeatedIds?: ReadonlySet<string>
}

/** A line of the input: its time and where it is; the event is parsed again on each read. */
class LineEvent implements ReplayEvent {
  readonly line: number
  readonly time: number
  private readonly source: Buffer | string
  private readonly start: number
  private readonly end: number

  constructor(line: number, time: number, source: Buffer | string, start: number, end: number) {
    this.line = line
    this.time = time
    this.source = source
    this.start = start
    this.end = end
  }

  get event(): Record<string, unknown> {
    const text =
      typeof this.source === 'string' ? this.source : this.source.toString('utf8', this.start, this.end)
    return JSON.parse(text) as Record<string, unknown>
  }
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

/**
 * Calls `line` with each line's text and 1-based number; bytes are split on \n and decoded. For
 * bytes it also passes the buffer and the line's byte range (for reading the line again later).
 */
export function forEachLine(
  input: string | Uint8Array,
  line: (text: string, n: number, bytes?: Buffer, start?: number, end?: number) => void,
): void {
  if (typeof input === 'string') {
    const lines = input.split('\n')
    for (let i = 0; i < lines.length; i++) line(lines[i]!, i + 1)
    return
  }
  forEachByteLine(input, (bytes, n, start, end) =>
    line(bytes.toString('utf8', start, end), n, bytes, start, end),
  )
}

/** Calls `line` with the buffer, the 1-based number and the byte range of each line (not decoded). */
export function forEachByteLine(
  input: Uint8Array,
  line: (bytes: Buffer, n: number, start: number, end: number) => void,
): void {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  let start = 0
  for (let n = 1; ; n++) {
    const found = bytes.indexOf(10, start)
    const end = found < 0 ? bytes.length : found
    line(bytes, n, start, end)
    if (found < 0) return
    start = found + 1
  }
}

/**
 * Parses JSON lines into replayable events; bad lines become numbered problems. `linesBefore`
 * numbers the lines of a chunk that continues earlier ones (the first is `linesBefore + 1`).
 */
export function parseEvents(input: string | Uint8Array, linesBefore = 0): ParsedEvents {
  const problems: ReplayProblem[] = []
  let rejected = 0
  const reject = (line: number, code: string, message: string) => {
    rejected++
    if (problems.length < MAX_PROBLEMS) problems.push({ line, code, message })
  }

  const queue: ReplayEvent[] = []
  const seen = new Set<string>()
  const repeatedIds = new Set<string>()
  let count = 0
  const noteId = (id: unknown) => {
    if (typeof id !== 'string') return
    if (seen.has(id)) repeatedIds.add(id)
    else seen.add(id)
  }
  const parseLine = (raw: string, line: number, bytes?: Buffer, start?: number, end?: number) => {
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
      reject(line, 'EVENT_INVALID', TIME_REQUIRED)
      return
    }
    noteId((event as { id?: unknown }).id)
    queue.push(
      bytes !== undefined
        ? new LineEvent(line, time.toMillis(), bytes, start!, end!)
        : new LineEvent(line, time.toMillis(), text, 0, text.length),
    )
  }
  if (typeof input === 'string') forEachLine(input, (raw, n) => parseLine(raw, n + linesBefore))
  else
    forEachByteLine(input, (bytes, n, start, end) => {
      // Most lines: time and id read from the bytes; the line is parsed only on its turn.
      const scanned = scanTimeAndId(bytes, start, end)
      if (scanned === undefined) {
        parseLine(bytes.toString('utf8', start, end), n + linesBefore, bytes, start, end)
        return
      }
      count++
      const time = toTimestamp(scanned.time)
      if (time === undefined) {
        reject(n + linesBefore, 'EVENT_INVALID', TIME_REQUIRED)
        return
      }
      noteId(scanned.id)
      queue.push(new LineEvent(n + linesBefore, time.toMillis(), bytes, start, end))
    })
  return { events: queue, lines: count, problems, rejected, repeatedIds }
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
  // Array.prototype.sort is stable: equal times keep their order in the file. Most streams are
  // in time order already: then there is nothing to sort.
  if (!inTimeOrder(queue)) queue.sort((a, b) => a.time - b.time)

  const clock = new ManualClock(queue[0]?.time ?? 0)
  const repeated = parsed.repeatedIds
  // With the repeated ids known, only their first decisions are kept (below); otherwise the
  // engine's ring of recent decisions answers repeats.
  const engine = memoryEngine(pack, clock, repeated ? { recentDecisions: 0 } : {})
  const synchronous = engine.synchronous
  let maintained = queue[0]?.time ?? 0
  const firstDecisions = new Map<string, Decision>()
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
    // Read once: a line event parses its text on every read. A line the first pass only scanned
    // (src/engine/line-scan.ts) may still turn out not to be JSON here.
    let event: Record<string, unknown>
    try {
      event = q.event
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e
      reject(q.line, 'INVALID_JSON', e.message)
      continue
    }
    try {
      let decision: Decision
      let duplicate = false
      const id = repeated !== undefined && repeated.size > 0 ? event.id : undefined
      const first = typeof id === 'string' ? firstDecisions.get(id) : undefined
      if (first !== undefined) {
        decision = first
        duplicate = true
      } else {
        // The in-memory engine answers synchronously (no Promise, no microtask turn per event)
        // unless a model scores only asynchronously (ONNX): then each decision is awaited in turn.
        ;({ decision, duplicate } = synchronous ? engine.decideSync(event) : await engine.decide(event))
        if (typeof id === 'string' && repeated!.has(id)) firstDecisions.set(id, decision)
      }
      options.onDecision?.(decision, duplicate, event, q.time, q.line)
      if (duplicate) {
        duplicates++
      } else {
        decided++
        outcomes[decision.outcome] = (outcomes[decision.outcome] ?? 0) + 1
        // Indexed loops: for-of over these lists allocated an iterator result per step (heap profile).
        const { hits, errors } = decision
        for (let h = 0; h < hits.length; h++)
          rule(hits[h]!.rule)[hits[h]!.mode === 'enforce' ? 'enforced' : 'shadow']++
        for (let e = 0; e < errors.length; e++) rule(errors[e]!.rule).errors++
      }
    } catch (e) {
      if (!(e instanceof BulwarkError)) throw e
      reject(q.line, e.code, e.message)
    }
    if ((i & 1023) === 1023) options.onProgress?.(i + 1, queue.length)
    // Keys, labels and list entries past their retention go as they would live; the store (and
    // the heap the garbage collector walks) then holds what is live, not every key ever used.
    const next = queue[i + 1]
    if (
      next !== undefined &&
      ((i & MAINTENANCE_CHECK) === MAINTENANCE_CHECK || next.time - q.time >= MAINTENANCE_EVERY_MS) &&
      next.time - maintained >= MAINTENANCE_EVERY_MS
    ) {
      maintained = next.time
      store?.expire(next.time)
      engine.labels.expire(next.time)
      engine.lists.expire(next.time)
    }
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
