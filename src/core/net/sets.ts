/**
 * Membership structures behind policy lists: exact values, domains with suffix match, and CIDR
 * ranges. CIDR sets merge overlapping ranges into sorted disjoint intervals and answer by binary
 * search (≈17 steps at 100,000 ranges); domain sets walk the labels of the queried name.
 *
 * Each set is immutable and may stand on a `base` set of its kind: it then answers for its own
 * entries and the base's. A few entries added to a large list become a small set over the large
 * one, built in the time of the few (src/features/lists.ts), and the large one is shared.
 */

import { type Cidr, type IpAddress, parseIp } from './ip.ts'

/** A set of exact string values. */
export class ValueSet {
  readonly kind = 'values'
  private readonly values: Set<string>
  private readonly base: ValueSet | undefined
  constructor(values: Iterable<string>, base?: ValueSet) {
    this.values = new Set(values)
    this.base = base
  }
  has(value: string): boolean {
    return this.values.has(value) || this.base?.has(value) === true
  }
  /** Distinct entries of this set itself (its base not counted). */
  get size(): number {
    return this.values.size
  }
}

/**
 * Domains matched by suffix on label boundaries: `example.com` matches `example.com` and
 * `mail.example.com`, not `badexample.com`. An e-mail address is matched by its domain part.
 * Comparison is case-insensitive; a trailing dot is ignored.
 */
export class DomainSet {
  readonly kind = 'domains'
  private readonly domains: Set<string>
  private readonly base: DomainSet | undefined
  constructor(domains: Iterable<string>, base?: DomainSet) {
    this.domains = new Set()
    for (const d of domains) this.domains.add(normalizeDomain(d))
    this.base = base
  }
  matches(nameOrEmail: string): boolean {
    const at = nameOrEmail.lastIndexOf('@')
    let name = normalizeDomain(at >= 0 ? nameOrEmail.slice(at + 1) : nameOrEmail)
    for (;;) {
      if (this.holds(name)) return true
      const dot = name.indexOf('.')
      if (dot < 0) return false
      name = name.slice(dot + 1)
    }
  }
  /** Whether this set or a base holds exactly this (normalised) domain. */
  private holds(name: string): boolean {
    return this.domains.has(name) || this.base?.holds(name) === true
  }
  /** Distinct normalised entries of this set itself (its base not counted). */
  get size(): number {
    return this.domains.size
  }
}

function normalizeDomain(d: string): string {
  const lower = d.trim().toLowerCase()
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

/** CIDR ranges of both families, merged and searched by binary search. */
export class CidrSet {
  readonly kind = 'cidrs'
  private readonly v4First: Float64Array
  private readonly v4Last: Float64Array
  private readonly v6First: bigint[]
  private readonly v6Last: bigint[]
  private readonly base: CidrSet | undefined
  /** Ranges given to this set itself (its base not counted). */
  readonly size: number

  constructor(ranges: Iterable<Cidr>, base?: CidrSet) {
    this.base = base
    const v4: [number, number][] = []
    const v6: [bigint, bigint][] = []
    let n = 0
    for (const r of ranges) {
      n++
      if (r.family === 4) v4.push([r.first as number, r.last as number])
      else v6.push([r.first as bigint, r.last as bigint])
    }
    this.size = n
    const m4 = merge(v4, 1)
    this.v4First = Float64Array.from(m4, (r) => r[0])
    this.v4Last = Float64Array.from(m4, (r) => r[1])
    const m6 = merge(v6, 1n)
    this.v6First = m6.map((r) => r[0])
    this.v6Last = m6.map((r) => r[1])
  }

  contains(ip: IpAddress): boolean {
    const own =
      ip.family === 4
        ? search(this.v4First, this.v4Last, ip.value as number)
        : search(this.v6First, this.v6Last, ip.value as bigint)
    return own || this.base?.contains(ip) === true
  }

  /** Accepts an address in text form; malformed text is simply not contained. */
  containsText(text: string): boolean {
    const ip = parseIp(text)
    return ip !== undefined && this.contains(ip)
  }
}

function merge<N extends number | bigint>(ranges: [N, N][], one: N): [N, N][] {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const out: [N, N][] = []
  for (const r of ranges) {
    const last = out.at(-1)
    // Adjacent or overlapping ranges merge: [1,5] and [6,9] become [1,9].
    if (last && r[0] <= (last[1] as any) + one) {
      if (r[1] > last[1]) last[1] = r[1]
    } else out.push([r[0], r[1]])
  }
  return out
}

function search<N extends number | bigint>(first: ArrayLike<N>, last: ArrayLike<N>, x: N): boolean {
  let lo = 0
  let hi = first.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (x < first[mid]!) hi = mid - 1
    else if (x > last[mid]!) lo = mid + 1
    else return true
  }
  return false
}
