/**
 * IP addresses, CIDR ranges and the membership sets behind policy lists (src/core/net):
 * - CidrSet at scale: 100,000 random IPv4 and IPv6 ranges (mixed prefixes, overlapping, nested,
 *   duplicated) against 100,000 probes, checked against two independent references — a
 *   prefix-table lookup for every probe and a brute-force scan of every range for 2,000 probes;
 * - edge cases: /0, /32, /128, IPv4-mapped IPv6, first/last/neighbouring addresses, adjacent and
 *   nested ranges, malformed text;
 * - the parser and printer against Node's own (net.isIP, the WHATWG URL IPv6 serialiser);
 * - DomainSet suffix matching (label boundaries, e-mail addresses, case, trailing dots) and
 *   ValueSet exact matching.
 */

import { isIP } from 'node:net'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Cidr, IpAddress, isPrivateIp, parseCidr, parseIp } from '../../src/core/net/ip.ts'
import { CidrSet, DomainSet, ValueSet } from '../../src/core/net/sets.ts'
import {
  dataset,
  formatV4,
  formatV6Full,
  type Probe,
  prng,
  type RefRange,
  V4_MAX,
  V6_MAX,
  v4Range,
} from './random-ranges.ts'

const ip = (text: string): IpAddress => {
  const a = parseIp(text)
  if (!a) throw new Error(`test bug: ${text} does not parse`)
  return a
}
const cidr = (text: string): Cidr => {
  const c = parseCidr(text)
  if (!c) throw new Error(`test bug: ${text} does not parse`)
  return c
}
const setOf = (...texts: string[]) => new CidrSet(texts.map(cidr))

