/**
 * Conversions from a dataset's text cell to an event field's value (`as:` in a mapping). Each is
 * built once from the mapping and applied per row; a cell that does not convert yields an
 * `Invalid` with a message, which fails that row only.
 *
 *   string        the text as is (the default)
 *   int, double   numbers (int refuses fractions; both refuse empty and non-finite text)
 *   bool          true/false, 1/0, yes/no, t/f, y/n (any case)
 *   timestamp     RFC 3339 text: from ISO 8601 (default), epoch_s, epoch_ms or a pattern (`format:`)
 *   ip            an IPv4 address from a 32-bit number (a fraction is dropped), or an IP address as is
 *   cidr          a CIDR range or a single address (for list mappings)
 *   lower, upper, trim
 *   email_domain  the lower-cased domain of an e-mail address
 *   url_domain    the lower-cased host of a URL, without `www.`
 */

import { parseCidr, parseIp } from '../core/net/ip.ts'
import { compileTimeFormat, parseEpoch, parseIso, type TimeParser } from './time-format.ts'

export const CONVERSIONS = [
  'string',
  'int',
  'double',
  'bool',
  'timestamp',
  'ip',
  'cidr',
  'lower',
  'upper',
  'trim',
  'email_domain',
  'url_domain',
] as const

export type Conversion = (typeof CONVERSIONS)[number]

export class Invalid {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

export type Converter = (text: string) => unknown

const TRUE = new Set(['true', '1', 'yes', 't', 'y'])
const FALSE = new Set(['false', '0', 'no', 'f', 'n'])
const INT = /^\s*[+-]?\d+\s*$/
const quoted = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)

/** A time parser for `format:` — iso (default), epoch_s, epoch_ms or a pattern; a string is an error. */
export function timeParser(format = 'iso'): TimeParser | string {
  if (format === 'iso') return parseIso
  if (format === 'epoch_s') return (t) => parseEpoch(t, 1000)
  if (format === 'epoch_ms') return (t) => parseEpoch(t, 1)
  return compileTimeFormat(format)
}

/** The converter for `as` (with `format` for timestamps); a string says why it cannot be built. */
export function converter(as: Conversion, format?: string): Converter | string {
  switch (as) {
    case 'string':
      return (t) => t
    case 'int':
      return (t) => {
        const n = INT.test(t) ? Number(t) : Number.NaN
        return Number.isSafeInteger(n) ? n : new Invalid(`${quoted(t)} is not an integer`)
      }
    case 'double':
      return (t) => {
        const n = t.trim() === '' ? Number.NaN : Number(t)
        return Number.isFinite(n) ? n : new Invalid(`${quoted(t)} is not a number`)
      }
    case 'bool':
      return (t) => {
        const k = t.trim().toLowerCase()
        return TRUE.has(k) ? true : FALSE.has(k) ? false : new Invalid(`${quoted(t)} is not a boolean`)
      }
    case 'timestamp': {
      const parse = timeParser(format)
      if (typeof parse === 'string') return parse
      return (t) => {
        const ms = parse(t)
        return ms === undefined
          ? new Invalid(`${quoted(t)} is not a time (${format ?? 'iso'})`)
          : toRfc3339(ms)
      }
    }
    case 'ip':
      return toIp
    case 'cidr':
      return (t) => (parseCidr(t.trim()) ? t.trim() : new Invalid(`${quoted(t)} is not a CIDR range`))
    case 'lower':
      return (t) => t.toLowerCase()
    case 'upper':
      return (t) => t.toUpperCase()
    case 'trim':
      return (t) => t.trim()
    case 'email_domain':
      return (t) => {
        const at = t.lastIndexOf('@')
        const domain = t
          .slice(at + 1)
          .trim()
          .toLowerCase()
        return at > 0 && domain.includes('.') ? domain : new Invalid(`${quoted(t)} is not an e-mail address`)
      }
    case 'url_domain':
      return (t) => {
        const m = /^\s*(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/?#\s]*@)?([^/?#:\s]+)/i.exec(t)
        const host = m?.[1]
          ?.toLowerCase()
          .replace(/^www\./, '')
          .replace(/\.$/, '')
        return host?.includes('.') ? host : new Invalid(`${quoted(t)} is not a URL`)
      }
  }
}

/** An IP address: a 32-bit number (decimal, a fraction dropped) as IPv4, or a valid address as is. */
export function toIp(text: string): string | Invalid {
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t) && !/^\d+\.\d+\.\d+/.test(t)) {
    const n = Math.floor(Number(t))
    if (n > 0xffffffff) return new Invalid(`${quoted(t)} is larger than a 32-bit address`)
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
  }
  return parseIp(t) ? t : new Invalid(`${quoted(t)} is not an IP address`)
}

/** RFC 3339 in UTC, with milliseconds only when there are some. */
export function toRfc3339(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso
}
