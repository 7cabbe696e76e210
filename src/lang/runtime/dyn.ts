/**
 * Values crossing between static types and `dyn`. In a dyn position a JS number is an int when
 * integral and a double otherwise, so integral doubles are boxed as CelDouble on the way in
 * (`toDyn`) and unboxed on the way out (`fromDyn`); `matchesType` is the runtime type test used
 * when an overload is chosen by the values' runtime types. Also: runtime type values for type().
 */

import { Cidr, IpAddress } from '../../core/net/ip.ts'
import { CidrSet, DomainSet, ValueSet } from '../../core/net/sets.ts'
import { own } from '../../core/own.ts'
import type { Type } from '../types.ts'
import { isMap, isPlainObject, mapEntries } from './maps.ts'
import { CelDouble, CelType, CelUint, Duration, Optional, Timestamp } from './values.ts'

export type Converter = (v: unknown) => unknown

const OPAQUE: Record<string, (v: unknown) => boolean> = {
  ip: (v) => v instanceof IpAddress,
  cidr: (v) => v instanceof Cidr,
  optional: (v) => v instanceof Optional,
  value_list: (v) => v instanceof ValueSet,
  domain_list: (v) => v instanceof DomainSet,
  cidr_list: (v) => v instanceof CidrSet,
}

/** Whether a value (in dyn representation) belongs to `t`, judged by its outermost kind. */
export function matchesType(v: unknown, t: Type): boolean {
  switch (t.kind) {
    case 'dyn':
    case 'param':
    case 'error':
      return true
    case 'null':
      return v === null
    case 'bool':
      return typeof v === 'boolean'
    case 'int':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint'
    case 'uint':
      return v instanceof CelUint
    case 'double':
      return (typeof v === 'number' && !Number.isInteger(v)) || v instanceof CelDouble
    case 'string':
      return typeof v === 'string'
    case 'bytes':
      return v instanceof Uint8Array
    case 'timestamp':
      return v instanceof Timestamp
    case 'duration':
      return v instanceof Duration
    case 'list':
      return Array.isArray(v)
    case 'map':
      return isMap(v)
    case 'type':
      return v instanceof CelType
    case 'object':
      return isPlainObject(v)
    case 'opaque':
      return own(OPAQUE, t.name)?.(v) ?? false
  }
}

const boxDouble: Converter = (v) => (Number.isInteger(v) ? new CelDouble(v as number) : v)
const unboxDouble: Converter = (v) => (v instanceof CelDouble ? v.value : v)

/** Converter from the native representation of `t` to dyn, or undefined when they coincide. */
export function toDyn(t: Type): Converter | undefined {
  return convertAt(t, boxDouble)
}

/** Converter from dyn to the native representation of `t`, or undefined when they coincide. */
export function fromDyn(t: Type): Converter | undefined {
  return convertAt(t, unboxDouble)
}

/** Applies `atDouble` wherever `t` has a double, walking into lists, maps and optionals. */
function convertAt(t: Type, atDouble: Converter): Converter | undefined {
  switch (t.kind) {
    case 'double':
      return atDouble
    case 'list': {
      const inner = convertAt(t.elem, atDouble)
      return inner && ((v) => (v as unknown[]).map(inner))
    }
    case 'map': {
      const inner = convertAt(t.value, atDouble)
      return inner && ((v) => new Map(mapEntries(v as Map<unknown, unknown>).map(([k, x]) => [k, inner(x)])))
    }
    case 'opaque': {
      if (t.name !== 'optional') return undefined
      const inner = convertAt(t.params[0]!, atDouble)
      return inner && ((v) => ((v as Optional).present ? Optional.of(inner((v as Optional).value)) : v))
    }
    default:
      return undefined
  }
}

/** The runtime type value of a value in dyn representation (what `type(x)` returns). */
export function typeValueOf(v: unknown): CelType {
  return CelType.of(runtimeTypeName(v))
}

export function runtimeTypeName(v: unknown): string {
  if (v === null) return 'null_type'
  switch (typeof v) {
    case 'boolean':
      return 'bool'
    case 'number':
      return Number.isInteger(v) ? 'int' : 'double'
    case 'bigint':
      return 'int'
    case 'string':
      return 'string'
    default:
      break
  }
  if (Array.isArray(v)) return 'list'
  if (v instanceof CelUint) return 'uint'
  if (v instanceof CelDouble) return 'double'
  if (v instanceof Uint8Array) return 'bytes'
  if (v instanceof Timestamp) return 'google.protobuf.Timestamp'
  if (v instanceof Duration) return 'google.protobuf.Duration'
  if (v instanceof CelType) return 'type'
  for (const [name, test] of Object.entries(OPAQUE))
    if (test(v)) return name === 'optional' ? 'optional_type' : name
  return 'map'
}

/** The runtime type value for a static type (type(x) when x's type is known at compile time). */
export function typeValueForType(t: Type): CelType | undefined {
  switch (t.kind) {
    case 'null':
      return CelType.of('null_type')
    case 'timestamp':
      return CelType.of('google.protobuf.Timestamp')
    case 'duration':
      return CelType.of('google.protobuf.Duration')
    case 'type':
      return CelType.of('type')
    case 'object':
      return CelType.of('map')
    case 'opaque':
      return CelType.of(t.name === 'optional' ? 'optional_type' : t.name)
    case 'dyn':
    case 'param':
    case 'error':
      return undefined
    default:
      return CelType.of(t.kind)
  }
}
