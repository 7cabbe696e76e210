/**
 * Deterministic, stratified splits: the same seed, labels and fraction always give the same
 * rows. Each class is shuffled on its own (Fisher–Yates driven by a seeded 32-bit generator,
 * mulberry32) and the first round(fraction × class size) rows of each class go to the held-out
 * part, so both parts keep the class balance of the whole. A time split instead holds out the
 * latest rows (the last `fraction` by time; equal times keep file order), as a model meets the
 * future: no row of the held-out period is seen in training.
 */

import { seededRandom } from '../../core/random.ts'

export interface Split {
  /** Row indices, ascending. */
  readonly kept: Uint32Array
  readonly held: Uint32Array
}

/** Splits `rows` (indices into `labels`) holding out `fraction` of each class. */
export function stratifiedSplit(
  rows: ArrayLike<number>,
  labels: ArrayLike<number>,
  fraction: number,
  seed: number,
): Split {
  const random = seededRandom(seed)
  const kept: number[] = []
  const held: number[] = []
  for (const cls of [0, 1]) {
    const members: number[] = []
    for (let i = 0; i < rows.length; i++) if (labels[rows[i]!] === cls) members.push(rows[i]!)
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = members[i]!
      members[i] = members[j]!
      members[j] = t
    }
    const cut = Math.round(fraction * members.length)
    for (let i = 0; i < members.length; i++) (i < cut ? held : kept).push(members[i]!)
  }
  return {
    kept: Uint32Array.from(kept).sort(),
    held: Uint32Array.from(held).sort(),
  }
}

/** Holds out the latest round(fraction × rows) of `rows` by `times` (rows without a time come first). */
export function timeSplit(rows: ArrayLike<number>, times: Float64Array, fraction: number): Split {
  const key = (r: number) => (Number.isNaN(times[r]!) ? Number.NEGATIVE_INFINITY : times[r]!)
  const sorted = Array.from(rows).sort((a, b) => key(a) - key(b) || a - b)
  const cut = sorted.length - Math.round(fraction * sorted.length)
  return {
    kept: Uint32Array.from(sorted.slice(0, cut)).sort(),
    held: Uint32Array.from(sorted.slice(cut)).sort(),
  }
}
