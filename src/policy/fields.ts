/**
 * Event fields as the pack declares them: their CEL types (for the checker), which paths hold
 * PII, and a validator compiled once per event type that turns an incoming JSON document into
 * the value rules see — timestamps parsed, IP addresses parsed, undeclared fields dropped — or
 * lists every problem with its path.
 */

import { parseIp } from '../core/net/ip.ts'
import { own } from '../core/own.ts'
import { OPAQUE_TYPES } from '../lang/env.ts'
import { parseDuration, parseTimestamp } from '../lang/runtime/time.ts'
import { CelError, Timestamp } from '../lang/runtime/values.ts'
import { listOf, mapOf, objectType, parseType, T, type Type } from '../lang/types.ts'

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

/** Builds a field spec; throws an Error with a readable message on a bad type name. */
export function fieldSpec(name: string, decl: FieldDecl): FieldSpec {
  const d = typeof decl === 'string' ? { type: decl } : decl
  const common = { required: d.required ?? false, pii: d.pii ?? false }
  if (d.type === 'object' || (d.type === undefined && d.fields)) {
    const fields = new Map(Object.entries(d.fields ?? {}).map(([k, v]) => [k, fieldSpec(`${name}.${k}`, v)]))
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
  const list = /^list<\s*(.+)\s*>$/.exec(typeText)
  if (list) {
    const item = fieldSpec(`${name}[]`, list[1]!)
    return { ...common, kind: 'list', type: listOf(item.type), item }
  }
  const map = /^map<\s*string\s*,\s*(.+)\s*>$/.exec(typeText)
  if (map) {
    const item = fieldSpec(`${name}{}`, map[1]!)
    return { ...common, kind: 'map', type: mapOf(T.string, item.type), item }
  }
  // Lets parseType explain anything else (it throws with the position of the problem).
  parseType(typeText)
  throw new Error(`unsupported field type '${typeText}' for ${name}`)
}

export interface FieldProblem {
  /** Dotted path, e.g. device.id or tags[2]. */
  readonly path: string
  readonly message: string
}

/** Validates and converts a JSON value against a spec; problems are pushed, never thrown. */
export function convert(spec: FieldSpec, v: unknown, path: string, problems: FieldProblem[]): unknown {
  switch (spec.kind) {
    case 'string': {
      if (typeof v !== 'string') return problem(problems, path, `expected a string, got ${describe(v)}`)
      if (spec.maxLength !== undefined && v.length > spec.maxLength)
        return problem(problems, path, `longer than ${spec.maxLength} characters`)
      if (spec.enum && !spec.enum.includes(v))
        return problem(problems, path, `must be one of ${spec.enum.join(', ')}`)
      return v
    }
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        return problem(problems, path, `expected an integer, got ${describe(v)}`)
      return bounded(spec, v, problems, path)
    case 'double':
      if (typeof v !== 'number' || !Number.isFinite(v))
        return problem(problems, path, `expected a number, got ${describe(v)}`)
      return bounded(spec, v, problems, path)
    case 'bool':
      return typeof v === 'boolean'
        ? v
        : problem(problems, path, `expected true or false, got ${describe(v)}`)
    case 'timestamp':
      return (
        toTimestamp(v) ??
        problem(problems, path, `expected an RFC 3339 time or epoch milliseconds, got ${describe(v)}`)
      )
    case 'duration': {
      if (typeof v !== 'string')
        return problem(problems, path, `expected a duration such as "90s", got ${describe(v)}`)
      try {
        return parseDuration(v)
      } catch (e) {
        return problem(problems, path, e instanceof CelError ? e.message : 'invalid duration')
      }
    }
    case 'ip': {
      const ip = typeof v === 'string' ? parseIp(v) : undefined
      return ip ?? problem(problems, path, `expected an IP address, got ${describe(v)}`)
    }
    case 'dyn':
      return v
    case 'list': {
      if (!Array.isArray(v)) return problem(problems, path, `expected a list, got ${describe(v)}`)
      return v.map((x, i) => convert(spec.item!, x, `${path}[${i}]`, problems))
    }
    case 'map': {
      if (!isObject(v)) return problem(problems, path, `expected an object, got ${describe(v)}`)
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = convert(spec.item!, x, `${path}.${k}`, problems)
      return out
    }
    case 'object':
      if (!isObject(v)) return problem(problems, path, `expected an object, got ${describe(v)}`)
      return convertFields(spec.fields!, v, path, problems)
  }
}

/** Converts the declared fields of an object; absent or null optional fields are left out. */
export function convertFields(
  fields: ReadonlyMap<string, FieldSpec>,
  v: Record<string, unknown>,
  path: string,
  problems: FieldProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of fields) {
    const x = Object.hasOwn(v, name) ? v[name] : undefined
    const at = path ? `${path}.${name}` : name
    if (x === undefined || x === null) {
      if (spec.required) problems.push({ path: at, message: 'is required' })
      continue
    }
    const converted = convert(spec, x, at, problems)
    if (converted !== undefined) out[name] = converted
  }
  return out
}

/** Records a problem; returns undefined so callers can `return problem(…)`. */
function problem(problems: FieldProblem[], path: string, message: string): undefined {
  problems.push({ path, message })
  return undefined
}

function bounded(spec: FieldSpec, n: number, problems: FieldProblem[], path: string): number | undefined {
  if (spec.minimum !== undefined && n < spec.minimum)
    return problem(problems, path, `must be at least ${spec.minimum}`)
  if (spec.maximum !== undefined && n > spec.maximum)
    return problem(problems, path, `must be at most ${spec.maximum}`)
  return n
}

export function toTimestamp(v: unknown): Timestamp | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Timestamp.fromMillis(v)
  if (typeof v !== 'string') return undefined
  try {
    return parseTimestamp(v)
  } catch {
    return undefined
  }
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
