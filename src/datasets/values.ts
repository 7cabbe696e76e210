/**
 * Value specs of a mapping — where one event field, id, campaign or damage comes from — compiled
 * once into a function of the row. A spec is a template string (`"u-{user_id}"`; without
 * placeholders, a constant), a constant number, boolean or list, or an object:
 * `{column | template | value, as?, format?, map?, default?, required?, split?, list?}`.
 *
 * Per row: the cell (or rendered template) is read; empty, it becomes `default`, fails the row
 * when `required`, or leaves the field out; `map` replaces it; `split`/`list` make a list; `as`
 * converts (each element of a list). A template with an empty placeholder counts as empty.
 */

import type { PathItem } from '../policy/yaml.ts'
import { type Conversion, converter, Invalid } from './convert.ts'

/** A dataset row: column name → cell text, plus _file, _line and _row. */
export type Row = Readonly<Record<string, string>>

/** A field's value for a row: the value, undefined (leave the field out) or an Invalid. */
export type ValueFn = (row: Row) => unknown

export interface ValueSpec {
  readonly column?: string
  readonly template?: string
  readonly value?: unknown
  readonly as?: Conversion
  readonly format?: string
  readonly map?: Readonly<Record<string, unknown>>
  readonly default?: unknown
  readonly required?: boolean
  readonly split?: string
  readonly list?: boolean
}

/** Where compile problems go, and every column a spec reads (checked against the header later). */
export interface SpecContext {
  problem(path: readonly PathItem[], message: string): void
  column(name: string, path: readonly PathItem[]): void
  /** A plain string without placeholders: a constant, suspicious if a column has that name. */
  constant(text: string, path: readonly PathItem[]): void
}

type Part = string | { readonly column: string }

/** The cell of a column, '' when the row has none. */
const cellOf = (row: Row, column: string): string => (Object.hasOwn(row, column) ? row[column]! : '')

/** Splits `a{col}b` into parts; `{{` and `}}` are literal braces. A string is an error. */
export function parseTemplate(text: string): Part[] | string {
  const parts: Part[] = []
  let literal = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c
      i++
    } else if (c === '{') {
      const end = text.indexOf('}', i)
      const name = end < 0 ? '' : text.slice(i + 1, end)
      if (end < 0 || name === '' || name.includes('{'))
        return `template ${JSON.stringify(text)}: '{' at ${i + 1} opens no {column} placeholder (write {{ for a brace)`
      if (literal) parts.push(literal)
      literal = ''
      parts.push({ column: name })
      i = end
    } else if (c === '}') {
      return `template ${JSON.stringify(text)}: unmatched '}' at ${i + 1} (write }} for a brace)`
    } else literal += c
  }
  if (literal || parts.length === 0) parts.push(literal)
  return parts
}

/** Renders parts for a row; '' when a placeholder's cell is empty. */
function render(parts: readonly Part[], row: Row): string {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'string') out += p
    else {
      const cell = cellOf(row, p.column)
      if (!cell) return ''
      out += cell
    }
  }
  return out
}

/** Compiles the spec at `path`; problems go to the context (the returned function is then unused). */
export function compileValue(spec: unknown, path: readonly PathItem[], ctx: SpecContext): ValueFn {
  if (typeof spec === 'number' || typeof spec === 'boolean' || Array.isArray(spec)) return () => spec
  if (typeof spec === 'string') {
    if (!/[{}]/.test(spec)) {
      ctx.constant(spec, path)
      return () => spec
    }
    return compileValue({ template: spec }, path, ctx)
  }
  const s = (spec ?? {}) as ValueSpec
  const sources = (['column', 'template', 'value'] as const).filter((k) => s[k] !== undefined)
  if (sources.length !== 1) {
    ctx.problem(path, `give exactly one of column, template or value (got ${sources.join(', ') || 'none'})`)
    return () => undefined
  }
  if (s.value !== undefined) return () => s.value
  let read: (row: Row) => string
  if (s.column !== undefined) {
    const column = s.column
    ctx.column(column, [...path, 'column'])
    read = (row) => cellOf(row, column)
  } else {
    const parts = parseTemplate(s.template!)
    if (typeof parts === 'string') {
      ctx.problem([...path, 'template'], parts)
      return () => undefined
    }
    for (const p of parts) if (typeof p !== 'string') ctx.column(p.column, [...path, 'template'])
    if (parts.every((p) => typeof p === 'string') && s.as === undefined) {
      const constant = parts.join('')
      return () => constant
    }
    read = (row) => render(parts, row)
  }
  const convert = converter(s.as ?? 'string', s.format)
  if (typeof convert === 'string') {
    ctx.problem([...path, 'format'], convert)
    return () => undefined
  }
  if (s.format !== undefined && s.as !== 'timestamp')
    ctx.problem([...path, 'format'], 'format applies to as: timestamp only')
  const { map, split } = s
  const source = s.column !== undefined ? `column '${s.column}'` : 'the template'
  const one = (text: string): unknown => {
    if (map) {
      if (!Object.hasOwn(map, text))
        return s.default ?? new Invalid(`${JSON.stringify(text)} is not a key of map`)
      const mapped = map[text]
      return typeof mapped === 'string' ? convert(mapped) : mapped
    }
    return convert(text)
  }
  return (row) => {
    const text = read(row)
    if (text === '') {
      if (s.default !== undefined) return s.default
      return s.required ? new Invalid(`${source} is empty`) : undefined
    }
    if (split !== undefined) {
      const out: unknown[] = []
      for (const piece of text.split(split)) {
        if (piece.trim() === '') continue
        const v = one(piece.trim())
        if (v instanceof Invalid) return v
        out.push(v)
      }
      return out
    }
    const v = one(text)
    return s.list && !(v instanceof Invalid) ? [v] : v
  }
}