describe('CidrSet at 100,000 ranges', () => {
  const N = 100_000
  let ranges: RefRange[]
  let probes: Probe[]
  let set: CidrSet
  let answers: boolean[]

  beforeAll(() => {
    ;({ ranges, probes } = dataset(20261125, N, N))
    set = new CidrSet(ranges.map((r) => cidr(r.text)))
    answers = probes.map((p) => set.contains(new IpAddress(p.family, p.value)))
  })

  it('parses every range text to the first and last address computed by plain arithmetic', () => {
    let wrong = 0
    for (const r of ranges) {
      const c = parseCidr(r.text)
      if (!c || c.family !== r.family || c.first !== r.first || c.last !== r.last || c.prefix !== r.prefix)
        wrong++
    }
    expect(wrong).toBe(0)
    expect(set.size).toBe(N)
  })

  it('the data set is a fair test: both families, all prefix lengths, hits and misses in each', () => {
    const v4 = ranges.filter((r) => r.family === 4)
    const v6 = ranges.filter((r) => r.family === 6)
    expect(v4.length).toBeGreaterThan(N * 0.45)
    expect(v6.length).toBeGreaterThan(N * 0.45)
    expect(new Set(v4.map((r) => r.prefix)).size).toBeGreaterThanOrEqual(15)
    expect(new Set(v6.map((r) => r.prefix)).size).toBeGreaterThanOrEqual(60)
    // Mapped IPv6 spellings of IPv4 ranges are in there too.
    expect(ranges.filter((r) => r.text.startsWith('::ffff:')).length).toBeGreaterThan(1000)
    for (const family of [4, 6] as const) {
      const mine = answers.filter((_, i) => probes[i]!.family === family)
      const hits = mine.filter(Boolean).length
      expect(hits, `IPv${family} hits`).toBeGreaterThan(mine.length * 0.2)
      expect(mine.length - hits, `IPv${family} misses`).toBeGreaterThan(mine.length * 0.2)
    }
  })

  it('answers every one of 100,000 probes like a sorted sweep over the unmerged ranges', () => {
    // Independent of merging: x is in the set exactly when, among the ranges starting at or
    // before x, the furthest-reaching one reaches x.
    const reference = (family: 4 | 6) => {
      const sorted = ranges
        .filter((r) => r.family === family)
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
      const firsts = sorted.map((r) => r.first)
      const reach: (number | bigint)[] = []
      for (const r of sorted) reach.push(reach.length && reach.at(-1)! > r.last ? reach.at(-1)! : r.last)
      return (x: number | bigint) => {
        let lo = 0
        let hi = firsts.length - 1
        let at = -1
        while (lo <= hi) {
          const mid = (lo + hi) >> 1
          if (firsts[mid]! <= x) {
            at = mid
            lo = mid + 1
          } else hi = mid - 1
        }
        return at >= 0 && reach[at]! >= x
      }
    }
    const refs = { 4: reference(4), 6: reference(6) }
    const wrong: string[] = []
    probes.forEach((p, i) => {
      if (answers[i] !== refs[p.family](p.value)) wrong.push(new IpAddress(p.family, p.value).toString())
    })
    expect(wrong.slice(0, 10)).toEqual([])
    expect(wrong.length).toBe(0)
  })

  it('answers every IPv4 probe like a prefix-table lookup (a second, structurally different reference)', () => {
    // For each prefix length in use, the set of range bases: an address is in the set exactly when
    // its base at some prefix length in use is a range base at that length.
    const bases = new Map<number, Set<number>>()
    for (const r of ranges) {
      if (r.family !== 4) continue
      const s = bases.get(r.prefix) ?? new Set<number>()
      bases.set(r.prefix, s)
      s.add(r.first as number)
    }
    let wrong = 0
    let checked = 0
    probes.forEach((p, i) => {
      if (p.family !== 4) return
      checked++
      let want = false
      for (const [prefix, s] of bases) if (s.has(v4Range(p.value as number, prefix).first)) want = true
      if (answers[i] !== want) wrong++
    })
    expect(checked).toBeGreaterThan(45_000)
    expect(wrong).toBe(0)
  })

  it('answers 2,000 probes like a brute-force scan of all 100,000 ranges', () => {
    const v4First = Float64Array.from(ranges.filter((r) => r.family === 4).map((r) => r.first as number))
    const v4Last = Float64Array.from(ranges.filter((r) => r.family === 4).map((r) => r.last as number))
    const v6 = ranges.filter((r) => r.family === 6)
    const scan = (p: Probe) => {
      if (p.family === 4) {
        const x = p.value as number
        for (let i = 0; i < v4First.length; i++) if (x >= v4First[i]! && x <= v4Last[i]!) return true
        return false
      }
      const x = p.value as bigint
      for (const r of v6) if (x >= (r.first as bigint) && x <= (r.last as bigint)) return true
      return false
    }
    let wrong = 0
    let checked = 0
    for (let i = 0; i < 2_000; i++) {
      checked++
      if (answers[i] !== scan(probes[i]!)) wrong++
    }
    expect(checked).toBe(2_000)
    expect(wrong).toBe(0)
  })

  it('answers the same for addresses given as text, in the printed and in other spellings', () => {
    let wrong = 0
    probes.forEach((p, i) => {
      const a = new IpAddress(p.family, p.value)
      if (set.containsText(a.toString()) !== answers[i]) wrong++
      const other = p.family === 4 ? `::ffff:${formatV4(p.value as number)}` : formatV6Full(p.value as bigint)
      if (set.containsText(other) !== answers[i]) wrong++
    })
    expect(wrong).toBe(0)
  })

  it('contains the first and last address of every range, whatever else overlaps it', () => {
    let missing = 0
    for (const r of ranges) {
      if (!set.contains(new IpAddress(r.family, r.first))) missing++
      if (!set.contains(new IpAddress(r.family, r.last))) missing++
    }
    expect(missing).toBe(0)
  })

  it('gives the same answers whatever order the ranges come in', () => {
    const shuffled = [...ranges]
    const r = prng(7)
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = r() % (i + 1)
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    const other = new CidrSet(shuffled.map((x) => cidr(x.text)))
    let wrong = 0
    probes.forEach((p, i) => {
      if (other.contains(new IpAddress(p.family, p.value)) !== answers[i]) wrong++
    })
    expect(wrong).toBe(0)
  })
})

