/**
 * Tokenizer for CEL source text. Produces the whole token list up front (expressions are short),
 * reporting bad characters and unterminated literals as diagnostics and carrying on, so one pass
 * can report several problems. Literal contents are decoded later by literals.ts.
 */

import type { DiagnosticSink } from '../diagnostics.ts'

export type TokenKind =
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'ident'
  | 'quoted' // `backtick identifier`
  | 'op'
  | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** Raw source text of the token. */
  readonly text: string
  readonly start: number
  readonly end: number
}

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
]

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c)
const isIdentStart = (c: string | undefined) => c !== undefined && /[A-Za-z_]/.test(c)
const isIdentPart = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c)

export function tokenize(text: string, sink: DiagnosticSink): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, start: number) =>
    tokens.push({ kind, text: text.slice(start, i), start, end: i })

  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++
      continue
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    const start = i
    // String and bytes literals, with optional r/b prefixes in either order.
    const prefix = /^(?:[rR][bB]?|[bB][rR]?)?(?=['"])/.exec(text.slice(i, i + 3))
    if (prefix) {
      i += prefix[0].length
      const isBytes = /[bB]/.test(prefix[0])
      const isRaw = /[rR]/.test(prefix[0])
      if (!scanQuoted(text, i, isRaw, sink, start, (end) => (i = end))) return finish(tokens, text)
      push(isBytes ? 'bytes' : 'string', start)
      continue
    }
    if (isIdentStart(c)) {
      while (isIdentPart(text[i])) i++
      push('ident', start)
      continue
    }
    if (c === '`') {
      i++
      while (i < text.length && text[i] !== '`' && text[i] !== '\n') i++
      if (text[i] !== '`') {
        sink.report('CEL_SYNTAX', { detail: 'unterminated quoted identifier' }, start)
        return finish(tokens, text)
      }
      i++
      push('quoted', start)
      continue
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1]))) {
      push(
        scanNumber(text, i, (end) => (i = end)),
        start,
      )
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i))
    if (op) {
      i += op.length
      push('op', start)
      continue
    }
    const cp = text.codePointAt(i)!
    const shown = cp < 32 || cp === 127 ? `\\u${cp.toString(16).padStart(4, '0')}` : String.fromCodePoint(cp)
    sink.report('CEL_SYNTAX', { detail: `unexpected character '${shown}'` }, i)
    i += cp > 0xffff ? 2 : 1
  }
  return finish(tokens, text)
}

function finish(tokens: Token[], text: string): Token[] {
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length })
  return tokens
}

function scanNumber(text: string, i: number, setEnd: (end: number) => void): TokenKind {
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && isHex(text[i + 2])) {
    i += 2
    while (isHex(text[i])) i++
    if (text[i] === 'u' || text[i] === 'U') {
      setEnd(i + 1)
      return 'uint'
    }
    setEnd(i)
    return 'int'
  }
  let kind: TokenKind = 'int'
  while (isDigit(text[i])) i++
  if (text[i] === '.' && isDigit(text[i + 1])) {
    kind = 'double'
    i++
    while (isDigit(text[i])) i++
  }
  if (
    (text[i] === 'e' || text[i] === 'E') &&
    (isDigit(text[i + 1]) || (/[+-]/.test(text[i + 1] ?? '') && isDigit(text[i + 2])))
  ) {
    kind = 'double'
    i += 2
    while (isDigit(text[i])) i++
  }
  if (kind === 'int' && (text[i] === 'u' || text[i] === 'U')) {
    setEnd(i + 1)
    return 'uint'
  }
  setEnd(i)
  return kind
}

/** Scans a quoted literal starting at the quote; reports and returns false if unterminated. */
function scanQuoted(
  text: string,
  i: number,
  raw: boolean,
  sink: DiagnosticSink,
  start: number,
  setEnd: (end: number) => void,
): boolean {
  const q = text[i]!
  const triple = text.startsWith(q.repeat(3), i)
  const close = triple ? q.repeat(3) : q
  i += close.length
  while (i < text.length) {
    if (text.startsWith(close, i)) {
      setEnd(i + close.length)
      return true
    }
    const c = text[i]
    if (c === '\\' && !raw) i += 2
    else if (!triple && (c === '\n' || c === '\r')) break
    else i++
  }
  sink.report('CEL_SYNTAX', { detail: `unterminated ${triple ? 'triple-quoted ' : ''}string literal` }, start)
  return false
}
