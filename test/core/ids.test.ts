/**
 * Identifiers: the ULID layout (10 time characters, 16 random ones, Crockford base32), ordered by
 * time, and unique across the random pool's refills.
 */

import { describe, expect, it } from 'vitest'
import { newId } from '../../src/core/ids.ts'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function decodeTime(id: string): number {
  let t = 0
  for (const c of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(c)
  return t
}

describe('newId', () => {
  it('is 26 Crockford base32 characters whose first 10 encode the time', () => {
    for (const now of [0, 1, 1_764_700_000_000, 2 ** 48 - 1]) {
      const id = newId(now)
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
      expect(decodeTime(id)).toBe(now)
    }
  })

  it('sorts by creation time', () => {
    const ids = [newId(1_000), newId(999_999), newId(1_764_700_000_000), newId(1_764_700_000_001)]
    expect([...ids].sort()).toEqual(ids)
  })

  it('never repeats, within a millisecond and across the random pool refills', () => {
    const ids = new Set<string>()
    const randoms = new Set<string>()
    // Several pool refills (4,096 ids each), all in the same millisecond.
    for (let i = 0; i < 20_000; i++) {
      const id = newId(1_764_700_000_000)
      ids.add(id)
      randoms.add(id.slice(10))
    }
    expect(ids.size).toBe(20_000)
    expect(randoms.size).toBe(20_000)
  })

  it('spreads its random characters over the whole alphabet', () => {
    const seen = new Map<string, number>()
    for (let i = 0; i < 5_000; i++) for (const c of newId(0).slice(10)) seen.set(c, (seen.get(c) ?? 0) + 1)
    expect(seen.size).toBe(32)
    // 80,000 characters, 2,500 expected per character: a broken bit layout is far outside.
    for (const n of seen.values()) expect(n).toBeGreaterThan(2_000)
  })
})
