/**
 * Recursive-descent parser for CEL, producing the AST with macros expanded.
 *
 * Grammar (lowest precedence first):
 *   expr   = or ['?' or ':' expr]          or  = and {'||' and}        and = rel {'&&' rel}
 *   rel    = add {('<'|'<='|'>'|'>='|'=='|'!='|'in') add}
 *   add    = mul {('+'|'-') mul}           mul = unary {('*'|'/'|'%') unary}
 *   unary  = member | '!'+ member | '-'+ member
 *   member = primary {'.' ['?'] name ['(' args ')'] | '[' ['?'] expr ']' | '{' fields '}'}
 *   primary= ['.'] name ['(' args ')'] | '(' expr ')' | '[' elems ']' | '{' entries '}' | literal
 *
 * Errors are reported with positions; inside brackets the parser skips to the next ',' or the
 * closing bracket and carries on, so several mistakes in one expression are reported together.
 * Nesting depth and node count are limited (ParseLimits) so hostile input cannot exhaust the stack.
 */

import { type Expr, forEachChild, qualifiedName } from '../ast.ts'
import type { DiagnosticSink } from '../diagnostics.ts'
import { parseIntLiteral, parseUintLiteral } from '../runtime/int64.ts'
import { type At, cover, NodeFactory } from './factory.ts'
import { type Token, tokenize } from './lexer.ts'
import { decodeLiteral } from './literals.ts'
import { blockVar, expandMacro } from './macros.ts'

export interface ParseLimits {
  /** Longest accepted expression, in characters. */
  readonly maxLength: number
  /** Deepest nesting of parentheses, brackets, calls and unary operators. */
  readonly maxDepth: number
  /** Tallest expression tree, counting chains such as a + b + c … (&& and || chains balance). */
  readonly maxHeight: number
  /** Most AST nodes (after macro expansion). */
  readonly maxNodes: number
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxLength: 100_000,
  maxDepth: 64,
  maxHeight: 200,
  maxNodes: 25_000,
}

export interface ParseOptions {
  readonly limits?: Partial<ParseLimits>
  /** Parse macro calls as ordinary calls (conformance tests use this). */
  readonly disableMacros?: boolean
}

export interface ParseResult {
  /** The tree, or undefined when there were errors (see the sink). */
  readonly expr: Expr | undefined
  readonly nodeCount: number
}

const RESERVED = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
])

const BINARY: Record<string, string> = {
  '<': '_<_',
  '<=': '_<=_',
  '>': '_>_',
  '>=': '_>=_',
  '==': '_==_',
  '!=': '_!=_',
  in: '@in',
  '+': '_+_',
  '-': '_-_',
  '*': '_*_',
  '/': '_/_',
  '%': '_%_',
}

/** Thrown to unwind to the nearest recovery point after an error was reported. */
class Abort {}

export function parse(text: string, sink: DiagnosticSink, options: ParseOptions = {}): ParseResult {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options.limits }
  if (text.length > limits.maxLength) {
    sink.report('CEL_LIMIT', { limit: 'length', actual: text.length, max: limits.maxLength }, 0)
    return { expr: undefined, nodeCount: 0 }
  }
  const errorsBefore = sink.items.length
  const tokens = tokenize(text, sink)
  // After a lexical error the token stream stops early; "unexpected end" would only repeat it.
  const quietAtEnd = sink.items.length > errorsBefore
  const parser = new Parser(tokens, sink, limits, options.disableMacros ?? false, quietAtEnd)
  const expr = parser.parseAll()
  const failed = sink.items.length > errorsBefore || expr === undefined
  return { expr: failed ? undefined : expr, nodeCount: parser.f.count }
}

class Parser {
  readonly f = new NodeFactory()
  private i = 0
  private depth = 0

  private readonly tokens: Token[]
  private readonly sink: DiagnosticSink
  private readonly limits: ParseLimits
  private readonly noMacros: boolean

  private readonly quietAtEnd: boolean

  constructor(
    tokens: Token[],
    sink: DiagnosticSink,
    limits: ParseLimits,
    noMacros: boolean,
    quietAtEnd: boolean,
  ) {
    this.tokens = tokens
    this.sink = sink
    this.limits = limits
    this.noMacros = noMacros
    this.quietAtEnd = quietAtEnd
  }

  parseAll(): Expr | undefined {
    try {
      const e = this.expr()
      if (this.peek().kind !== 'eof')
        this.error(`unexpected ${describe(this.peek())} after the end of the expression`)
      const height = treeHeight(e)
      if (height > this.limits.maxHeight) {
        this.sink.report(
          'CEL_LIMIT',
          { limit: 'expression height', actual: height, max: this.limits.maxHeight },
          e.start,
          e.end,
        )
      }
      if (this.f.count > this.limits.maxNodes) {
        this.sink.report(
          'CEL_LIMIT',
          { limit: 'node count', actual: this.f.count, max: this.limits.maxNodes },
          0,
        )
      }
      return e
    } catch (e) {
      if (e instanceof Abort) return undefined
      throw e
    }
  }

