/**
 * One training row per decided event, the same shape offline (replay) and online (stored
 * decisions), so a model trained on either serves on both:
 *
 *   event_id, time, type                     which event (ids and time, for joins and time splits)
 *   features.NAME                            every declared feature as the decision saw it
 *   features.NAME.age_s                      a time feature (first/last seen): its age in seconds
 *   <event field>                            the event's numeric and boolean fields, flattened
 *   <event field>.age_s                      a time field's age in seconds (actor.created_at.age_s)
 *                                            (`actor.followers`, `actor.email_verified`)
 *   <text field>                             text fields (`text`, `actor.bio`, …) as text
 *   malicious, area, campaign                the label in force (empty when unlabelled)
 *
 * Feature values: numbers as they are, booleans 1/0, a time (first/last seen) as the seconds it
 * lay before the event in whole seconds — its age at decision time, never later, in a column named
 * `.age_s` — and
 * a feature the decision did not compute is empty (missing). Offline rows compute every feature on
 * every event type (LoadOptions.everyFeature), which is what a model that reads the feature is
 * served; online rows hold what the serving decisions computed — those of the serving pack's
 * rules and models. Other string event fields are identifiers or categories
 * and are left out; only `type` is kept.
 */

import { toTimestamp } from '../../policy/fields.ts'

/** Event fields treated as text, by the last part of their name. */
export const TEXT_FIELD_NAMES: readonly string[] = ['text', 'bio', 'description', 'title']

/** The suffix of a time feature's column: the value is its age in seconds at the event. */
export const AGE_SUFFIX = '.age_s'

/**
 * A time's age at the event in whole seconds, truncated as CEL's `duration.getSeconds()` does:
 * the model.yaml that `bulwark train` writes serves the column as
 * `double((now - X).getSeconds())`, and a row must hold exactly what will be served.
 */
function ageSeconds(eventTime: number, time: string): number {
  return Math.trunc((eventTime - toTimestamp(time)!.toMillis()) / 1000)
}

/** Whether a feature's plain value is a time (RFC 3339, as decisions record times). */
export function isTimeValue(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && toTimestamp(value) !== undefined
}

export const ID_COLUMNS = ['event_id', 'time', 'type'] as const
export const LABEL_COLUMNS = ['malicious', 'area', 'campaign'] as const

export type Cell = string | number | undefined

export interface RowLabel {
  readonly malicious: boolean
  readonly area?: string
  readonly campaign?: string
}

/** Event fields that become columns, by flattened name. */
export interface EventFields {
  readonly numeric: Set<string>
  /** Time fields (RFC 3339), written as their age in seconds at the event (`NAME.age_s`). */
  readonly times: Set<string>
  readonly text: Set<string>
}

export function newEventFields(): EventFields {
  return { numeric: new Set(), times: new Set(), text: new Set() }
}

/** Adds the columns an event contributes: numeric/boolean, time and text fields. */
export function eventColumns(
  event: Readonly<Record<string, unknown>>,
  found: EventFields,
  prefix = '',
): void {
  for (const key in event) {
    if (prefix === '' && (key === 'id' || key === 'time' || key === 'type')) continue
    const value = event[key]
    const name = prefix + key
    if (typeof value === 'number' || typeof value === 'boolean') found.numeric.add(name)
    else if (typeof value === 'string') {
      if (TEXT_FIELD_NAMES.includes(key)) found.text.add(name)
      else if (isTimeValue(value)) found.times.add(name)
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      eventColumns(value as Record<string, unknown>, found, `${name}.`)
  }
}

/** Sorted column lists of the event fields found. */
export function eventFieldColumns(found: EventFields): Pick<RowColumns, 'numeric' | 'times' | 'text'> {
  return { numeric: [...found.numeric].sort(), times: [...found.times].sort(), text: [...found.text].sort() }
}

function fieldAt(event: Readonly<Record<string, unknown>>, path: string): unknown {
  let v: unknown = event
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

/** A feature value as a cell (see the module comment). */
export function featureCell(value: unknown, eventTime: number): Cell {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'string') return isTimeValue(value) ? ageSeconds(eventTime, value as string) : value
  return undefined
}

export interface RowColumns {
  readonly features: readonly string[]
  /** Features whose values are times (written as ages, in `features.NAME.age_s`). */
  readonly timeFeatures: ReadonlySet<string>
  readonly numeric: readonly string[]
  readonly times: readonly string[]
  readonly text: readonly string[]
}

/** Every column name, in order. */
export function columnNames(c: RowColumns): string[] {
  return [
    ...ID_COLUMNS,
    ...c.features.map((f) => (c.timeFeatures.has(f) ? `features.${f}${AGE_SUFFIX}` : `features.${f}`)),
    ...c.numeric,
    ...c.times.map((n) => `${n}${AGE_SUFFIX}`),
    ...c.text,
    ...LABEL_COLUMNS,
  ]
}

/** The cells of one row, in `columnNames` order. */
export function rowCells(
  c: RowColumns,
  eventId: string,
  eventTime: number,
  type: string,
  event: Readonly<Record<string, unknown>>,
  features: Readonly<Record<string, unknown>>,
  label: RowLabel | undefined,
): Cell[] {
  const cells: Cell[] = [eventId, new Date(eventTime).toISOString(), type]
  for (const f of c.features) cells.push(featureCell(features[f], eventTime))
  for (const n of c.numeric) {
    const v = fieldAt(event, n)
    cells.push(typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : undefined)
  }
  for (const n of c.times) {
    const v = fieldAt(event, n)
    cells.push(isTimeValue(v) ? ageSeconds(eventTime, v as string) : undefined)
  }
  for (const n of c.text) {
    const v = fieldAt(event, n)
    cells.push(typeof v === 'string' ? v : undefined)
  }
  cells.push(label ? (label.malicious ? 1 : 0) : undefined, label?.area, label?.campaign)
  return cells
}
