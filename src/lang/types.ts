/**
 * The static type model of the rule language: CEL's primitive types, list and map, type values,
 * type parameters, `dyn`, schema object types (an event's declared fields) and opaque types
 * (ip, cidr, optional, policy lists). Types are plain immutable data; primitives are singletons.
 */

import { own } from '../core/own.ts'

export type PrimitiveKind =
  | 'null'
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'timestamp'
  | 'duration'
  | 'dyn'
  | 'error'

export interface PrimitiveType {
  readonly kind: PrimitiveKind
}
export interface ListType {
  readonly kind: 'list'
  readonly elem: Type
}
export interface MapType {
  readonly kind: 'map'
  readonly key: Type
  readonly value: Type
}
/** The type of a type value: `type(1)` has type `type<int>`. */
export interface TypeOfType {
  readonly kind: 'type'
  readonly of: Type
}
export interface ParamType {
  readonly kind: 'param'
  readonly name: string
}
/** A record with declared fields, such as an event type from the policy schema. */
export interface ObjectType {
  readonly kind: 'object'
  readonly name: string
  readonly fields: ReadonlyMap<string, Type>
}
/** A named type whose values only built-in functions understand (ip, cidr, optional<T>, lists). */
export interface OpaqueType {
  readonly kind: 'opaque'
  readonly name: string
  readonly params: readonly Type[]
}

export type Type = PrimitiveType | ListType | MapType | TypeOfType | ParamType | ObjectType | OpaqueType

const prim = (kind: PrimitiveKind): PrimitiveType => Object.freeze({ kind })

export const T = {
  null: prim('null'),
  bool: prim('bool'),
  int: prim('int'),
  uint: prim('uint'),
  double: prim('double'),
  string: prim('string'),
  bytes: prim('bytes'),
  timestamp: prim('timestamp'),
  duration: prim('duration'),
  dyn: prim('dyn'),
  error: prim('error'),
} as const

export const listOf = (elem: Type): ListType => ({ kind: 'list', elem })
export const mapOf = (key: Type, value: Type): MapType => ({ kind: 'map', key, value })
export const typeOf = (of: Type): TypeOfType => ({ kind: 'type', of })
export const param = (name: string): ParamType => ({ kind: 'param', name })
export const opaque = (name: string, ...params: Type[]): OpaqueType => ({ kind: 'opaque', name, params })
export const optionalOf = (of: Type): OpaqueType => opaque('optional', of)

export function objectType(
  name: string,
  fields: Record<string, Type> | ReadonlyMap<string, Type>,
): ObjectType {
  return { kind: 'object', name, fields: fields instanceof Map ? fields : new Map(Object.entries(fields)) }
}

export function isDyn(t: Type): boolean {
  return t.kind === 'dyn'
}
export function isOptional(t: Type): t is OpaqueType {
  return t.kind === 'opaque' && t.name === 'optional'
}

/** Human-readable form used in messages and docs: `list<string>`, `map<string, int>`. */
export function formatType(t: Type): string {
  switch (t.kind) {
    case 'list':
      return `list<${formatType(t.elem)}>`
    case 'map':
      return `map<${formatType(t.key)}, ${formatType(t.value)}>`
    case 'type':
      return `type<${formatType(t.of)}>`
    case 'param':
      return t.name
    case 'object':
      return t.name
    case 'opaque':
      return t.params.length ? `${t.name}<${t.params.map(formatType).join(', ')}>` : t.name
    case 'null':
      return 'null_type'
    default:
      return t.kind
  }
}

/**
 * Type identity, as the checker needs it. Object types compare by name: within one environment a
 * name denotes one shape. Shapes from different event types are merged structurally, not
 * compared, when a rule covers several of them (unionType in src/policy/events.ts).
 */
export function typeEquals(a: Type, b: Type): boolean {
  if (a === b) return true
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'list':
      return typeEquals(a.elem, (b as ListType).elem)
    case 'map':
      return typeEquals(a.key, (b as MapType).key) && typeEquals(a.value, (b as MapType).value)
    case 'type':
      return typeEquals(a.of, (b as TypeOfType).of)
    case 'param':
      return a.name === (b as ParamType).name
    case 'object':
      return a.name === (b as ObjectType).name
    case 'opaque': {
      const o = b as OpaqueType
      return (
        a.name === o.name &&
        a.params.length === o.params.length &&
        a.params.every((p, i) => typeEquals(p, o.params[i]!))
      )
    }
    default:
      return true
  }
}

/** True when `t` mentions a type parameter anywhere. */
export function hasParams(t: Type): boolean {
  switch (t.kind) {
    case 'param':
      return true
    case 'list':
      return hasParams(t.elem)
    case 'map':
      return hasParams(t.key) || hasParams(t.value)
    case 'type':
      return hasParams(t.of)
    case 'opaque':
      return t.params.some(hasParams)
    default:
      return false
  }
}

const NAMED: Record<string, Type> = {
  null_type: T.null,
  bool: T.bool,
  int: T.int,
  uint: T.uint,
  double: T.double,
  string: T.string,
  bytes: T.bytes,
  timestamp: T.timestamp,
  duration: T.duration,
  dyn: T.dyn,
}

/**
 * Parses a type expression such as `map<string, list<int>>`. Single capital letters are type
 * parameters; other names go to `resolve` (object and opaque types), or fail.
 */
export function parseType(
  text: string,
  resolve: (name: string, params: Type[]) => Type | undefined = () => undefined,
): Type {
  let pos = 0
  const fail = (why: string): never => {
    throw new Error(`invalid type '${text}': ${why} at ${pos + 1}`)
  }
  const skip = () => {
    while (text[pos] === ' ') pos++
  }
  const name = (): string => {
    skip()
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(pos))
    if (!m) fail('expected a type name')
    pos += m![0].length
    return m![0]
  }
  const one = (): Type => {
    const n = name()
    skip()
    const params: Type[] = []
    if (text[pos] === '<') {
      pos++
      params.push(one())
      skip()
      while (text[pos] === ',') {
        pos++
        params.push(one())
        skip()
      }
      if (text[pos] !== '>') fail("expected '>'")
      pos++
    }
    if (n === 'list') return params.length === 1 ? listOf(params[0]!) : fail('list takes one parameter')
    if (n === 'map')
      return params.length === 2 ? mapOf(params[0]!, params[1]!) : fail('map takes two parameters')
    if (n === 'type')
      return params.length <= 1 ? typeOf(params[0] ?? T.dyn) : fail('type takes one parameter')
    if (n === 'optional')
      return params.length === 1 ? optionalOf(params[0]!) : fail('optional takes one parameter')
    const named = own(NAMED, n)
    if (named) return params.length === 0 ? named : fail(`${n} takes no parameters`)
    if (/^[A-Z]$/.test(n)) return param(n)
    return resolve(n, params) ?? fail(`unknown type '${n}'`)
  }
  const t = one()
  skip()
  if (pos !== text.length) fail('unexpected text')
  return t
}
