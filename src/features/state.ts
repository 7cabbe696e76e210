/**
 * What every key's state carries for the embedded store (memory.ts), whatever its kind: its spec
 * and key, and the links that place it in the store without a hash table of its own — the
 * eviction order is a doubly linked list through `older`/`newer`, and the states of different
 * specs under the same key string form a chain through `sameKey` hanging off one Map entry.
 * The kinds (window.ts, distinct.ts, seen.ts) extend it; the links are the store's to keep.
 */

import type { FeatureSpec } from './types.ts'

export class StoredKey {
  readonly spec: FeatureSpec
  readonly key: string
  /** Updated since the key last joined the young end of the store's eviction order (store-kept). */
  recent: boolean
  /** Neighbours in the store's eviction order (null at either end, or when not in a store). */
  older: StoredKey | null
  newer: StoredKey | null
  /** The next state (of another spec) under the same key string. */
  sameKey: StoredKey | null
  /**
   * The store's snapshot generation this state was written in, or born during (store-kept): a
   * snapshot taken in slices writes each state once, before it changes (memory.ts).
   */
  snapped: number

  constructor(spec: FeatureSpec, key: string, recent: boolean) {
    this.spec = spec
    this.key = key
    this.recent = recent
    this.older = null
    this.newer = null
    this.sameKey = null
    this.snapped = 0
  }
}