describe('CidrSet edge cases', () => {
  it('IPv4 /0 holds every IPv4 address (mapped ones included) and no IPv6 address', () => {
    const s = setOf('0.0.0.0/0')
    for (const a of ['0.0.0.0', '255.255.255.255', '10.1.2.3', '::ffff:1.2.3.4', '::ffff:0:0'])
      expect(s.containsText(a), a).toBe(true)
    for (const a of ['::', '::1', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'])
      expect(s.containsText(a), a).toBe(false)
  })

  it('IPv6 ::/0 holds every IPv6 address and no IPv4 address, mapped ones included (they are IPv4)', () => {
    const s = setOf('::/0')
    for (const a of ['::', '::1', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::1.2.3.4'])
      expect(s.containsText(a), a).toBe(true)
    for (const a of ['0.0.0.0', '1.2.3.4', '255.255.255.255', '::ffff:1.2.3.4'])
      expect(s.containsText(a), a).toBe(false)
  })

  it('the mapped block ::ffff:0:0/96 is IPv4 0.0.0.0/0', () => {
    const c = cidr('::ffff:0:0/96')
    expect(c.family).toBe(4)
    expect(c.toString()).toBe('0.0.0.0/0')
    expect(cidr('::ffff:10.0.0.0/104').toString()).toBe('10.0.0.0/8')
    expect(cidr('::ffff:10.1.2.3/128').toString()).toBe('10.1.2.3/32')
    expect(parseCidr('::ffff:10.0.0.0/95')).toBeUndefined()
    expect(parseCidr('::ffff:10.0.0.0/129')).toBeUndefined()
  })

  it('/32 and /128 hold exactly one address; a bare address is the same single-address range', () => {
    const s = setOf('203.0.113.9/32', '198.51.100.1', '2001:db8::1/128', '2001:db8::ff')
    for (const a of ['203.0.113.9', '::ffff:203.0.113.9', '::ffff:cb00:7109', '198.51.100.1', '2001:db8::1'])
      expect(s.containsText(a), a).toBe(true)
    expect(s.containsText('2001:DB8:0:0:0:0:0:FF')).toBe(true)
    for (const a of [
      '203.0.113.8',
      '203.0.113.10',
      '198.51.100.0',
      '198.51.100.2',
      '2001:db8::',
      '2001:db8::2',
    ])
      expect(s.containsText(a), a).toBe(false)
    expect(s.containsText('2001:db8::fe')).toBe(false)
    expect(s.containsText('2001:db8::100')).toBe(false)
    expect(cidr('198.51.100.1').prefix).toBe(32)
    expect(cidr('2001:db8::ff').prefix).toBe(128)
  })

  it('the very first and very last addresses of each family', () => {
    const s = setOf(
      '0.0.0.0/32',
      '255.255.255.255/32',
      '::/128',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128',
    )
    for (const a of ['0.0.0.0', '255.255.255.255', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'])
      expect(s.containsText(a), a).toBe(true)
    for (const a of ['0.0.0.1', '255.255.255.254', '::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'])
      expect(s.containsText(a), a).toBe(false)
    const top = setOf('255.255.255.0/24', 'ffff::/16')
    expect(top.containsText('255.255.255.255')).toBe(true)
    expect(top.containsText('255.255.254.255')).toBe(false)
    expect(top.containsText('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(top.containsText('fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false)
  })

  it('first, last and the neighbours of a range', () => {
    const s = setOf('10.20.30.0/23', '2001:db8:1::/48')
    expect(s.containsText('10.20.30.0')).toBe(true)
    expect(s.containsText('10.20.31.255')).toBe(true)
    expect(s.containsText('10.20.29.255')).toBe(false)
    expect(s.containsText('10.20.32.0')).toBe(false)
    expect(s.containsText('2001:db8:1::')).toBe(true)
    expect(s.containsText('2001:db8:1:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(s.containsText('2001:db8:0:ffff:ffff:ffff:ffff:ffff')).toBe(false)
    expect(s.containsText('2001:db8:2::')).toBe(false)
  })

  it('host bits are cleared, so a range written from the middle covers the whole block', () => {
    const c = cidr('10.1.2.3/8')
    expect(c.toString()).toBe('10.0.0.0/8')
    expect([c.first, c.last]).toEqual([10 * 2 ** 24, 11 * 2 ** 24 - 1])
    const s = new CidrSet([c, cidr('2001:db8:ffff::1/32')])
    expect(s.containsText('10.0.0.0')).toBe(true)
    expect(s.containsText('10.255.255.255')).toBe(true)
    expect(s.containsText('2001:db8::')).toBe(true)
    expect(s.containsText('2001:db9::')).toBe(false)
  })

  it('adjacent ranges merge, but a one-address gap stays a gap', () => {
    const s = setOf(
      '10.0.0.0/25',
      '10.0.0.128/25',
      '10.0.1.0/31',
      '10.0.1.3/32',
      '2001:db8::/127',
      '2001:db8::3',
    )
    for (const a of ['10.0.0.127', '10.0.0.128', '10.0.0.255', '10.0.1.0', '10.0.1.1', '10.0.1.3'])
      expect(s.containsText(a), a).toBe(true)
    for (const a of ['10.0.1.2', '10.0.1.4', '9.255.255.255', '2001:db8::2', '2001:db8::4'])
      expect(s.containsText(a), a).toBe(false)
    expect(s.containsText('2001:db8::1')).toBe(true)
    expect(s.containsText('2001:db8::3')).toBe(true)
  })

  it('nested and duplicated ranges: an inner range never cuts the outer one short', () => {
    const s = setOf(
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.5.0.0/16',
      '10.1.0.0/16',
      '10.5.7.7',
      '2001:db8::/32',
      '2001:db8:5::/48',
    )
    for (const a of [
      '10.3.0.0',
      '10.5.255.255',
      '10.6.0.0',
      '10.200.0.1',
      '10.255.255.255',
      '2001:db8:ffff::1',
    ])
      expect(s.containsText(a), a).toBe(true)
    expect(s.containsText('11.0.0.0')).toBe(false)
    expect(s.containsText('2001:db9::')).toBe(false)
    expect(s.size).toBe(7)
  })

  it('an empty set holds nothing', () => {
    const s = new CidrSet([])
    expect(s.size).toBe(0)
    expect(s.containsText('0.0.0.0')).toBe(false)
    expect(s.containsText('::')).toBe(false)
  })

  it('malformed text is simply not contained, even in sets covering everything', () => {
    const all = setOf('0.0.0.0/0', '::/0')
    expect(all.containsText('1.2.3.4')).toBe(true)
    expect(all.containsText('::1')).toBe(true)
    for (const bad of INVALID_ADDRESSES) expect(all.containsText(bad), JSON.stringify(bad)).toBe(false)
  })
})

const INVALID_ADDRESSES = [
  '',
  ' ',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '1.2.3.256',
  '01.2.3.4',
  '1.2.3.04',
  '1.2.3.-1',
  '+1.2.3.4',
  '0x7f.0.0.1',
  '127.1',
  '1e3.0.0.1',
  '１.2.3.4',
  'fe80::1%eth0',
  '1::2::3',
  ':::',
  ':1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:',
  '12345::',
  'g::1',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7::8',
  '::ffff:1.2.3',
  '::ffff:256.1.1.1',
  '::ffff:1.2.3.4.5',
  '1.2.3.4::',
  '[::1]',
  'example.com',
  'localhost',
  '1.2.3.4/24',
]

describe('parsing and printing', () => {
  it('refuses malformed addresses', () => {
    for (const bad of INVALID_ADDRESSES) expect(parseIp(bad), JSON.stringify(bad)).toBeUndefined()
  })

  it('refuses malformed ranges', () => {
    for (const bad of [
      '1.2.3.4/33',
      '1.2.3.4/-1',
      '1.2.3.4/',
      '/8',
      '1.2.3.4/8/8',
      '1.2.3.4/ 8',
      '1.2.3.4/8 ',
      '1.2.3.4/1000',
      '1.2.3.4/x',
      '2001:db8::/129',
      '2001:db8::/',
      '256.0.0.0/8',
      'fe80::%eth0/64',
      ...INVALID_ADDRESSES.filter((a) => !a.includes('/')),
    ])
      expect(parseCidr(bad), JSON.stringify(bad)).toBeUndefined()
  })

  it('accepts exactly the addresses Node accepts (zone ids aside), on random strings', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:::...'.split(''))
    fc.assert(
      fc.property(fc.string({ unit: chars, minLength: 1, maxLength: 24 }), (s) => {
        expect(parseIp(s) !== undefined, s).toBe(isIP(s) !== 0)
      }),
      { numRuns: 20_000, seed: 42 },
    )
  })

  it('accepts exactly the addresses Node accepts, on well-formed groups with random compression', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 9 }),
        fc.nat(9),
        fc.nat(9),
        fc.boolean(),
        (groups, a, b, tail) => {
          const hex = groups.map((g) => g.toString(16))
          const lo = Math.min(a, hex.length)
          const hi = Math.min(Math.max(a, b), hex.length)
          let s = a === b ? hex.join(':') : `${hex.slice(0, lo).join(':')}::${hex.slice(hi).join(':')}`
          if (tail) s = `${s}${s.endsWith(':') ? '' : ':'}${groups.slice(0, 4).join('.')}`
          expect(parseIp(s) !== undefined, s).toBe(isIP(s) !== 0)
        },
      ),
      { numRuns: 20_000, seed: 43 },
    )
  })

  it('prints IPv6 the way the WHATWG URL serialiser does (RFC 5952) and reads it back', () => {
    const mapped = (v: bigint) => v >> 32n === 0xffffn
    const groups = fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8, 0x2001), {
      minLength: 8,
      maxLength: 8,
    })
    const value = fc.oneof(
      fc.bigInt({ min: 0n, max: V6_MAX }),
      groups.map((g) => g.reduce((n, x) => (n << 16n) | BigInt(x), 0n)),
    )
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(!mapped(v))
        const text = new IpAddress(6, v).toString()
        expect(`[${text}]`).toBe(new URL(`http://[${formatV6Full(v)}]/`).hostname)
        const back = parseIp(text)!
        expect(back.family).toBe(6)
        expect(back.value).toBe(v)
      }),
      { numRuns: 5_000, seed: 44 },
    )
  })

  it('prints and reads IPv4 back, also through the mapped IPv6 spellings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: V4_MAX }), (v) => {
        const text = new IpAddress(4, v).toString()
        expect(text).toBe(formatV4(v))
        for (const spelling of [
          text,
          `::ffff:${text}`,
          `::ffff:${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`,
        ]) {
          const back = parseIp(spelling)!
          expect(back.family, spelling).toBe(4)
          expect(back.value, spelling).toBe(v)
          expect(back.equals(new IpAddress(4, v))).toBe(true)
        }
      }),
      { numRuns: 5_000, seed: 45 },
    )
  })

  it('known spellings', () => {
    expect(ip('2001:0db8:0000:0000:0000:0000:0000:0001').toString()).toBe('2001:db8::1')
    expect(ip('2001:db8:0:0:1:0:0:1').toString()).toBe('2001:db8::1:0:0:1')
    expect(ip('2001:db8:0:1:1:1:1:1').toString()).toBe('2001:db8:0:1:1:1:1:1')
    expect(ip('0:0:0:0:0:0:0:0').toString()).toBe('::')
    expect(ip('::1.2.3.4').toString()).toBe('::102:304')
    expect(ip('::FFFF:203.0.113.9').toString()).toBe('203.0.113.9')
    expect(ip('::ffff:203.0.113.9').equals(ip('203.0.113.9'))).toBe(true)
    expect(ip('::1').equals(ip('0.0.0.1'))).toBe(false)
    expect(cidr('2001:db8::/32').equals(cidr('2001:db8:1234::/32'))).toBe(true)
    expect(cidr('2001:db8::/32').equals(cidr('2001:db8::/33'))).toBe(false)
  })

  it('private, loopback, link-local and unique-local ranges, at their edges', () => {
    const yes = [
      '10.0.0.0',
      '10.255.255.255',
      '172.16.0.0',
      '172.31.255.255',
      '192.168.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '100.64.0.0',
      '100.127.255.255',
      '::ffff:192.168.1.1',
      '::1',
      'fc00::',
      'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'fe80::1',
      'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]
    const no = [
      '9.255.255.255',
      '11.0.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '8.8.8.8',
      '::',
      '::2',
      'fbff::',
      'fe00::',
      'fec0::',
      '2001:db8::1',
    ]
    for (const a of yes) expect(isPrivateIp(ip(a)), a).toBe(true)
    for (const a of no) expect(isPrivateIp(ip(a)), a).toBe(false)
  })
})

