/**
 * Event fields as the pack declares them: their CEL types (for the checker), which paths hold
 * PII, and a validator compiled once per event type that turns an incoming JSON document into
 * the value rules see — timestamps parsed, IP addresses parsed, undeclared fields dropped — or
 * lists every problem with its path.
 */

import { parseIp } from '../core/net/ip.ts'
import { own } from '../core/own.ts'
import { OPAQUE_TYPES } from '../lang/env.ts'
import { daysInMonth, parseDuration, parseTimestamp } from '../lang/runtime/time.ts'
import { CelError, Timestamp } from '../lang/runtime/values.ts'
import { listOf, mapOf, objectType, T, type Type } from '../lang/types.ts'
import { type FieldStep, generateFieldsConverter } from './field-steps.ts'

export type Scalar = 'string' | 'int' | 'double' | 'bool' | 'timestamp' | 'duration' | 'ip' | 'dyn'

export interface FieldSpec {
  readonly kind: Scalar | 'object' | 'list' | 'map'
  readonly type: Type
  readonly required: boolean
  readonly pii: boolean
  readonly enum?: readonly string[]
  readonly maxLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly fields?: ReadonlyMap<string, FieldSpec>
  /** Element (list) or value (map) spec. */
  readonly item?: FieldSpec
}

export type FieldDecl =
  | string
  | {
      readonly type?: string
      readonly required?: boolean
      readonly pii?: boolean
      readonly enum?: string[]
      readonly max_length?: number
      readonly minimum?: number
      readonly maximum?: number
      readonly fields?: Record<string, FieldDecl>
      readonly description?: string
    }

const SCALARS: Record<Scalar, Type> = {
  string: T.string,
  int: T.int,
  double: T.double,
  bool: T.bool,
  timestamp: T.timestamp,
  duration: T.duration,
  ip: OPAQUE_TYPES.ip!,
  dyn: T.dyn,
}

/** The field types a pack may declare, for messages. */
const FIELD_TYPES =
  'string, int, double, bool, timestamp, duration, ip, dyn, list<T>, map<string, T> or object'

/** A field declared with a type Bulwark does not know. */
export class FieldTypeError extends Error {
  /** Where the type is written, below the field's declaration (e.g. fields, id, type). */
  readonly at: readonly string[]
  constructor(at: readonly string[], message: string) {
    super(message)
    this.name = 'FieldTypeError'
    this.at = at
  }
}

/** Builds a field spec; throws a FieldTypeError naming the field on a bad type name. */
export function fieldSpec(name: string, decl: FieldDecl): FieldSpec {
  const errors: FieldTypeError[] = []
  const spec = specOf(name, decl, { field: name, at: [], declared: undefined }, errors)
  if (errors[0]) throw errors[0]
  return spec
}

/** Every unknown type in a field's declaration, nested fields included, each at its place. */
export function fieldTypeErrors(name: string, decl: FieldDecl): FieldTypeError[] {
  const errors: FieldTypeError[] = []
  specOf(name, decl, { field: name, at: [], declared: undefined }, errors)
  return errors
}

/** The declaration a nested spec comes from: its field, its place, and its whole type text. */
interface Origin {
  readonly field: string
  /** Below the field's own declaration, e.g. [fields, id] for device.id. */
  readonly at: readonly string[]
  readonly declared: string | undefined
}

