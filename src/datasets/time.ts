/**
 * Event times of an import (`event.time` in a mapping): from a column or template, read as ISO
 * 8601 (default), epoch_s, epoch_ms or a pattern (`format:`); or synthetic, for datasets without
 * times — `start` plus `step` (a span: 500ms, 1s, 2m, 1h, 1d) or `rate` (rows per second) times
 * the row's number, so the events replay in file order, spaced as given.
 */

import type { PathItem } from '../policy/yaml.ts'
import { Invalid, toRfc3339 } from './convert.ts'
import { parseIso } from './time-format.ts'
import { compileValue, type Row, type SpecContext } from './values.ts'

/** The time of a row (RFC 3339), or an Invalid. */
export type TimeFn = (row: Row) => string | Invalid

const SPAN_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseSpan(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)
  return m ? Number(m[1]) * SPAN_MS[m[2]!]! : undefined
}

export function compileTime(
  spec: Record<string, unknown>,
  at: readonly PathItem[],
  ctx: SpecContext,
): TimeFn {
  const { column, template, format, start, step, rate } = spec as {
    column?: string
    template?: string
    format?: string
    start?: string
    step?: string
    rate?: number
  }
  if (start === undefined) {
    if (step !== undefined || rate !== undefined)
      ctx.problem(at, 'step and rate need start (synthetic times)')
    if ((column === undefined) === (template === undefined)) {
      ctx.problem(at, 'give column (or template) with an optional format, or start with step or rate')
      return () => new Invalid('no time')
    }
    const value = compileValue(
      { ...(column !== undefined ? { column } : { template }), as: 'timestamp', format, required: true },
      at,
      ctx,
    )
    return (row) => {
      const v = value(row)
      return v instanceof Invalid ? new Invalid(`time: ${v.message}`) : (v as string)
    }
  }
  if (column !== undefined || template !== undefined || format !== undefined)
    ctx.problem(at, 'synthetic times (start) take no column, template or format')
  const t0 = parseIso(start)
  if (t0 === undefined) ctx.problem([...at, 'start'], `'${start}' is not an RFC 3339 time`)
  if ((step === undefined) === (rate === undefined)) ctx.problem(at, 'give one of step or rate with start')
  const stepMs = step !== undefined ? (parseSpan(step) ?? 0) : 1000 / (rate ?? 1)
  const base = t0 ?? 0
  return (row) => toRfc3339(base + Math.floor((Number(row._row) - 1) * stepMs))
}
