/**
 * Plain-text helpers for the terminal reports: fractions as percentages (— for nothing to
 * measure), durations, and columns aligned under their headers.
 */

import type { AreaReport } from './report.ts'

/** A fraction as a percentage with one decimal, or — when null. */
export const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`)

/** A signed change in percentage points, or — when null. */
export const points = (x: number | null): string =>
  x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)} pt`

/** Seconds as `1h 2m`, `3m 4s` or `5.2s`; — when null. */
export function duration(s: number | null): string {
  if (s === null) return '—'
  if (s < 60) return `${Number(s.toFixed(1))}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${Math.round(s - m * 60)}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m - h * 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** Rows under headers, each column as wide as its widest cell; numbers-like cells right-aligned. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  indent = '',
): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const right = (s: string) => /^[−+±\d—.%]/.test(s) && !/[a-z]{3}/i.test(s)
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (i > 0 && right(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)]
}

/** One area's row of the evaluation's table, as text cells; `shadow` is that column's cell. */
export function areaCells(name: string, a: AreaReport, shadow: string): string[] {
  return [
    name,
    String(a.malicious),
    String(a.stopped),
    pct(a.recall),
    pct(a.damage_prevented),
    pct(a.precision),
    pct(a.benign_friction),
    pct(a.benign_user_friction),
    shadow,
    duration(a.median_time_to_detect_s),
  ]
}