describe('DomainSet', () => {
  const set = new DomainSet(['example.com', 'Mailinator.COM.', 'co.uk', 'deep.a.example.net'])

  it('matches a domain and its subdomains at label boundaries only', () => {
    for (const name of [
      'example.com',
      'sub.example.com',
      'a.b.c.example.com',
      'mailinator.com',
      'x.mailinator.com',
      'bbc.co.uk',
      'deep.a.example.net',
      'x.deep.a.example.net',
    ])
      expect(set.matches(name), name).toBe(true)
    for (const name of [
      'notexample.com',
      'xexample.com',
      'example.co',
      'exampl.com',
      'com',
      'example.com.evil.net',
      'example.community',
      'a.example.net',
      'example.net',
      'notmailinator.com',
      'uk',
      '',
    ])
      expect(set.matches(name), name).toBe(false)
  })

  it('ignores case and a trailing dot, on both the entries and the query', () => {
    for (const name of [
      'EXAMPLE.COM',
      'Sub.Example.Com',
      'example.com.',
      'SUB.EXAMPLE.COM.',
      'MAILINATOR.COM.',
      'mail.mailinator.com',
    ])
      expect(set.matches(name), name).toBe(true)
    expect(new DomainSet(['Example.ORG.']).matches('mail.example.org')).toBe(true)
    expect(new DomainSet(['example.org']).matches('MAIL.EXAMPLE.ORG.')).toBe(true)
  })

  it('matches an e-mail address by the part after its last @', () => {
    for (const email of [
      'bob@example.com',
      'Bob@Sub.EXAMPLE.com',
      'a@b@mailinator.com',
      'x@mail.mailinator.com.',
    ])
      expect(set.matches(email), email).toBe(true)
    for (const email of ['bob@notexample.com', 'example.com@evil.net', 'x@notmailinator.com', 'bob@'])
      expect(set.matches(email), email).toBe(false)
  })

  it('counts distinct normalised entries', () => {
    expect(new DomainSet(['a.com', 'A.COM.', 'a.com', 'b.com']).size).toBe(2)
    expect(new DomainSet([]).matches('a.com')).toBe(false)
  })

  it('answers like a brute-force suffix scan for 20,000 random domains and 2,000 names', () => {
    const r = prng(99)
    const label = () => {
      const n = 2 + (r() % 4)
      let s = ''
      for (let i = 0; i < n; i++) s += 'abcdwxyz-'[r() % 9]
      return s
    }
    const tlds = ['com', 'net', 'org', 'co.uk']
    const entries = Array.from({ length: 20_000 }, () => {
      const depth = r() % 3
      return [...Array.from({ length: depth + 1 }, label), tlds[r() % tlds.length]].join('.')
    })
    const big = new DomainSet(entries)
    const names = Array.from({ length: 2_000 }, () => {
      const base =
        r() % 2 === 0 ? entries[r() % entries.length]! : [label(), label(), tlds[r() % tlds.length]].join('.')
      const prefix = Array.from({ length: r() % 3 }, label).join('.')
      const glued = r() % 5 === 0 ? `${label()}${base}` : base // no dot: not a subdomain
      const name = prefix ? `${prefix}.${glued}` : glued
      return r() % 4 === 0 ? `user@${name.toUpperCase()}` : name
    })
    const lowered = entries.map((e) => e.toLowerCase())
    const brute = (raw: string) => {
      const name = raw.slice(raw.lastIndexOf('@') + 1).toLowerCase()
      return lowered.some((d) => name === d || name.endsWith(`.${d}`))
    }
    let hits = 0
    let wrong = 0
    for (const n of names) {
      const want = brute(n)
      if (want) hits++
      if (big.matches(n) !== want) wrong++
    }
    expect(wrong).toBe(0)
    expect(hits).toBeGreaterThan(400)
    expect(hits).toBeLessThan(1_600)
  })
})

describe('ValueSet', () => {
  it('matches exact values, case-sensitively', () => {
    const s = new ValueSet(['dev-42', 'dev-42', 'Dev-7'])
    expect(s.size).toBe(2)
    expect(s.has('dev-42')).toBe(true)
    expect(s.has('DEV-42')).toBe(false)
    expect(s.has('dev-7')).toBe(false)
    expect(s.has('dev-4')).toBe(false)
  })
})
