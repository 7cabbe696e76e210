/**
 * Field access. Paths through schema objects (`event.device.id`) compile to one closure that
 * walks plain-object fields, unrolled for short paths. Access is own-property only: a field
 * that Object.prototype also has (constructor, toString, __proto__, …) is read through
 * Object.hasOwn, and every other name cannot reach the prototype without being absent first.
 * A missing (or null) field is an EVAL_NO_SUCH_FIELD error.
 */

import { isPlainObject, mapFind, mapHas } from '../runtime/maps.ts'
import { CelError, fail, Optional } from '../runtime/values.ts'
import type { Eval, Frame } from './node.ts'

const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype))
const hasOwn = Object.hasOwn

/** Whether a field name can be read with a plain property access (see the module comment). */
export const isPlainFieldName = (name: string): boolean => !PROTOTYPE_NAMES.has(name)

const missing = (field: string): never => fail('EVAL_NO_SUCH_FIELD', { field })

/** Reads `field` of a value whose static type is a schema object. */
export function objectField(o: unknown, field: string): unknown {
  const v = presentField(o, field)
  return v === undefined ? missing(field) : v
}

/** objectField without the error: undefined when the field is missing. */
function presentField(o: unknown, field: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined
  if (o instanceof Map) return mapFind(o, field)
  if (!hasOwn(o, field)) return undefined
  const v = (o as Record<string, unknown>)[field]
  // In a schema object a null field is an absent one (JSON producers write both).
  return v === null ? undefined : v
}

/** Reads `field` of a map or dynamically typed value; absent keys are EVAL_NO_SUCH_KEY. */
export function dynamicField(o: unknown, field: string): unknown {
  if (o instanceof Optional) return fail('EVAL_NO_SUCH_FIELD', { field })
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    return fail('EVAL_NO_SUCH_KEY', { key: JSON.stringify(field) }, true)
  if (o instanceof Map) {
    if (!mapHas(o, field)) fail('EVAL_NO_SUCH_KEY', { key: JSON.stringify(field) }, true)
    return o.get(field)
  }
  // An undefined value is an absent key (a validated event's empty slot).
  if (!isPlainObject(o) || !hasOwn(o, field) || o[field] === undefined)
    return fail('EVAL_NO_SUCH_KEY', { key: JSON.stringify(field) }, true)
  return o[field]
}

/** `has(x.f)`: for schema objects a present, non-null field; for maps a present key. */
export function hasField(o: unknown, field: string, isObjectType: boolean): boolean {
  if (typeof o !== 'object' || o === null) return fail('EVAL_NO_SUCH_FIELD', { field })
  if (o instanceof Map) return mapHas(o, field)
  if (!hasOwn(o, field)) return false
  return (
    !isObjectType ||
    ((o as Record<string, unknown>)[field] !== undefined && (o as Record<string, unknown>)[field] !== null)
  )
}

/**
 * What pathGetter(slot, fields) reads, for `has()` inside `&&`/`||`: the value, or — where the
 * getter would throw EVAL_NO_SUCH_FIELD — that error returned, not thrown (one made at compile
 * time per field). A rule like `has(event.device.fingerprint) && …` on an event without a device
 * then costs no throw; the junction absorbs or raises the error exactly as before.
 */
export function pathProbe(slot: number, fields: readonly string[]): Eval {
  const errors = fields.map((field) => new CelError('EVAL_NO_SUCH_FIELD', { field }))
  return (f: Frame) => {
    let o: unknown = f[slot]
    for (let i = 0; i < fields.length; i++) {
      const k = fields[i]!
      const v = (o as any)?.[k]
      if (v !== undefined && v !== null) o = v
      else {
        o = presentField(o, k)
        if (o === undefined) return errors[i]
      }
    }
    return o
  }
}

/**
 * A closure reading `frame[slot]` and then `fields` of plain objects. All field names must
 * satisfy isPlainFieldName; the compiler falls back to objectField otherwise.
 */
export function pathGetter(slot: number, fields: readonly string[]): Eval {
  switch (fields.length) {
    case 0:
      return (f: Frame) => f[slot]
    case 1: {
      const a = fields[0]!
      return (f: Frame) => {
        const v = (f[slot] as any)?.[a]
        return v !== undefined && v !== null ? v : objectField(f[slot], a)
      }
    }
    case 2: {
      const [a, b] = fields as [string, string]
      return (f: Frame) => {
        const o = (f[slot] as any)?.[a]
        if (o === undefined || o === null) return objectField(f[slot], a)
        const v = o?.[b]
        return v !== undefined && v !== null ? v : objectField(o, b)
      }
    }
    case 3: {
      const [a, b, c] = fields as [string, string, string]
      return (f: Frame) => {
        const o = (f[slot] as any)?.[a]
        if (o === undefined || o === null) return objectField(f[slot], a)
        const p = o?.[b]
        if (p === undefined || p === null) return objectField(o, b)
        const v = p?.[c]
        return v !== undefined && v !== null ? v : objectField(p, c)
      }
    }
    default:
      return (f: Frame) => {
        let o: unknown = f[slot]
        for (const k of fields) {
          const v = (o as any)?.[k]
          o = v !== undefined && v !== null ? v : objectField(o, k)
        }
        return o
      }
  }
}
