/**
 * Population Stability Index: how far a current sample's distribution has moved from a
 * reference sample's, over buckets whose edges come from the reference.
 *
 *   edges   = the distinct reference deciles (values at ranks ⌊n·k/10⌋, k = 1…9, of the sorted
 *             non-missing reference); bucket j holds edges[j−1] ≤ v < edges[j]
 *   missing = NaN values form one more bucket of their own
 *   PSI     = Σ_j (c_j − r_j) · ln(c_j / r_j), with r_j, c_j the reference and current shares of
 *             bucket j, each floored at 1e-4 so an empty bucket does not make it infinite
 *
 * Customary reading: below 0.1 stable, 0.1–0.2 moderate shift, above 0.2 a significant shift
 * (Bulwark's default drift threshold).
 */

export const PSI_FLOOR = 1e-4
export const DEFAULT_PSI_THRESHOLD = 0.2

/** Bucket edges from a reference sample: its distinct deciles (NaN ignored). */
export function referenceEdges(reference: ArrayLike<number>, buckets = 10): number[] {
  const values: number[] = []
  for (let i = 0; i < reference.length; i++) if (!Number.isNaN(reference[i]!)) values.push(reference[i]!)
  if (values.length === 0) return []
  values.sort((a, b) => a - b)
  const edges: number[] = []
  for (let k = 1; k < buckets; k++) {
    const v = values[Math.floor((values.length * k) / buckets)]!
    if (v > values[0]! && edges.at(-1) !== v) edges.push(v)
  }
  return edges
}

/** Counts per bucket: edges.length + 1 value buckets, then one for NaN. */
export function bucketCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array(edges.length + 2).fill(0)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isNaN(v)) {
      counts[edges.length + 1]++
      continue
    }
    let lo = 0
    let hi = edges.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (v < edges[mid]!) hi = mid
      else lo = mid + 1
    }
    counts[lo]++
  }
  return counts
}

/** PSI between two bucket count vectors of the same length; NaN when either is empty. */
export function psiOfCounts(reference: readonly number[], current: readonly number[]): number {
  const rTotal = reference.reduce((a, b) => a + b, 0)
  const cTotal = current.reduce((a, b) => a + b, 0)
  if (rTotal === 0 || cTotal === 0) return Number.NaN
  let psi = 0
  for (let j = 0; j < reference.length; j++) {
    const r = Math.max(reference[j]! / rTotal, PSI_FLOOR)
    const c = Math.max(current[j]! / cTotal, PSI_FLOOR)
    psi += (c - r) * Math.log(c / r)
  }
  return psi
}

/** PSI of a current sample against a reference sample, with edges from the reference. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const edges = referenceEdges(reference)
  return psiOfCounts(bucketCounts(reference, edges), bucketCounts(current, edges))
}
