/**
 * The embedded feature store: every key's state in process memory. apply() is on the hot path of
 * every decision, so it does all its work synchronously (the Promise is only the contract's
 * shape), allocates nothing per op, and remembers the states its updates touched so the reads
 * that follow do not look them up again.
 *
 * Layout: one Map from key string to the states under that key, chained through `sameKey`
 * (state.ts), one per spec. An event's ops share few keys (in the starter pack 12 ops, 6 keys: a
 * view updates four features keyed by device and content), and with hundreds of thousands of
 * keys every lookup in a big hash table misses the CPU cache, so one lookup per key, then a walk
 * of a short chain comparing spec ids, costs less than a table per spec. (A Map keyed by
 * `${spec.id}\u0000${key}` was worse still: a rope that every lookup must flatten and hash.)
 *
 * Memory is bounded two ways: expire(now) drops keys idle past their retention (windowed kinds:
 * past the longer of window and retention — an emptied window reads the same as no state), and a
 * hard cap on keys evicts the least recently updated, approximated by CLOCK (second chance) over
 * one list of all states, oldest first, linked through the states themselves (no hash table to
 * grow): a new key joins the young end, an update only sets its `recent` flag; when a new key
 * would pass the cap the hand walks from the oldest, moving recent ones to the young end
 * (clearing the flag), and evicts the first not updated since it last joined the young end.
 * Updates never pay for eviction order; each move is paid for by an update.
 *
 * Snapshots in slices (`snapshotInSlices`, what the server takes every minute): writing two
 * million keys in one go held the event loop for about 450 ms, and expire() for about 180 ms.
 * Both now walk the eviction list a slice at a time, a turn of the event loop apart, from a cursor
 * the list operations keep valid (`leave` moves it past a state that goes). The snapshot is still
 * the state at the instant it began, by copy-on-write: a state not yet written is written before
 * an update, an eviction move or `forget` changes it, and a state born since is marked as written.
 * Its states come out in eviction order but for those written early; order only steers eviction,
 * never a read.
 *
 * Snapshot format (version 1), little-endian:
 *   "BWFS" u8(version) varint(keys)
 *   per key, in eviction order (oldest first): varint(spec ref: 0 = a new spec follows —
 *     string id, u8 kind, f64 windowMs, f64 retentionMs — else index + 1 into the specs defined
 *     so far), string(key), u8(recent), then the state (window.ts, distinct.ts, seen.ts).
 * Restoring reproduces the state exactly: reads after restore equal reads before.
 */

import { BulwarkError } from '../core/errors.ts'
import {
  DistinctState,
  distinctAdd,
  distinctLastTime,
  distinctRead,
  readDistinct,
  writeDistinct,
} from './distinct.ts'
import {
  FirstSeenState,
  firstSeenAdd,
  LastSeenState,
  lastSeenAdd,
  lastSeenRead,
  readFirstSeen,
  readLastSeen,
  writeFirstSeen,
  writeLastSeen,
} from './seen.ts'
import { ByteReader, ByteWriter, corrupt, readSnapshotFile, saveSnapshot } from './snapshot.ts'
import type { StoredKey } from './state.ts'
import type {
  FeatureBatch,
  FeatureKind,
  FeatureSpec,
  FeatureStore,
  FeatureUpdate,
  FeatureValues,
} from './types.ts'
import {
  bucketOf,
  bucketsPerWindow,
  readWindow,
  WindowState,
  windowAdd,
  windowLastTime,
  windowRead,
  writeWindow,
} from './window.ts'

export const DEFAULT_MAX_KEYS = 2_000_000

/**
 * States a slice of snapshotInSlices() or expireInSlices() handles per turn of the event loop:
 * about a millisecond of writing, a few of forgetting (bench/features.ts prints the longest turn).
 */
export const SLICE_STATES = 5_000