  // ── token helpers ─────────────────────────────────────────────────────────

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!
  }
  private next(): Token {
    const t = this.peek()
    if (t.kind !== 'eof') this.i++
    return t
  }
  private isOp(text: string, ahead = 0): boolean {
    const t = this.peek(ahead)
    return t.kind === 'op' && t.text === text
  }
  private accept(text: string): Token | undefined {
    return this.isOp(text) ? this.next() : undefined
  }
  private expect(text: string, context: string): Token {
    const t = this.accept(text)
    if (t) return t
    return this.error(`expected '${text}' ${context}, found ${describe(this.peek())}`)
  }
  private error(detail: string, token = this.peek()): never {
    if (!(this.quietAtEnd && token.kind === 'eof')) {
      this.sink.report('CEL_SYNTAX', { detail }, token.start, Math.max(token.end, token.start + 1))
    }
    throw new Abort()
  }
  private at(t: Token): At {
    return { pos: t.start, start: t.start, end: t.end }
  }
  private enter(t: Token): void {
    if (++this.depth > this.limits.maxDepth) {
      this.sink.report(
        'CEL_LIMIT',
        { limit: 'nesting depth', actual: this.depth, max: this.limits.maxDepth },
        t.start,
      )
      throw new Abort()
    }
  }

  // ── grammar ───────────────────────────────────────────────────────────────

  private expr(): Expr {
    this.enter(this.peek())
    try {
      const cond = this.or()
      const q = this.accept('?')
      if (!q) return cond
      const yes = this.or()
      this.expect(':', "in the conditional 'c ? a : b'")
      const no = this.expr()
      return this.f.call(cover(cond, no, q.start), '_?_:_', [cond, yes, no])
    } finally {
      this.depth--
    }
  }

  private or(): Expr {
    return this.junction('||', '_||_', () => this.and())
  }

  private and(): Expr {
    return this.junction('&&', '_&&_', () => this.relation())
  }

  /**
   * A chain `a && b && c …` as a balanced tree (as cel-go builds it): the same meaning — the
   * operators are associative, errors are absorbed either way — at logarithmic depth.
   */
  private junction(op: string, fn: string, operand: () => Expr): Expr {
    const operands = [operand()]
    const ops: Token[] = []
    for (let t = this.accept(op); t; t = this.accept(op)) {
      ops.push(t)
      operands.push(operand())
    }
    const build = (lo: number, hi: number): Expr => {
      if (lo === hi) return operands[lo]!
      const mid = (lo + hi) >> 1
      const l = build(lo, mid)
      const r = build(mid + 1, hi)
      return this.f.call(cover(l, r, ops[mid]!.start), fn, [l, r])
    }
    return build(0, operands.length - 1)
  }

  private binaryLevel(ops: readonly string[], operand: () => Expr): Expr {
    let e = operand()
    for (;;) {
      const t = this.peek()
      const isOp = (t.kind === 'op' || (t.kind === 'ident' && t.text === 'in')) && ops.includes(t.text)
      if (!isOp) return e
      this.next()
      const r = operand()
      e = this.f.call(cover(e, r, t.start), BINARY[t.text]!, [e, r])
    }
  }

  private relation(): Expr {
    return this.binaryLevel(['<', '<=', '>', '>=', '==', '!=', 'in'], () => this.addition())
  }
  private addition(): Expr {
    return this.binaryLevel(['+', '-'], () => this.multiplication())
  }
  private multiplication(): Expr {
    return this.binaryLevel(['*', '/', '%'], () => this.unary())
  }

  /**
   * A run of the same prefix operator: as in cel-go, an even run cancels out (`!!x` is `x`) and
   * an odd run is one operator. A minus directly before a number literal is part of the literal
   * (so -9223372036854775808 fits).
   */
  private unary(): Expr {
    const t = this.peek()
    if (!this.isOp('!') && !this.isOp('-')) return this.member()
    let count = 0
    while (this.isOp(t.text)) {
      this.next()
      count++
    }
    this.enter(t)
    try {
      const lit = this.peek()
      if (
        t.text === '-' &&
        count % 2 === 1 &&
        (lit.kind === 'int' || lit.kind === 'double') &&
        !this.isPostfix(1)
      ) {
        this.next()
        return this.number(lit, '-', t)
      }
      const operand = this.unary()
      if (count % 2 === 0) return operand
      return this.f.call(cover(this.at(t), operand, t.start), t.text === '!' ? '!_' : '-_', [operand])
    } finally {
      this.depth--
    }
  }

  /** Whether the token `ahead` is followed by a member operator (so `-1.foo()` is not a literal). */
  private isPostfix(ahead: number): boolean {
    return this.isOp('.', ahead) || this.isOp('[', ahead)
  }

  private member(): Expr {
    let e = this.primary()
    for (;;) {
      const t = this.peek()
      if (this.accept('.')) {
        const optional = this.accept('?') !== undefined
        const name = this.fieldName()
        if (!optional && this.isOp('(')) {
          this.next()
          const args = this.exprList(')', 'arguments')
          e = this.callOrMacro({ pos: name.start, start: e.start, end: this.prevEnd() }, name.text, args, e)
        } else if (optional) {
          const field = this.f.constant(name, 'string', name.text)
          e = this.f.call(cover(e, name, t.start), '_?._', [e, field])
        } else {
          e = this.f.select(cover(e, name, t.start), e, name.text)
        }
      } else if (this.accept('[')) {
        const optional = this.accept('?') !== undefined
        const index = this.expr()
        const close = this.expect(']', 'to close the index')
        e = this.f.call(cover(e, this.at(close), t.start), optional ? '_[?_]' : '_[_]', [e, index])
      } else if (this.isOp('{') && qualifiedName(e) !== undefined) {
        e = this.struct(e)
      } else {
        return e
      }
    }
  }

  private prevEnd(): number {
    return this.tokens[this.i - 1]?.end ?? 0
  }

  /** A field name after '.': an identifier (reserved words allowed) or a `quoted` one. */
  private fieldName(): { text: string; pos: number; start: number; end: number } {
    const t = this.peek()
    // Reserved words may name fields (a.in, a.as()); the literals true, false and null may not.
    if (t.kind === 'ident' && t.text !== 'true' && t.text !== 'false' && t.text !== 'null') {
      this.next()
      return { text: t.text, pos: t.start, start: t.start, end: t.end }
    }
    if (t.kind === 'quoted') {
      this.next()
      const text = t.text.slice(1, -1)
      if (!/^[A-Za-z0-9_.\-/ ~]+$/.test(text)) {
        this.sink.report('CEL_SYNTAX', { detail: `invalid quoted field name ${t.text}` }, t.start, t.end)
      }
      return { text, pos: t.start, start: t.start, end: t.end }
    }
    return this.error(`expected a field name after '.', found ${describe(t)}`)
  }

  private primary(): Expr {
    const t = this.peek()
    switch (t.kind) {
      case 'int':
      case 'uint':
      case 'double':
        this.next()
        return this.number(t)
      case 'string':
      case 'bytes': {
        this.next()
        const v = decodeLiteral(t.text, t.start, this.sink)
        return this.f.constant(this.at(t), typeof v === 'string' ? 'string' : 'bytes', v)
      }
      case 'ident':
        return this.identOrCall()
      case 'quoted':
        return this.error('a quoted name may only follow a dot, as in a.`b-c`')
      case 'eof':
        return this.error('unexpected end of expression')
      default:
        break
    }
    if (this.isOp('.') && this.peek(1).kind === 'ident') return this.identOrCall()
    if (this.accept('(')) {
      const e = this.expr()
      this.expect(')', "to close '('")
      return e
    }
    if (this.accept('[')) {
      const optional: number[] = []
      const elems = this.exprList(']', 'list elements', optional)
      return this.f.list({ pos: t.start, start: t.start, end: this.prevEnd() }, elems, optional)
    }
    if (this.accept('{')) return this.mapLiteral(t)
    return this.error(`unexpected ${describe(t)}`)
  }

  private identOrCall(): Expr {
    const dot = this.accept('.')
    const t = this.next()
    if (t.kind !== 'ident') return this.error(`expected a name, found ${describe(t)}`, t)
    const start = dot?.start ?? t.start
    if (t.text === 'true' || t.text === 'false') return this.f.constant(this.at(t), 'bool', t.text === 'true')
    if (t.text === 'null') return this.f.constant(this.at(t), 'null', null)
    if (RESERVED.has(t.text) || t.text === 'in') {
      this.sink.report(
        'CEL_SYNTAX',
        { detail: `'${t.text}' is a reserved word and cannot be used as a name` },
        t.start,
        t.end,
      )
    }
    const name = dot ? `.${t.text}` : t.text
    if (this.isOp('(')) {
      this.next()
      const args = this.exprList(')', 'arguments')
      return this.callOrMacro({ pos: t.start, start, end: this.prevEnd() }, name, args, undefined)
    }
    return this.f.ident({ pos: t.start, start, end: t.end }, name)
  }

  private callOrMacro(at: At, fn: string, args: Expr[], target: Expr | undefined): Expr {
    // cel.index(i), cel.iterVar(i, j), cel.accuVar(i, j): the variables of cel.block.
    if (
      target?.kind === 'ident' &&
      target.name === 'cel' &&
      (fn === 'index' || fn === 'iterVar' || fn === 'accuVar')
    ) {
      const ns = args.map((a) => (a.kind === 'const' && a.type === 'int' ? Number(a.value) : Number.NaN))
      if (ns.length === (fn === 'index' ? 1 : 2) && ns.every(Number.isInteger))
        return this.f.ident(at, blockVar(fn, ns))
    }
    if (!this.noMacros) {
      const expanded = expandMacro(this.f, this.sink, at, fn, target, args)
      if (expanded === null) throw new Abort()
      if (expanded) return expanded
    }
    return this.f.call(at, fn, args, target)
  }

  private number(t: Token, sign = '', signToken?: Token): Expr {
    const at = signToken ? { pos: signToken.start, start: signToken.start, end: t.end } : this.at(t)
    if (t.kind === 'double') return this.f.constant(at, 'double', Number(sign + t.text))
    if (t.kind === 'uint') {
      const v = parseUintLiteral(t.text.slice(0, -1))
      if (v === undefined) this.invalidLiteral(t, 'uint64')
      return this.f.constant(at, 'uint', v ?? null)
    }
    const v = parseIntLiteral(sign + t.text)
    if (v === undefined) this.invalidLiteral(t, 'int64')
    return this.f.constant(at, 'int', v ?? 0)
  }

  private invalidLiteral(t: Token, range: string): void {
    this.sink.report(
      'CEL_INVALID_LITERAL',
      { detail: `integer literal ${t.text} is out of the ${range} range` },
      t.start,
      t.end,
    )
  }

  /** Comma-separated expressions up to `close`; recovers from errors inside one element. */
  private exprList(close: string, what: string, optional?: number[]): Expr[] {
    const out: Expr[] = []
    if (this.accept(close)) return out
    for (;;) {
      try {
        if (optional && this.accept('?')) optional.push(out.length)
        out.push(this.expr())
      } catch (e) {
        if (!(e instanceof Abort)) throw e
        this.recover(close)
      }
      if (this.accept(',')) {
        if (this.accept(close)) return out // trailing comma
        continue
      }
      if (this.accept(close)) return out
      this.error(`expected ',' or '${close}' in ${what}, found ${describe(this.peek())}`)
    }
  }

  /** Skips to the next ',' or `close` at this nesting level (leaving it unconsumed). */
  private recover(close: string): void {
    let level = 0
    for (;;) {
      const t = this.peek()
      if (t.kind === 'eof') throw new Abort()
      if (t.kind === 'op') {
        if (level === 0 && (t.text === ',' || t.text === close)) return
        if (t.text === '(' || t.text === '[' || t.text === '{') level++
        if (t.text === ')' || t.text === ']' || t.text === '}') {
          if (level === 0) throw new Abort()
          level--
        }
      }
      this.next()
    }
  }

  private mapLiteral(open: Token): Expr {
    const entries: { key: Expr; value: Expr; optional: boolean }[] = []
    if (!this.accept('}')) {
      for (;;) {
        const optional = this.accept('?') !== undefined
        const key = this.expr()
        this.expect(':', 'between a map key and its value')
        const value = this.expr()
        entries.push({ key, value, optional })
        if (this.accept(',')) {
          if (this.accept('}')) break
          continue
        }
        this.expect('}', "or ',' in the map literal")
        break
      }
    }
    return this.f.map({ pos: open.start, start: open.start, end: this.prevEnd() }, entries)
  }

  private struct(typeExpr: Expr): Expr {
    const open = this.next()
    const fields: { name: string; value: Expr; optional: boolean }[] = []
    if (!this.accept('}')) {
      for (;;) {
        const optional = this.accept('?') !== undefined
        const name = this.fieldName()
        this.expect(':', 'after the field name')
        fields.push({ name: name.text, value: this.expr(), optional })
        if (this.accept(',')) {
          if (this.accept('}')) break
          continue
        }
        this.expect('}', "or ',' in the message literal")
        break
      }
    }
    const name = qualifiedName(typeExpr) ?? ''
    return this.f.struct({ pos: open.start, start: typeExpr.start, end: this.prevEnd() }, name, fields)
  }
}

/** Height of a tree, computed without recursion (the tree may be too tall to recurse over). */
function treeHeight(root: Expr): number {
  let max = 0
  const stack: [Expr, number][] = [[root, 1]]
  while (stack.length) {
    const [e, h] = stack.pop()!
    if (h > max) max = h
    forEachChild(e, (c) => stack.push([c, h + 1]))
  }
  return max
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of expression'
  if (t.kind === 'op') return `'${t.text}'`
  if (t.kind === 'ident') return `'${t.text}'`
  return `${t.kind} literal ${t.text.length > 20 ? `${t.text.slice(0, 20)}…` : t.text}`
}
