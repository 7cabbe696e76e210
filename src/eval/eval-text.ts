/**
 * `bulwark eval` on a terminal: the headline numbers, a table per area, the campaigns and their
 * time to detect, and a table per rule. Reads only the report (report.ts).
 */

import type { EvalReport } from './report.ts'
import { areaCells, duration, pct, table } from './text.ts'

export function evalText(r: EvalReport, maxCampaigns = 20): string {
  const out = [
    `policy ${r.policy.name} ${r.policy.version}: ${r.events} events, ${r.labelled} labelled ` +
      `(${r.malicious} malicious, ${r.benign} benign), ${r.unlabelled} unlabelled` +
      (r.rejected || r.duplicates ? `; rejected lines ${r.rejected}, duplicates ${r.duplicates}` : ''),
    `stopped = outcome ${r.stop_outcome} or more severe (challenge, review, block); allow lets an action through`,
    `overall: damage prevented ${pct(r.damage_prevented)}, recall ${pct(r.recall)}, ` +
      `benign friction ${pct(r.benign_friction)} of events, ${pct(r.benign_user_friction)} of users ` +
      `(${pct(r.benign_friction_with_shadow)} with shadow rules enforced)`,
    '',
  ]
  const areas = Object.entries(r.areas)
  out.push(
    ...table(
      [
        'area',
        'malicious',
        'stopped',
        'recall',
        'damage prev.',
        'precision',
        'benign fric.',
        'users fric.',
        'with shadow',
        'median TTD',
      ],
      areas.map(([name, a]) =>
        areaCells(
          name,
          a,
          a.shadow.added_stopped ? `+${a.shadow.added_stopped} → ${pct(a.shadow.damage_prevented)}` : '—',
        ),
      ),
    ),
  )
  const campaigns = areas.flatMap(([, a]) => Object.entries(a.campaigns))
  if (campaigns.length) {
    out.push('', 'campaigns (time to detect: first malicious event → first stopped one):')
    for (const [id, k] of campaigns.slice(0, maxCampaigns))
      out.push(
        `  ${id} (${k.area}): ${k.events} events, ${k.stopped} stopped, damage prevented ${pct(k.damage_prevented)}, ` +
          (k.time_to_detect_s === null
            ? `never detected${k.time_to_detect_with_shadow_s === null ? '' : ` (shadow rules: after ${duration(k.time_to_detect_with_shadow_s)})`}`
            : `detected after ${duration(k.time_to_detect_s)}`),
      )
    if (campaigns.length > maxCampaigns)
      out.push(`  … and ${campaigns.length - maxCampaigns} more (see --json)`)
  }
  const all = Object.entries(r.rules)
  const rules = all
    .filter(([, x]) => x.hits + x.shadow_hits > 0)
    .sort((a, b) => b[1].hits + b[1].shadow_hits - (a[1].hits + a[1].shadow_hits) || (a[0] < b[0] ? -1 : 1))
  out.push(
    '',
    'rules that hit (hits: enforced / shadow; precision over labelled hits; recall within the rule’s area):',
  )
  out.push(
    ...table(
      ['rule', 'area', 'mode', 'hits', 'shadow', 'precision', 'recall'],
      rules.map(([id, x]) => [
        id,
        x.area ?? '—',
        x.mode,
        String(x.hits),
        String(x.shadow_hits),
        pct(x.precision),
        pct(x.recall),
      ]),
      '  ',
    ),
  )
  if (all.length > rules.length)
    out.push(`  (${all.length - rules.length} rules did not hit; all are in --json)`)
  if (r.labels.rejected || r.labels.unmatched)
    out.push(
      '',
      `labels: ${r.labels.lines} lines, ${r.labels.rejected} that do not parse (listed on standard error), ` +
        `${r.labels.unmatched} without a decided event`,
    )
  return out.join('\n')
}
