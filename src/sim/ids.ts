/**
 * Opaque identifiers. Every id (users, devices, fingerprints, content, rooms, events…) is a
 * per-kind counter passed through a keyed 40-bit Feistel permutation and printed in base 36: ids
 * never collide within a kind, look random, and carry nothing about who made them — benign users
 * and campaign accounts are drawn from the same counters, so neither order nor shape tells them
 * apart. The key comes from the seed, so ids are reproducible.
 */

import { hash32 } from './random.ts'

const HALF = 20
const MASK = (1 << HALF) - 1
const ROUNDS = 4

function round(x: number, key: number): number {
  let h = Math.imul(x ^ key, 0x9e3779b1)
  h ^= h >>> 15
  h = Math.imul(h, 0x85ebca77)
  h ^= h >>> 13
  return h & MASK
}

/** A keyed bijection on [0, 2^40). */
export function permute40(n: number, keys: readonly number[]): number {
  let l = Math.floor(n / 2 ** HALF) & MASK
  let r = n & MASK
  for (const k of keys) {
    const next = l ^ round(r, k)
    l = r
    r = next
  }
  return l * 2 ** HALF + r
}

export class Ids {
  private readonly counters = new Map<string, number>()
  private readonly keys = new Map<string, number[]>()

  private readonly seed: number

  constructor(seed: number) {
    this.seed = seed
  }

  /** The next id of a kind, e.g. next('u') → "u_4k2jd9xq1f". */
  next(kind: string): string {
    const n = this.counters.get(kind) ?? 0
    this.counters.set(kind, n + 1)
    return `${kind}_${this.opaque(kind, n)}`
  }

  /** The n-th opaque token of a kind, without a prefix (8 base-36 characters). */
  opaque(kind: string, n: number): string {
    let keys = this.keys.get(kind)
    if (!keys) {
      keys = Array.from({ length: ROUNDS }, (_, i) => hash32(`${kind}:${i}`, this.seed ^ 0x5bd1e995))
      this.keys.set(kind, keys)
    }
    return permute40(n, keys).toString(36).padStart(8, '0')
  }

  /** A hex token (fingerprints, click ids): two opaque tokens of the kind, in hex. */
  hex(kind: string): string {
    const n = this.counters.get(kind) ?? 0
    this.counters.set(kind, n + 1)
    const a = Number.parseInt(this.opaque(kind, n), 36)
    return a.toString(16).padStart(10, '0') + hash32(`${kind}#${n}`, this.seed).toString(16).padStart(8, '0')
  }
}
