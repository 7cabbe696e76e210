/**
 * Decoding of string and bytes literal tokens: prefixes, quotes, raw strings and CEL's escape
 * sequences (\n, \xHH, \uHHHH, \UHHHHHHHH, \ooo, …). In strings an escape names a code point,
 * in bytes it names a byte. Problems are reported at the offending escape.
 */

import type { DiagnosticSink } from '../diagnostics.ts'

const SIMPLE: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '?': 63,
  '"': 34,
  "'": 39,
  '`': 96,
}

const encoder = new TextEncoder()

/** Decodes a string or bytes token; returns a string for strings and bytes for bytes literals. */
export function decodeLiteral(token: string, tokenStart: number, sink: DiagnosticSink): string | Uint8Array {
  const prefix = /^[rRbB]*/.exec(token)![0]
  const raw = /[rR]/.test(prefix)
  const bytes = /[bB]/.test(prefix)
  const q = token[prefix.length]!
  const quoteLen = token.startsWith(q.repeat(3), prefix.length) ? 3 : 1
  const bodyStart = prefix.length + quoteLen
  const body = token.slice(bodyStart, token.length - quoteLen)
  const at = (i: number) => tokenStart + bodyStart + i

  if (raw) return bytes ? encoder.encode(body) : body

  // Units are code points for strings and bytes for bytes literals.
  const out: number[] = []
  const pushText = (s: string) => {
    if (bytes) for (const b of encoder.encode(s)) out.push(b)
    else for (const ch of s) out.push(ch.codePointAt(0)!)
  }
  let i = 0
  let plainStart = 0
  while (i < body.length) {
    if (body[i] !== '\\') {
      i++
      continue
    }
    pushText(body.slice(plainStart, i))
    const escStart = i
    const e = body[i + 1]
    if (e === undefined) {
      sink.report('CEL_SYNTAX', { detail: 'incomplete escape sequence at end of literal' }, at(escStart))
      return bytes ? new Uint8Array(out) : fromCodePoints(out)
    }
    let value: number | undefined
    let len = 2
    if (e in SIMPLE) value = SIMPLE[e]
    else if (e === 'x' || e === 'X') {
      const hex = body.slice(i + 2, i + 4)
      if (/^[0-9a-fA-F]{2}$/.test(hex)) value = Number.parseInt(hex, 16)
      len = 4
    } else if ((e === 'u' || e === 'U') && !bytes) {
      const n = e === 'u' ? 4 : 8
      const hex = body.slice(i + 2, i + 2 + n)
      len = 2 + n
      if (new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) {
        const cp = Number.parseInt(hex, 16)
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
          sink.report(
            'CEL_SYNTAX',
            { detail: `invalid code point U+${hex.toUpperCase()} in escape sequence` },
            at(escStart),
            at(escStart + len),
          )
          value = 0xfffd
        } else value = cp
      }
    } else if (e >= '0' && e <= '3') {
      const oct = body.slice(i + 1, i + 4)
      if (/^[0-7]{3}$/.test(oct)) value = Number.parseInt(oct, 8)
      len = 4
    }
    if (value === undefined) {
      sink.report(
        'CEL_SYNTAX',
        { detail: `invalid escape sequence '${body.slice(i, i + len)}'` },
        at(escStart),
        at(escStart + len),
      )
      value = 0xfffd
    }
    out.push(value)
    i += len
    plainStart = i
  }
  pushText(body.slice(plainStart))
  return bytes ? new Uint8Array(out) : fromCodePoints(out)
}

function fromCodePoints(cps: number[]): string {
  let s = ''
  for (let i = 0; i < cps.length; i += 4096) s += String.fromCodePoint(...cps.slice(i, i + 4096))
  return s
}
