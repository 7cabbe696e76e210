/**
 * Seeded random CIDR ranges and probe addresses for the CIDR-set tests (and for measuring them):
 * IPv4 and IPv6 in equal parts, mixed prefix lengths, many of them crowded into a few clusters
 * so that they overlap, nest and touch, plus probes spread between uniform addresses, addresses
 * inside the clusters and the first, last and neighbouring addresses of the ranges.
 *
 * Ranges are produced as text with random host bits set, together with the first and last
 * address computed here by plain arithmetic, so a test can check the parser against them too.
 */

/** sfc32: a small, fast, seedable PRNG; returns uint32. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 16; i++) next()
  return next
}

export const V4_MAX = 2 ** 32 - 1
export const V6_MAX = (1n << 128n) - 1n

export interface RefRange {
  readonly family: 4 | 6
  readonly text: string
  readonly prefix: number
  readonly first: number | bigint
  readonly last: number | bigint
}

export interface Probe {
  readonly family: 4 | 6
  readonly value: number | bigint
}

export function formatV4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

/** Uncompressed, zero-padded IPv6 text: a different spelling from the one the code prints. */
export function formatV6Full(n: bigint): string {
  const groups: string[] = []
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, '0'))
  return groups.join(':')
}

export function v4Range(value: number, prefix: number): { first: number; last: number } {
  const size = 2 ** (32 - prefix)
  const first = value - (value % size)
  return { first, last: first + size - 1 }
}

export function v6Range(value: bigint, prefix: number): { first: bigint; last: bigint } {
  const size = 1n << BigInt(128 - prefix)
  const first = value - (value % size)
  return { first, last: first + size - 1n }
}

export interface Dataset {
  readonly ranges: RefRange[]
  readonly probes: Probe[]
}

/**
 * `count` ranges and `probes` probe addresses. IPv6 values all have a non-zero first group, so
 * nothing lands in (or next to) the IPv4-mapped block ::ffff:0:0/96, which parses as IPv4.
 */
export function dataset(seed: number, count: number, probes: number): Dataset {
  const r = prng(seed)
  const unit = () => r() / 2 ** 32
  const int = (n: number) => Math.floor(unit() * n)
  const u32 = () => r()
  const u128 = () => (BigInt(r()) << 96n) | (BigInt(r()) << 64n) | (BigInt(r()) << 32n) | BigInt(r())
  const v6Value = () => {
    for (;;) {
      const v = u128()
      if (v >> 112n !== 0n) return v
    }
  }

  // Clusters: /12 blocks (IPv4) and /28 blocks (IPv6) where half of the ranges are crowded.
  const clusters4 = Array.from({ length: 40 }, () => u32() - (u32() % 2 ** 20))
  const clusters6 = Array.from({ length: 40 }, () => {
    const v = v6Value()
    return v - (v % (1n << 100n))
  })
  const inCluster4 = () => clusters4[int(clusters4.length)]! + int(2 ** 20)
  const inCluster6 = () => clusters6[int(clusters6.length)]! + (u128() % (1n << 100n))

  const prefix4 = (clustered: boolean) => {
    const x = unit()
    if (clustered) return x < 0.45 ? 32 : x < 0.8 ? 24 + int(8) : x < 0.97 ? 18 + int(6) : 14 + int(4)
    return x < 0.5 ? 32 : x < 0.85 ? 24 + int(8) : 16 + int(8)
  }
  const prefix6 = (clustered: boolean) => {
    const x = unit()
    if (clustered) return x < 0.4 ? 128 : x < 0.75 ? 96 + int(32) : x < 0.97 ? 48 + int(48) : 32 + int(16)
    return x < 0.4 ? 128 : x < 0.8 ? 64 + int(64) : 16 + int(48)
  }

  const ranges: RefRange[] = []
  for (let i = 0; i < count; i++) {
    const clustered = unit() < 0.5
    if (i % 2 === 0) {
      const value = clustered ? inCluster4() : u32()
      const prefix = prefix4(clustered)
      const { first, last } = v4Range(value, prefix)
      const spelling = unit()
      const text =
        spelling < 0.1
          ? `::ffff:${formatV4(value)}/${prefix + 96}`
          : spelling < 0.2 && prefix === 32
            ? formatV4(value)
            : `${formatV4(value)}/${prefix}`
      ranges.push({ family: 4, text, prefix, first, last })
    } else {
      const value = clustered ? inCluster6() : v6Value()
      const prefix = prefix6(clustered)
      const { first, last } = v6Range(value, prefix)
      const text = unit() < 0.2 && prefix === 128 ? formatV6Full(value) : `${formatV6Full(value)}/${prefix}`
      ranges.push({ family: 6, text, prefix, first, last })
    }
  }
  // Exact duplicates and nested pairs, on top of the overlaps the clusters make by chance.
  for (let i = 0; i < count / 50; i++) {
    const k = int(ranges.length)
    ranges[k] = ranges[int(ranges.length)]!
  }

  // Near misses: a single address one past the address after a range, so exactly one address
  // separates the two (unless some other range covers it); probes go into the gaps below.
  const gaps: Probe[] = []
  for (let i = 0; i < count / 100; i++) {
    const k = int(ranges.length)
    const range = ranges[k]!
    const single = (r: RefRange): RefRange =>
      r.family === 4
        ? { family: 4, text: formatV4(r.last as number), prefix: 32, first: r.last, last: r.last }
        : {
            family: 6,
            text: `${formatV6Full(r.last as bigint)}/128`,
            prefix: 128,
            first: r.last,
            last: r.last,
          }
    if (range.family === 4 && (range.last as number) + 2 <= V4_MAX) {
      const at = (range.last as number) + 2
      ranges[int(ranges.length)] = single({ ...range, last: at })
      gaps.push({ family: 4, value: at - 1 })
    } else if (range.family === 6 && (range.last as bigint) + 2n <= V6_MAX) {
      const at = (range.last as bigint) + 2n
      ranges[int(ranges.length)] = single({ ...range, last: at })
      gaps.push({ family: 6, value: at - 1n })
    }
  }

  const out: Probe[] = [...gaps]
  for (let i = gaps.length; i < probes; i++) {
    const x = unit()
    const v4 = unit() < 0.5
    if (x < 0.2) out.push(v4 ? { family: 4, value: u32() } : { family: 6, value: v6Value() })
    else if (x < 0.45) out.push(v4 ? { family: 4, value: inCluster4() } : { family: 6, value: inCluster6() })
    else {
      const range = ranges[int(ranges.length)]!
      const edge = int(4)
      if (range.family === 4) {
        const f = range.first as number
        const l = range.last as number
        const v = edge === 0 ? f : edge === 1 ? l : edge === 2 ? f - 1 : l + 1
        out.push({ family: 4, value: Math.min(V4_MAX, Math.max(0, v)) })
      } else {
        const f = range.first as bigint
        const l = range.last as bigint
        const v = edge === 0 ? f : edge === 1 ? l : edge === 2 ? f - 1n : l + 1n
        out.push({ family: 6, value: v > V6_MAX ? V6_MAX : v })
      }
    }
  }
  return { ranges, probes: out }
}
