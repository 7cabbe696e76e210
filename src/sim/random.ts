/**
 * The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's small fast counting
 * generator), seeded through a string hash so every part of the world draws from its own named
 * stream. A stream's draws depend only on the seed and its name, so adding a campaign does not
 * shift the benign population. No Math.random anywhere in src/sim.
 */

/** FNV-1a over a string: 32-bit hash used to derive stream seeds. */
export function hash32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, stream = '') {
    this.a = hash32(stream, 0x9e3779b9 ^ seed)
    this.b = hash32(stream, 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b))
    this.c = hash32(stream, 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35))
    this.d = 1
    for (let i = 0; i < 15; i++) this.u32()
  }

  /** A child stream: independent of how many draws this one has made. */
  fork(name: string): Rng {
    return new Rng(this.a ^ hash32(name), `${name}/${this.b}`)
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  /** Exponential with the given mean (inter-arrival times). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** Log-normal with the given median and log-space sigma (dwell times, amounts). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** Pareto with minimum `min` and tail index `alpha` (heavy-tailed activity). */
  pareto(min: number, alpha: number): number {
    return min / (1 - this.next()) ** (1 / alpha)
  }

  /** Poisson count (Knuth for small means, normal approximation above 50). */
  poisson(mean: number): number {
    if (mean <= 0) return 0
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()))
    const l = Math.exp(-mean)
    let k = 0
    let p = this.next()
    while (p > l) {
      k++
      p *= this.next()
    }
    return k
  }

  /** Geometric count ≥ 1 with the given mean. */
  geometric(mean: number): number {
    if (mean <= 1) return 1
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - 1 / mean))
  }

  /** `n` distinct indices out of [0, size) (n ≤ size). */
  sample(size: number, n: number): number[] {
    const out = new Set<number>()
    const want = Math.min(n, size)
    while (out.size < want) out.add(this.int(size))
    return [...out]
  }
}

/** Walker's alias table: O(1) draws from a fixed discrete distribution (power-law popularity). */
export class Alias {
  private readonly prob: Float64Array
  private readonly alias: Int32Array

  constructor(weights: readonly number[]) {
    const n = weights.length
    const total = weights.reduce((s, w) => s + w, 0)
    this.prob = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = weights.map((w) => (w * n) / total)
    const small: number[] = []
    const large: number[] = []
    for (let i = 0; i < n; i++) (scaled[i]! < 1 ? small : large).push(i)
    while (small.length && large.length) {
      const s = small.pop()!
      const l = large.pop()!
      this.prob[s] = scaled[s]!
      this.alias[s] = l
      scaled[l] = scaled[l]! + scaled[s]! - 1
      ;(scaled[l]! < 1 ? small : large).push(l)
    }
    for (const i of [...small, ...large]) this.prob[i] = 1
  }

  get size(): number {
    return this.prob.length
  }

  draw(rng: Rng): number {
    const i = rng.int(this.prob.length)
    return rng.next() < this.prob[i]! ? i : this.alias[i]!
  }
}

/** Zipf weights 1/rank^s for `n` ranks. */
export const zipf = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s)
