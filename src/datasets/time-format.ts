/**
 * Timestamps as datasets write them, read into epoch milliseconds (UTC unless the text carries
 * an offset): ISO 8601 / RFC 3339 with `T` or a space and an optional zone, epoch seconds or
 * milliseconds (fractions allowed), or a pattern such as `M/D/YYYY H:mm` or Twitter's
 * `ddd MMM DD HH:mm:ss Z YYYY`. Patterns are compiled once to a regular expression.
 *
 * Pattern tokens: YYYY YY (year), MMM (month name), MM M (month), DD D (day), HH H (hour),
 * hh h (hour, 12-hour clock with A), mm m (minute), ss s (second), SSS (fraction), ddd (weekday name, ignored), A (AM/PM),
 * Z (Z, +hh:mm or +hhmm). Any other character stands for itself.
 */

export type TimeParser = (text: string) => number | undefined

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/

export function parseIso(text: string): number | undefined {
  const m = ISO.exec(text.trim())
  if (!m) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m
  return build(+y!, +mo!, +d!, +h, +mi, +s, fraction(frac), zone)
}

export function parseEpoch(text: string, unitMs: number): number | undefined {
  const t = text.trim()
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined
  const ms = Math.round(Number(t) * unitMs)
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined
}

const TOKENS = [
  'YYYY',
  'YY',
  'MMM',
  'MM',
  'M',
  'DD',
  'D',
  'HH',
  'H',
  'hh',
  'h',
  'mm',
  'm',
  'ss',
  's',
  'SSS',
  'ddd',
  'A',
  'Z',
]
const PATTERNS: Readonly<Record<string, string>> = {
  YYYY: '(\\d{4})',
  YY: '(\\d{2})',
  MMM: '([A-Za-z]{3,9})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  DD: '(\\d{2})',
  D: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  hh: '(\\d{2})',
  h: '(\\d{1,2})',
  mm: '(\\d{2})',
  m: '(\\d{1,2})',
  ss: '(\\d{2})',
  s: '(\\d{1,2})',
  SSS: '(\\d{1,9})',
  ddd: '(?:[A-Za-z]{3,9})',
  A: '([AaPp][Mm])',
  Z: '([Zz]|[+-]\\d{2}:?\\d{2})',
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/** Compiles a pattern; a string says what is wrong with it. */
export function compileTimeFormat(format: string): TimeParser | string {
  let source = '^\\s*'
  const groups: string[] = []
  for (let i = 0; i < format.length; ) {
    const token = TOKENS.find((t) => format.startsWith(t, i))
    if (token) {
      source += PATTERNS[token]
      if (token !== 'ddd') groups.push(token)
      i += token.length
    } else {
      source += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')
      i++
    }
  }
  const has = (...t: string[]) => t.some((x) => groups.includes(x))
  if (!has('YYYY', 'YY') || !has('MMM', 'MM', 'M') || !has('DD', 'D'))
    return `format '${format}' needs a year (YYYY or YY), a month (MMM, MM or M) and a day (DD or D)`
  const re = new RegExp(`${source}\\s*$`)
  return (text) => {
    const m = re.exec(text)
    if (!m) return undefined
    const v: Record<string, string> = {}
    groups.forEach((g, k) => {
      v[g] = m[k + 1]!
    })
    const year = v.YYYY !== undefined ? +v.YYYY : 2000 + +v.YY!
    const month = v.MMM !== undefined ? MONTHS.indexOf(v.MMM.slice(0, 3).toLowerCase()) + 1 : +(v.MM ?? v.M)!
    let hour = +(v.HH ?? v.H ?? v.hh ?? v.h ?? 0)
    if (v.A !== undefined) {
      if (hour < 1 || hour > 12) return undefined
      hour = (hour % 12) + (v.A.toLowerCase() === 'pm' ? 12 : 0)
    }
    return build(
      year,
      month,
      +(v.DD ?? v.D)!,
      hour,
      +(v.mm ?? v.m ?? 0),
      +(v.ss ?? v.s ?? 0),
      fraction(v.SSS ?? ''),
      v.Z,
    )
  }
}

function fraction(digits: string): number {
  return digits ? Math.round(Number(`0.${digits}`) * 1000) : 0
}

/** Epoch ms of a calendar time, or undefined when a part is out of range (Feb 30, hour 24…). */
function build(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  zone?: string,
) {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  if (new Date(t).getUTCDate() !== d) return undefined
  return t - offsetMinutes(zone) * 60_000
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0
  const digits = zone.replace(':', '')
  const sign = digits[0] === '-' ? -1 : 1
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)))
}
