/**
 * Which rules differ between two packs: added, removed, and changed (mode, condition, outcome,
 * score, rollout or area). Shown beside a backtest so its flips can be read against the edits.
 */

import type { Pack, RulePlan } from '../policy/pack.ts'

export interface RuleChanges {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** Per changed rule: what changed, e.g. `mode shadow→enforce`, `when`. */
  readonly changed: Readonly<Record<string, readonly string[]>>
}

function differences(b: RulePlan, c: RulePlan): string[] {
  const out: string[] = []
  if (b.mode !== c.mode) out.push(`mode ${b.mode}→${c.mode}`)
  if (b.program.text !== c.program.text) out.push('when')
  if (b.outcome !== c.outcome) out.push(`outcome ${b.outcome}→${c.outcome}`)
  if (b.score !== c.score) out.push(`score ${b.score}→${c.score}`)
  if (b.rollout?.percent !== c.rollout?.percent) out.push('rollout')
  if (b.area !== c.area) out.push('area')
  if ([...b.on].sort().join() !== [...c.on].sort().join()) out.push('on')
  return out
}

export function ruleChanges(baseline: Pack, candidate: Pack): RuleChanges {
  const before = new Map(baseline.rules.map((r) => [r.id, r]))
  const after = new Map(candidate.rules.map((r) => [r.id, r]))
  const changed: Record<string, string[]> = {}
  for (const [id, c] of after) {
    const b = before.get(id)
    if (!b) continue
    const d = differences(b, c)
    if (d.length) changed[id] = d
  }
  return {
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed,
  }
}
