/**
 * The in-process HMAC-SHA256 (src/privacy/hmac-sha256.ts) against node:crypto's: the same digest
 * for thousands of random strings — ASCII, non-ASCII, astral characters, lone surrogates, every
 * length around the block and padding boundaries, values of several blocks — and for keys
 * shorter than, equal to and longer than a block.
 */

import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HmacSha256 } from '../../src/privacy/hmac-sha256.ts'

const KEY = Buffer.from('bulwark-test-key-0123456789', 'utf8')

const expected = (key: Uint8Array, value: string) => createHmac('sha256', key).update(value).digest('hex')
const actual = (h: HmacSha256, value: string) => Buffer.from(h.update(value)).toString('hex')

describe('HmacSha256', () => {
  it('matches the RFC 4231 test case 2 (key "Jefe")', () => {
    const h = new HmacSha256(Buffer.from('Jefe'))
    expect(actual(h, 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })

  it('matches node:crypto for every length from 0 to 300 bytes (block and padding boundaries)', () => {
    const h = new HmacSha256(KEY)
    for (let n = 0; n <= 300; n++) {
      const value = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(9).slice(0, n)
      expect(actual(h, value), `length ${n}`).toBe(expected(KEY, value))
    }
  })

  it('matches node:crypto on random strings of any UTF-16 content, lone surrogates included', () => {
    const h = new HmacSha256(KEY)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.string({
            unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
            maxLength: 60,
          }),
          fc.string({ minLength: 50, maxLength: 400 }),
        ),
        (value) => {
          expect(actual(h, value)).toBe(expected(KEY, value))
        },
      ),
      { numRuns: 4_000, seed: 7 },
    )
  })

  it('matches node:crypto for identifiers, IPs and e-mail addresses, and after a long value', () => {
    const h = new HmacSha256(KEY)
    const values = [
      '203.0.113.7',
      '2001:db8::1',
      'd_3sjw6ogn',
      'alice@example.com',
      'ünïcødé',
      '😀',
      '\ud800',
      '\udc00x',
    ]
    for (const v of values) expect(actual(h, v)).toBe(expected(KEY, v))
    // A long value grows the buffer; shorter ones after it must not see its leftovers.
    const long = 'é'.repeat(5_000)
    expect(actual(h, long)).toBe(expected(KEY, long))
    for (const v of values) expect(actual(h, v)).toBe(expected(KEY, v))
  })

  it('matches node:crypto for keys shorter than, equal to and longer than a block', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.string({ maxLength: 100 }),
        (key, value) => {
          expect(actual(new HmacSha256(key), value)).toBe(expected(key, value))
        },
      ),
      { numRuns: 500, seed: 3 },
    )
    for (const n of [63, 64, 65, 128]) {
      const key = Buffer.alloc(n, 0xab)
      expect(actual(new HmacSha256(key), 'v')).toBe(expected(key, 'v'))
    }
  })
})
