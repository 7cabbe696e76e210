/**
 * YAML files of a policy pack, parsed with source positions. Every value can be traced back to
 * its line and column, including positions inside a string — a rule's `when:` expression
 * reports errors at the exact column of the file, whatever the quoting or block style.
 */

import { type Document, isNode, isScalar, LineCounter, type Node, parseDocument } from 'yaml'
import { DiagnosticSink } from '../lang/diagnostics.ts'
import { Source } from '../lang/source.ts'

export type PathItem = string | number

export class YamlFile {
  readonly path: string
  readonly text: string
  readonly doc: Document
  readonly lines: readonly string[]
  /** Diagnostics about this file (YAML syntax, schema, references). */
  readonly sink: DiagnosticSink
  private readonly counter: LineCounter

  constructor(path: string, text: string) {
    this.path = path
    this.text = text
    this.lines = text.split(/\r?\n/)
    this.counter = new LineCounter()
    this.doc = parseDocument(text, { lineCounter: this.counter, prettyErrors: false, uniqueKeys: true })
    this.sink = new DiagnosticSink(new Source(text, { file: path }))
    for (const e of this.doc.errors)
      this.sink.report('POLICY_YAML', { detail: e.message.split('\n')[0]! }, e.pos[0], e.pos[1])
  }

  get ok(): boolean {
    return this.doc.errors.length === 0
  }

  /** Plain JavaScript value of the document. */
  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 })
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

/** For each character of `value` (and one past its end), its offset in `source[start, end)`. */
function alignString(value: string, source: string, start: number, end: number): number[] {
  const out: number[] = []
  let j = start
  // Skip a block scalar header or an opening quote.
  if (source[j] === '|' || source[j] === '>') j = source.indexOf('\n', j) + 1
  else if (source[j] === '"' || source[j] === "'") j++
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    let k = j
    while (k < end && k - j < 12 && source[k] !== c) k++
    if (k < end && source[k] === c) {
      out.push(k)
      j = k + 1
    } else out.push(Math.min(j, end))
  }
  out.push(Math.min(j, end))
  return out
}
