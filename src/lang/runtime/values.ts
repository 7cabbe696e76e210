/**
 * Runtime value representation. Static types decide most of it, so most values are plain JS:
 *
 *   null → null        bool → boolean     string → string      bytes → Uint8Array
 *   int  → number while |n| ≤ 2^53−1, bigint beyond (exact int64; see int64.ts)
 *   double → number    uint → CelUint      list → array         map → Map or plain object
 *   timestamp → Timestamp   duration → Duration   type → CelType   optional → Optional
 *
 * Where the static type is `dyn` a number alone cannot tell int from double, so an integral
 * double in a dyn position is boxed as CelDouble (the compiler converts where a double meets dyn; see compile/calls.ts).
 * Errors are CelError values: thrown inside the evaluator, returned (never thrown) to callers.
 */

import { type ErrorCode, type ErrorParams, formatMessage } from '../../core/errors.ts'

/** An unsigned 64-bit integer; `value` is a number while it is ≤ 2^53−1, else a bigint. */
export class CelUint {
  readonly value: number | bigint
  constructor(value: number | bigint) {
    this.value = value
  }
  toString(): string {
    return `${this.value}u`
  }
}

/** An integral double in a `dyn` position (so it is not mistaken for an int). */
export class CelDouble {
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
}

/** Seconds since the Unix epoch plus nanoseconds (0 ≤ nanos < 1e9); years 0001 to 9999. */
export class Timestamp {
  readonly seconds: number
  readonly nanos: number
  constructor(seconds: number, nanos: number) {
    this.seconds = seconds
    this.nanos = nanos
  }
  static fromMillis(ms: number): Timestamp {
    const seconds = Math.floor(ms / 1000)
    return new Timestamp(seconds, Math.round((ms - seconds * 1000) * 1e6))
  }
  toMillis(): number {
    return this.seconds * 1000 + Math.floor(this.nanos / 1e6)
  }
}

/** A signed span of time: seconds and nanos carry the same sign; |seconds| ≤ 315,576,000,000. */
export class Duration {
  readonly seconds: number
  readonly nanos: number
  constructor(seconds: number, nanos: number) {
    this.seconds = seconds
    this.nanos = nanos
  }
  static fromMillis(ms: number): Duration {
    const seconds = Math.trunc(ms / 1000)
    return new Duration(seconds, Math.round((ms - seconds * 1000) * 1e6))
  }
  toMillis(): number {
    return this.seconds * 1000 + this.nanos / 1e6
  }
}

/** A runtime type value, as returned by `type(x)`; one instance per name. */
export class CelType {
  private static readonly interned = new Map<string, CelType>()
  readonly name: string
  private constructor(name: string) {
    this.name = name
  }
  static of(name: string): CelType {
    let t = CelType.interned.get(name)
    if (!t) {
      t = new CelType(name)
      CelType.interned.set(name, t)
    }
    return t
  }
  toString(): string {
    return this.name
  }
}

/** `optional<T>`: a value that may be absent. */
export class Optional {
  static readonly none = new Optional(undefined, false)
  readonly value: unknown
  readonly present: boolean
  private constructor(value: unknown, present: boolean) {
    this.value = value
    this.present = present
  }
  static of(value: unknown): Optional {
    return new Optional(value, true)
  }
}

/**
 * Parameters of evaluation errors that never carry a run-time value: names from the expression's
 * source (functions, fields, variables), type names, and fixed words and limits.
 */
const VALUE_FREE_PARAMS: ReadonlySet<string> = new Set(['function', 'args', 'field', 'name', 'what', 'max'])

/**
 * An evaluation error. Not an Error subclass on purpose: no stack capture, cheap to throw and
 * catch inside the evaluator, and handed to the caller as a plain value.
 *
 * `message` may quote the values involved (`cannot convert 'x' to int`), which helps whoever
 * evaluates an expression by hand. `redacted` says the same without any run-time value: values
 * may be PII, so it is what decisions record and answer. It is built from `redactedParams` when
 * the error was raised with them (`true`: the params quote no run-time value), otherwise from
 * the params with every one that may carry a value replaced by '…'.
 */
export class CelError {
  readonly code: ErrorCode
  private readonly params: ErrorParams
  private readonly redactedParams: ErrorParams | true | undefined
  /** The message, formatted when first read: most errors are absorbed by `&&`/`||` unread. */
  private formatted: string | undefined = undefined
  constructor(code: ErrorCode, params: ErrorParams = {}, redactedParams?: ErrorParams | true) {
    this.code = code
    this.params = params
    this.redactedParams = redactedParams
  }
  get message(): string {
    this.formatted ??= formatMessage(this.code, this.params)
    return this.formatted
  }
  /** The message without run-time values. */
  get redacted(): string {
    if (this.redactedParams === true) return this.message
    if (this.redactedParams) return formatMessage(this.code, this.redactedParams)
    const safe: Record<string, string | number> = {}
    for (const name of Object.keys(this.params))
      safe[name] = VALUE_FREE_PARAMS.has(name) ? this.params[name]! : '…'
    return formatMessage(this.code, safe)
  }
  toString(): string {
    return `${this.code}: ${this.message}`
  }
}

export function isCelError(v: unknown): v is CelError {
  return v instanceof CelError
}

/**
 * Throws a CelError; typed `never` so callers can use it in expressions. `redactedParams`: the
 * params of the message without run-time values, or `true` when `params` quote none.
 */
export function fail(code: ErrorCode, params?: ErrorParams, redactedParams?: ErrorParams | true): never {
  throw new CelError(code, params, redactedParams)
}
