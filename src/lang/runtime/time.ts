/**
 * Timestamps and durations: RFC 3339 and Go-style duration parsing and formatting, range-checked
 * arithmetic, and calendar fields in a time zone (IANA name or ±HH:MM offset).
 *
 * Ranges follow CEL: timestamps span years 0001–9999; durations ±315,576,000,000 s; the
 * difference of two timestamps must also fit int64 nanoseconds (about ±292 years), as in cel-go.
 * Risk-profile extension: duration strings also accept `d` (24h), e.g. duration('30d').
 */

import { Duration, fail, Timestamp } from './values.ts'

const MIN_SECONDS = -62135596800 // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799 // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315576000000
const NS = 1_000_000_000

const rangeError = (what: string): never => fail('EVAL_RANGE', { detail: `${what} out of range` }, true)

export function checkedTimestamp(seconds: number, nanos: number): Timestamp {
  const s = seconds + Math.floor(nanos / NS)
  const n = ((nanos % NS) + NS) % NS
  if (s < MIN_SECONDS || s > MAX_SECONDS) rangeError('timestamp')
  return new Timestamp(s, n)
}

/** Normalises so seconds and nanos share a sign and |nanos| < 1e9, then range-checks. */
export function checkedDuration(seconds: number, nanos: number): Duration {
  let s = seconds + Math.trunc(nanos / NS)
  let n = nanos % NS
  if (s > 0 && n < 0) {
    s -= 1
    n += NS
  } else if (s < 0 && n > 0) {
    s += 1
    n -= NS
  }
  if (Math.abs(s) > MAX_DURATION_SECONDS) rangeError('duration')
  return new Duration(s, n === 0 ? 0 : n)
}

export const addTimestampDuration = (t: Timestamp, d: Duration) =>
  checkedTimestamp(t.seconds + d.seconds, t.nanos + d.nanos)
export const subTimestampDuration = (t: Timestamp, d: Duration) =>
  checkedTimestamp(t.seconds - d.seconds, t.nanos - d.nanos)
export const addDurations = (a: Duration, b: Duration) =>
  checkedDuration(a.seconds + b.seconds, a.nanos + b.nanos)
export const subDurations = (a: Duration, b: Duration) =>
  checkedDuration(a.seconds - b.seconds, a.nanos - b.nanos)

const INT64_NS_SECONDS = 9223372036 // whole seconds in 2^63 ns

export function subTimestamps(a: Timestamp, b: Timestamp): Duration {
  const d = checkedDuration(a.seconds - b.seconds, a.nanos - b.nanos)
  if (Math.abs(d.seconds) > INT64_NS_SECONDS) rangeError('duration')
  return d
}

// ── calendar arithmetic (proleptic Gregorian, from H. Hinnant's days_from_civil) ─────────────

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp + (mp < 10 ? 3 : -9)
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day }
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** Days in a month (1–12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Parses an RFC 3339 timestamp; malformed or out-of-range text is an error. */
export function parseTimestamp(text: string): Timestamp {
  const m = RFC3339.exec(text)
  if (!m)
    return fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `invalid timestamp '${text}'` },
      { detail: 'invalid timestamp' },
    )
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = Number(m[6])
  const monthDays = daysInMonth(year, month)
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    return fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `invalid timestamp '${text}'` },
      { detail: 'invalid timestamp' },
    )
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0
  if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59))
    fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `invalid time zone offset in '${text}'` },
      { detail: 'invalid time zone offset' },
    )
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60)
  if (year < 1) rangeError('timestamp')
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
  return checkedTimestamp(seconds, nanos)
}

const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** The fraction of a whole number of milliseconds, trailing zeros dropped: '', '.5', '.968'. */
const MILLIS_FRACTIONS: readonly string[] = Array.from({ length: 1000 }, (_, ms) =>
  ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`,
)

/** RFC 3339 in UTC with as many fractional digits as needed (none when whole). */
export function formatTimestamp(t: Timestamp): string {
  const days = Math.floor(t.seconds / 86400)
  const secs = t.seconds - days * 86400
  const { year, month, day } = civilFromDays(days)
  const nanos = t.nanos
  // Most timestamps (event times, Date-based values) are whole milliseconds: a table lookup.
  const frac =
    nanos >= 0 && nanos % 1_000_000 === 0
      ? MILLIS_FRACTIONS[nanos / 1_000_000]!
      : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`
  const hh = Math.floor(secs / 3600)
  const mm = Math.floor((secs % 3600) / 60)
  return `${String(year).padStart(4, '0')}-${p2(month)}-${p2(day)}T${p2(hh)}:${p2(mm)}:${p2(secs % 60)}${frac}Z`
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
}