/** The spec of a declaration; an unknown type is pushed to `errors` and taken as dyn meanwhile. */
function specOf(name: string, decl: FieldDecl, origin: Origin, errors: FieldTypeError[]): FieldSpec {
  const d = typeof decl === 'string' ? { type: decl } : decl
  const common = { required: d.required ?? false, pii: d.pii ?? false }
  if (d.type === 'object' || (d.type === undefined && d.fields)) {
    const fields = new Map(
      Object.entries(d.fields ?? {}).map(([k, v]) => [
        k,
        specOf(
          `${name}.${k}`,
          v,
          { field: `${name}.${k}`, at: [...origin.at, 'fields', k], declared: undefined },
          errors,
        ),
      ]),
    )
    return {
      ...common,
      kind: 'object',
      type: objectType(name, new Map([...fields].map(([k, f]) => [k, f.type]))),
      fields,
    }
  }
  const typeText = d.type ?? 'string'
  const scalar = own(SCALARS, typeText)
  if (scalar) {
    return {
      ...common,
      kind: typeText as Scalar,
      type: scalar,
      ...(d.enum ? { enum: d.enum } : {}),
      ...(d.max_length !== undefined ? { maxLength: d.max_length } : {}),
      ...(d.minimum !== undefined ? { minimum: d.minimum } : {}),
      ...(d.maximum !== undefined ? { maximum: d.maximum } : {}),
    }
  }
  const inner = { ...origin, declared: origin.declared ?? typeText }
  const list = /^list<\s*(.+)\s*>$/.exec(typeText)
  if (list) {
    const item = specOf(`${name}[]`, list[1]!, inner, errors)
    return { ...common, kind: 'list', type: listOf(item.type), item }
  }
  const map = /^map<\s*string\s*,\s*(.+)\s*>$/.exec(typeText)
  if (map) {
    const item = specOf(`${name}{}`, map[1]!, inner, errors)
    return { ...common, kind: 'map', type: mapOf(T.string, item.type), item }
  }
  const whole = origin.declared && origin.declared !== typeText ? ` in '${origin.declared}'` : ''
  const message = `field '${origin.field}' has an unknown type '${typeText.trim()}'${whole}; a field type is ${FIELD_TYPES}`
  errors.push(new FieldTypeError([...origin.at, 'type'], message))
  return { ...common, kind: 'dyn', type: T.dyn }
}

export interface FieldProblem {
  /** Dotted path, e.g. device.id or tags[2]. */
  readonly path: string
  readonly message: string
}

/**
 * Validates and converts a JSON value; returns undefined after pushing its problems (never
 * throws). `parent` and `name` locate the value (`pathOf`); a converter builds the path only when
 * it reports a problem or descends into an object, so the happy path concatenates nothing.
 */
export type Converter = (
  v: unknown,
  problems: FieldProblem[],
  parent: string,
  name: string | number,
) => unknown

/** Converts the declared fields of an object whose own path is `path`. */
export type FieldsConverter = (
  v: Record<string, unknown>,
  problems: FieldProblem[],
  path: string,
) => Record<string, unknown>

/** The path of `name` (a field, map key or list index) below `parent`. */
export function pathOf(parent: string, name: string | number): string {
  if (typeof name === 'number') return `${parent}[${name}]`
  return parent ? `${parent}.${name}` : name
}

const converters = new WeakMap<FieldSpec, Converter>()
const fieldsConverters = new WeakMap<ReadonlyMap<string, FieldSpec>, FieldsConverter>()

/** The spec's converter, compiled once. */
export function converterOf(spec: FieldSpec): Converter {
  let c = converters.get(spec)
  if (c === undefined) {
    c = compileConverter(spec)
    converters.set(spec, c)
  }
  return c
}

/** The converter of a set of fields (an object's, or an event type's), compiled once. */
export function fieldsConverterOf(fields: ReadonlyMap<string, FieldSpec>): FieldsConverter {
  let c = fieldsConverters.get(fields)
  if (c === undefined) {
    c = compileFields(fields)
    fieldsConverters.set(fields, c)
  }
  return c
}

/** Validates and converts a JSON value against a spec; problems are pushed, never thrown. */
export function convert(spec: FieldSpec, v: unknown, path: string, problems: FieldProblem[]): unknown {
  // The converter appends `name` to `parent`; a whole path as the name with no parent is the path.
  return converterOf(spec)(v, problems, '', path)
}

/** Converts the declared fields of an object; absent or null optional fields are left out. */
export function convertFields(
  fields: ReadonlyMap<string, FieldSpec>,
  v: Record<string, unknown>,
  path: string,
  problems: FieldProblem[],
): Record<string, unknown> {
  return fieldsConverterOf(fields)(v, problems, path)
}

