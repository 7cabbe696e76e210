/**
 * Event times (src/policy/fields.ts toTimestamp): the fast path for `YYYY-MM-DDTHH:MM:SS[.f]Z`
 * gives exactly what parseTimestamp gives, and leaves every other text to it.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseTimestamp } from '../../src/lang/runtime/time.ts'
import { toTimestamp, utcTimestamp } from '../../src/policy/fields.ts'

const slow = (text: string) => {
  try {
    const t = parseTimestamp(text)
    return { seconds: t.seconds, nanos: t.nanos }
  } catch {
    return undefined
  }
}
const fast = (text: string) => {
  const t = toTimestamp(text)
  return t === undefined ? undefined : { seconds: t.seconds, nanos: t.nanos }
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

describe('toTimestamp', () => {
  it('reads the usual forms like parseTimestamp', () => {
    for (const text of [
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.5Z',
      '2026-01-01T00:00:00.123456789Z',
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999z',
      '2024-02-29t12:34:56Z',
      '9999-12-31T23:59:59.999999999Z',
      '1000-01-01T00:00:00Z',
    ]) {
      expect(utcTimestamp(text), text).toBeDefined()
      expect(fast(text), text).toEqual(slow(text))
    }
  })

  it('leaves other texts to parseTimestamp, with the same answer', () => {
    for (const text of [
      '2026-01-01T00:00:00+02:00',
      '0999-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00.Z',
      '2026-01-01T00:00:00.1234567890Z',
      '2026-01-01T00:00:00,5Z',
      '2026-01-01 00:00:00Z',
      '2026-01-01T00:00:00',
      '２026-01-01T00:00:00Z',
      '2026-01-0aT00:00:00Z',
      '-026-01-01T00:00:00Z',
      '',
    ]) {
      if (utcTimestamp(text) !== undefined) expect(slow(text), text).toBeDefined()
      expect(fast(text), text).toEqual(slow(text))
    }
  })

  it('agrees with parseTimestamp on generated times, valid and not', () => {
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.stringMatching(/^[0-9]{0,10}$/)),
        fc.constantFrom('Z', 'z', '+00:00', '-05:30', ''),
        fc.constantFrom('T', 't', ' '),
      )
      .map(
        ([y, mo, d, h, mi, s, frac, zone, t]) =>
          `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${t}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === null ? '' : `.${frac}`}${zone}`,
      )
    fc.assert(
      fc.property(text, (t) => {
        expect(fast(t)).toEqual(slow(t))
      }),
      { numRuns: 5_000, seed: 7 },
    )
  })

  it('takes epoch milliseconds and refuses other values', () => {
    expect(toTimestamp(1_767_225_600_000)?.toMillis()).toBe(1_767_225_600_000)
    expect(toTimestamp(Number.NaN)).toBeUndefined()
    expect(toTimestamp(null)).toBeUndefined()
    expect(toTimestamp({})).toBeUndefined()
  })
})
