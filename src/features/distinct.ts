/**
 * Windowed distinct count. Exact while a key has at most 1,024 live values: each value maps to
 * the bucket (window/60, as in window.ts) of its last sighting, and a read counts the values last
 * seen within the window — so exact counts slide too. Up to 8 values live in a flat array
 * [value, bucket, …] (most keys see one or two); beyond that a Map, plus a sparse per-bucket tally
 * of last sightings so a read sums ≤ 60 numbers instead of walking 1,024 entries.
 *
 * When a 1,025th live value arrives the key switches to 8 sub-window HyperLogLogs, each covering
 * window/8 (fewer sub-windows for windows under 8 s, so none is shorter than 1 s); a read merges
 * the live ones, so in this mode an event leaves the window between 7/8 W and W after it
 * happened. Once every sub-window has aged out the key returns to exact mode.
 *
 * Only the last sighting of a value is kept, so a read counts values last seen after now - W,
 * including sightings slightly later than `now` (out-of-order events) — dropping those would
 * undercount values also seen earlier inside the window.
 */

import { estimateFromCounts, HLL_MAX_RANK, HLL_REGISTERS, hllCode } from './hll.ts'
import type { ByteReader, ByteWriter } from './snapshot.ts'
import { corrupt } from './snapshot.ts'
import { StoredKey } from './state.ts'
import type { FeatureSpec } from './types.ts'
import { addToBuckets, bucketOf, bucketsPerWindow, readBuckets } from './window.ts'

export const EXACT_LIMIT = 1024
export const SMALL_LIMIT = 8
export const SUB_WINDOWS = 8

export type DistinctValue = string | number
export type DistinctMode = 'small' | 'exact' | 'sketch'

/** The 8 (or fewer) sub-window sketches of a key past the exact limit, as a ring of slots. */
export class SubWindowSketches {
  /** Number of slots = sub-windows per window. */
  readonly k: number
  /** Newest sub-window index recorded. */
  newest: number
  /** Sub-window index each slot holds, -1 when empty. */
  readonly slots: number[]
  /** k × 2,048 registers, slot after slot. */
  readonly registers: Uint8Array
  /** Cache: the union of the slots in `mergedSlots` (a bitmask, -1 = stale) and its histogram. */
  mergedSlots: number
  readonly merged: Uint8Array
  readonly counts: Uint32Array
  estimate: number

  constructor(k: number, newest: number, slots: number[], registers: Uint8Array) {
    this.k = k
    this.newest = newest
    this.slots = slots
    this.registers = registers
    this.mergedSlots = -1
    this.merged = new Uint8Array(HLL_REGISTERS)
    this.counts = new Uint32Array(HLL_MAX_RANK + 1)
    this.estimate = 0
  }

  static empty(k: number, newest: number): SubWindowSketches {
    return new SubWindowSketches(k, newest, new Array<number>(k).fill(-1), new Uint8Array(k * HLL_REGISTERS))
  }

  /** Adds a value's HLL code in sub-window `sub`; ignored when that is older than the window. */
  add(code: number, sub: number): void {
    const k = this.k
    if (sub <= this.newest - k) return
    if (sub > this.newest) this.newest = sub
    const slot = sub % k
    const bit = 1 << slot
    if (this.slots[slot] !== sub) {
      this.registers.fill(0, slot * HLL_REGISTERS, (slot + 1) * HLL_REGISTERS)
      this.slots[slot] = sub
      if (this.mergedSlots !== -1 && (this.mergedSlots & bit) !== 0) this.mergedSlots = -1
    }
    const register = code >>> 6
    const rank = code & 63
    const at = slot * HLL_REGISTERS + register
    if (rank <= this.registers[at]!) return
    this.registers[at] = rank
    if (this.mergedSlots === -1 || (this.mergedSlots & bit) === 0) return
    const before = this.merged[register]!
    if (rank <= before) return
    this.merged[register] = rank
    this.counts[before]!--
    this.counts[rank]!++
    this.estimate = -1
  }

  /** Estimated distinct values in the sub-windows after `current` - k. */
  read(current: number): number {
    let live = 0
    for (let slot = 0; slot < this.k; slot++) {
      const sub = this.slots[slot]!
      if (sub >= 0 && sub > current - this.k) live |= 1 << slot
    }
    if (live === 0) return 0
    if (live !== this.mergedSlots) this.mergeSlots(live)
    if (this.estimate < 0) this.estimate = Math.round(estimateFromCounts(this.counts))
    return this.estimate
  }

  private mergeSlots(live: number): void {
    const merged = this.merged
    merged.fill(0)
    for (let slot = 0; slot < this.k; slot++) {
      if ((live & (1 << slot)) === 0) continue
      const registers = this.registers.subarray(slot * HLL_REGISTERS, (slot + 1) * HLL_REGISTERS)
      for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i]! > merged[i]!) merged[i] = registers[i]!
    }
    this.counts.fill(0)
    for (let i = 0; i < HLL_REGISTERS; i++) this.counts[merged[i]!]!++
    this.mergedSlots = live
    this.estimate = -1
  }
}

