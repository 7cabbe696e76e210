/**
 * Creates AST nodes with fresh ids. Shared by the parser and macro expansion so ids stay unique
 * within one expression.
 */

import type {
  CallExpr,
  ComprehensionExpr,
  ConstExpr,
  Expr,
  IdentExpr,
  ListExpr,
  MapEntry,
  MapExpr,
  SelectExpr,
  Span,
  StructExpr,
  StructField,
} from '../ast.ts'

export type At = Pick<Span, 'pos' | 'start' | 'end'>

export class NodeFactory {
  private next = 1

  nextId(): number {
    return this.next++
  }

  get count(): number {
    return this.next - 1
  }

  private span(at: At): Span {
    return { id: this.next++, pos: at.pos, start: at.start, end: at.end }
  }

  constant(at: At, type: ConstExpr['type'], value: ConstExpr['value']): ConstExpr {
    return { ...this.span(at), kind: 'const', type, value }
  }

  ident(at: At, name: string): IdentExpr {
    return { ...this.span(at), kind: 'ident', name }
  }

  select(at: At, operand: Expr, field: string, testOnly = false): SelectExpr {
    return { ...this.span(at), kind: 'select', operand, field, testOnly }
  }

  call(at: At, fn: string, args: readonly Expr[], target?: Expr): CallExpr {
    return target
      ? { ...this.span(at), kind: 'call', fn, target, args }
      : { ...this.span(at), kind: 'call', fn, args }
  }

  list(at: At, elements: readonly Expr[], optionalIndices: readonly number[] = []): ListExpr {
    return { ...this.span(at), kind: 'list', elements, optionalIndices }
  }

  map(at: At, entries: readonly Omit<MapEntry, 'id'>[]): MapExpr {
    return { ...this.span(at), kind: 'map', entries: entries.map((e) => ({ ...e, id: this.next++ })) }
  }

  struct(at: At, typeName: string, fields: readonly Omit<StructField, 'id'>[]): StructExpr {
    return {
      ...this.span(at),
      kind: 'struct',
      typeName,
      fields: fields.map((f) => ({ ...f, id: this.next++ })),
    }
  }

  comprehension(at: At, parts: Omit<ComprehensionExpr, keyof Span | 'kind'>): ComprehensionExpr {
    return { ...this.span(at), kind: 'comprehension', ...parts }
  }
}

/** A span covering from `a` to `b`, positioned at `pos`. */
export function cover(a: At, b: At, pos = a.pos): At {
  return { pos, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) }
}
