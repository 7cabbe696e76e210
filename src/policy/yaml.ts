/**
 * YAML files of a policy pack, parsed with source positions. Every value can be traced back to
 * its line and column, including positions inside a string — a rule's `when:` expression
 * reports errors at the exact column of the file, whatever the quoting or block style.
 */

import { type Document, isNode, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml'
import { DiagnosticSink } from '../lang/diagnostics.ts'
import { Source } from '../lang/source.ts'

export type PathItem = string | number

/** What parsing a file's text yields; read-only afterwards, so loads of the same text share it. */
interface Parsed {
  readonly doc: Document
  readonly counter: LineCounter
  readonly lines: readonly string[]
}

/**
 * Parsed files by path and text, least recently used first, up to PARSED_MAX_CHARS of text: a
 * pack uploaded again with one rule changed parses that file only. Parsing is most of a pack's
 * load (the starter pack's 480 KB of YAML, three quarters of it pack tests: about 200 of 350 ms),
 * and a server loads on the event loop. The cache holds about 20 bytes of heap per character.
 */
const parsedFiles = new Map<string, Parsed>()
const PARSED_MAX_CHARS = 1 << 20
let parsedChars = 0

function parse(path: string, text: string): Parsed {
  const key = `${path}\u0000${text}`
  const hit = parsedFiles.get(key)
  if (hit !== undefined) {
    parsedFiles.delete(key)
    parsedFiles.set(key, hit)
    return hit
  }
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true })
  const parsed: Parsed = { doc, counter, lines: text.split(/\r?\n/) }
  if (key.length <= PARSED_MAX_CHARS) {
    parsedFiles.set(key, parsed)
    parsedChars += key.length
    for (const [k] of parsedFiles) {
      if (parsedChars <= PARSED_MAX_CHARS) break
      parsedFiles.delete(k)
      parsedChars -= k.length
    }
  }
  return parsed
}

export class YamlFile {
  readonly path: string
  readonly text: string
  readonly doc: Document
  readonly lines: readonly string[]
  /** Diagnostics about this file (YAML syntax, schema, references). */
  readonly sink: DiagnosticSink
  private readonly counter: LineCounter
  /** Set when the document parsed but could not become a JavaScript value (see value()). */
  private unconvertible = false

  constructor(path: string, text: string) {
    this.path = path
    this.text = text
    const parsed = parse(path, text)
    this.lines = parsed.lines
    this.counter = parsed.counter
    this.doc = parsed.doc
    // Diagnostics are each load's own; only the parse is shared.
    this.sink = new DiagnosticSink(new Source(text, { file: path }))
    for (const e of this.doc.errors)
      this.sink.report('POLICY_YAML', { detail: e.message.split('\n')[0]! }, e.pos[0], e.pos[1])
  }

  get ok(): boolean {
    return this.doc.errors.length === 0 && !this.unconvertible
  }

  /**
   * Plain JavaScript value of the document, or undefined after reporting POLICY_YAML when it has
   * none: the yaml library refuses aliases that would expand without bound (an alias bomb).
   */
  value(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 100 })
    } catch (e) {
      this.unconvertible = true
      const [start, end] = this.firstAliasRange()
      const why = e instanceof ReferenceError && /alias count/i.test(e.message)
      const detail = why
        ? 'aliases here expand to too many values (an alias bomb?); write the values out or nest fewer aliases'
        : `the document has no plain value: ${(e as Error).message}`
      this.sink.report('POLICY_YAML', { detail }, start, end)
      return undefined
    }
  }

  private firstAliasRange(): [number, number] {
    let range: [number, number] = [0, 1]
    visit(this.doc, {
      Alias: (_, node) => {
        if (node.range) range = [node.range[0], node.range[1]]
        return visit.BREAK
      },
    })
    return range
  }

  /** The node at a path, or the closest ancestor that exists. */
  nodeAt(path: readonly PathItem[]): Node | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true)
      if (isNode(node)) return node
    }
    return isNode(this.doc.contents) ? this.doc.contents : undefined
  }

  /** Source range [start, end) of the value at a path (or of its closest ancestor). */
  range(path: readonly PathItem[]): [number, number] {
    const r = this.nodeAt(path)?.range
    return r ? [r[0], r[1]] : [0, 1]
  }

  /** The range of a mapping key (for "unknown key" style problems), else of the value. */
  keyRange(path: readonly PathItem[]): [number, number] {
    const parent = this.doc.getIn(path.slice(0, -1), true) as { items?: { key: unknown }[] } | undefined
    const key = path.at(-1)
    const pair = parent?.items?.find((p) => isScalar(p.key) && p.key.value === key)
    const r = pair && isNode(pair.key) ? pair.key.range : undefined
    return r ? [r[0], r[1]] : this.range(path)
  }

  linePos(offset: number): { line: number; col: number } {
    return this.counter.linePos(offset)
  }

  /**
   * Options for compiling the string at `path` as an expression: positions inside the string map
   * to the file. The string's characters are matched in order against the source text, which
   * skips quotes, escapes and block indentation.
   */
  expressionSource(path: readonly PathItem[]): {
    file: string
    locate: (offset: number) => { line: number; col: number }
    fileLines: readonly string[]
  } {
    const node = this.doc.getIn(path, true)
    const value = isScalar(node) ? String(node.value) : ''
    const [start, end] = isScalar(node) && node.range ? [node.range[0], node.range[1]] : [0, 0]
    const offsets = alignString(value, this.text, start, end)
    return {
      file: this.path,
      fileLines: this.lines,
      locate: (offset) => this.linePos(offsets[Math.min(offset, offsets.length - 1)] ?? start),
    }
  }
}

