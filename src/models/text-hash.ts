/**
 * Text into a hashed bag of n-grams — the one place Bulwark turns text into model features, used
 * both to train logistic regression models and to score them, so the two can never disagree.
 *
 * Tokenisation: Unicode NFKC, lower-cased (unless `lowercase` is false), split into words made of
 * letters, digits and marks (`[\p{L}\p{N}\p{M}]+`; everything else separates words). Word n-grams
 * join n consecutive words with one space and are hashed as `w:<gram>`. Character n-grams are
 * taken from each word padded as `<word>` and hashed as `c:<gram>` (counted in code points). Each
 * gram's UTF-8 bytes go through MurmurHash3 (x86, 32-bit, seed 0); bucket = hash mod buckets.
 * Values are counts, or 1 per bucket with `binary`, then optionally scaled to unit L2 norm.
 */

export interface TextHashOptions {
  /** Number of hash buckets (the text vector's length). */
  readonly buckets: number
  /** Smallest and largest word n-gram length, e.g. [1, 2]; [0, 0] for none. */
  readonly wordNgrams: readonly [number, number]
  /** Smallest and largest character n-gram length, e.g. [3, 5]; [0, 0] for none. */
  readonly charNgrams: readonly [number, number]
  readonly lowercase: boolean
  /** 1 per bucket present instead of counts. */
  readonly binary: boolean
  /** Scale the vector to unit Euclidean length. */
  readonly l2Normalize: boolean
}

export const DEFAULT_TEXT_HASH: TextHashOptions = {
  buckets: 1 << 18,
  wordNgrams: [1, 2],
  charNgrams: [3, 5],
  lowercase: true,
  binary: false,
  l2Normalize: true,
}

/** A sparse vector: bucket indexes in increasing order and their values. */
export interface SparseVector {
  readonly index: Int32Array
  readonly value: Float64Array
}

const encoder = new TextEncoder()

/** MurmurHash3 x86 32-bit of `bytes`, as an unsigned integer. */
export function murmurHash3(bytes: Uint8Array, seed = 0): number {
  let h = seed >>> 0
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const blocks = bytes.length & ~3
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = bytes.length & 3
  if (tail > 0) {
    let k = bytes[blocks]!
    if (tail > 1) k |= bytes[blocks + 1]! << 8
    if (tail > 2) k |= bytes[blocks + 2]! << 16
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** MurmurHash3 of a string's UTF-8 bytes. */
export function hashString(text: string, seed = 0): number {
  return murmurHash3(encoder.encode(text), seed)
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu

/** The words of a text, normalised as the models see them. */
export function tokenize(text: string, lowercase = true): string[] {
  const normal = text.normalize('NFKC')
  return (lowercase ? normal.toLowerCase() : normal).match(WORD) ?? []
}

/** Every gram a text yields (with its `w:` / `c:` prefix), repeated as often as it occurs. */
export function textGrams(text: string, options: TextHashOptions = DEFAULT_TEXT_HASH): string[] {
  const words = tokenize(text, options.lowercase)
  const grams: string[] = []
  const [wMin, wMax] = options.wordNgrams
  if (wMin > 0) {
    for (let n = wMin; n <= wMax; n++) {
      for (let i = 0; i + n <= words.length; i++) grams.push(`w:${words.slice(i, i + n).join(' ')}`)
    }
  }
  const [cMin, cMax] = options.charNgrams
  if (cMin > 0) {
    for (const word of words) {
      const chars = [...`<${word}>`]
      for (let n = cMin; n <= cMax; n++) {
        for (let i = 0; i + n <= chars.length; i++) grams.push(`c:${chars.slice(i, i + n).join('')}`)
      }
    }
  }
  return grams
}

/** The hashed n-gram vector of a text. */
export function hashText(text: string, options: TextHashOptions = DEFAULT_TEXT_HASH): SparseVector {
  const counts = new Map<number, number>()
  for (const gram of textGrams(text, options)) {
    const bucket = hashString(gram) % options.buckets
    counts.set(bucket, options.binary ? 1 : (counts.get(bucket) ?? 0) + 1)
  }
  const index = Int32Array.from([...counts.keys()].sort((a, b) => a - b))
  const value = Float64Array.from(index, (i) => counts.get(i)!)
  if (options.l2Normalize && value.length > 0) {
    let sum = 0
    for (const v of value) sum += v * v
    const norm = Math.sqrt(sum)
    for (let i = 0; i < value.length; i++) value[i] = value[i]! / norm
  }
  return { index, value }
}

/** Checks options (from a model file or a training run); the problem, or undefined when valid. */
export function textHashProblem(options: TextHashOptions): string | undefined {
  if (!Number.isInteger(options.buckets) || options.buckets < 1 || options.buckets > 1 << 24) {
    return 'buckets must be an integer from 1 to 16777216'
  }
  for (const [name, [lo, hi]] of [
    ['word_ngrams', options.wordNgrams],
    ['char_ngrams', options.charNgrams],
  ] as const) {
    const none = lo === 0 && hi === 0
    if (!none && !(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo && hi <= 8)) {
      return `${name} must be [min, max] with 1 ≤ min ≤ max ≤ 8, or [0, 0]`
    }
  }
  if (options.wordNgrams[0] === 0 && options.charNgrams[0] === 0)
    return 'word_ngrams and char_ngrams are both off'
  return undefined
}