/** Parses Go duration syntax (`1h30m`, `-1.5s`, `250ms`) plus the `d` unit. */
export function parseDuration(text: string): Duration {
  const bad = () =>
    fail('EVAL_INVALID_ARGUMENT', { detail: `invalid duration '${text}'` }, { detail: 'invalid duration' })
  let s = text
  let sign = 1n
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1n
    s = s.slice(1)
  }
  if (s === '0') return new Duration(0, 0)
  if (s === '') return bad()
  let total = 0n
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h|d)/
  while (s.length) {
    const m = part.exec(s)
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return bad()
    const unit = UNIT_NANOS[m[3]!]!
    const frac = m[2] ?? ''
    total += BigInt(m[1] || '0') * unit
    if (frac) total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length)
    s = s.slice(m[0].length)
  }
  total *= sign
  const seconds = total / 1_000_000_000n
  if (seconds > BigInt(MAX_DURATION_SECONDS) || seconds < -BigInt(MAX_DURATION_SECONDS))
    rangeError('duration')
  return checkedDuration(Number(seconds), Number(total % 1_000_000_000n))
}

/** Seconds with up to nine fractional digits and an `s`, as protobuf's JSON form: `1.5s`. */
export function formatDuration(d: Duration): string {
  const neg = d.seconds < 0 || d.nanos < 0
  const s = Math.abs(d.seconds)
  const n = Math.abs(d.nanos)
  const frac = n ? `.${String(n).padStart(9, '0').replace(/0+$/, '')}` : ''
  return `${neg ? '-' : ''}${s}${frac}s`
}

// ── calendar fields in a time zone ───────────────────────────────────────────────────────

const zoneFormatters = new Map<string, Intl.DateTimeFormat>()

/** Offset in seconds east of UTC of zone `tz` at epoch second `seconds`. */
function zoneOffset(tz: string, seconds: number): number {
  const fixed = /^([+-]?)(\d{2}):(\d{2})$/.exec(tz)
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3600 + Number(fixed[3]) * 60)
  if (tz === 'UTC' || tz === 'Z') return 0
  let fmt = zoneFormatters.get(tz)
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch {
      return fail(
        'EVAL_INVALID_ARGUMENT',
        { detail: `unknown time zone '${tz}'` },
        { detail: 'unknown time zone' },
      )
    }
    zoneFormatters.set(tz, fmt)
  }
  // Intl handles years 1970±; clamp far dates into its comfortable range by whole 400-year eras.
  const era = 146097 * 86400
  const shift = seconds < -2e10 || seconds > 2e10 ? Math.round(seconds / era) * era : 0
  const parts = fmt.formatToParts(new Date((seconds - shift) * 1000))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const local =
    daysFromCivil(get('year'), get('month'), get('day')) * 86400 +
    get('hour') * 3600 +
    get('minute') * 60 +
    get('second')
  return local - (seconds - shift)
}

export interface CalendarFields {
  readonly year: number
  readonly month: number // 1–12
  readonly day: number // 1–31
  readonly dayOfWeek: number // 0 = Sunday
  readonly dayOfYear: number // 0-based
  readonly hours: number
  readonly minutes: number
  readonly seconds: number
  readonly millis: number
}

export function calendar(t: Timestamp, tz?: string): CalendarFields {
  const local = t.seconds + (tz === undefined ? 0 : zoneOffset(tz, t.seconds))
  const days = Math.floor(local / 86400)
  const secs = local - days * 86400
  const { year, month, day } = civilFromDays(days)
  return {
    year,
    month,
    day,
    dayOfWeek: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    dayOfYear: days - daysFromCivil(year, 1, 1),
    hours: Math.floor(secs / 3600),
    minutes: Math.floor((secs % 3600) / 60),
    seconds: secs % 60,
    millis: Math.floor(t.nanos / 1e6),
  }
}
