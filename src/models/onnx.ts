/**
 * ONNX models through onnxruntime-node (CPU), scored asynchronously only.
 *
 * Inputs, either:
 * - one float tensor shaped [1, N] (or [batch, N]): the row in order. Feature names come from the
 *   model's metadata property `feature_names` (comma-separated) when present, else f0..f{N-1};
 * - or N float inputs each holding one number ([1, 1], [1] or []): mapped by input name.
 * Missing values are passed as NaN; the graph decides what they mean.
 *
 * Output: the named output, or the first float tensor output (so a classifier's int64 `label`
 * output is skipped for its probabilities), flattened: a [1, 2] probability tensor gives 2 numbers.
 */

import type { InferenceSession as Session, Tensor as TensorType } from 'onnxruntime-node'
import { BulwarkError } from '../core/errors.ts'
import type { Model } from './model.ts'

export interface OnnxOptions {
  /** The output to read; defaults to the first float tensor output. */
  readonly output?: string
}

export interface OnnxModel extends Model {
  readonly format: 'onnx'
  readonly outputName: string
}

/** Reads a varint at `at`; returns [value, next offset]. Values above 2^53 lose precision (lengths never are). */
function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0
  let factor = 1
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i]!
    value += (b & 0x7f) * factor
    if ((b & 0x80) === 0) return [value, i + 1]
    factor *= 128
  }
  throw new Error('truncated varint')
}

/** Skips one protobuf field of the given wire type; returns the next offset. */
function skipField(bytes: Uint8Array, at: number, wireType: number): number {
  if (wireType === 0) return varint(bytes, at)[1]
  if (wireType === 1) return at + 8
  if (wireType === 5) return at + 4
  if (wireType === 2) {
    const [length, start] = varint(bytes, at)
    return start + length
  }
  throw new Error(`unsupported wire type ${wireType}`)
}

/** `metadata_props` of an ONNX ModelProto (field 14 of entries {key = 1, value = 2}). */
export function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  const props = new Map<string, string>()
  const decoder = new TextDecoder()
  let at = 0
  while (at < bytes.length) {
    const [tag, next] = varint(bytes, at)
    const field = Math.floor(tag / 8)
    const wireType = tag & 7
    if (field === 14 && wireType === 2) {
      const [length, start] = varint(bytes, next)
      let key = ''
      let value = ''
      let p = start
      while (p < start + length) {
        const [t, n] = varint(bytes, p)
        if ((t & 7) !== 2) {
          p = skipField(bytes, n, t & 7)
          continue
        }
        const [len, s] = varint(bytes, n)
        const text = decoder.decode(bytes.subarray(s, s + len))
        if (t >>> 3 === 1) key = text
        else if (t >>> 3 === 2) value = text
        p = s + len
      }
      props.set(key, value)
      at = start + length
    } else {
      at = skipField(bytes, next, wireType)
    }
  }
  return props
}

const isFloatTensor = (m: Session.ValueMetadata): m is Session.TensorValueMetadata =>
  m.isTensor && (m.type === 'float32' || m.type === 'float64')

/** A concrete shape: symbolic or unknown dimensions become 1. */
const concrete = (shape: readonly (number | string)[]): number[] =>
  shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1))

export async function loadOnnxModel(
  file: string,
  bytes: Uint8Array,
  options: OnnxOptions = {},
): Promise<OnnxModel> {
  const ort = await import('onnxruntime-node')
  let session: Session
  try {
    session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, intraOpNumThreads: 1 })
  } catch (e) {
    throw new BulwarkError('MODEL_INVALID', {
      file,
      detail: `onnxruntime cannot load it: ${(e as Error).message}`,
    })
  }
  try {
    const inputs = session.inputMetadata
    if (inputs.length === 0 || !inputs.every(isFloatTensor)) {
      throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: 'every input must be a float tensor' })
    }
    let metadata = new Map<string, string>()
    try {
      metadata = onnxMetadata(bytes)
    } catch {
      // onnxruntime accepted the file; unreadable metadata only means default feature names.
    }
    let names: string[]
    let feed: (row: Float64Array) => Record<string, TensorType>
    if (inputs.length === 1) {
      const input = inputs[0] as Session.TensorValueMetadata
      const declared = metadata
        .get('feature_names')
        ?.split(',')
        .map((s) => s.trim())
      const width = input.shape[input.shape.length - 1]
      const n = typeof width === 'number' && width > 0 ? width : declared?.length
      if (n === undefined || input.shape.length > 2) {
        throw new BulwarkError('MODEL_UNSUPPORTED', {
          file,
          detail: `input '${input.name}' must be shaped [1, N] with N fixed or named by feature_names metadata`,
        })
      }
      if (declared && declared.length !== n) {
        throw new BulwarkError('MODEL_INVALID', {
          file,
          detail: `feature_names lists ${declared.length} names for ${n} inputs`,
        })
      }
      names = declared ?? Array.from({ length: n }, (_, i) => `f${i}`)
      const shape = input.shape.length === 2 ? [1, n] : [n]
      const Array32 = input.type === 'float64' ? Float64Array : Float32Array
      feed = (row) => ({ [input.name]: new ort.Tensor(input.type, Array32.from(row.subarray(0, n)), shape) })
    } else {
      names = inputs.map((i) => i.name)
      feed = (row) =>
        Object.fromEntries(
          inputs.map((input, i) => {
            const m = input as Session.TensorValueMetadata
            const data = m.type === 'float64' ? Float64Array.of(row[i]!) : Float32Array.of(row[i]!)
            return [m.name, new ort.Tensor(m.type, data, concrete(m.shape))]
          }),
        )
    }
    const outputMeta = session.outputMetadata
    const chosen = options.output
      ? outputMeta.find((o) => o.name === options.output)
      : (outputMeta.find(isFloatTensor) ?? outputMeta.find((o) => o.isTensor))
    if (!chosen) {
      throw new BulwarkError('MODEL_UNSUPPORTED', {
        file,
        detail: options.output
          ? `no output '${options.output}' (outputs: ${session.outputNames.join(', ')})`
          : 'no tensor output',
      })
    }
    const outputName = chosen.name
    const run = async (row: Float64Array): Promise<ArrayLike<number | bigint>> => {
      const result = await session.run(feed(row), [outputName])
      const tensor = result[outputName]
      if (!tensor || typeof tensor.data === 'string' || !('length' in tensor.data)) {
        throw new BulwarkError('MODEL_UNSUPPORTED', {
          file,
          detail: `output '${outputName}' is not a numeric tensor`,
        })
      }
      return tensor.data as ArrayLike<number | bigint>
    }
    // One probe run at load learns the output size (shapes are often symbolic) and proves the graph runs.
    let outputSize: number
    try {
      outputSize = (await run(new Float64Array(names.length))).length
    } catch (e) {
      if (e instanceof BulwarkError) throw e
      throw new BulwarkError('MODEL_INVALID', { file, detail: `a probe run failed: ${(e as Error).message}` })
    }
    if (outputSize < 1)
      throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: `output '${outputName}' is empty` })
    return {
      format: 'onnx',
      inputs: names,
      textInput: false,
      outputSize,
      outputName,
      predictAsync: async (row, _text, out) => {
        const data = await run(row)
        for (let i = 0; i < outputSize; i++) out[i] = Number(data[i])
      },
      close: () => session.release(),
    }
  } catch (e) {
    await session.release()
    throw e
  }
}
