/**
 * Timestamp and duration accessors: calendar fields of a timestamp (in UTC or a given time zone)
 * and whole units of a duration. Typical risk uses: the hour of day of a login, the age of an
 * account (`now - event.actor.created_at > duration('30d')`).
 */

import { type CalendarFields, calendar } from '../runtime/time.ts'
import type { Duration, Timestamp } from '../runtime/values.ts'
import { type FunctionDecl, fn, method } from './registry.ts'

function field(
  name: string,
  doc: string,
  pick: (c: CalendarFields) => number,
  durationPick?: (d: Duration) => number,
): FunctionDecl {
  return fn(
    { doc, cost: 3, example: `event.time.${name}('Europe/Paris')` },
    method(`timestamp.${name}() -> int`, (t: Timestamp) => pick(calendar(t))),
    method(`timestamp.${name}(string) -> int`, (t: Timestamp, tz: string) => pick(calendar(t, tz))),
    ...(durationPick ? [method(`duration.${name}() -> int`, durationPick)] : []),
  )
}

/** Whole units of a duration, truncated toward zero. */
const whole = (d: Duration, seconds: number) => Math.trunc(d.seconds / seconds)

export const TIME_FUNCTIONS: readonly FunctionDecl[] = [
  field('getFullYear', 'The year of a timestamp, in UTC or the given time zone.', (c) => c.year),
  field('getMonth', 'The month of a timestamp, 0 for January.', (c) => c.month - 1),
  field('getDate', 'The day of the month, from 1.', (c) => c.day),
  field('getDayOfMonth', 'The day of the month, from 0.', (c) => c.day - 1),
  field('getDayOfWeek', 'The day of the week, 0 for Sunday.', (c) => c.dayOfWeek),
  field('getDayOfYear', 'The day of the year, from 0.', (c) => c.dayOfYear),
  field(
    'getHours',
    'The hour of a timestamp (0–23); for a duration, its whole hours.',
    (c) => c.hours,
    (d) => whole(d, 3600),
  ),
  field(
    'getMinutes',
    'The minute of a timestamp; for a duration, its whole minutes.',
    (c) => c.minutes,
    (d) => whole(d, 60),
  ),
  field(
    'getSeconds',
    'The second of a timestamp; for a duration, its whole seconds.',
    (c) => c.seconds,
    (d) => d.seconds,
  ),
  field(
    'getMilliseconds',
    'The millisecond of a timestamp; for a duration, the milliseconds of its fractional second.',
    (c) => c.millis,
    (d) => Math.trunc(d.nanos / 1e6),
  ),
]
