/**
 * PII pseudonyms (src/privacy/pseudonymise.ts): `p:` + 22 base64url characters of a keyed
 * HMAC-SHA256, the same for the same key and value, different across keys, with a key of at
 * least 16 bytes and a memo that stays bounded however many distinct values pass through.
 */

import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Pseudonymiser } from '../../src/privacy/pseudonymise.ts'

const KEY = 'bulwark-test-key-0123456789'
const FORMAT = /^p:[A-Za-z0-9_-]{22}$/

/** The memo is private; its size is the only way to see the bound from outside. */
const memoSize = (p: Pseudonymiser) => (p as unknown as { cache: Map<string, string> }).cache.size

describe('Pseudonymiser', () => {
  it('matches known answers computed with openssl (HMAC-SHA256, base64url, first 22 characters)', () => {
    // printf '%s' 'victim@example.org' | openssl dgst -sha256 -hmac "$KEY" -binary | base64 | tr '+/' '-_'
    const p = new Pseudonymiser(KEY)
    expect(p.pseudonym('victim@example.org')).toBe('p:XjPkPWvAYpB0GlpMNSRwvr')
    expect(p.pseudonym('')).toBe('p:rS9nucD7kzI2lvma9XyF0T')
  })

  it('is `p:` + 22 base64url characters of HMAC-SHA256(key, value), for any value', () => {
    const p = new Pseudonymiser(KEY)
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (value) => {
        const out = p.pseudonym(value)
        expect(out).toMatch(FORMAT)
        expect(out).toBe(`p:${createHmac('sha256', KEY).update(value).digest('base64url').slice(0, 22)}`)
      }),
      { numRuns: 1_000, seed: 1 },
    )
  })

  it('is deterministic per key: the same value gives the same pseudonym, in the same and in a new instance', () => {
    const a = new Pseudonymiser(KEY)
    const b = new Pseudonymiser(KEY)
    const c = new Pseudonymiser(Buffer.from(KEY, 'utf8'))
    for (const v of ['alice@example.com', '203.0.113.7', '2001:db8::1', 'ünïcødé', ' ']) {
      const first = a.pseudonym(v)
      expect(a.pseudonym(v)).toBe(first)
      expect(b.pseudonym(v)).toBe(first)
      expect(c.pseudonym(v)).toBe(first)
    }
  })

  it('different keys give different pseudonyms', () => {
    const a = new Pseudonymiser(KEY)
    const b = new Pseudonymiser(`${KEY}x`)
    const c = new Pseudonymiser(Buffer.alloc(32, 7))
    for (const v of ['alice@example.com', '203.0.113.7', '']) {
      expect(b.pseudonym(v)).not.toBe(a.pseudonym(v))
      expect(c.pseudonym(v)).not.toBe(a.pseudonym(v))
      expect(c.pseudonym(v)).not.toBe(b.pseudonym(v))
    }
  })

  it('different values give different pseudonyms, near misses included', () => {
    const p = new Pseudonymiser(KEY)
    const values = ['alice@example.com', 'Alice@example.com', 'alice@example.com ', 'alice@example.co', '']
    expect(new Set(values.map((v) => p.pseudonym(v))).size).toBe(values.length)
    const many = new Set<string>()
    for (let i = 0; i < 20_000; i++) many.add(p.pseudonym(`user${i}@example.com`))
    expect(many.size).toBe(20_000)
  })

  it('never contains the value it stands for', () => {
    const p = new Pseudonymiser(KEY)
    for (const v of ['alice', 'victim@example.org', '203.0.113.7']) expect(p.pseudonym(v)).not.toContain(v)
  })

  it('needs a key of at least 16 bytes, counted in bytes, not characters', () => {
    expect(() => new Pseudonymiser('a'.repeat(15))).toThrow(/at least 16 bytes/)
    expect(() => new Pseudonymiser('')).toThrow(/at least 16 bytes/)
    expect(() => new Pseudonymiser(Buffer.alloc(15))).toThrow(/at least 16 bytes/)
    expect(new Pseudonymiser('a'.repeat(16)).pseudonym('v')).toMatch(FORMAT)
    expect(new Pseudonymiser(Buffer.alloc(16)).pseudonym('v')).toMatch(FORMAT)
    // 8 characters, 16 bytes in UTF-8.
    expect(new Pseudonymiser('é'.repeat(8)).pseudonym('v')).toMatch(FORMAT)
    expect(() => new Pseudonymiser('é'.repeat(7))).toThrow(/at least 16 bytes/)
  })

  it('keeps its memo bounded (about 50,000 values) and answers the same after the memo is cleared', () => {
    const p = new Pseudonymiser(KEY)
    const early = p.pseudonym('value-0')
    let largest = 0
    for (let i = 0; i < 120_000; i++) {
      p.pseudonym(`value-${i}`)
      largest = Math.max(largest, memoSize(p))
    }
    expect(largest).toBeGreaterThanOrEqual(50_000)
    expect(largest).toBeLessThanOrEqual(50_001)
    expect(memoSize(p)).toBeLessThan(largest)
    expect(p.pseudonym('value-0')).toBe(early)
    expect(p.pseudonym('value-119999')).toBe(new Pseudonymiser(KEY).pseudonym('value-119999'))
  })

  it('hot values repeat from the memo without growing it', () => {
    const p = new Pseudonymiser(KEY)
    for (let i = 0; i < 10_000; i++) p.pseudonym(`hot-${i % 10}`)
    expect(memoSize(p)).toBe(10)
  })
})
