/**
 * The feature-store contract. A policy declares features (windowed count, sum, distinct, min,
 * max; first_seen, last_seen); for each event the engine sends ONE batch holding every update
 * and read the event needs, and gets every value back — so a networked store (Redis) costs one
 * round trip per decision. Updates are applied before reads: the current event counts itself.
 *
 * Semantics every implementation shares (docs/policy-packs.md, §6 "How features behave"):
 * - Windows slide with a granularity of 1/60 of their length (never under 1 s): an event leaves
 *   a 1 h window between 59 and 60 minutes after it happened.
 * - distinct is exact up to 1,024 values per key, then a HyperLogLog (2,048 registers, about
 *   2.3 % standard error) over 8 sub-windows.
 * - first_seen includes the current event; last_seen is the previous matching event (so
 *   "time since last login" is meaningful), absent on the first one.
 * - Idle keys are forgotten once their longest window (or retention) has passed.
 */

export type FeatureKind = 'count' | 'sum' | 'distinct' | 'min' | 'max' | 'first_seen' | 'last_seen'

export interface FeatureSpec {
  /** Stable identity: the feature name and a hash of its definition (a changed definition starts fresh). */
  readonly id: string
  readonly kind: FeatureKind
  /** Sliding window length in ms (windowed kinds); 0 for first_seen/last_seen. */
  readonly windowMs: number
  /** How long state for an idle key is kept, in ms (the window, or the retention of *_seen). */
  readonly retentionMs: number
}

export interface FeatureOp {
  readonly spec: FeatureSpec
  /** The key the value is kept per (entity id or composite key), already pseudonymised if PII. */
  readonly key: string
  /** Whether this event updates the feature (else it is only read). */
  readonly update: boolean
  /** Value for sum/min/max (number) and distinct (string or number); unused by count/*_seen. */
  readonly value?: number | string
}

export interface FeatureBatch {
  /** Event time in ms since the epoch; windows are evaluated at this time. */
  readonly time: number
  readonly ops: readonly FeatureOp[]
}

/**
 * One value per op, in order: count/sum/distinct a number (0 when empty), min/max a number or
 * undefined when the window is empty, first_seen/last_seen epoch ms or undefined.
 */
export type FeatureValues = (number | undefined)[]

/** An applied update, as recorded with the decision so a restart can replay it exactly. */
export interface FeatureUpdate {
  readonly id: string
  readonly key: string
  readonly time: number
  readonly value?: number | string
}

export interface FeatureStore {
  /** Applies the batch's updates, then reads every op's value. */
  apply(batch: FeatureBatch): Promise<FeatureValues>
  /**
   * apply() answered synchronously, for stores that hold everything in process (optional): the
   * engine then decides without waiting a turn for a Promise that is already settled.
   */
  applySync?(batch: FeatureBatch): FeatureValues
  /** Re-applies recorded updates (startup recovery); unknown spec ids are skipped. */
  replay(updates: Iterable<FeatureUpdate>, specs: ReadonlyMap<string, FeatureSpec>): void
  /** Number of keys held (for metrics and the memory bound). */
  size(): number
  /** Forgets keys idle past their retention, as of `now` (ms). Returns how many went. */
  expire(now: number): number
  close(): Promise<void>
}
