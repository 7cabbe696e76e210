/**
 * The rule anomaly guard: each enforced rule's hit rate in the current hour against its own
 * baseline, the previous `baselineHours` hours. The test is a one-sided z-test of a binomial
 * proportion: with n decisions the rule was evaluated on this hour (decisions of its event
 * types), x of them hits, and baseline rate p0 (hits / decisions over the baseline hours, plus
 * half a hit so a rule that never fired still has a rate),
 *
 *   z = (x − n·p0) / √(n·p0·(1 − p0))
 *
 * An alert is raised when z ≥ `z` (default 4: about 3 in 100,000 by chance per check under the
 * normal approximation, so a guard checking many rules every hour rarely cries wolf) and x ≥
 * `minHits` (default 20: below that the normal approximation is poor and a jump is too small to
 * matter), and the baseline holds at least `minBaseline` decisions (no baseline, no verdict).
 * One alert per rule per hour. Time comes from the caller, so tests control the clock.
 */

const HOUR = 3_600_000

export interface GuardAlert {
  readonly rule: string
  /** Start of the hour (ms since the epoch). */
  readonly hour: number
  readonly hits: number
  readonly decisions: number
  readonly baselineRate: number
  readonly rate: number
  readonly z: number
  readonly time: number
}

export interface GuardOptions {
  readonly minHits: number
  readonly z: number
  readonly baselineHours?: number
  readonly minBaseline?: number
}

/** Counts by hour: hour start → count. Only the last baselineHours + 1 hours are kept. */
class Hourly {
  readonly counts = new Map<number, number>()
  add(hour: number, by = 1): number {
    const n = (this.counts.get(hour) ?? 0) + by
    this.counts.set(hour, n)
    return n
  }
  sum(from: number, to: number): number {
    let s = 0
    for (const [h, n] of this.counts) if (h >= from && h < to) s += n
    return s
  }
  prune(before: number): void {
    for (const h of this.counts.keys()) if (h < before) this.counts.delete(h)
  }
}

export class AnomalyGuard {
  private readonly byType = new Map<string, Hourly>()
  private readonly byRule = new Map<string, Hourly>()
  private readonly alerted = new Map<string, number>()
  private readonly baselineHours: number
  private readonly minBaseline: number
  private lastPrune = 0
  private readonly options: GuardOptions

  constructor(options: GuardOptions) {
    this.options = options
    this.baselineHours = options.baselineHours ?? 24
    this.minBaseline = options.minBaseline ?? 100
  }

  /** Counts one decision of `eventType`. */
  decision(eventType: string, time: number): void {
    const hour = time - (time % HOUR)
    let h = this.byType.get(eventType)
    if (!h) {
      h = new Hourly()
      this.byType.set(eventType, h)
    }
    h.add(hour)
    if (hour > this.lastPrune) {
      this.lastPrune = hour
      const before = hour - this.baselineHours * HOUR
      for (const x of this.byType.values()) x.prune(before)
      for (const x of this.byRule.values()) x.prune(before)
    }
  }

  /**
   * Counts a hit of `rule` (evaluated on `types`) and tests it; returns an alert the first time
   * in an hour the jump is significant.
   */
  hit(rule: string, types: ReadonlySet<string>, time: number): GuardAlert | undefined {
    const hour = time - (time % HOUR)
    let h = this.byRule.get(rule)
    if (!h) {
      h = new Hourly()
      this.byRule.set(rule, h)
    }
    const x = h.add(hour)
    if (x < this.options.minHits || this.alerted.get(rule) === hour) return undefined
    const from = hour - this.baselineHours * HOUR
    let n = 0
    let baseN = 0
    for (const t of types) {
      const c = this.byType.get(t)
      if (!c) continue
      n += c.counts.get(hour) ?? 0
      baseN += c.sum(from, hour)
    }
    if (baseN < this.minBaseline || n === 0) return undefined
    const p0 = Math.min(0.999_999, (h.sum(from, hour) + 0.5) / baseN)
    const z = (x - n * p0) / Math.sqrt(n * p0 * (1 - p0))
    if (z < this.options.z) return undefined
    this.alerted.set(rule, hour)
    return { rule, hour, hits: x, decisions: n, baselineRate: p0, rate: x / n, z, time }
  }
}
