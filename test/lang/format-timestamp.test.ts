/**
 * formatTimestamp (src/lang/runtime/time.ts): RFC 3339 in UTC with only the fractional digits
 * needed. Whole milliseconds take a table; every one of the 1,000 is checked against
 * Date#toISOString with its trailing zeros dropped, and finer fractions against the digits.
 */

import { describe, expect, it } from 'vitest'
import { formatTimestamp } from '../../src/lang/runtime/time.ts'
import { Timestamp } from '../../src/lang/runtime/values.ts'

const BASE = Date.UTC(2026, 0, 5, 23, 59, 58)

describe('formatTimestamp', () => {
  it('writes each whole millisecond as Date does, trailing zeros (and a bare dot) dropped', () => {
    for (let ms = 0; ms < 1000; ms++) {
      const iso = new Date(BASE + ms).toISOString()
      const expected = iso.replace(/\.?0*Z$/, 'Z')
      expect(formatTimestamp(Timestamp.fromMillis(BASE + ms))).toBe(expected)
    }
  })

  it('keeps sub-millisecond digits, and no fraction for whole seconds', () => {
    const seconds = BASE / 1000
    expect(formatTimestamp(new Timestamp(seconds, 0))).toBe('2026-01-05T23:59:58Z')
    expect(formatTimestamp(new Timestamp(seconds, 1))).toBe('2026-01-05T23:59:58.000000001Z')
    expect(formatTimestamp(new Timestamp(seconds, 123_456_700))).toBe('2026-01-05T23:59:58.1234567Z')
    expect(formatTimestamp(new Timestamp(seconds, 500_000))).toBe('2026-01-05T23:59:58.0005Z')
    expect(formatTimestamp(new Timestamp(-1, 999_000_000))).toBe('1969-12-31T23:59:59.999Z')
  })
})