/** One key's distinct state; exactly one of small / values / sketches is in use. */
export class DistinctState extends StoredKey {
  /** Newest bucket index recorded (exact modes). */
  newest: number
  /** Small exact mode: [value, bucket, value, bucket, …]. */
  small: DistinctValue[] | null
  /** Exact mode: value → bucket of its last sighting. */
  values: Map<DistinctValue, number> | null
  /** Exact mode: how many values were last seen in each bucket, sparse [bucket, count, …]. */
  tally: number[] | null
  sketches: SubWindowSketches | null

  /** `small`: the initial flat array — pass [value, bucket] for a first sighting, sized exactly. */
  constructor(
    spec: FeatureSpec,
    key: string,
    recent: boolean,
    newest: number,
    small: DistinctValue[] | null,
  ) {
    super(spec, key, recent)
    this.newest = newest
    this.small = small
    this.values = null
    this.tally = null
    this.sketches = null
  }
}

export function distinctMode(state: DistinctState): DistinctMode {
  return state.sketches !== null ? 'sketch' : state.values !== null ? 'exact' : 'small'
}

function subWindows(n: number): number {
  return Math.min(SUB_WINDOWS, n)
}

/** Records a sighting of `value` at `time`. */
export function distinctAdd(state: DistinctState, time: number, value: DistinctValue): void {
  const windowMs = state.spec.windowMs
  const n = bucketsPerWindow(windowMs)
  const sketches = state.sketches
  if (sketches !== null) {
    const sub = bucketOf(time, sketches.k, windowMs)
    if (sub - sketches.newest < sketches.k) {
      sketches.add(hllCode(value), sub)
      return
    }
    // Every sub-window has aged out: the key starts over, exact.
    state.sketches = null
    state.small = []
    state.newest = bucketOf(time, n, windowMs)
  }
  const bucket = bucketOf(time, n, windowMs)
  if (bucket <= state.newest - n) return
  if (bucket > state.newest) state.newest = bucket
  if (state.small !== null) addSmall(state, value, bucket, n)
  else addExact(state, value, bucket, n)
}

function addSmall(state: DistinctState, value: DistinctValue, bucket: number, n: number): void {
  const small = state.small!
  const nan = Number.isNaN(value) // a Map treats NaN as one value; === does not
  for (let i = 0; i < small.length; i += 2) {
    if (small[i] === value || (nan && Number.isNaN(small[i]))) {
      if (bucket > (small[i + 1] as number)) small[i + 1] = bucket
      return
    }
  }
  if (small.length >= SMALL_LIMIT * 2) pruneSmall(small, state.newest - n)
  if (small.length < SMALL_LIMIT * 2) {
    small.push(value, bucket)
    return
  }
  // Outgrown the flat array: move to a Map with a per-bucket tally.
  const values = new Map<DistinctValue, number>()
  const tally: number[] = []
  for (let i = 0; i < small.length; i += 2) {
    values.set(small[i]!, small[i + 1] as number)
    addToBuckets(tally, small[i + 1] as number, n, 'sum', 1)
  }
  state.small = null
  state.values = values
  state.tally = tally
  addExact(state, value, bucket, n)
}

function pruneSmall(small: DistinctValue[], limit: number): void {
  let kept = 0
  for (let i = 0; i < small.length; i += 2) {
    if ((small[i + 1] as number) <= limit) continue
    small[kept] = small[i]!
    small[kept + 1] = small[i + 1]!
    kept += 2
  }
  small.length = kept
}

function addExact(state: DistinctState, value: DistinctValue, bucket: number, n: number): void {
  const values = state.values!
  const tally = state.tally!
  const last = values.get(value)
  if (last !== undefined) {
    if (bucket <= last) return
    values.set(value, bucket)
    if (last > state.newest - n) addToBuckets(tally, last, n, 'sum', -1)
    addToBuckets(tally, bucket, n, 'sum', 1)
    return
  }
  if (values.size >= EXACT_LIMIT) {
    const limit = state.newest - n
    for (const [seen, at] of values) if (at <= limit) values.delete(seen)
    if (values.size >= EXACT_LIMIT) {
      toSketches(state, value, bucket, n)
      return
    }
  }
  values.set(value, bucket)
  addToBuckets(tally, bucket, n, 'sum', 1)
}

/** Past the exact limit: every live value (and the new one) goes into its sub-window's sketch. */
function toSketches(state: DistinctState, value: DistinctValue, bucket: number, n: number): void {
  const k = subWindows(n)
  // A bucket goes to the sub-window holding its start (b·W/n lies in sub-window ⌊b·k/n⌋): a value
  // carried over may leave up to W/60 early, never late — the exact time within its bucket is gone.
  const sketches = SubWindowSketches.empty(k, Math.floor((state.newest * k) / n))
  const limit = state.newest - n
  for (const [seen, at] of state.values!) {
    if (at > limit) sketches.add(hllCode(seen), Math.floor((at * k) / n))
  }
  sketches.add(hllCode(value), Math.floor((bucket * k) / n))
  state.values = null
  state.tally = null
  state.sketches = sketches
}

