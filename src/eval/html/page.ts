/**
 * The evaluation as one self-contained HTML page (`bulwark eval --report FILE.html`): headline
 * numbers, the per-area table, and inline SVG charts — damage prevented over time per area,
 * benign friction over time, hits and precision per rule. No scripts, fonts or links to fetch.
 */

import type { EvalReport } from '../report.ts'
import { areaCells, duration, pct } from '../text.ts'
import { barChart, escapeXml, lineChart, PALETTE } from './svg.ts'

/** A number of damage units for reading: at most two decimals, thousands separated. */
const units = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 })

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:20px}svg{display:block;margin:8px 0}svg .title{font-weight:600;font-size:13px}
svg .tick,svg .legend{font-size:11px;fill:#444}svg .grid{stroke:#e5e5e5}.note{color:#666}
.charts{display:flex;flex-wrap:wrap;gap:0 16px}`

function card(label: string, value: string): string {
  return `<div class="card"><b>${escapeXml(value)}</b>${escapeXml(label)}</div>`
}

function row(cells: readonly string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`
}

function areaTable(r: EvalReport): string {
  const head = [
    'area',
    'malicious',
    'stopped',
    'recall',
    'damage prevented',
    'precision',
    'benign friction',
    'users with friction',
    'shadow would add',
    'median time to detect',
  ]
  const rows = Object.entries(r.areas).map(([name, a]) =>
    row(areaCells(name, a, String(a.shadow.added_stopped))),
  )
  return `<table>${row(head, 'th')}${rows.join('')}</table>`
}

/** A bucket width in words: `5 minutes`, `hour`, `3 hours`, `day`, `week`. */
export function bucketName(minutes: number): string {
  if (minutes % 10080 === 0) return minutes === 10080 ? 'week' : `${minutes / 10080} weeks`
  if (minutes % 1440 === 0) return minutes === 1440 ? 'day' : `${minutes / 1440} days`
  if (minutes % 60 === 0) return minutes === 60 ? 'hour' : `${minutes / 60} hours`
  return minutes === 1 ? 'minute' : `${minutes} minutes`
}

function campaignTable(r: EvalReport): string {
  const campaigns = Object.values(r.areas).flatMap((a) => Object.entries(a.campaigns))
  if (!campaigns.length) return ''
  const head = ['campaign', 'area', 'events', 'stopped', 'damage prevented', 'first event', 'time to detect']
  const rows = campaigns.map(([id, k]) =>
    row([
      id,
      k.area,
      String(k.events),
      String(k.stopped),
      pct(k.damage_prevented),
      k.first_event.slice(0, 19).replace('T', ' '),
      k.time_to_detect_s === null ? 'never' : duration(k.time_to_detect_s),
    ]),
  )
  return `<h2>Campaigns</h2><p class="note">Time to detect: from the campaign's first malicious event to its first stopped one.</p><table>${row(head, 'th')}${rows.join('')}</table>`
}

function charts(r: EvalReport): string {
  const buckets = r.timeline.buckets
  const labels = buckets.map((b) => b.start.slice(0, 16).replace('T', ' '))
  const areas = Object.keys(r.areas).filter((a) => r.areas[a]!.malicious > 0)
  const every = bucketName(r.timeline.bucket_minutes)
  // One small chart per area with malicious events: eight lines on one chart are unreadable.
  const damage = areas
    .map((a, i) =>
      lineChart(
        `${a}: ${pct(r.areas[a]!.damage_prevented)} of ${units(r.areas[a]!.damage_total)} damage units prevented`,
        [
          {
            name: a,
            color: PALETTE[i % PALETTE.length]!,
            values: buckets.map((b) => b.damage_prevented[a] ?? null),
          },
        ],
        labels,
        { width: 480, height: 190 },
      ),
    )
    .join('')
  const friction = lineChart(
    `Benign friction per ${every} (share of benign events challenged, reviewed or blocked)`,
    [{ name: 'benign events', color: '#555', values: buckets.map((b) => b.benign_friction) }],
    labels,
    { yMax: 'auto' },
  )
  const rules = Object.entries(r.rules).filter(([, x]) => x.hits + x.shadow_hits > 0)
  rules.sort((a, b) => b[1].hits + b[1].shadow_hits - (a[1].hits + a[1].shadow_hits))
  const hits = barChart(
    'Hits per rule (dark: enforced, light: shadow)',
    rules.map(([id, x]) => ({
      label: id,
      segments: [
        { value: x.hits, color: '#1f77b4', name: 'enforced' },
        { value: x.shadow_hits, color: '#aec7e8', name: 'shadow' },
      ],
      note: `${x.hits} / ${x.shadow_hits}`,
    })),
  )
  const precision = barChart(
    'Precision per rule (labelled hits that were malicious)',
    rules.map(([id, x]) => ({
      label: id,
      segments: [{ value: x.precision ?? 0, color: '#2ca02c', name: 'precision' }],
      note: `${pct(x.precision)} (${x.true_positives} of ${x.true_positives + x.false_positives})`,
    })),
    1,
  )
  return `<h2>Damage prevented per ${every}, by area</h2><div class="charts">${damage || '<p class="note">No malicious events.</p>'}</div><h2>Benign friction over time</h2>${friction}<h2>Rules</h2>${rules.length ? hits + precision : '<p class="note">No rule hit.</p>'}`
}

export function htmlReport(r: EvalReport): string {
  const title = `Bulwark evaluation — ${r.policy.name} ${r.policy.version}`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(title)}</h1>
<p class="note">${r.events} events, ${r.labelled} labelled (${r.malicious} malicious, ${r.benign} benign).
An action is stopped when its outcome is ${escapeXml(r.stop_outcome)} or more severe.</p>
<div class="cards">${card('damage prevented', pct(r.damage_prevented))}${card('recall', pct(r.recall))}${card('benign friction (events)', pct(r.benign_friction))}${card('benign friction (users)', pct(r.benign_user_friction))}${card('friction with shadow rules', pct(r.benign_friction_with_shadow))}</div>
<h2>Areas</h2>${areaTable(r)}
${charts(r)}
${campaignTable(r)}
</body></html>
`
}