function compileConverter(spec: FieldSpec): Converter {
  switch (spec.kind) {
    case 'string': {
      const { maxLength, enum: allowed } = spec
      return (v, problems, parent, name) => {
        if (typeof v !== 'string')
          return problem(problems, pathOf(parent, name), `expected a string, got ${describe(v)}`)
        if (maxLength !== undefined && v.length > maxLength)
          return problem(problems, pathOf(parent, name), `longer than ${maxLength} characters`)
        if (allowed && !allowed.includes(v))
          return problem(problems, pathOf(parent, name), `must be one of ${allowed.join(', ')}`)
        return v
      }
    }
    case 'int':
      return (v, problems, parent, name) => {
        if (typeof v !== 'number' || !Number.isSafeInteger(v))
          return problem(problems, pathOf(parent, name), `expected an integer, got ${describe(v)}`)
        return bounded(spec, v, problems, parent, name)
      }
    case 'double':
      return (v, problems, parent, name) => {
        if (typeof v !== 'number' || !Number.isFinite(v))
          return problem(problems, pathOf(parent, name), `expected a number, got ${describe(v)}`)
        return bounded(spec, v, problems, parent, name)
      }
    case 'bool':
      return (v, problems, parent, name) =>
        typeof v === 'boolean'
          ? v
          : problem(problems, pathOf(parent, name), `expected true or false, got ${describe(v)}`)
    case 'timestamp':
      return (v, problems, parent, name) =>
        toTimestamp(v) ??
        problem(
          problems,
          pathOf(parent, name),
          `expected an RFC 3339 time or epoch milliseconds, got ${describe(v)}`,
        )
    case 'duration':
      return (v, problems, parent, name) => {
        if (typeof v !== 'string')
          return problem(
            problems,
            pathOf(parent, name),
            `expected a duration such as "90s", got ${describe(v)}`,
          )
        try {
          return parseDuration(v)
        } catch (e) {
          return problem(
            problems,
            pathOf(parent, name),
            e instanceof CelError ? e.message : 'invalid duration',
          )
        }
      }
    case 'ip':
      return (v, problems, parent, name) => {
        const ip = typeof v === 'string' ? parseIp(v) : undefined
        return ip ?? problem(problems, pathOf(parent, name), `expected an IP address, got ${describe(v)}`)
      }
    case 'dyn':
      return (v) => v
    case 'list': {
      const item = converterOf(spec.item!)
      return (v, problems, parent, name) => {
        if (!Array.isArray(v))
          return problem(problems, pathOf(parent, name), `expected a list, got ${describe(v)}`)
        if (v.length === 0) return []
        const path = pathOf(parent, name)
        return v.map((x, i) => item(x, problems, path, i))
      }
    }
    case 'map': {
      const item = converterOf(spec.item!)
      return (v, problems, parent, name) => {
        if (!isObject(v))
          return problem(problems, pathOf(parent, name), `expected an object, got ${describe(v)}`)
        const path = pathOf(parent, name)
        const out: Record<string, unknown> = {}
        for (const [k, x] of Object.entries(v)) out[k] = item(x, problems, path, k)
        return out
      }
    }
    case 'object': {
      const fields = fieldsConverterOf(spec.fields!)
      return (v, problems, parent, name) => {
        if (!isObject(v))
          return problem(problems, pathOf(parent, name), `expected an object, got ${describe(v)}`)
        return fields(v, problems, pathOf(parent, name))
      }
    }
  }
}

/** Field names an ordinary object inherits (constructor, toString, __proto__, …). */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype))

/** What the generated validator checks inline for a field of this kind (src/policy/field-steps.ts). */
function inlineOf(spec: FieldSpec): FieldStep['inline'] {
  switch (spec.kind) {
    case 'string':
    case 'int':
    case 'double':
    case 'bool':
    case 'object':
      return spec.kind
    default:
      return 'none'
  }
}

function compileFields(fields: ReadonlyMap<string, FieldSpec>): FieldsConverter {
  const steps: FieldStep[] = [...fields].map(([name, spec]) => ({
    name,
    required: spec.required,
    inherited: INHERITED.has(name),
    inline: inlineOf(spec),
    maxLength: spec.maxLength,
    allowed: spec.enum,
    minimum: spec.minimum,
    maximum: spec.maximum,
    convert: converterOf(spec),
    fields: spec.kind === 'object' ? fieldsConverterOf(spec.fields!) : undefined,
  }))
  return generateFieldsConverter(steps, pathOf)
}

