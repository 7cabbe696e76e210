/**
 * String helpers that count in Unicode code points, as CEL does, while JS strings are UTF-16.
 * Every helper takes the fast path when the string has no surrogate pairs (the usual case), where
 * code points and UTF-16 units coincide.
 */

import { fail } from './values.ts'

const SURROGATE = /[\uD800-\uDFFF]/

export const hasSurrogates = (s: string): boolean => SURROGATE.test(s)

export function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff) n--
  }
  return n
}

/** The code points of `s` as single-code-point strings. */
export const codePoints = (s: string): string[] => Array.from(s)

function checkRange(i: number, max: number, what: string): void {
  if (i < 0 || i > max)
    fail(
      'EVAL_RANGE',
      { detail: `${what} ${i} out of range [0, ${max}]` },
      { detail: `${what} out of range` },
    )
}

export function charAt(s: string, i: number): string {
  if (!SURROGATE.test(s)) {
    checkRange(i, s.length, 'index')
    return s.charAt(i)
  }
  const cps = codePoints(s)
  checkRange(i, cps.length, 'index')
  return cps[i] ?? ''
}

export function substring(s: string, start: number, end?: number): string {
  const cps = SURROGATE.test(s) ? codePoints(s) : undefined
  const len = cps ? cps.length : s.length
  const e = end ?? len
  checkRange(start, len, 'start')
  checkRange(e, len, 'end')
  if (start > e)
    fail('EVAL_RANGE', { detail: `start ${start} is after end ${e}` }, { detail: 'start is after end' })
  return cps ? cps.slice(start, e).join('') : s.slice(start, e)
}

/** Converts a UTF-16 index in `s` to a code point index. */
function toCodePointIndex(s: string, unitIndex: number): number {
  return unitIndex < 0 ? -1 : codePointLength(s.slice(0, unitIndex))
}

/** Converts a code point index to a UTF-16 index. */
function toUnitIndex(s: string, cpIndex: number): number {
  let unit = 0
  for (let cp = 0; cp < cpIndex; cp++) unit += (s.codePointAt(unit) ?? 0) > 0xffff ? 2 : 1
  return unit
}

export function indexOf(s: string, sub: string, start = 0): number {
  const len = codePointLength(s)
  checkRange(start, len, 'start')
  if (!SURROGATE.test(s)) return s.indexOf(sub, start)
  return toCodePointIndex(s, s.indexOf(sub, toUnitIndex(s, start)))
}

export function lastIndexOf(s: string, sub: string, start?: number): number {
  const len = codePointLength(s)
  const from = start ?? len
  checkRange(from, len, 'start')
  if (!SURROGATE.test(s)) return s.lastIndexOf(sub, from)
  return toCodePointIndex(s, s.lastIndexOf(sub, toUnitIndex(s, from)))
}

export function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s
}

export function upperAscii(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s
}

/** Replaces the first `n` occurrences (all when n < 0), like Go's strings.Replace. */
export function replace(s: string, from: string, to: string, n = -1): string {
  if (n === 0) return s
  if (from === '') {
    const cps = codePoints(s)
    const out: string[] = []
    let done = 0
    for (let i = 0; i <= cps.length; i++) {
      if (n < 0 || done < n) {
        out.push(to)
        done++
      }
      if (i < cps.length) out.push(cps[i]!)
    }
    return out.join('')
  }
  if (n < 0) return s.split(from).join(to)
  let out = ''
  let pos = 0
  for (let done = 0; done < n; done++) {
    const at = s.indexOf(from, pos)
    if (at < 0) break
    out += s.slice(pos, at) + to
    pos = at + from.length
  }
  return out + s.slice(pos)
}

/** Splits into at most `n` parts (all when n < 0, none when n = 0), like Go's strings.SplitN. */
export function split(s: string, sep: string, n = -1): string[] {
  if (n === 0) return []
  if (sep === '') {
    const cps = codePoints(s)
    if (n < 0 || n >= cps.length) return cps
    return [...cps.slice(0, n - 1), cps.slice(n - 1).join('')]
  }
  const parts = s.split(sep)
  if (n < 0 || parts.length <= n) return parts
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]
}

/** Unicode White_Space characters (what CEL's trim removes). */
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000'
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g')

export function trim(s: string): string {
  return s.replace(TRIM, '')
}

export function reverse(s: string): string {
  return codePoints(s).reverse().join('')
}

/** Quotes a string as a CEL double-quoted literal. */
export function quote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '\\':
        out += '\\\\'
        break
      case '"':
        out += '\\"'
        break
      case '\n':
        out += '\\n'
        break
      case '\r':
        out += '\\r'
        break
      case '\t':
        out += '\\t'
        break
      case '\x07':
        out += '\\a'
        break
      case '\b':
        out += '\\b'
        break
      case '\f':
        out += '\\f'
        break
      case '\v':
        out += '\\v'
        break
      default:
        out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch
    }
  }
  return `${out}"`
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8 bytes; invalid UTF-8 is an error. */
export function decodeUtf8(b: Uint8Array): string {
  try {
    return decoder.decode(b)
  } catch {
    return fail('EVAL_INVALID_ARGUMENT', { detail: 'invalid UTF-8 in bytes' }, true)
  }
}
