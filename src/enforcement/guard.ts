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
 *
 * The counts outlive a restart: the enforcement service saves `state()` as enforcement state
 * `guard` (with the pack version it was counted under) on the maintenance timer and at stop, and
 * `restore()`s it at start when the same pack is served. Without that, a restarted server would
 * have no baseline: blind for the rest of the hour, thin for a day.
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

/** Hour start → count pairs, per event type or rule: `[name, [[hour, count], …]][]`. */
export type HourlyCounts = readonly (readonly [string, readonly (readonly [number, number])[]])[]

/** What a guard saves: its hourly counts and the hour each rule last alerted in. */
export interface GuardState {
  readonly decisions: HourlyCounts
  readonly hits: HourlyCounts
  readonly alerted: readonly (readonly [string, number])[]
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

function isHourlyCounts(raw: unknown): raw is HourlyCounts {
  return (
    Array.isArray(raw) &&
    raw.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        typeof e[0] === 'string' &&
        Array.isArray(e[1]) &&
        e[1].every((c: unknown) => Array.isArray(c) && c.length === 2 && isCount(c[0]) && isCount(c[1])),
    )
  )
}

/** The state if `raw` has a guard state's shape (it comes back from storage), else undefined. */
export function readGuardState(raw: unknown): GuardState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const { decisions, hits, alerted } = raw as Record<string, unknown>
  if (!isHourlyCounts(decisions) || !isHourlyCounts(hits)) return undefined
  if (
    !Array.isArray(alerted) ||
    !alerted.every((a) => Array.isArray(a) && a.length === 2 && typeof a[0] === 'string' && isCount(a[1]))
  )
    return undefined
  return { decisions, hits, alerted: alerted as GuardState['alerted'] }
}

const saveCounts = (m: Map<string, Hourly>): HourlyCounts =>
  [...m].map(([name, h]) => [name, [...h.counts]] as const)

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

  /** The counts and alerts, to be saved (see the module comment). */
  state(): GuardState {
    return { decisions: saveCounts(this.byType), hits: saveCounts(this.byRule), alerted: [...this.alerted] }
  }

  /** Adds saved counts and alerts (of the same pack) to this guard's. */
  restore(state: GuardState): void {
    const load = (into: Map<string, Hourly>, counts: HourlyCounts) => {
      for (const [name, hours] of counts) {
        let h = into.get(name)
        if (!h) {
          h = new Hourly()
          into.set(name, h)
        }
        for (const [hour, n] of hours) h.add(hour, n)
      }
    }
    load(this.byType, state.decisions)
    load(this.byRule, state.hits)
    for (const [rule, hour] of state.alerted)
      if ((this.alerted.get(rule) ?? -1) < hour) this.alerted.set(rule, hour)
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