/** Distinct values seen in the window ending at `now` (estimated in sketch mode). */
export function distinctRead(state: DistinctState, now: number): number {
  const windowMs = state.spec.windowMs
  const sketches = state.sketches
  if (sketches !== null) return sketches.read(bucketOf(now, sketches.k, windowMs))
  const n = bucketsPerWindow(windowMs)
  const lowest = bucketOf(now, n, windowMs) - n
  const small = state.small
  if (small === null) return readBuckets(state.tally!, lowest, Number.POSITIVE_INFINITY, 'sum')!
  let count = 0
  for (let i = 1; i < small.length; i += 2) if ((small[i] as number) > lowest) count++
  return count
}

/** The end of the newest bucket (or sub-window) with a sighting. */
export function distinctLastTime(state: DistinctState): number {
  const windowMs = state.spec.windowMs
  const sketches = state.sketches
  if (sketches !== null) return ((sketches.newest + 1) * windowMs) / sketches.k
  return ((state.newest + 1) * windowMs) / bucketsPerWindow(windowMs)
}

const MODE_SMALL = 0
const MODE_EXACT = 1
const MODE_SKETCH = 2
const VALUE_STRING = 0
const VALUE_NUMBER = 1

/**
 * Snapshot form: mode, newest index; exact modes: count, then per value its type, the value and
 * its bucket as a distance back from the newest; sketch mode: per slot its sub-window index and,
 * when in use, its 2,048 registers.
 */
export function writeDistinct(out: ByteWriter, state: DistinctState): void {
  const sketches = state.sketches
  if (sketches !== null) {
    out.u8(MODE_SKETCH)
    out.svarint(sketches.newest)
    for (let slot = 0; slot < sketches.k; slot++) {
      const sub = sketches.slots[slot]!
      out.svarint(sub)
      if (sub >= 0) out.bytes(sketches.registers.subarray(slot * HLL_REGISTERS, (slot + 1) * HLL_REGISTERS))
    }
    return
  }
  const small = state.small
  out.u8(small !== null ? MODE_SMALL : MODE_EXACT)
  out.svarint(state.newest)
  if (small !== null) {
    out.varint(small.length / 2)
    for (let i = 0; i < small.length; i += 2)
      writeValue(out, small[i]!, state.newest - (small[i + 1] as number))
    return
  }
  const values = state.values!
  out.varint(values.size)
  for (const [value, bucket] of values) writeValue(out, value, state.newest - bucket)
}

function writeValue(out: ByteWriter, value: DistinctValue, age: number): void {
  if (typeof value === 'string') {
    out.u8(VALUE_STRING)
    out.string(value)
  } else {
    out.u8(VALUE_NUMBER)
    out.f64(value)
  }
  out.varint(age)
}

function readValue(input: ByteReader): DistinctValue {
  const type = input.u8()
  if (type === VALUE_STRING) return input.string()
  if (type === VALUE_NUMBER) return input.f64()
  return corrupt(`distinct value type ${type}`)
}

export function readDistinct(
  input: ByteReader,
  spec: FeatureSpec,
  key: string,
  recent: boolean,
): DistinctState {
  const mode = input.u8()
  const newest = input.svarint()
  const state = new DistinctState(spec, key, recent, newest, [])
  const n = bucketsPerWindow(spec.windowMs)
  if (mode === MODE_SKETCH) {
    const k = subWindows(n)
    const slots: number[] = []
    const registers = new Uint8Array(k * HLL_REGISTERS)
    for (let slot = 0; slot < k; slot++) {
      const sub = input.svarint()
      slots.push(sub)
      if (sub >= 0) registers.set(input.bytes(HLL_REGISTERS), slot * HLL_REGISTERS)
    }
    state.small = null
    state.sketches = new SubWindowSketches(k, newest, slots, registers)
    return state
  }
  const count = input.varint()
  if (mode === MODE_SMALL) {
    const small = state.small!
    for (let i = 0; i < count; i++) small.push(readValue(input), newest - input.varint())
    return state
  }
  if (mode !== MODE_EXACT) corrupt(`distinct mode ${mode}`)
  const values = new Map<DistinctValue, number>()
  const tally: number[] = []
  for (let i = 0; i < count; i++) {
    const value = readValue(input)
    const bucket = newest - input.varint()
    values.set(value, bucket)
    if (bucket > newest - n) addToBuckets(tally, bucket, n, 'sum', 1)
  }
  state.small = null
  state.values = values
  state.tally = tally
  return state
}
