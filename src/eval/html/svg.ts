/**
 * Inline SVG charts drawn by hand (no libraries, no external assets): a line chart of fractions
 * over time buckets, and horizontal bar rows. Every text is escaped; every number is rounded to
 * one decimal so the markup stays small.
 */

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const n = (x: number): string => String(Math.round(x * 10) / 10)

/** Eight distinguishable colours (one per abuse area), then grey. */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
]

export interface Series {
  readonly name: string
  readonly color: string
  /** One value per bucket, 0..1, or null where there is nothing to measure (a gap). */
  readonly values: readonly (number | null)[]
}

export interface LineOptions {
  readonly width?: number
  readonly height?: number
  /** Top of the y axis; `auto` rounds the largest value up to 1%, 2%, 5%, 10%, 20%, 25%, 50% or 100%. */
  readonly yMax?: number | 'auto'
  /** Legend on the right (default: when there is more than one series). */
  readonly legend?: boolean
}

const NICE = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1]

/** Fractions (0..1) over buckets; x labels under the first, middle and last bucket. */
export function lineChart(
  title: string,
  series: readonly Series[],
  xLabels: readonly string[],
  options: LineOptions = {},
): string {
  const W = options.width ?? 760
  const H = options.height ?? 260
  const legend = options.legend ?? series.length > 1
  const L = 48
  const R = legend ? 150 : 20
  const T = 28
  const B = 36
  const w = W - L - R
  const h = H - T - B
  let top = typeof options.yMax === 'number' ? options.yMax : 1
  if (options.yMax === 'auto') {
    let max = 0
    for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v
    top = NICE.find((x) => max <= x) ?? 1
  }
  const count = Math.max(1, xLabels.length)
  const x = (i: number) => L + (count === 1 ? w / 2 : (i / (count - 1)) * w)
  const y = (v: number) => T + h - (Math.min(v, top) / top) * h
  const parts: string[] = [
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${L}" y="16" class="title">${escapeXml(title)}</text>`,
  ]
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const v = f * top
    parts.push(
      `<line x1="${L}" x2="${L + w}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/>`,
      `<text x="${L - 6}" y="${n(y(v) + 4)}" text-anchor="end" class="tick">${Number((v * 100).toFixed(2))}%</text>`,
    )
  }
  const ticks = [...new Set([0, Math.floor((count - 1) / 2), count - 1])].filter((i) => i < xLabels.length)
  for (const i of ticks) {
    const anchor = count > 1 && i === 0 ? 'start' : count > 1 && i === count - 1 ? 'end' : 'middle'
    parts.push(
      `<text x="${n(x(i))}" y="${H - B + 16}" text-anchor="${anchor}" class="tick">${escapeXml(xLabels[i]!)}</text>`,
    )
  }
  series.forEach((s, k) => {
    let d = ''
    let pen = false
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false
        return
      }
      d += `${pen ? 'L' : 'M'}${n(x(i))} ${n(y(v))}`
      pen = true
    })
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    s.values.forEach((v, i) => {
      if (v !== null)
        parts.push(
          `<circle cx="${n(x(i))}" cy="${n(y(v))}" r="2.5" fill="${s.color}"><title>${escapeXml(s.name)} ${escapeXml(xLabels[i] ?? '')}: ${(v * 100).toFixed(1)}%</title></circle>`,
        )
    })
    if (!legend) return
    const ly = T + 8 + k * 18
    parts.push(
      `<rect x="${L + w + 14}" y="${ly - 8}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${L + w + 30}" y="${ly + 1}" class="legend">${escapeXml(s.name)}</text>`,
    )
  })
  if (series.every((s) => s.values.every((v) => v === null)))
    parts.push(
      `<text x="${L + w / 2}" y="${T + h / 2}" text-anchor="middle" class="tick">nothing to measure</text>`,
    )
  parts.push('</svg>')
  return parts.join('')
}

export interface BarRow {
  readonly label: string
  /** Stacked segments, left to right. */
  readonly segments: readonly { readonly value: number; readonly color: string; readonly name: string }[]
  /** Text after the bar. */
  readonly note: string
}

/** Horizontal bars, one row each, scaled to `max` (the largest row total when absent). */
export function barChart(title: string, rows: readonly BarRow[], max?: number): string {
  const W = 820
  const L = 230
  const barW = 420
  const rowH = 18
  const T = 28
  const H = T + rows.length * rowH + 10
  const total = (r: BarRow) => r.segments.reduce((a, s) => a + s.value, 0)
  const scale = max ?? Math.max(1, ...rows.map(total))
  const parts: string[] = [
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="0" y="16" class="title">${escapeXml(title)}</text>`,
  ]
  rows.forEach((r, i) => {
    const y = T + i * rowH
    parts.push(`<text x="${L - 8}" y="${y + 12}" text-anchor="end" class="tick">${escapeXml(r.label)}</text>`)
    let at = L
    for (const s of r.segments) {
      const w = (s.value / scale) * barW
      if (w > 0)
        parts.push(
          `<rect x="${n(at)}" y="${y + 2}" width="${n(w)}" height="${rowH - 5}" fill="${s.color}"><title>${escapeXml(s.name)}: ${s.value}</title></rect>`,
        )
      at += w
    }
    parts.push(`<text x="${n(at + 6)}" y="${y + 12}" class="tick">${escapeXml(r.note)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}
