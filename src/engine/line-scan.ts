/**
 * The top-level `time` and `id` of a JSON line, read from its bytes without parsing it: the first
 * pass of an offline replay needs only these two (to sort by time and to find repeated ids) and
 * would otherwise parse every line twice.
 *
 * The scanner walks the object's top level, skipping nested values by counting brackets outside
 * strings. It answers `undefined` — "parse the line instead" — whenever it is not sure: the line
 * does not start with `{`, a key or one of the two values holds an escape, or the bytes stop
 * making sense. Invalid JSON that it cannot tell from valid JSON is found when the line is parsed
 * on its turn. With duplicate keys the last wins, as with JSON.parse.
 */

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c

/** What the scanner read: a string, a number's text, or absent / of another type (`null`). */
export interface ScannedLine {
  readonly time: string | number | null
  readonly id: string | null
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

/** Index of the closing quote of the string whose opening quote is at `i`, or -1. */
function stringEnd(bytes: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const b = bytes[j]!
    if (b === QUOTE) return j
    if (b === BACKSLASH) j++
  }
  return -1
}

/** Index just past the value starting at `i` (any JSON value), or -1. */
function skipValue(bytes: Uint8Array, i: number, end: number): number {
  const first = bytes[i]
  if (first === QUOTE) {
    const close = stringEnd(bytes, i, end)
    return close < 0 ? -1 : close + 1
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0
    for (let j = i; j < end; j++) {
      const b = bytes[j]!
      if (b === QUOTE) {
        j = stringEnd(bytes, j, end)
        if (j < 0) return -1
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--
        if (depth === 0) return j + 1
      }
    }
    return -1
  }
  // A number or a literal: up to the next separator.
  let j = i
  while (j < end) {
    const b = bytes[j]!
    if (b === COMMA || b === CLOSE_BRACE || isSpace(b)) break
    j++
  }
  return j === i ? -1 : j
}

function keyIs(bytes: Uint8Array, from: number, to: number, key: string): boolean {
  if (to - from !== key.length) return false
  for (let k = 0; k < key.length; k++) if (bytes[from + k] !== key.charCodeAt(k)) return false
  return true
}

function hasBackslash(bytes: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (bytes[k] === BACKSLASH) return true
  return false
}

/** The line's top-level `time` and `id`, or undefined when the line must be parsed to know. */
export function scanTimeAndId(bytes: Buffer, start: number, end: number): ScannedLine | undefined {
  let i = start
  while (i < end && isSpace(bytes[i]!)) i++
  if (bytes[i] !== OPEN_BRACE) return undefined
  i++
  let time: string | number | null = null
  let id: string | null = null
  for (;;) {
    while (i < end && isSpace(bytes[i]!)) i++
    if (bytes[i] === CLOSE_BRACE) break
    if (bytes[i] !== QUOTE) return undefined
    const keyEnd = stringEnd(bytes, i, end)
    if (keyEnd < 0) return undefined
    const keyFrom = i + 1
    i = keyEnd + 1
    while (i < end && isSpace(bytes[i]!)) i++
    if (bytes[i] !== COLON) return undefined
    i++
    while (i < end && isSpace(bytes[i]!)) i++
    const valueFrom = i
    i = skipValue(bytes, i, end)
    if (i < 0) return undefined
    const isTime = keyIs(bytes, keyFrom, keyEnd, 'time')
    if (isTime || keyIs(bytes, keyFrom, keyEnd, 'id')) {
      let value: string | number | null = null
      if (bytes[valueFrom] === QUOTE) {
        if (hasBackslash(bytes, valueFrom, i)) return undefined
        value = bytes.toString('utf8', valueFrom + 1, i - 1)
      } else if (isTime && bytes[valueFrom] !== OPEN_BRACE && bytes[valueFrom] !== OPEN_BRACKET) {
        const n = Number(bytes.toString('latin1', valueFrom, i))
        value = Number.isFinite(n) ? n : null
      }
      if (isTime) time = value
      else id = typeof value === 'string' ? value : null
    } else if (hasBackslash(bytes, keyFrom, keyEnd)) {
      // An escaped key might spell `time` or `id`.
      return undefined
    }
    while (i < end && isSpace(bytes[i]!)) i++
    if (bytes[i] === COMMA) {
      i++
      continue
    }
    if (bytes[i] === CLOSE_BRACE) break
    return undefined
  }
  i++
  while (i < end && isSpace(bytes[i]!)) i++
  return i === end ? { time, id } : undefined
}
