/**
 * Exact 64-bit integer arithmetic on a fast representation.
 *
 * An int is a JS number while |n| ≤ 2^53−1 and a bigint beyond, up to the int64 range; the
 * form is canonical, so `===` is equality and `<` compares mixed forms exactly. Every operation
 * takes the number path first and falls back to BigInt only when a result leaves the safe range;
 * results outside int64 (or uint64) raise EVAL_OVERFLOW, never wrap. bench/lang/int-repr.ts
 * measures this against BigInt-everywhere (docs/policy-language.md has the numbers).
 */

import { CelUint, fail } from './values.ts'

export type Int = number | bigint

const SAFE = Number.MAX_SAFE_INTEGER
const TWO_63 = 2 ** 63
const TWO_64 = 2 ** 64
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

export const INT64_MIN_VALUE = INT64_MIN
export const INT64_MAX_VALUE = INT64_MAX
export const UINT64_MAX_VALUE = UINT64_MAX

/** Canonical form of a bigint known to be an int64: a number when it is safe. */
export function canonical(n: bigint): Int {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n
}

/** Checks the int64 range and returns the canonical form. */
export function checkedInt(n: bigint, what = 'integer'): Int {
  if (n < INT64_MIN || n > INT64_MAX) fail('EVAL_OVERFLOW', { what })
  return canonical(n)
}

export function checkedUint(n: bigint, what = 'unsigned integer'): CelUint {
  if (n < 0n || n > UINT64_MAX) fail('EVAL_OVERFLOW', { what })
  return new CelUint(canonical(n))
}

export const big = (a: Int): bigint => (typeof a === 'bigint' ? a : BigInt(a))

export function addInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b
    if (r <= SAFE && r >= -SAFE) return r
  }
  return checkedInt(big(a) + big(b))
}

export function subInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b
    if (r <= SAFE && r >= -SAFE) return r
  }
  return checkedInt(big(a) - big(b))
}

export function mulInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b
    if (r <= SAFE && r >= -SAFE) return r === 0 ? 0 : r
  }
  return checkedInt(big(a) * big(b))
}

export function divInt(a: Int, b: Int): Int {
  if (b === 0) fail('EVAL_DIVIDE_BY_ZERO')
  if (typeof a === 'number' && typeof b === 'number') {
    // (a - a % b) is an exact multiple of b, so the division is exact: no rounding surprises.
    const r = (a - (a % b)) / b
    return r === 0 ? 0 : r
  }
  return checkedInt(big(a) / big(b))
}

export function modInt(a: Int, b: Int): Int {
  if (b === 0) fail('EVAL_MODULUS_BY_ZERO')
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b
    return r === 0 ? 0 : r
  }
  return canonical(big(a) % big(b))
}

export function negInt(a: Int): Int {
  if (typeof a === 'number') return a === 0 ? 0 : -a
  return checkedInt(-a)
}

const U = (v: Int) => new CelUint(v)

export function addUint(a: CelUint, b: CelUint): CelUint {
  const x = a.value
  const y = b.value
  if (typeof x === 'number' && typeof y === 'number' && x + y <= SAFE) return U(x + y)
  return checkedUint(big(x) + big(y))
}

export function subUint(a: CelUint, b: CelUint): CelUint {
  const x = a.value
  const y = b.value
  if (typeof x === 'number' && typeof y === 'number') {
    if (x < y) fail('EVAL_OVERFLOW', { what: 'unsigned integer' })
    return U(x - y)
  }
  return checkedUint(big(x) - big(y))
}

export function mulUint(a: CelUint, b: CelUint): CelUint {
  const x = a.value
  const y = b.value
  if (typeof x === 'number' && typeof y === 'number' && x * y <= SAFE) return U(x * y)
  return checkedUint(big(x) * big(y))
}

export function divUint(a: CelUint, b: CelUint): CelUint {
  if (b.value === 0) fail('EVAL_DIVIDE_BY_ZERO')
  const x = a.value
  const y = b.value
  if (typeof x === 'number' && typeof y === 'number') return U((x - (x % y)) / y)
  return new CelUint(canonical(big(x) / big(y)))
}

export function modUint(a: CelUint, b: CelUint): CelUint {
  if (b.value === 0) fail('EVAL_MODULUS_BY_ZERO')
  const x = a.value
  const y = b.value
  if (typeof x === 'number' && typeof y === 'number') return U(x % y)
  return new CelUint(canonical(big(x) % big(y)))
}

/** Parses a decimal or 0x-hex integer literal (sign included) into an int64, or undefined. */
export function parseIntLiteral(text: string): Int | undefined {
  const n = parseBig(text)
  return n === undefined || n < INT64_MIN || n > INT64_MAX ? undefined : canonical(n)
}

export function parseUintLiteral(text: string): CelUint | undefined {
  const n = parseBig(text)
  return n === undefined || n < 0n || n > UINT64_MAX ? undefined : new CelUint(canonical(n))
}

function parseBig(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(text)
  if (!m) return undefined
  const n = BigInt(m[2]!)
  return m[1] === '-' ? -n : n
}

/** int → double, exact where the double can hold it. */
export function intToDouble(a: Int): number {
  return typeof a === 'number' ? a : Number(a)
}

/** double → int: truncates; NaN, ±Inf and values outside int64 are range errors. */
export function doubleToInt(d: number): Int {
  if (!Number.isFinite(d)) fail('EVAL_RANGE', { detail: 'double out of int64 range' }, true)
  const t = Math.trunc(d)
  if (t <= SAFE && t >= -SAFE) return t === 0 ? 0 : t
  // As in cel-go both ends are excluded: -2^63 as a double is already out of range.
  if (t >= TWO_63 || t <= -TWO_63) fail('EVAL_RANGE', { detail: 'double out of int64 range' }, true)
  return canonical(BigInt(t))
}

export function doubleToUint(d: number): CelUint {
  if (!Number.isFinite(d) || d < 0) fail('EVAL_RANGE', { detail: 'double out of uint64 range' }, true)
  const t = Math.trunc(d)
  if (t <= SAFE) return new CelUint(t === 0 ? 0 : t)
  if (t >= TWO_64) fail('EVAL_RANGE', { detail: 'double out of uint64 range' }, true)
  return new CelUint(canonical(BigInt(t)))
}

export function intToUint(a: Int): CelUint {
  if (a < 0) fail('EVAL_RANGE', { detail: 'int out of uint64 range' }, true)
  return new CelUint(a)
}

export function uintToInt(a: CelUint): Int {
  if (typeof a.value === 'bigint' && a.value > INT64_MAX)
    fail('EVAL_RANGE', { detail: 'uint out of int64 range' }, true)
  return a.value
}
