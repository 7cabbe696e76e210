/**
 * A tiny ONNX model whose bytes are all ASCII, so that it is valid UTF-8 and can ship inside a
 * pack (pack files are text; ONNX is normally binary and served through the registry). The graph
 * is `score = sigmoid(a + b)` over two float inputs shaped [1], named `a` and `b` (onnx.ts maps
 * several one-number inputs by name). It is encoded here, field by field, as ONNX's protobuf:
 * every varint stays below 128 (one byte under 0x80) and no float is stored, so no byte reaches
 * 0x80. The builder throws if a change ever breaks that.
 */

const LEN = 2
const VARINT = 0

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0))

/** One protobuf field: a small varint, or a length-delimited payload (bytes or a string). */
function field(no: number, value: number | string | number[]): number[] {
  if (typeof value === 'number') return [(no << 3) | VARINT, small(value)]
  const bytes = typeof value === 'string' ? ascii(value) : value
  return [(no << 3) | LEN, small(bytes.length), ...bytes]
}

function small(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 127) throw new Error(`${n} does not fit one ASCII varint byte`)
  return n
}

/** ValueInfoProto: a float tensor of shape [1]. */
const floatOfOne = (name: string): number[] => [
  ...field(1, name),
  // type: TypeProto { tensor_type: { elem_type: FLOAT (1), shape: { dim: [{ dim_value: 1 }] } } }
  ...field(2, field(1, [...field(1, 1), ...field(2, field(1, field(1, 1)))])),
]

/** NodeProto. */
const node = (op: string, inputs: readonly string[], output: string): number[] => [
  ...inputs.flatMap((i) => field(1, i)),
  ...field(2, output),
  ...field(4, op),
]

/** The model's bytes: ModelProto { ir_version 7, opset 13, graph }. */
export function textOnnxModel(): Buffer {
  const graph = [
    ...field(1, node('Add', ['a', 'b'], 's')),
    ...field(1, node('Sigmoid', ['s'], 'score')),
    ...field(11, floatOfOne('a')),
    ...field(11, floatOfOne('b')),
    ...field(12, floatOfOne('score')),
  ]
  const model = [...field(1, 7), ...field(7, graph), ...field(8, field(2, 13))]
  const bytes = Buffer.from(model)
  if (bytes.some((b) => b >= 0x80)) throw new Error('the model is not ASCII')
  return bytes
}

/** The same bytes as pack-file text. */
export const textOnnxSource = (): string => textOnnxModel().toString('latin1')
