/**
 * Quantile binning for the histogram GBDT. Each feature gets at most `maxBins` − 1 cut points
 * taken from its own values: every distinct value when there are few, otherwise the values at
 * evenly spaced ranks. A value's bin is the number of cut points ≤ it, so "bin ≤ b" is exactly
 * "value < cuts[b]" — XGBoost's split rule, with the cut point as the threshold written to the
 * model. Missing values (NaN) get the reserved bin 255. Bins are stored one byte per row and
 * feature, column by column, and the present (not missing) ones also row by row as (feature, bin) pairs:
 * histograms are built from those alone — event rows leave most features missing — and a
 * feature's missing share is the node's total minus its present bins.
 */

export const MISSING_BIN = 255
export const MAX_BINS = 255

export interface BinnedRows {
  readonly rows: number
  readonly features: number
  /** bins[feature * rows + row] (column-major: a partition reads one feature's bins in row order). */
  readonly bins: Uint8Array
  /** Per feature, ascending cut points (float32 values). */
  readonly cuts: readonly Float64Array[]
  /** Present values of row r: presentFeature/presentBin[presentStart[r] .. presentStart[r + 1]). */
  readonly presentStart: Uint32Array
  readonly presentFeature: Uint16Array
  readonly presentBin: Uint8Array
}

/** Cut points of one feature's values over the given rows. */
export function cutPoints(column: Float64Array, rows: Uint32Array, maxBins: number): Float64Array {
  const present: number[] = []
  for (let i = 0; i < rows.length; i++) {
    const v = column[rows[i]!]!
    if (!Number.isNaN(v)) present.push(v)
  }
  const sorted = Float64Array.from(present).sort()
  const distinct: number[] = []
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!)
  if (distinct.length <= maxBins) return Float64Array.from(distinct.slice(1))
  const cuts: number[] = []
  for (let k = 1; k < maxBins; k++) {
    const v = sorted[Math.floor((k * sorted.length) / maxBins)]!
    if (v > sorted[0]! && (cuts.length === 0 || v > cuts[cuts.length - 1]!)) cuts.push(v)
  }
  return Float64Array.from(cuts)
}

/** The bin of a value: the number of cut points ≤ it (binary search), or MISSING_BIN. */
export function binOf(cuts: Float64Array, value: number): number {
  if (Number.isNaN(value)) return MISSING_BIN
  let lo = 0
  let hi = cuts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cuts[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function binRows(columns: readonly Float64Array[], rows: Uint32Array, maxBins: number): BinnedRows {
  const features = columns.length
  const bins = new Uint8Array(rows.length * features)
  const cuts = columns.map((c) => cutPoints(c, rows, Math.min(maxBins, MAX_BINS)))
  for (let f = 0; f < features; f++) {
    const column = columns[f]!
    const c = cuts[f]!
    for (let i = 0; i < rows.length; i++) bins[f * rows.length + i] = binOf(c, column[rows[i]!]!)
  }
  let present = 0
  for (let k = 0; k < bins.length; k++) if (bins[k] !== MISSING_BIN) present++
  const presentStart = new Uint32Array(rows.length + 1)
  const presentFeature = new Uint16Array(present)
  const presentBin = new Uint8Array(present)
  let at = 0
  for (let i = 0; i < rows.length; i++) {
    presentStart[i] = at
    for (let f = 0; f < features; f++) {
      const b = bins[f * rows.length + i]!
      if (b !== MISSING_BIN) {
        presentFeature[at] = f
        presentBin[at++] = b
      }
    }
  }
  presentStart[rows.length] = at
  return { rows: rows.length, features, bins, cuts, presentStart, presentFeature, presentBin }
}
