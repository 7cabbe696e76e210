/**
 * The contract every model format meets, so the decision path, the CLI and the registry treat
 * gradient-boosted trees, logistic regression and ONNX alike.
 *
 * A model reads a dense row of numbers in the order of `inputs` (NaN means missing) and, when
 * `textInput` is set, one piece of text (hashed into n-grams by the model itself). It writes
 * `outputSize` numbers into `out`: one probability or value, or a vector for multi-class models.
 * Formats that can score synchronously (trees, logistic regression) implement `predict`; ONNX
 * scores only asynchronously, so every format implements `predictAsync`.
 */

export type ModelFormat = 'xgboost-json' | 'lightgbm-text' | 'logreg' | 'onnx'

export interface Model {
  readonly format: ModelFormat
  /** Input feature names, in row order. */
  readonly inputs: readonly string[]
  /** Whether the model also reads one text input. */
  readonly textInput: boolean
  /** Numbers written per prediction (1 for binary and regression; the class count for softprob). */
  readonly outputSize: number
  /** Synchronous scoring; absent when the format can only score asynchronously (ONNX). */
  readonly predict?: (row: Float64Array, text: string | undefined, out: Float64Array) => void
  readonly predictAsync: (row: Float64Array, text: string | undefined, out: Float64Array) => Promise<void>
  /** Releases native resources (ONNX sessions); a no-op elsewhere. */
  readonly close: () => Promise<void>
}
