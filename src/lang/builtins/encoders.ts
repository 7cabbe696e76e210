/**
 * The encoders extension: base64 encoding of bytes and decoding (padding optional).
 */

import { fail } from '../runtime/values.ts'
import { type FunctionDecl, fn, global } from './registry.ts'

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function decode(s: string): Uint8Array {
  const padded = s.length % 4 === 0 ? s : s + '='.repeat(4 - (s.length % 4))
  if (!BASE64.test(padded) || padded.length % 4 !== 0)
    fail('EVAL_INVALID_ARGUMENT', { detail: 'invalid base64 text' }, true)
  return new Uint8Array(Buffer.from(padded, 'base64'))
}

export const ENCODER_FUNCTIONS: readonly FunctionDecl[] = [
  fn(
    {
      doc: 'Base64 (standard alphabet, padded) encoding of bytes.',
      cost: 4,
      example: 'base64.encode(bytes(event.text))',
    },
    global('base64.encode(bytes) -> string', (b: Uint8Array) =>
      Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64'),
    ),
  ),
  fn(
    { doc: 'Decodes base64 text, with or without padding.', cost: 4, example: "base64.decode('aGVsbG8=')" },
    global('base64.decode(string) -> bytes', decode),
  ),
]