/** Records a problem; returns undefined so callers can `return problem(…)`. */
function problem(problems: FieldProblem[], path: string, message: string): undefined {
  problems.push({ path, message })
  return undefined
}

function bounded(
  spec: FieldSpec,
  n: number,
  problems: FieldProblem[],
  parent: string,
  name: string | number,
): number | undefined {
  if (spec.minimum !== undefined && n < spec.minimum)
    return problem(problems, pathOf(parent, name), `must be at least ${spec.minimum}`)
  if (spec.maximum !== undefined && n > spec.maximum)
    return problem(problems, pathOf(parent, name), `must be at most ${spec.maximum}`)
  return n
}

export function toTimestamp(v: unknown): Timestamp | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Timestamp.fromMillis(v)
  if (typeof v !== 'string') return undefined
  const utc = utcTimestamp(v)
  if (utc !== undefined) return utc
  try {
    return parseTimestamp(v)
  } catch {
    return undefined
  }
}

/** The value of the decimal digit at `i`, or -1. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}

/** The number written by the digits in [from, to), or -1 if one is not a digit. */
function digitsAt(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const d = digitAt(s, i)
    if (d < 0) return -1
    n = n * 10 + d
  }
  return n
}

const NANO_SCALE = [1, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1]

/**
 * The common form of event times, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a year from 1000, read
 * without a regular expression: the same Timestamp as parseTimestamp gives, or undefined for
 * anything else (other forms, offsets, invalid dates), which parseTimestamp then decides.
 * Every event is validated, and a replay reads each time twice (to sort, then to decide).
 */
export function utcTimestamp(s: string): Timestamp | undefined {
  const length = s.length
  if (length < 20 || length > 30 || length === 21) return undefined
  const z = s.charCodeAt(length - 1)
  const t = s.charCodeAt(10)
  if (
    (z !== 90 && z !== 122) || // Z z
    (t !== 84 && t !== 116) || // T t
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58
  )
    return undefined
  const year = digitsAt(s, 0, 4)
  const month = digitsAt(s, 5, 7)
  const day = digitsAt(s, 8, 10)
  const hour = digitsAt(s, 11, 13)
  const minute = digitsAt(s, 14, 16)
  const second = digitsAt(s, 17, 19)
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  const monthDays = daysInMonth(year, month)
  if (day > monthDays) return undefined
  let nanos = 0
  if (length > 20) {
    // A fraction of 1 to 9 digits between the seconds and the Z.
    if (s.charCodeAt(19) !== 46) return undefined // .
    const fraction = digitsAt(s, 20, length - 1)
    if (fraction < 0) return undefined
    nanos = fraction * NANO_SCALE[length - 21]!
  }
  const days = daysFromCivil(year, month, day)
  return new Timestamp(days * 86_400 + hour * 3_600 + minute * 60 + second, nanos)
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year ≥ 1000 here), by
 * arithmetic — what Date.UTC computes, without its call: years are counted from March so the
 * leap day ends a year, and 400-year eras have 146,097 days.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}…"` : JSON.stringify(v)
  return String(v)
}

/** Paths of PII fields below a set of fields, e.g. ['email', 'device.fingerprint']. */
export function piiPaths(fields: ReadonlyMap<string, FieldSpec>, prefix = ''): string[] {
  const out: string[] = []
  for (const [name, spec] of fields) {
    const path = prefix ? `${prefix}.${name}` : name
    if (spec.pii) out.push(path)
    else if (spec.fields) out.push(...piiPaths(spec.fields, path))
  }
  return out
}

/** The spec at a dotted path, if declared. */
export function specAt(fields: ReadonlyMap<string, FieldSpec>, path: string): FieldSpec | undefined {
  const [head, ...rest] = path.split('.')
  const spec = fields.get(head!)
  if (!spec || rest.length === 0) return spec
  return spec.fields ? specAt(spec.fields, rest.join('.')) : undefined
}