export interface MemoryFeatureStoreOptions {
  /** Hard cap on keys held; beyond it the least recently updated are evicted. */
  readonly maxKeys?: number
}

type KeyState = WindowState | DistinctState | FirstSeenState | LastSeenState

const MAGIC = Buffer.from('BWFS', 'latin1')
const VERSION = 1
const KINDS: readonly FeatureKind[] = ['count', 'sum', 'distinct', 'min', 'max', 'first_seen', 'last_seen']

export class MemoryFeatureStore implements FeatureStore {
  /** key → the first of the states under that key (the others follow through `sameKey`). */
  private keys = new Map<string, StoredKey>()
  /** Both ends of the eviction order (`newer` links lead from the oldest to the youngest). */
  private oldest: StoredKey | null = null
  private youngest: StoredKey | null = null
  private count = 0
  private readonly maxKeys: number
  /** Ticks once per batch (and per replayed update); last_seen uses it to tell batches apart. */
  private stamp = 0
  /** States the current batch's updates touched, by op index: the reads reuse them. */
  private readonly touched: (KeyState | undefined)[] = []
  private evictedKeys = 0
  /** Snapshot generations so far (states carry the one they were written in). */
  private generation = 0
  /** The snapshot being taken in slices, if one is. */
  private taking: Taking | undefined = undefined
  /** Where the expiry being done in slices has got to, if one is under way. */
  private expiring: { cursor: KeyState | null } | undefined = undefined

