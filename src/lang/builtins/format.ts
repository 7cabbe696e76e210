/**
 * `string.format(list)`: printf-style formatting of the CEL strings extension. Clauses: %s (any
 * value), %d (integers), %f and %e (doubles, optional precision), %b %o %x %X (integers; %x/%X
 * also hex-encode strings and bytes), %% for a literal percent. Fixed-point rounding is
 * round-half-to-even on the exact binary value, like Go's strconv.
 */

import { isMap, mapEntries } from '../runtime/maps.ts'
import { decodeUtf8 } from '../runtime/strings.ts'
import { formatDuration, formatTimestamp } from '../runtime/time.ts'
import { CelDouble, CelType, CelUint, Duration, fail, Timestamp } from '../runtime/values.ts'

/** `redacted`: the detail without the template's text (it may be PII), or true when it quotes none. */
const bad = (detail: string, redacted: string | true = true): never =>
  fail('EVAL_INVALID_ARGUMENT', { detail }, redacted === true ? true : { detail: redacted })

export function formatString(template: string, args: readonly unknown[]): string {
  let out = ''
  let argIndex = 0
  for (let i = 0; i < template.length; i++) {
    const c = template[i]
    if (c !== '%') {
      out += c
      continue
    }
    if (template[i + 1] === '%') {
      out += '%'
      i++
      continue
    }
    let j = i + 1
    let precision: number | undefined
    if (template[j] === '.') {
      const m = /^\.(\d+)/.exec(template.slice(j))
      if (!m) bad(`could not parse formatting clause: missing precision at ${j}`)
      precision = Number(m![1])
      j += m![0].length
    }
    const verb = template[j]
    if (verb === undefined) bad('could not parse formatting clause: unexpected end of string')
    if (argIndex >= args.length) bad(`index ${argIndex} out of range`)
    out += clause(verb!, precision, args[argIndex++])
    i = j
  }
  return out
}

function clause(verb: string, precision: number | undefined, arg: unknown): string {
  switch (verb) {
    case 's':
      return asString(arg)
    case 'd':
      return integer(arg, 10, 'decimal')
    case 'b':
      return typeof arg === 'boolean' ? (arg ? '1' : '0') : integer(arg, 2, 'binary')
    case 'o':
      return integer(arg, 8, 'octal')
    case 'x':
    case 'X': {
      const hex =
        typeof arg === 'string'
          ? toHex(new TextEncoder().encode(arg))
          : arg instanceof Uint8Array
            ? toHex(arg)
            : integer(arg, 16, 'hexadecimal')
      return verb === 'X' ? hex.toUpperCase() : hex
    }
    case 'f':
      return nonFinite(arg) ?? fixed(double(arg, 'fixed-point'), precision ?? 6)
    case 'e':
      return nonFinite(arg) ?? scientific(double(arg, 'scientific'), precision ?? 6)
    default:
      return bad(
        `could not parse formatting clause: unrecognized formatting clause "${verb}"`,
        'could not parse formatting clause: unrecognized formatting clause',
      )
  }
}

function nonFinite(arg: unknown): string | undefined {
  const d = arg instanceof CelDouble ? arg.value : arg
  if (typeof d !== 'number' || Number.isFinite(d)) return undefined
  return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity'
}

function double(arg: unknown, clauseName: string): number {
  if (arg instanceof CelDouble) return arg.value
  if (typeof arg === 'number') return arg
  if (typeof arg === 'bigint') return Number(arg)
  if (arg instanceof CelUint) return Number(arg.value)
  return bad(
    `error during formatting: ${clauseName} clause can only be used on doubles, was given ${describe(arg)}`,
  )
}

function integer(arg: unknown, radix: number, clauseName: string): string {
  const special = nonFinite(arg)
  if (special && radix === 10) return special
  const v = arg instanceof CelUint ? arg.value : arg
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v.toString(radix)
  return bad(
    `error during formatting: ${clauseName} clause can only be used on integers, was given ${describe(arg)}`,
  )
}

function describe(v: unknown): string {
  if (v === null) return 'null_type'
  if (v instanceof Duration) return 'google.protobuf.Duration'
  if (v instanceof Timestamp) return 'google.protobuf.Timestamp'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double'
  if (v instanceof CelDouble) return 'double'
  return typeof v
}

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

/** Fixed-point with round-half-to-even on the exact value of the double. */
function fixed(d: number, precision: number): string {
  // From 1e21 up toFixed switches to exponent form; such doubles are integers anyway.
  if (Math.abs(d) >= 1e21) return `${BigInt(d)}${precision > 0 ? `.${'0'.repeat(precision)}` : ''}`
  const exact = Math.abs(d).toFixed(100) // exact decimal expansion of the binary value
  const dot = exact.indexOf('.')
  const digits = exact.slice(0, dot) + exact.slice(dot + 1, dot + 1 + precision)
  const rest = exact.slice(dot + 1 + precision)
  let n = BigInt(digits)
  const half = rest[0]! > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1)))
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1))
  if (half || (tie && n % 2n === 1n)) n += 1n
  let s = n.toString().padStart(precision + 1, '0')
  if (precision > 0) s = `${s.slice(0, -precision)}.${s.slice(-precision)}`
  return (d < 0 || Object.is(d, -0)) && /[1-9]/.test(s) ? `-${s}` : s
}

function scientific(d: number, precision: number): string {
  const [mantissa, exp] = d.toExponential(precision).split('e') as [string, string]
  const e = Number(exp)
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
}

function asString(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (v instanceof CelDouble || v instanceof CelUint) return String(v.value)
  if (v instanceof Uint8Array) return decodeUtf8(v)
  if (v instanceof Timestamp) return formatTimestamp(v)
  if (v instanceof Duration) return formatDuration(v)
  if (v instanceof CelType) return v.name
  if (Array.isArray(v)) return `[${v.map(asString).join(', ')}]`
  if (isMap(v)) {
    const parts = mapEntries(v).map(([k, x]) => [asString(k), asString(x)] as const)
    parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return `{${parts.map(([k, x]) => `${k}: ${x}`).join(', ')}}`
  }
  return bad(
    `error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${describe(v)}`,
  )
}
