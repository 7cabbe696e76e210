/**
 * The math extension: greatest/least (variadic: the parser turns `math.greatest(a, b, c)` into
 * `math.@greatest([a, b, c])`), rounding, abs, sign, NaN/infinity tests and bit operations. Bit
 * operations work on the exact 64-bit values.
 */

import { compare, kindName } from '../runtime/equality.ts'
import { big, canonical, checkedInt, type Int, negInt } from '../runtime/int64.ts'
import { CelDouble, CelUint, fail } from '../runtime/values.ts'
import { type FunctionDecl, fn, global } from './registry.ts'

function extreme(pick: (c: number) => boolean, fnName: string) {
  return (list: readonly unknown[]) => {
    if (list.length === 0)
      fail('EVAL_INVALID_ARGUMENT', { detail: `${fnName} requires at least one argument` }, true)
    for (const v of list) if (!isNumber(v)) fail('EVAL_NO_OVERLOAD', { function: fnName, args: kindName(v) })
    let best = list[0]
    for (let i = 1; i < list.length; i++) if (pick(compare(list[i], best))) best = list[i]
    return best
  }
}

const isNumber = (v: unknown) =>
  typeof v === 'number' || typeof v === 'bigint' || v instanceof CelUint || v instanceof CelDouble

const max = extreme((c) => c > 0, 'math.greatest')
const min = extreme((c) => c < 0, 'math.least')
const unwrap = (v: unknown) => (v instanceof CelDouble ? v.value : v)

/** Round half away from zero, as Go's math.Round. */
const roundHalfAway = (d: number) => (d < 0 ? -Math.round(-d) : Math.round(d))

const U64 = (1n << 64n) - 1n
const asUint = (n: bigint) => new CelUint(canonical(n & U64))
const asInt = (n: bigint) => checkedInt(BigInt.asIntN(64, n))

/** `math.greatest(…)` is a macro over the internal `math.@greatest(list)` declared here. */
function extremes(name: string, pick: (l: readonly unknown[]) => unknown, doc: string): FunctionDecl {
  const internal = name.replace('math.', 'math.@')
  return fn(
    { doc, cost: 3, example: `${name}(features.a, features.b)` },
    global(`${internal}(int) -> int`, (x) => x),
    global(`${internal}(double) -> double`, (x) => x),
    global(`${internal}(uint) -> uint`, (x) => x),
    global(`${internal}(list<int>) -> int`, pick),
    global(`${internal}(list<double>) -> double`, (l) => unwrap(pick(l))),
    global(`${internal}(list<uint>) -> uint`, pick),
    global(`${internal}(list<dyn>) -> dyn`, pick),
  )
}