  constructor(options: MemoryFeatureStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new BulwarkError('INVALID_ARGUMENT', {
        detail: `maxKeys must be a positive integer, got ${maxKeys}`,
      })
    }
    this.maxKeys = maxKeys
  }

  /** Loads a store from a snapshot file written by saveSnapshot. */
  static async loadSnapshot(
    path: string,
    options: MemoryFeatureStoreOptions = {},
  ): Promise<MemoryFeatureStore> {
    const store = new MemoryFeatureStore(options)
    store.restoreSnapshot(await readSnapshotFile(path))
    return store
  }

  apply(batch: FeatureBatch): Promise<FeatureValues> {
    try {
      return Promise.resolve(this.applySync(batch))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** apply() without the Promise, for a caller that knows it holds the embedded store. */
  applySync(batch: FeatureBatch): FeatureValues {
    const time = batch.time
    const ops = batch.ops
    const count = ops.length
    const touched = this.touched
    this.stamp = (this.stamp + 1) | 0
    const stamp = this.stamp
    // Every index below `count` is written, so nothing from an earlier (perhaps failed) batch leaks.
    for (let i = 0; i < count; i++) {
      const op = ops[i]!
      touched[i] = op.update ? this.update(op.spec, op.key, time, op.value, stamp) : undefined
    }
    const values: FeatureValues = new Array(count)
    for (let i = 0; i < count; i++) {
      const op = ops[i]!
      let state = touched[i]
      if (state === undefined) state = this.find(op.spec.id, op.key)
      else touched[i] = undefined
      values[i] = state === undefined ? emptyValue(op.spec.kind) : read(state, op.spec.kind, time, stamp)
    }
    return values
  }

  replay(updates: Iterable<FeatureUpdate>, specs: ReadonlyMap<string, FeatureSpec>): void {
    for (const update of updates) {
      const spec = specs.get(update.id)
      if (spec === undefined) continue
      this.stamp = (this.stamp + 1) | 0
      this.update(spec, update.key, update.time, update.value, this.stamp)
    }
  }

  size(): number {
    return this.count
  }

  /** Keys evicted by the key cap since the store was created (a metric). */
  evictions(): number {
    return this.evictedKeys
  }

  expire(now: number): number {
    let gone = 0
    for (let state = this.oldest as KeyState | null; state !== null; ) {
      const next = state.newer as KeyState | null
      if (isIdle(state, now)) {
        this.forget(state)
        gone++
      }
      state = next
    }
    return gone
  }

  /**
   * expire() a slice at a time, a turn of the event loop apart, for a large store on a server:
   * the same keys go, the loop is never held for more than a slice. Resolves with how many went.
   * One at a time: a call while one is under way does nothing (resolves with 0).
   */
  async expireInSlices(now: number, slice = SLICE_STATES): Promise<number> {
    if (this.expiring !== undefined) return 0
    const walk = { cursor: this.oldest as KeyState | null }
    this.expiring = walk
    // As many steps as there are keys now: keys that join meanwhile are not idle, and a state
    // the walk missed because the key cap moved it is the next pass's.
    let steps = this.count
    let gone = 0
    try {
      for (;;) {
        for (let n = 0; walk.cursor !== null && n < slice && steps > 0; n++, steps--) {
          const state = walk.cursor
          walk.cursor = state.newer as KeyState | null
          if (isIdle(state, now)) {
            this.forget(state)
            gone++
          }
        }
        if (walk.cursor === null || steps === 0) return gone
        await nextTurn()
      }
    } finally {
      this.expiring = undefined
    }
  }

  /**
   * expire() for the windowed kinds only (count, sum, min, max, distinct): drops the keys whose
   * every bucket has left the window as of `now`. A later read or update at a time ≥ `now` sees
   * such a key exactly as one never seen (0, or no value), so for a stream in time order this
   * changes no answer; first_seen and last_seen keys are kept whatever their age. Offline replay
   * calls it as event time advances, so the store holds the live windows, not every key the
   * stream ever used. Returns how many keys went.
   */
  expireWindows(now: number): number {
    let gone = 0
    for (let state = this.oldest as KeyState | null; state !== null; ) {
      const next = state.newer as KeyState | null
      const kind = state.spec.kind
      if (kind !== 'first_seen' && kind !== 'last_seen' && isIdle(state, now)) {
        this.forget(state)
        gone++
      }
      state = next
    }
    return gone
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  /** Applies one update; returns the key's state, or undefined when the update was unusable. */
  private update(
    spec: FeatureSpec,
    key: string,
    time: number,
    value: number | string | undefined,
    stamp: number,
  ): KeyState | undefined {
    const kind = spec.kind
    if (kind === 'sum' || kind === 'min' || kind === 'max') {
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
    } else if (kind === 'distinct' && value === undefined) return undefined
    const first = this.keys.get(key)
    let found = first
    while (found !== undefined && found.spec.id !== spec.id) found = found.sameKey ?? undefined
    // A new state shares the key string of those already under it (one copy kept, not one per spec).
    if (found === undefined)
      return this.insert(createState(spec, first?.key ?? key, time, value, stamp), first)
    const state = found as KeyState
    this.beforeChange(state)
    switch (kind) {
      case 'count':
      case 'sum':
      case 'min':
      case 'max':
        windowAdd(state as WindowState, kind, time, value as number)
        break
      case 'distinct':
        distinctAdd(state as DistinctState, time, value!)
        break
      case 'first_seen':
        firstSeenAdd(state as FirstSeenState, time)
        break
      case 'last_seen':
        lastSeenAdd(state as LastSeenState, time, stamp)
        break
    }
    state.recent = true
    return state
  }

  /** The state of spec `id` under `key`, if any. */
  private find(id: string, key: string): KeyState | undefined {
    let state = this.keys.get(key)
    while (state !== undefined && state.spec.id !== id) state = state.sameKey ?? undefined
    return state as KeyState | undefined
  }

  /** Adds a new key (`first`: the first state under its key string) at the young end, first making room under the cap. */
  private insert(state: KeyState, first: StoredKey | undefined): KeyState {
    if (this.count >= this.maxKeys) {
      this.evictDownTo(this.maxKeys - 1)
      first = this.keys.get(state.key)
    }
    // Born after the instant a snapshot under way describes: not part of it.
    if (this.taking !== undefined) state.snapped = this.taking.generation
    if (first === undefined) {
      this.keys.set(state.key, state)
    } else {
      // Second in the chain: the Map entry stays as it is.
      state.sameKey = first.sameKey
      first.sameKey = state
    }
    this.join(state)
    this.count++
    return state
  }

  /** Links a state in at the young end of the eviction order. */
  private join(state: StoredKey): void {
    state.older = this.youngest
    state.newer = null
    if (this.youngest === null) this.oldest = state
    else this.youngest.newer = state
    this.youngest = state
  }

  /** Unlinks a state from the eviction order (walks in slices step past it). */
  private leave(state: StoredKey): void {
    const { older, newer } = state
    const taking = this.taking
    if (taking !== undefined && taking.cursor === state) taking.cursor = newer as KeyState | null
    const expiring = this.expiring
    if (expiring !== undefined && expiring.cursor === state) expiring.cursor = newer as KeyState | null
    if (older === null) this.oldest = newer
    else older.newer = newer
    if (newer === null) this.youngest = older
    else newer.older = older
    state.older = null
    state.newer = null
  }

  private forget(state: StoredKey): void {
    this.beforeChange(state as KeyState)
    this.leave(state)
    this.count--
    const first = this.keys.get(state.key)!
    if (first === state) {
      if (state.sameKey === null) this.keys.delete(state.key)
      else this.keys.set(state.key, state.sameKey)
    } else {
      let before = first
      while (before.sameKey !== state) before = before.sameKey!
      before.sameKey = state.sameKey
    }
    state.sameKey = null
  }

  /** CLOCK: from the oldest, give recently updated keys a second chance, evict the others. */
  private evictDownTo(limit: number): void {
    // A lap of all-recent keys ends: each moved key's flag is cleared.
    while (this.count > limit) {
      const state = this.oldest!
      if (state.recent) {
        this.beforeChange(state as KeyState)
        state.recent = false
        this.leave(state)
        this.join(state)
      } else {
        this.forget(state)
        this.evictedKeys++
      }
    }
  }

  /** The whole state, compact binary (format in the module comment), in one go. */
  snapshot(): Buffer {
    const out = new ByteWriter(64 + this.count * 40)
    out.bytes(MAGIC)
    out.u8(VERSION)
    out.varint(this.count)
    const specRefs = new Map<string, number>()
    for (let s = this.oldest; s !== null; s = s.newer) writeEntry(out, specRefs, s as KeyState)
    return out.finish()
  }

  /**
   * The same snapshot — the state at the instant of the call — written a slice of states per turn
   * of the event loop (see the module comment), so that a large store never holds it for long.
   * Decisions go on meanwhile; what they change is written first as it was. One at a time. The
   * bytes come as parts, in order (writeFileAtomic takes them so; no copy joins them).
   */
  snapshotInSlices(slice = SLICE_STATES): Promise<Buffer[]> {
    if (this.taking !== undefined)
      return Promise.reject(
        new BulwarkError('INVALID_ARGUMENT', { detail: 'a snapshot is already being taken' }),
      )
    const taking: Taking = {
      generation: ++this.generation,
      parts: [],
      body: new ByteWriter(),
      specRefs: new Map(),
      cursor: this.oldest as KeyState | null,
      keys: this.count,
      written: 0,
    }
    this.taking = taking
    return this.takeSlices(taking, slice)
  }

  private async takeSlices(taking: Taking, slice: number): Promise<Buffer[]> {
    try {
      for (;;) {
        // Done once every key of the instant is written: the keys born since are all marked,
        // so a walk that went on would only step over them as they keep joining.
        for (let n = 0; taking.cursor !== null && n < slice && taking.written < taking.keys; n++) {
          const state = taking.cursor
          taking.cursor = state.newer as KeyState | null
          if (state.snapped !== taking.generation) this.writeTaken(taking, state)
        }
        if (taking.cursor === null || taking.written === taking.keys) break
        // Each slice's records in a buffer of their own: no large buffer to fault in or copy.
        taking.parts.push(taking.body.finish())
        taking.body = new ByteWriter()
        await nextTurn()
      }
    } finally {
      this.taking = undefined
    }
    const head = new ByteWriter(16)
    head.bytes(MAGIC)
    head.u8(VERSION)
    head.varint(taking.written)
    return [head.finish(), ...taking.parts, taking.body.finish()]
  }

  /** Copy-on-write: a state about to change or go is written first, as it was, if a snapshot under way has not written it yet. */
  private beforeChange(state: KeyState): void {
    const taking = this.taking
    if (taking !== undefined && state.snapped !== taking.generation) this.writeTaken(taking, state)
  }

  /** Writes a state into the snapshot under way (once: it is marked with the generation). */
  private writeTaken(taking: Taking, state: KeyState): void {
    state.snapped = taking.generation
    writeEntry(taking.body, taking.specRefs, state)
    taking.written++
  }

  /** Replaces the whole state with a snapshot's; a corrupt snapshot throws and changes nothing. */
  restoreSnapshot(data: Uint8Array): void {
    if (this.taking !== undefined || this.expiring !== undefined)
      throw new BulwarkError('INVALID_ARGUMENT', {
        detail: 'cannot restore while a snapshot or an expiry is under way',
      })
    const input = new ByteReader(data)
    for (const byte of MAGIC) if (input.u8() !== byte) corrupt('not a Bulwark feature snapshot')
    const version = input.u8()
    if (version !== VERSION) corrupt(`unsupported version ${version}`)
    const count = input.varint()
    const specs: FeatureSpec[] = []
    // Built aside and taken over whole, so that a corrupt snapshot leaves this store as it was.
    const restored = new MemoryFeatureStore({ maxKeys: Number.MAX_SAFE_INTEGER })
    for (let i = 0; i < count; i++) {
      const ref = input.varint()
      let spec = specs[ref - 1]
      if (ref === 0) {
        spec = readSpec(input)
        specs.push(spec)
      } else if (spec === undefined) corrupt(`spec reference ${ref}`)
      const key = input.string()
      const state = readState(input, spec, key, input.u8() === 1, this.stamp)
      if (restored.find(spec.id, key) !== undefined) corrupt(`a key of '${spec.id}' twice`)
      restored.insert(state, restored.keys.get(key))
    }
    if (!input.done) corrupt('trailing bytes')
    this.keys = restored.keys
    this.oldest = restored.oldest
    this.youngest = restored.youngest
    this.count = restored.count
    this.evictDownTo(this.maxKeys)
  }

  /** Writes a snapshot to `path` atomically (temp file, fsync, rename). */
  saveSnapshot(path: string): Promise<void> {
    return saveSnapshot(this, path)
  }
}

/** A snapshot being taken in slices. */
interface Taking {
  readonly generation: number
  /** The records of the slices done (the head, with their count, is added at the end). */
  readonly parts: Buffer[]
  /** Where the current slice's records (and those written early meanwhile) go. */
  body: ByteWriter
  readonly specRefs: Map<string, number>
  /** The next state of the walk in eviction order; null once done. */
  cursor: KeyState | null
  /** Keys at the instant: all of them, and only them, are written. */
  readonly keys: number
  written: number
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** One state's record: its spec (by reference once defined), key, recent flag and state. */
function writeEntry(out: ByteWriter, specRefs: Map<string, number>, state: KeyState): void {
  const spec = state.spec
  const ref = specRefs.get(spec.id)
  if (ref === undefined) {
    specRefs.set(spec.id, specRefs.size)
    out.varint(0)
    out.string(spec.id)
    out.u8(KINDS.indexOf(spec.kind))
    out.f64(spec.windowMs)
    out.f64(spec.retentionMs)
  } else {
    out.varint(ref + 1)
  }
  out.string(state.key)
  out.u8(state.recent ? 1 : 0)
  writeState(out, state)
}

function emptyValue(kind: FeatureKind): number | undefined {
  return kind === 'count' || kind === 'sum' || kind === 'distinct' ? 0 : undefined
}

function read(state: KeyState, kind: FeatureKind, time: number, stamp: number): number | undefined {
  switch (kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return windowRead(state as WindowState, kind, time)
    case 'distinct':
      return distinctRead(state as DistinctState, time)
    case 'first_seen':
      return (state as FirstSeenState).first
    case 'last_seen':
      return lastSeenRead(state as LastSeenState, stamp)
  }
}

function checkWindow(spec: FeatureSpec): void {
  if (!(spec.windowMs >= 1 && Number.isFinite(spec.windowMs))) {
    throw new BulwarkError('INVALID_ARGUMENT', {
      detail: `feature '${spec.id}' (${spec.kind}) needs a window of at least 1 ms, got ${spec.windowMs}`,
    })
  }
}

/** A new key's state, holding its first update. */
function createState(
  spec: FeatureSpec,
  key: string,
  time: number,
  value: number | string | undefined,
  stamp: number,
): KeyState {
  switch (spec.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max': {
      checkWindow(spec)
      // A literal sized for the one pair: an empty array grown by push would reserve 17 slots.
      const n = bucketsPerWindow(spec.windowMs)
      return new WindowState(spec, key, false, [
        bucketOf(time, n, spec.windowMs),
        spec.kind === 'count' ? 1 : (value as number),
      ])
    }
    case 'distinct': {
      checkWindow(spec)
      const bucket = bucketOf(time, bucketsPerWindow(spec.windowMs), spec.windowMs)
      return new DistinctState(spec, key, false, bucket, [value!, bucket])
    }
    case 'first_seen':
      return new FirstSeenState(spec, key, false, time, time)
    case 'last_seen':
      return new LastSeenState(spec, key, false, time, Number.NaN, stamp)
  }
}

/** Whether a key has been idle past its retention as of `now`. */
function isIdle(state: KeyState, now: number): boolean {
  const spec = state.spec
  switch (spec.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return now - windowLastTime(state as WindowState) > Math.max(spec.retentionMs, spec.windowMs)
    case 'distinct':
      return now - distinctLastTime(state as DistinctState) > Math.max(spec.retentionMs, spec.windowMs)
    case 'first_seen':
      return now - (state as FirstSeenState).last > spec.retentionMs
    case 'last_seen':
      return now - (state as LastSeenState).last > spec.retentionMs
  }
}

function writeState(out: ByteWriter, state: KeyState): void {
  const kind = state.spec.kind
  switch (kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      writeWindow(out, state as WindowState, kind)
      break
    case 'distinct':
      writeDistinct(out, state as DistinctState)
      break
    case 'first_seen':
      writeFirstSeen(out, state as FirstSeenState)
      break
    case 'last_seen':
      writeLastSeen(out, state as LastSeenState)
      break
  }
}

function readSpec(input: ByteReader): FeatureSpec {
  const id = input.string()
  const kindCode = input.u8()
  const kind = KINDS[kindCode] ?? corrupt(`feature kind ${kindCode}`)
  const windowMs = input.f64()
  return { id, kind, windowMs, retentionMs: input.f64() }
}

function readState(
  input: ByteReader,
  spec: FeatureSpec,
  key: string,
  recent: boolean,
  stamp: number,
): KeyState {
  const kind = spec.kind
  switch (kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return readWindow(input, spec, key, kind, recent)
    case 'distinct':
      return readDistinct(input, spec, key, recent)
    case 'first_seen':
      return readFirstSeen(input, spec, key, recent)
    case 'last_seen':
      return readLastSeen(input, spec, key, recent, stamp)
  }
}