/**
 * For each character of `value` (and one past its end), its offset in `source[start, end)`.
 * Characters are matched in order; what the value does not hold as itself is stepped over
 * wherever it sits, however far: indentation, folded line breaks and line continuations, and
 * escapes (`\x`, `''`), each standing for the one character it produces.
 */
function alignString(value: string, source: string, start: number, end: number): number[] {
  const out: number[] = []
  let j = start
  const quote = source[j] === '"' || source[j] === "'" ? source[j] : undefined
  // Skip a block scalar header (with its indicators or comment) or an opening quote.
  if (source[j] === '|' || source[j] === '>') j = source.indexOf('\n', j) + 1 || end
  else if (quote) j++
  const isBreak = (k: number) => source[k] === '\n' || source[k] === '\r'
  /** Length of the escape at k (0 when there is none): one character of the value. */
  const escapeAt = (k: number): number => {
    if (quote === "'") return source[k] === "'" && k + 1 < end - 1 && source[k + 1] === "'" ? 2 : 0
    if (quote !== '"' || source[k] !== '\\' || isBreak(k + 1)) return 0
    return ESCAPE_LENGTHS[source[k + 1] ?? ''] ?? 2
  }
  /** Whitespace, line breaks and (in double quotes) line continuations from k on. */
  const skipBlank = (k: number): number => {
    while (k < end) {
      if (source[k] === ' ' || source[k] === '\t' || isBreak(k)) k++
      else if (quote === '"' && source[k] === '\\' && isBreak(k + 1)) k += 2
      else break
    }
    return k
  }
  /** Whether the character at k stands for itself (a backslash in double quotes never does). */
  const literal = (k: number) => k < end && escapeAt(k) === 0 && !(quote === '"' && source[k] === '\\')
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (source[j] === c && literal(j)) {
      out.push(j++)
      continue
    }
    if (c === '\n' && source[j] === '\r' && source[j + 1] === '\n') {
      out.push(j)
      j += 2
      continue
    }
    const k = skipBlank(j)
    if (k > j && (c === ' ' || c === '\n')) {
      // A folded line break: the space (or newline) of the value stands where the break was.
      out.push(j)
      j = k
      continue
    }
    const escaped = k < end ? escapeAt(k) : 0
    if (escaped > 0) {
      out.push(k)
      j = k + escaped
      // \U0001F600 is two UTF-16 units of the value: both stand at the escape.
      if (isHighSurrogate(c) && i + 1 < value.length) {
        out.push(k)
        i++
      }
    } else if (source[k] === c && literal(k)) {
      out.push(k)
      j = k + 1
    } else {
      // Not in the source as such (a second newline of a fold): it stands where we are.
      out.push(Math.min(j, end))
      j = k
    }
  }
  out.push(Math.min(j, end))
  return out
}

const isHighSurrogate = (c: string) => c >= '\uD800' && c <= '\uDBFF'

/** Source lengths of double-quoted escapes longer than two characters (`\x41`, `\u00e9`, …). */
const ESCAPE_LENGTHS: Readonly<Record<string, number>> = { x: 4, u: 6, U: 10 }
