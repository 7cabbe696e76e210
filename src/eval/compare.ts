/**
 * The core of a backtest: compares two decision streams over the same events — the baseline
 * pack's and the candidate's — and counts how many decisions flip, in which direction, by outcome
 * pair, by rule and by area, with example event ids. Pure and storage-agnostic: it takes compact
 * digests keyed by event, so the server can run it over stored events as well as the CLI over a
 * file. A rule is counted for a flipped event when its enforced hit differs between the two
 * decisions (hit in one and not the other, or with another outcome or score).
 */

import { type Decision, type Outcome, outcomeRank } from '../core/domain.ts'
import { stops } from './stop.ts'
import { upsert } from './tally.ts'

/** What a comparison needs of one decision. */
export interface DecisionDigest {
  /** Identifies the event in both streams (its id, or where it came from). */
  readonly key: string
  readonly outcome: Outcome
  /** Enforced hits, as `rule outcome score`. */
  readonly enforced: readonly string[]
}

export function digestOf(key: string, d: Decision): DecisionDigest {
  const enforced: string[] = []
  for (const h of d.hits) if (h.mode === 'enforce') enforced.push(`${h.rule} ${h.outcome} ${h.score}`)
  return { key, outcome: d.outcome, enforced }
}

export interface FlipCount {
  count: number
  readonly examples: string[]
}

export interface DirectedFlips {
  /** Flips to a more severe outcome (candidate stricter), and to a less severe one. */
  readonly stricter: FlipCount
  readonly looser: FlipCount
}

export interface Comparison {
  /** Events decided by both packs. */
  readonly compared: number
  /** Events only one pack decided (the other rejected them). */
  readonly only_baseline: number
  readonly only_candidate: number
  readonly unchanged: number
  readonly changed: number
  /** Changes across the stop line: now stopped (allow → stop) and no longer stopped. */
  readonly now_stopped: number
  readonly no_longer_stopped: number
  /** Per `baseline→candidate` outcome pair. */
  readonly by_outcome: Readonly<Record<string, FlipCount>>
  /** Per rule whose enforced hit differs on a flipped event; `(no rule change)` when none does. */
  readonly by_rule: Readonly<Record<string, DirectedFlips>>
  /** Per area of those rules (`(no area)` for rules without one). */
  readonly by_area: Readonly<Record<string, DirectedFlips>>
}

export const NO_RULE_CHANGE = '(no rule change)'
export const NO_AREA = '(no area)'

const flip = (): FlipCount => ({ count: 0, examples: [] })
const directed = (): DirectedFlips => ({ stricter: flip(), looser: flip() })

function add(f: FlipCount, key: string, examples: number): void {
  f.count++
  if (f.examples.length < examples) f.examples.push(key)
}

/**
 * Compares the streams; `areas` maps rule ids to their areas (both packs' rules), `examples` is
 * how many event keys to keep per count.
 */
export function compareDecisions(
  baseline: Iterable<DecisionDigest>,
  candidate: Iterable<DecisionDigest>,
  areas: ReadonlyMap<string, string | undefined>,
  examples = 5,
): Comparison {
  const before = new Map<string, DecisionDigest>()
  for (const d of baseline) before.set(d.key, d)
  let compared = 0
  let onlyCandidate = 0
  let changed = 0
  let nowStopped = 0
  let noLongerStopped = 0
  const byOutcome = new Map<string, FlipCount>()
  const byRule = new Map<string, DirectedFlips>()
  const byArea = new Map<string, DirectedFlips>()
  for (const c of candidate) {
    const b = before.get(c.key)
    if (!b) {
      onlyCandidate++
      continue
    }
    compared++
    if (b.outcome === c.outcome) continue
    changed++
    if (stops(c.outcome) && !stops(b.outcome)) nowStopped++
    if (stops(b.outcome) && !stops(c.outcome)) noLongerStopped++
    add(upsert(byOutcome, `${b.outcome}→${c.outcome}`, flip), c.key, examples)
    const way = outcomeRank(c.outcome) > outcomeRank(b.outcome) ? 'stricter' : 'looser'
    const rules = changedRules(b.enforced, c.enforced)
    if (rules.length === 0) rules.push(NO_RULE_CHANGE)
    const seenAreas = new Set<string>()
    for (const rule of rules) {
      add(upsert(byRule, rule, directed)[way], c.key, examples)
      const area = rule === NO_RULE_CHANGE ? NO_AREA : (areas.get(rule) ?? NO_AREA)
      if (seenAreas.has(area)) continue
      seenAreas.add(area)
      add(upsert(byArea, area, directed)[way], c.key, examples)
    }
  }
  const sorted = <V>(m: Map<string, V>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)))
  return {
    compared,
    only_baseline: before.size - compared,
    only_candidate: onlyCandidate,
    unchanged: compared - changed,
    changed,
    now_stopped: nowStopped,
    no_longer_stopped: noLongerStopped,
    by_outcome: sorted(byOutcome),
    by_rule: sorted(byRule),
    by_area: sorted(byArea),
  }
}

/** Rule ids whose enforced hit (`rule outcome score`) is in one list and not the other. */
function changedRules(before: readonly string[], after: readonly string[]): string[] {
  const a = new Set(after)
  const b = new Set(before)
  const rules = new Set<string>()
  for (const h of before) if (!a.has(h)) rules.add(h.slice(0, h.indexOf(' ')))
  for (const h of after) if (!b.has(h)) rules.add(h.slice(0, h.indexOf(' ')))
  return [...rules]
}
