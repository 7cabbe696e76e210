/**
 * The embedded feature store: every key's state in process memory. apply() is on the hot path of
 * every decision, so it does all its work synchronously (the Promise is only the contract's
 * shape), allocates nothing per op, and remembers the states its updates touched so the reads
 * that follow do not look them up again.
 *
 * Layout: spec id → (key → state), two Map levels rather than one Map keyed by
 * `${spec.id}\u0000${key}`. Measured (bench/features.ts), the composite key cost more than the
 * rest of an op: `id + '\0' + key` is a rope that every lookup must flatten (a copy) and hash
 * afresh, while op.key is hashed once per string and the hash is cached on it — so the 5-10 ops
 * of one event keyed by the same entity pay for one hash. A batch of 8 mixed ops ran ~3x faster.
 *
 * Memory is bounded two ways: expire(now) drops keys idle past their retention (windowed kinds:
 * past the longer of window and retention — an emptied window reads the same as no state), and a
 * hard cap on keys evicts the least recently updated, approximated by CLOCK (second chance) over
 * one insertion-ordered Set of all states: a new key joins the young end, an update only sets its
 * `recent` flag; when a new key would pass the cap the hand walks from the oldest, moving recent
 * ones to the young end (clearing the flag), and evicts the first not updated since it last
 * joined the young end. Updates never pay for eviction order; each move is paid for by an update.
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

export interface MemoryFeatureStoreOptions {
  /** Hard cap on keys held; beyond it the least recently updated are evicted. */
  readonly maxKeys?: number
}

type KeyState = WindowState | DistinctState | FirstSeenState | LastSeenState
type KeysOfSpec = Map<string, KeyState>

const MAGIC = Buffer.from('BWFS', 'latin1')
const VERSION = 1
const KINDS: readonly FeatureKind[] = ['count', 'sum', 'distinct', 'min', 'max', 'first_seen', 'last_seen']

export class MemoryFeatureStore implements FeatureStore {
  /** spec id → key → state. */
  private features = new Map<string, KeysOfSpec>()
  /** Every state, in eviction order (oldest first). */
  private order = new Set<KeyState>()
  private readonly maxKeys: number
  /** Ticks once per batch (and per replayed update); last_seen uses it to tell batches apart. */
  private stamp = 0
  /** States the current batch's updates touched, by op index: the reads reuse them. */
  private readonly touched: (KeyState | undefined)[] = []
  private evictedKeys = 0

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
      if (state === undefined) state = this.features.get(op.spec.id)?.get(op.key)
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
    return this.order.size
  }

  /** Keys evicted by the key cap since the store was created (a metric). */
  evictions(): number {
    return this.evictedKeys
  }

  expire(now: number): number {
    let gone = 0
    for (const state of this.order) {
      if (isIdle(state, now)) {
        this.forget(state)
        gone++
      }
    }
    return gone
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
    for (const state of this.order) {
      const kind = state.spec.kind
      if (kind !== 'first_seen' && kind !== 'last_seen' && isIdle(state, now)) {
        this.forget(state)
        gone++
      }
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
    const state = this.features.get(spec.id)?.get(key)
    if (state === undefined) return this.insert(createState(spec, key, time, value, stamp))
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

  /** Adds a new key at the young end, first making room under the cap. */
  private insert(state: KeyState): KeyState {
    if (this.order.size >= this.maxKeys) this.evictDownTo(this.maxKeys - 1)
    let keys = this.features.get(state.spec.id)
    if (keys === undefined) {
      keys = new Map()
      this.features.set(state.spec.id, keys)
    }
    keys.set(state.key, state)
    this.order.add(state)
    return state
  }

  private forget(state: KeyState): void {
    this.order.delete(state)
    const keys = this.features.get(state.spec.id)
    if (keys === undefined) return
    keys.delete(state.key)
    if (keys.size === 0) this.features.delete(state.spec.id)
  }

  /** CLOCK: from the oldest, give recently updated keys a second chance, evict the others. */
  private evictDownTo(limit: number): void {
    const order = this.order
    while (order.size > limit) {
      // The iterator also visits states moved behind it, so a lap of all-recent keys ends.
      for (const state of order) {
        if (state.recent) {
          state.recent = false
          order.delete(state)
          order.add(state)
        } else {
          this.forget(state)
          this.evictedKeys++
          break
        }
      }
    }
  }

  /** The whole state, compact binary (format in the module comment). */
  snapshot(): Buffer {
    const out = new ByteWriter(64 + this.order.size * 40)
    out.bytes(MAGIC)
    out.u8(VERSION)
    out.varint(this.order.size)
    const specRefs = new Map<string, number>()
    for (const state of this.order) {
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
    return out.finish()
  }

  /** Replaces the whole state with a snapshot's; a corrupt snapshot throws and changes nothing. */
  restoreSnapshot(data: Uint8Array): void {
    const input = new ByteReader(data)
    for (const byte of MAGIC) if (input.u8() !== byte) corrupt('not a Bulwark feature snapshot')
    const version = input.u8()
    if (version !== VERSION) corrupt(`unsupported version ${version}`)
    const count = input.varint()
    const specs: FeatureSpec[] = []
    const features = new Map<string, KeysOfSpec>()
    const order = new Set<KeyState>()
    for (let i = 0; i < count; i++) {
      const ref = input.varint()
      let spec = specs[ref - 1]
      if (ref === 0) {
        spec = readSpec(input)
        specs.push(spec)
        features.set(spec.id, new Map())
      } else if (spec === undefined) corrupt(`spec reference ${ref}`)
      const key = input.string()
      const state = readState(input, spec, key, input.u8() === 1, this.stamp)
      features.get(spec.id)!.set(key, state)
      order.add(state)
    }
    if (!input.done) corrupt('trailing bytes')
    this.features = features
    this.order = order
    this.evictDownTo(this.maxKeys)
  }

  /** Writes a snapshot to `path` atomically (temp file, fsync, rename). */
  saveSnapshot(path: string): Promise<void> {
    return saveSnapshot(this, path)
  }
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
