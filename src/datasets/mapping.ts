/**
 * Dataset mappings (`bulwark import --mapping MAP.yaml`): read the YAML with positions, validate
 * it against schemas/datasets/mapping.schema.json, then compile every part once — value specs,
 * times, the label's CEL expression — into functions of a row. Every problem is a diagnostic at
 * MAP.yaml:line:col; nothing here throws on bad input. Column names are checked against each
 * input's header when it is read (checkColumns), still pointing into the mapping.
 */

import type { Diagnostic } from '../lang/diagnostics.ts'
import { sortDiagnostics } from '../lang/diagnostics.ts'
import { suggest } from '../lang/suggest.ts'
import { type PathItem, YamlFile } from '../policy/yaml.ts'
import { compileLabel, type LabelFn, type LabelSpec } from './label.ts'
import { checkMappingSchema } from './schema.ts'
import { compileTime, type TimeFn } from './time.ts'
import { compileValue, type SpecContext, type ValueFn } from './values.ts'

export type InputFormat = 'csv' | 'tsv' | 'json' | 'jsonl'

export interface InputOptions {
  readonly format?: InputFormat
  readonly delimiter?: string
  readonly quote?: string
  readonly header?: boolean
  readonly columns?: readonly string[]
}

export interface EventField {
  /** The dotted path as written (actor.id). */
  readonly name: string
  readonly path: readonly string[]
  readonly value: ValueFn
}

export interface EventPlan {
  readonly type: string
  readonly id: ValueFn
  readonly time: TimeFn
  readonly fields: readonly EventField[]
}

export interface Mapping {
  readonly file: YamlFile
  readonly description: string
  readonly kind: 'events' | 'list'
  readonly input: InputOptions
  readonly event?: EventPlan
  readonly label?: LabelFn
  readonly list?: { readonly name: string; readonly value: ValueFn }
  /** Problems for columns the mapping reads that `header` lacks (at their place in the mapping). */
  checkColumns(header: readonly string[], input: string): Diagnostic[]
}

export type MappingResult =
  | { readonly ok: true; readonly mapping: Mapping }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

/** Columns every row has: the input file's name, the row's line in it, its number across inputs. */
export const VIRTUAL_COLUMNS = ['_file', '_line', '_row'] as const

const RESERVED_FIELDS = new Set(['type', 'id', 'time'])

interface RawMapping {
  description: string
  kind?: 'events' | 'list'
  input?: InputOptions
  event?: { type: string; id?: unknown; time: Record<string, unknown>; fields?: Record<string, unknown> }
  label?: LabelSpec
  list?: { name: string; value: unknown }
}

export function loadMapping(path: string, text: string): MappingResult {
  const file = new YamlFile(path, text)
  const fail = (): MappingResult => ({ ok: false, diagnostics: sortDiagnostics(file.sink.items) })
  if (!file.ok) return fail()
  const value = file.value()
  if (!file.ok || !checkMappingSchema(file, value ?? null)) return fail()
  const raw = value as RawMapping
  const columns: { name: string; path: readonly PathItem[] }[] = []
  const constants: { text: string; path: readonly PathItem[] }[] = []
  const ctx: SpecContext = {
    problem: (at, message) => file.sink.report('POLICY_INVALID', { detail: message }, ...file.range(at)),
    column: (name, at) => columns.push({ name, path: at }),
    constant: (text, at) => constants.push({ text, path: at }),
  }
  const kind = raw.kind ?? 'events'
  const misplaced = kind === 'list' ? (['event', 'label'] as const) : (['list'] as const)
  for (const key of misplaced)
    if (raw[key] !== undefined) ctx.problem([key], `'${key}' does not belong in a mapping of kind ${kind}`)
  const needed = kind === 'list' ? (['list'] as const) : (['event', 'label'] as const)
  for (const key of needed)
    if (raw[key] === undefined)
      ctx.problem(kind === 'list' ? ['kind'] : [], `a mapping of kind ${kind} needs '${key}'`)
  if (file.sink.hasErrors) return fail()

  const input = raw.input ?? {}
  if (input.header === false && !input.columns)
    ctx.problem(['input', 'header'], 'header: false needs columns: [names…]')
  const event = raw.event ? compileEvent(raw.event, ctx) : undefined
  const label = raw.label ? compileLabel(raw.label, file, ctx) : undefined
  const list = raw.list
    ? { name: raw.list.name, value: compileValue(raw.list.value, ['list', 'value'], ctx) }
    : undefined
  if (file.sink.hasErrors) return fail()

  const mapping: Mapping = {
    file,
    description: raw.description,
    kind,
    input,
    ...(event ? { event } : {}),
    ...(label ? { label } : {}),
    ...(list ? { list } : {}),
    checkColumns(header, inputName) {
      const known = new Set<string>([...header, ...VIRTUAL_COLUMNS])
      const before = file.sink.items.length
      const reported = new Set<string>()
      for (const c of columns) {
        if (known.has(c.name) || reported.has(`${c.name}@${c.path.join('.')}`)) continue
        reported.add(`${c.name}@${c.path.join('.')}`)
        const hint =
          suggest(c.name, header) || ` (${inputName} has ${header.map((h) => `'${h}'`).join(', ')})`
        file.sink.report('POLICY_REFERENCE', { what: 'column', name: c.name, hint }, ...file.range(c.path))
      }
      for (const c of constants)
        if (header.includes(c.text))
          ctx.problem(
            c.path,
            `'${c.text}' is a constant text here, but ${inputName} has a column of that name: write { column: ${c.text} } for its cells, or { value: ${c.text} } for the text`,
          )
      return sortDiagnostics(file.sink.items.slice(before))
    },
  }
  return { ok: true, mapping }
}

function compileEvent(spec: NonNullable<RawMapping['event']>, ctx: SpecContext): EventPlan {
  const fields: EventField[] = []
  const names = Object.keys(spec.fields ?? {})
  for (const name of names) {
    const at = ['event', 'fields', name]
    const path = name.split('.')
    if (RESERVED_FIELDS.has(name)) ctx.problem(at, `'${name}' is set by event.${name}, not in fields`)
    const parent = names.find((other) => name.startsWith(`${other}.`))
    if (parent) ctx.problem(at, `'${name}' is inside '${parent}', which is set as a whole`)
    fields.push({ name, path, value: compileValue(spec.fields![name], at, ctx) })
  }
  return {
    type: spec.type,
    id: compileValue(spec.id ?? '{_row}', ['event', 'id'], ctx),
    time: compileTime(spec.time, ['event', 'time'], ctx),
    fields,
  }
}