export const MATH_FUNCTIONS: readonly FunctionDecl[] = [
  extremes(
    'math.greatest',
    max,
    'The greatest of its arguments, or of a list; numbers compare across types.',
  ),
  extremes('math.least', min, 'The least of its arguments, or of a list.'),
  fn(
    { doc: 'Rounds up to a whole double.', example: 'math.ceil(event.amount)' },
    global('math.ceil(double) -> double', Math.ceil),
  ),
  fn(
    { doc: 'Rounds down to a whole double.', example: 'math.floor(event.amount)' },
    global('math.floor(double) -> double', Math.floor),
  ),
  fn(
    {
      doc: 'Rounds to the nearest whole double, halves away from zero.',
      example: 'math.round(event.amount)',
    },
    global('math.round(double) -> double', roundHalfAway),
  ),
  fn(
    { doc: 'Drops the fractional part.', example: 'math.trunc(event.amount)' },
    global('math.trunc(double) -> double', Math.trunc),
  ),
  fn(
    {
      doc: 'Absolute value; abs of the smallest int is an overflow error.',
      example: 'math.abs(features.delta)',
    },
    global('math.abs(int) -> int', (i: Int) => (i < 0 ? negInt(i) : i)),
    global('math.abs(double) -> double', Math.abs),
    global('math.abs(uint) -> uint', (u: CelUint) => u),
  ),
  fn(
    { doc: 'The sign: -1, 0 or 1 (of the same type).', example: 'math.sign(features.delta)' },
    global('math.sign(int) -> int', (i: Int) => (i > 0 ? 1 : i < 0 ? -1 : 0)),
    global('math.sign(double) -> double', (d: number) => (Number.isNaN(d) ? d : d > 0 ? 1 : d < 0 ? -1 : 0)),
    global('math.sign(uint) -> uint', (u: CelUint) => new CelUint(u.value > 0 ? 1 : 0)),
  ),
  fn(
    { doc: 'Whether a double is NaN.', example: 'math.isNaN(features.ratio)' },
    global('math.isNaN(double) -> bool', Number.isNaN),
  ),
  fn(
    { doc: 'Whether a double is infinite.', example: 'math.isInf(features.ratio)' },
    global('math.isInf(double) -> bool', (d: number) => d === Infinity || d === -Infinity),
  ),
  fn(
    { doc: 'Whether a double is neither NaN nor infinite.', example: 'math.isFinite(features.ratio)' },
    global('math.isFinite(double) -> bool', Number.isFinite),
  ),
  fn(
    { doc: 'Bitwise and.', example: 'math.bitAnd(event.flags, 4) != 0' },
    global('math.bitAnd(int, int) -> int', (a: Int, b: Int) => asInt(big(a) & big(b))),
    global('math.bitAnd(uint, uint) -> uint', (a: CelUint, b: CelUint) =>
      asUint(big(a.value) & big(b.value)),
    ),
  ),
  fn(
    { doc: 'Bitwise or.', example: 'math.bitOr(event.flags, 1)' },
    global('math.bitOr(int, int) -> int', (a: Int, b: Int) => asInt(big(a) | big(b))),
    global('math.bitOr(uint, uint) -> uint', (a: CelUint, b: CelUint) => asUint(big(a.value) | big(b.value))),
  ),
  fn(
    { doc: 'Bitwise exclusive or.', example: 'math.bitXor(event.flags, 1)' },
    global('math.bitXor(int, int) -> int', (a: Int, b: Int) => asInt(big(a) ^ big(b))),
    global('math.bitXor(uint, uint) -> uint', (a: CelUint, b: CelUint) =>
      asUint(big(a.value) ^ big(b.value)),
    ),
  ),
  fn(
    { doc: 'Bitwise not.', example: 'math.bitNot(event.flags)' },
    global('math.bitNot(int) -> int', (a: Int) => asInt(~big(a))),
    global('math.bitNot(uint) -> uint', (a: CelUint) => asUint(~big(a.value))),
  ),
  fn(
    {
      doc: 'Shifts left by n bits (bits shifted past 64 are lost); a negative n is an error.',
      example: 'math.bitShiftLeft(1, 4)',
    },
    global('math.bitShiftLeft(int, int) -> int', (a: Int, n: Int) => asInt(shift(big(a), n, true))),
    global('math.bitShiftLeft(uint, int) -> uint', (a: CelUint, n: Int) =>
      asUint(shift(big(a.value), n, true)),
    ),
  ),
  fn(
    {
      doc: 'Shifts right by n bits (logical, without sign extension).',
      example: 'math.bitShiftRight(event.flags, 2)',
    },
    global('math.bitShiftRight(int, int) -> int', (a: Int, n: Int) =>
      asInt(shift(BigInt.asUintN(64, big(a)), n, false)),
    ),
    global('math.bitShiftRight(uint, int) -> uint', (a: CelUint, n: Int) =>
      asUint(shift(big(a.value), n, false)),
    ),
  ),
]

function shift(a: bigint, n: Int, left: boolean): bigint {
  if (n < 0)
    fail('EVAL_INVALID_ARGUMENT', { detail: `negative shift count ${n}` }, { detail: 'negative shift count' })
  if (n >= 64) return 0n
  return left ? BigInt.asUintN(64, a << big(n)) : a >> big(n)
}
