/**
 * `bulwark backtest` on a terminal: the rules that changed, how many decisions flipped and which
 * way (by outcome pair, by rule, by area, with example event ids), and — given labels — the
 * metrics before and after, per area.
 */

import type { BacktestReport } from './backtest.ts'
import type { DirectedFlips } from './compare.ts'
import { pct, points, table } from './text.ts'

const examples = (ids: readonly string[]) => (ids.length ? `e.g. ${ids.join(', ')}` : '')

function directedRows(m: Readonly<Record<string, DirectedFlips>>): string[][] {
  return Object.entries(m)
    .sort((a, b) => b[1].stricter.count + b[1].looser.count - (a[1].stricter.count + a[1].looser.count))
    .map(([k, f]) => [
      k,
      String(f.stricter.count),
      String(f.looser.count),
      examples([...f.stricter.examples, ...f.looser.examples].slice(0, 3)),
    ])
}

export function backtestText(r: BacktestReport): string {
  const d = r.decisions
  const out = [
    `baseline ${r.baseline.name} ${r.baseline.version} → candidate ${r.candidate.name} ${r.candidate.version}`,
    `${r.lines} lines; rejected: ${r.rejected.baseline} by the baseline, ${r.rejected.candidate} by the candidate`,
    `rules: ${r.rules.added.length} added, ${r.rules.removed.length} removed, ${Object.keys(r.rules.changed).length} changed`,
  ]
  for (const id of r.rules.added) out.push(`  + ${id}`)
  for (const id of r.rules.removed) out.push(`  - ${id}`)
  for (const [id, what] of Object.entries(r.rules.changed)) out.push(`  ~ ${id}: ${what.join(', ')}`)
  out.push(
    '',
    `decisions: ${d.compared} compared, ${d.changed} changed (${d.now_stopped} now stopped, ${d.no_longer_stopped} no longer stopped)`,
  )
  if (d.changed) {
    out.push('', 'by outcome (baseline→candidate):')
    out.push(
      ...table(
        ['flip', 'events', 'examples'],
        Object.entries(d.by_outcome).map(([k, f]) => [k, String(f.count), examples(f.examples)]),
        '  ',
      ),
    )
    out.push('', 'by rule (rules whose enforced hit differs on the flipped events):')
    out.push(...table(['rule', 'stricter', 'looser', 'examples'], directedRows(d.by_rule), '  '))
    out.push('', 'by area (of those rules):')
    out.push(...table(['area', 'stricter', 'looser', 'examples'], directedRows(d.by_area), '  '))
  }
  if (r.metrics) {
    const m = r.metrics
    out.push(
      '',
      `overall: damage prevented ${pct(m.overall.damage_prevented.baseline)} → ${pct(m.overall.damage_prevented.candidate)} (${points(m.overall.damage_prevented.change)}), ` +
        `recall ${pct(m.overall.recall.baseline)} → ${pct(m.overall.recall.candidate)}, ` +
        `benign friction ${pct(m.overall.benign_friction.baseline)} → ${pct(m.overall.benign_friction.candidate)}`,
      '',
    )
    out.push(
      ...table(
        [
          'area',
          'precision',
          'change',
          'recall',
          'change',
          'damage prev.',
          'change',
          'benign fric.',
          'change',
        ],
        Object.entries(m.areas).map(([area, a]) => [
          area,
          pct(a.precision.candidate),
          points(a.precision.change),
          pct(a.recall.candidate),
          points(a.recall.change),
          pct(a.damage_prevented.candidate),
          points(a.damage_prevented.change),
          pct(a.benign_friction.candidate),
          points(a.benign_friction.change),
        ]),
      ),
    )
  }
  return out.join('\n')
}
