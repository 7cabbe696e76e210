/**
 * Equality and ordering with CEL semantics: numbers compare by value across int, uint and double
 * (1 == 1u == 1.0; NaN equals nothing), values of different types are unequal (never an error),
 * lists and maps compare element-wise, strings order by code point (not UTF-16 unit).
 */

import { Cidr, IpAddress } from '../../core/net/ip.ts'
import { isMap, mapEntries, mapFind, mapHas, mapSize } from './maps.ts'
import { CelDouble, CelUint, Duration, fail, Optional, Timestamp } from './values.ts'

/** The numeric value of an int, uint or double in any representation, or undefined. */
function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v
  if (v instanceof CelUint || v instanceof CelDouble) return v.value
  return undefined
}

/**
 * Two numeric values made comparable. An int or uint beyond 2^53 (a bigint) meeting a number is
 * compared as a double, as cel-go does (so 2^63-1 equals 2^63.0); two bigints compare exactly.
 * Against safe integers the conversion cannot change the order.
 */
function aligned(a: number | bigint, b: number | bigint): [number, number] | [bigint, bigint] {
  if (typeof a === typeof b) return [a, b] as [number, number]
  return [Number(a), Number(b)]
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  const na = numeric(a)
  if (na !== undefined) {
    const nb = numeric(b)
    if (nb === undefined) return false
    const [x, y] = aligned(na, nb)
    return x === y
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false
    return true
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && compareBytes(a, b) === 0
  if (a instanceof Timestamp) return b instanceof Timestamp && a.seconds === b.seconds && a.nanos === b.nanos
  if (a instanceof Duration) return b instanceof Duration && a.seconds === b.seconds && a.nanos === b.nanos
  if (a instanceof Optional) {
    return b instanceof Optional && a.present === b.present && (!a.present || equals(a.value, b.value))
  }
  if (a instanceof IpAddress) return b instanceof IpAddress && a.equals(b)
  if (a instanceof Cidr) return b instanceof Cidr && a.equals(b)
  if (isMap(a)) {
    if (!isMap(b) || mapSize(a) !== mapSize(b)) return false
    for (const [k, v] of mapEntries(a)) {
      if (!mapHas(b, k) || !equals(v, mapFind(b, k))) return false
    }
    return true
  }
  return false
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** Orders strings by Unicode code point, as CEL (and UTF-8 byte order) does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    // UTF-16 units order like code points except surrogates (D800–DFFF), which encode code
    // points above FFFF and so must sort after E000–FFFF.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x2000
    else if (x >= 0xe000) x -= 0x800
    if (y >= 0xd800 && y <= 0xdfff) y += 0x2000
    else if (y >= 0xe000) y -= 0x800
    return x - y
  }
  return a.length - b.length
}

function compareTime(a: Timestamp | Duration, b: Timestamp | Duration): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos
}

/**
 * Three-way comparison for the ordering operators; NaN when numbers are unordered (NaN).
 * Values of kinds that have no order raise EVAL_NO_OVERLOAD.
 */
export function compare(a: unknown, b: unknown): number {
  const na = numeric(a)
  if (na !== undefined) {
    const nb = numeric(b)
    if (nb !== undefined) {
      const [x, y] = aligned(na, nb)
      // Neither smaller nor greater: equal, or unordered when one is NaN.
      return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN
    }
  } else if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b)
  else if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  else if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b)
  else if (
    (a instanceof Timestamp && b instanceof Timestamp) ||
    (a instanceof Duration && b instanceof Duration)
  ) {
    return compareTime(a, b)
  }
  return fail('EVAL_NO_OVERLOAD', { function: '_<_', args: `${kindName(a)}, ${kindName(b)}` })
}

/** A short name of a value's kind for messages. */
export function kindName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'list'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double'
  if (typeof v === 'bigint') return 'int'
  if (typeof v !== 'object') return typeof v === 'boolean' ? 'bool' : typeof v
  if (v instanceof CelUint) return 'uint'
  if (v instanceof CelDouble) return 'double'
  if (v instanceof Uint8Array) return 'bytes'
  if (v instanceof Timestamp) return 'timestamp'
  if (v instanceof Duration) return 'duration'
  if (isMap(v)) return 'map'
  return (v as object).constructor?.name ?? 'object'
}
