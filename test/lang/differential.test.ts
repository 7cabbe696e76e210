/**
 * Differential property tests: random well-typed CEL expressions over a small typed environment
 * are evaluated by Bulwark (compileExpression + Program.evaluate) and by @bufbuild/cel, and the
 * two must agree — on the same value, compared type-exactly (int, uint and double kept apart, NaN
 * equal to NaN, lists and maps deep), or on both producing an error. Generation is by static
 * type with a depth limit; fast-check runs with fixed seeds, so every run checks the same cases.
 *
 * Constructs where the two implementations knowingly differ are not generated; each exclusion is
 * listed at EXCLUSIONS below with the reason. A failure prints the expression, the inputs and
 * both results. Disagreements where Bulwark is wrong are kept, as reproductions, under
 * 'known Bulwark bugs' at the end.
 */

import {
  CelScalar,
  celEnv,
  celError,
  celFunc,
  celUint,
  isCelError as isBufError,
  isCelList,
  isCelMap,
  isCelUint,
  parse,
  plan,
} from '@bufbuild/cel'
import { strings } from '@bufbuild/cel/ext'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression } from '../../src/lang/program.ts'
import { isMap, mapEntries } from '../../src/lang/runtime/maps.ts'
import { CelDouble, CelUint, isCelError } from '../../src/lang/runtime/values.ts'
import { T, type Type } from '../../src/lang/types.ts'

// ── EXCLUSIONS ──────────────────────────────────────────────────────────────
// Not generated, with the reason:
//  - string(double): formatting of doubles differs by design between implementations.
//  - timestamps, durations, protobuf messages, regex matches(): outside this test's scope.
//  - ==/!= between different static numeric types (1 == 1.0): Bulwark's checker accepts it, CEL's
//    rejects it at check time. (Through dyn, e.g. dyn(1) == 1.0, it is generated: the runtime
//    semantics are specified.) Likewise list/map equality between different element types.
//  - ==, != and `in` between an int or uint beyond ±2^53 and a double (dyn(9007199254740993) ==
//    9007199254740992.0): bufbuild compares these exactly (false) but orders them lossily, through
//    a double, as the conformance suite requires (dyn(9223372036854775807) >= 9223372036854775808.0
//    is true, < is false). Bulwark, like cel-go, compares through a double for equality too (true),
//    which keeps `a <= b` equal to `a < b || a == b` as the spec requires. So the operands of ==
//    and `in` through dyn keep their ints within ±2^53 (the `dyn53` generator type).
//  - int(string) of text that is not plain decimal (' 1', '0x10', ''): bufbuild converts with
//    BigInt(), which trims white space, accepts hex and maps '' to 0; CEL (cel-go: ParseInt base
//    10) rejects all three.
//  - double(string) of text other than plain decimal/exponent forms and 'NaN' (' 1', '0x10', '',
//    'inf', '-Inf', '1_000'): bufbuild converts with Number(), which trims, accepts hex, maps ''
//    to 0 and gives NaN for 'inf'; CEL (cel-go: ParseFloat) differs on each.
//  - bool(string) other than 'true'/'false': cel-go accepts the strconv.ParseBool forms
//    ('1', 't', 'T', 'TRUE', 'True', …); bufbuild rejects some ('T').
//  - string characters in U+E000–U+FFFF: bufbuild orders strings by UTF-16 code unit, CEL by code
//    point ('ｚ' < '😀' is true in CEL, false in bufbuild). Strings here are ASCII plus non-BMP
//    characters, where the two orders coincide.
//  - strings extension on non-ASCII receivers: bufbuild's charAt/indexOf/lastIndexOf/substring
//    count UTF-16 units, CEL counts code points. They are applied to ASCII-only strings here.
//  - indexOf/lastIndexOf with a start offset: the edge at offset == size differs between
//    implementations (bufbuild errors, Bulwark returns -1; the conformance suite does not pin it).
//  - replace(from, to, n) and replace('', to): bufbuild does nothing for n < 0 (CEL: all) and
//    caps replacements at the string's length (wrong for ''); only replace(nonEmpty, to) is used.
//  - split(sep, n): bufbuild uses JS split's limit, which drops the rest instead of keeping it in
//    the last part as CEL (Go's SplitN) does; only split(sep) is used.
//  - -(9223372036854775808): bufbuild accepts the out-of-range literal under a parenthesized
//    negation; CEL rejects it. The minimum int is written as the literal -9223372036854775808.
//  - int negation of a parenthesized negation, -(-e): bufbuild's parser folds it to e even through
//    the parentheses, so -(-x) with x = -2^63 gives -2^63 instead of the overflow error (cel-go
//    folds only adjacent operators, --x, as Bulwark does).
//  - list index by a non-integral double (l[1.5]): bufbuild throws an internal error ('unsupported
//    input undefined') that escapes the error absorption of && and ||; both otherwise reject it.
//  - map literals whose keys collide across numeric types ({1: 'a', 1u: 'b'}): Bulwark reports a
//    duplicate key, bufbuild keeps two entries. The mixed-key literal (MIXED_MAP) has distinct keys.
// One bufbuild bug is worked around instead of excluded: see uintDivide below.

// ── environments ────────────────────────────────────────────────────────────

const VARIABLES = {
  x: 'int',
  u: 'uint',
  y: 'double',
  b: 'bool',
  s: 'string',
  a: 'string', // always ASCII, so the strings extension can use it
  l: 'list<int>',
  ls: 'list<string>',
  m: 'map<string, int>',
} as const

const bulwarkEnv = Environment.create({ variables: VARIABLES })
/**
 * bufbuild bug worked around: its uint division checks the quotient against the *int64* range,
 * so 9223372036854775808u / 1u is an overflow error there (CEL: 9223372036854775808u). A correct
 * overload replaces it, so uint arithmetic can still be generated freely.
 */
const uintDivide = celFunc('_/_', [CelScalar.UINT, CelScalar.UINT], CelScalar.UINT, (l, r) => {
  if (r.value === 0n) throw celError('uint divide by zero')
  return celUint(l.value / r.value)
})
const bufEnv = celEnv({ funcs: [...strings, uintDivide] })

// ── values ──────────────────────────────────────────────────────────────────

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

const INTERESTING_INTS = [
  0n,
  1n,
  -1n,
  2n,
  7n,
  -7n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  3037000499n, // ⌊√(2^63)⌋: its square just fits
  3037000500n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n, // 9007199254740993: the first int a double cannot hold
  -(2n ** 53n) - 1n,
  2n ** 62n,
  INT64_MAX,
  INT64_MIN,
  INT64_MIN + 1n,
]
const INTERESTING_UINTS = [0n, 1n, 2n, 7n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, UINT64_MAX]
const INTERESTING_DOUBLES = [
  0,
  -0,
  0.5,
  1,
  -1,
  1.5,
  -2.5,
  2,
  0.1,
  1e10,
  1e300,
  -1e300,
  1e-300,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  Number.MAX_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
]
const ASCII_UNITS = ['a', 'b', 'c', 'A', 'Z', ' ', ',', '1', '-']
const STRING_UNITS = [...ASCII_UNITS, '😀', '𝄞']
const ASCII_WORDS = ['', 'a', 'ab', 'abc', 'ba', 'Hello World', ' pad ', 'a,b,c', '12']
const STRING_WORDS = [...ASCII_WORDS, '😀', 'a😀', '😀😀b', '𝄞x😀']
// Map keys; '__proto__' and 'constructor' probe plain-object maps (only own properties count).
const KEYS = ['a', 'b', 'key', '__proto__', 'constructor']

const intValue = fc.oneof(
  { arbitrary: fc.integer({ min: -5, max: 10 }).map(BigInt), weight: 4 },
  { arbitrary: fc.constantFrom(...INTERESTING_INTS), weight: 2 },
  { arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), weight: 1 },
)
const uintValue = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n }),
  fc.constantFrom(...INTERESTING_UINTS),
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
)
const doubleValue = fc.oneof(
  { arbitrary: fc.constantFrom(...INTERESTING_DOUBLES), weight: 3 },
  { arbitrary: fc.integer({ min: -10, max: 10 }).map((n) => n / 2), weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
)
const asciiValue = fc.oneof(
  fc.constantFrom(...ASCII_WORDS),
  fc.string({ unit: fc.constantFrom(...ASCII_UNITS), maxLength: 4 }),
)
const stringValue = fc.oneof(
  fc.constantFrom(...STRING_WORDS),
  fc.string({ unit: fc.constantFrom(...STRING_UNITS), maxLength: 4 }),
)

/** Inputs in a neutral form (ints as bigint), converted for each implementation below. */
interface Inputs {
  x: bigint
  u: bigint
  y: number
  b: boolean
  s: string
  a: string
  l: bigint[]
  ls: string[]
  m: [string, bigint][]
  /** Hand `m` to Bulwark as a plain object rather than a Map (both shapes are accepted). */
  mAsObject: boolean
}

const inputs: fc.Arbitrary<Inputs> = fc.record({
  x: intValue,
  u: uintValue,
  y: doubleValue,
  b: fc.boolean(),
  s: stringValue,
  a: asciiValue,
  l: fc.array(intValue, { maxLength: 4 }),
  ls: fc.array(stringValue, { maxLength: 4 }),
  m: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), intValue), { selector: (e) => e[0], maxLength: 3 }),
  mAsObject: fc.boolean(),
})

/** An int in Bulwark's canonical form: a number while safe, a bigint beyond. */
const bulwarkInt = (n: bigint): number | bigint =>
  n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n

function bulwarkInputs(i: Inputs): Record<string, unknown> {
  const m = i.m.map(([k, v]) => [k, bulwarkInt(v)] as const)
  return {
    x: bulwarkInt(i.x),
    u: new CelUint(bulwarkInt(i.u)),
    y: i.y,
    b: i.b,
    s: i.s,
    a: i.a,
    l: i.l.map(bulwarkInt),
    ls: i.ls,
    m: i.mAsObject ? Object.fromEntries(m) : new Map(m),
  }
}

function bufInputs({ mAsObject: _, ...i }: Inputs) {
  return { ...i, u: celUint(i.u), m: new Map(i.m) }
}

// ── literals ────────────────────────────────────────────────────────────────

const one = (...texts: string[]) => fc.constantFrom(...texts)

const intText = (n: bigint) => (n < 0n ? `(${n})` : `${n}`)
const hexText = (n: bigint) => (n < 0n ? `(-0x${(-n).toString(16)})` : `0x${n.toString(16)}`)
const intLiteral = fc.oneof(
  { arbitrary: intValue.map(intText), weight: 8 },
  { arbitrary: intValue.map(hexText), weight: 1 },
)
/** Small ints, mostly valid indices of short lists and strings; -1, 3 and 5 often are not. */
const smallInt = fc
  .oneof({ arbitrary: fc.integer({ min: 0, max: 2 }), weight: 3 }, fc.constantFrom(-1, 3, 5))
  .map((n) => intText(BigInt(n)))
const uintLiteral = uintValue.map((n) => `${n}u`)
const smallUint = fc.integer({ min: 0, max: 5 }).map((n) => `${n}u`)
/** Brings an int (or uint) expression within ±2^53, where it is exact as a double. */
const within53 = (i: Arb, suffix = '') => cel`(${i} % 9007199254740993${fc.constant(suffix)})`

function doubleText(d: number): string {
  if (Number.isNaN(d)) return '(0.0 / 0.0)'
  if (d === Number.POSITIVE_INFINITY) return '(1.0 / 0.0)'
  if (d === Number.NEGATIVE_INFINITY) return '(-1.0 / 0.0)'
  if (Object.is(d, -0)) return '(-0.0)'
  const text = /[.e]/.test(String(d)) ? String(d) : `${d}.0`
  return d < 0 ? `(${text})` : text
}
const doubleLiteral = fc.oneof(
  { arbitrary: doubleValue.map(doubleText), weight: 8 },
  { arbitrary: one('1e3', '.5', '2E-3', '0.0e0', '1e+21'), weight: 1 },
)
const quote = (s: string) => `'${s}'`
const stringLiteral = fc.oneof(
  { arbitrary: stringValue.map(quote), weight: 8 },
  // Other literal forms: escapes, raw strings, double and triple quotes.
  {
    arbitrary: one(
      '"dq"',
      "'\\x41\\101\\u00e9'",
      "'\\U0001F600\\t'",
      "r'a\\n'",
      "'''tri'ple'''",
      '"\\"q\\""',
    ),
    weight: 1,
  },
)
const asciiLiteral = asciiValue.map(quote)
const keyLiteral = fc
  .oneof({ arbitrary: fc.constantFrom('a', 'b'), weight: 2 }, fc.constantFrom(...KEYS, 'zz', 'toString'))
  .map(quote)
/** A map literal with keys of several types, for lookups by dyn keys (1, 1u and 1.0 are one key). */
const MIXED_MAP = "{1: 'i1', 2u: 'u2', true: 'bt', 'a': 'sa', -3: 'i-3'}"
const nonEmptyAscii = fc.constantFrom('a', 'b', ' ', ',', 'ab', 'Hello').map(quote)

/** Operands that evaluate to an error, to exercise error propagation and absorption. */
const errorBool = fc.constantFrom(
  '(1 / 0 == 1)',
  '(x % 0 == 0)',
  '([1, 2][5] == 1)',
  "({'a': 1}['zz'] == 1)",
  "(int('zz') == 0)",
  '(9223372036854775807 + 1 > 0)',
)

// ── expressions ─────────────────────────────────────────────────────────────

/**
 * Static types the generator knows. Two are refinements for the generator's sake only: `ascii`
 * is a string holding only ASCII; `dyn53` is a dyn whose ints and uints lie within ±2^53, so they
 * are exact as doubles (the operands of == and `in` across numeric types; see EXCLUSIONS).
 */
type Ty =
  | 'int'
  | 'uint'
  | 'double'
  | 'bool'
  | 'string'
  | 'ascii'
  | 'dyn'
  | 'dyn53'
  | 'list<int>'
  | 'list<string>'
  | 'list<dyn>'
  | 'list<dyn53>'
  | 'map<string, int>'

/** Comprehension variables in scope, innermost last; the i-th is named `v${i}`. */
type Scope = readonly ('int' | 'string')[]

type Arb = fc.Arbitrary<string>

/** Template tag building an expression from sub-expression arbitraries: cel`(${a} + ${b})`. */
function cel(parts: TemplateStringsArray, ...args: Arb[]): Arb {
  return fc.tuple(...args).map((xs) => parts.reduce((out, part, i) => out + xs[i - 1] + part))
}

/** A weighted alternative for fc.oneof. */
type Option = { arbitrary: Arb; weight: number }
const w = (arbitrary: Arb, weight: number): Option => ({ arbitrary, weight })
const listOf = (elem: Arb, min = 0) =>
  fc.array(elem, { minLength: min, maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`)

const MAX_DEPTH = 3
const MAX_NESTING = 2
const memo = new Map<string, Arb>()

/** Expressions of static type `ty`, at most `depth` operators deep. */
function expr(ty: Ty, depth: number, scope: Scope = []): Arb {
  const key = `${ty}/${depth}/${scope.join(',')}`
  let arb = memo.get(key)
  if (!arb) {
    const leaves = leafOptions(ty, scope)
    arb = depth === 0 ? fc.oneof(...leaves) : fc.oneof(...leaves, ...compoundOptions(ty, depth - 1, scope))
    memo.set(key, arb)
  }
  return arb
}

function bound(scope: Scope, ty: 'int' | 'string'): Option[] {
  return scope.flatMap((t, i) => (t === ty ? [w(fc.constant(`v${i}`), 4)] : []))
}

function leafOptions(ty: Ty, scope: Scope): Option[] {
  switch (ty) {
    case 'int':
      return [w(intLiteral, 3), w(one('x'), 2), ...bound(scope, 'int')]
    case 'uint':
      return [w(uintLiteral, 3), w(one('u'), 2)]
    case 'double':
      return [w(doubleLiteral, 3), w(one('y'), 2)]
    case 'bool':
      return [w(one('true', 'false'), 2), w(one('b'), 1), w(errorBool, 1)]
    case 'string':
      return [w(stringLiteral, 3), w(one('s', 'a'), 2), ...bound(scope, 'string')]
    case 'ascii':
      return [w(asciiLiteral, 3), w(one('a'), 1)]
    case 'dyn':
      return [...leafOptions('dyn53', scope), w(cel`dyn(${intLiteral})`, 1), w(cel`dyn(${uintLiteral})`, 1)]
    case 'dyn53':
      return [
        w(cel`dyn(${smallInt})`, 2),
        w(cel`dyn(${doubleLiteral})`, 2),
        w(cel`dyn(${smallUint})`, 1),
        w(cel`dyn(${stringLiteral})`, 1),
      ]
    case 'list<int>':
      return [w(one('l'), 3), w(listOf(intLiteral), 2)]
    case 'list<string>':
      return [w(one('ls'), 3), w(listOf(stringLiteral), 2)]
    case 'list<dyn>':
      return [w(cel`[${intLiteral}, ${doubleLiteral}]`, 1), w(cel`[${doubleLiteral}, ${uintLiteral}]`, 1)]
    case 'list<dyn53>':
      return [w(cel`[${smallInt}, ${doubleLiteral}]`, 1), w(cel`[${doubleLiteral}, ${smallUint}]`, 1)]
    case 'map<string, int>':
      return [w(one('m'), 3), w(one('{}'), 1), w(cel`{${keyLiteral}: ${intLiteral}}`, 1)]
  }
}

function compoundOptions(ty: Ty, d: number, scope: Scope): Option[] {
  const sub = (t: Ty) => expr(t, d, scope)
  const int = sub('int')
  const uint = sub('uint')
  const double = sub('double')
  const bool = sub('bool')
  const str = sub('string')
  const ascii = sub('ascii')
  const dyn = sub('dyn')
  const dyn53 = sub('dyn53')
  const listInt = sub('list<int>')
  const listStr = sub('list<string>')
  const listDyn = sub('list<dyn>')
  const listDyn53 = sub('list<dyn53>')
  const map = sub('map<string, int>')
  const ternary = w(cel`(${bool} ? ${sub(ty)} : ${sub(ty)})`, 1)
  /**
   * `range.macro(v, body)`, where `v` ranges over elements (or map keys) of type `elem`. Usually
   * `v` is a fresh name; sometimes it shadows the innermost comprehension variable or the
   * declared variable of the same type (x or s), which the body then sees instead.
   */
  const comprehension = (range: Arb, elem: 'int' | 'string', macro: Arb, body: Ty) => {
    const loop = (v: string, inner: Scope, weight: number) =>
      w(cel`${range}.${macro}(${one(v)}, ${expr(body, d, inner)})`, weight)
    const n = scope.length
    return [
      ...(n < MAX_NESTING ? [loop(`v${n}`, [...scope, elem], 4)] : []),
      ...(n > 0 ? [loop(`v${n - 1}`, [...scope.slice(0, -1), elem], 1)] : []),
      loop(elem === 'int' ? 'x' : 's', scope, 1),
    ]
  }
  const quantifier = one('all', 'exists', 'exists_one')

  switch (ty) {
    case 'int':
      return [
        w(cel`(${int} ${one('+', '-', '*', '/', '%')} ${int})`, 8),
        w(cel`(-${int.filter((e) => !e.startsWith('(-'))})`, 1),
        w(cel`size(${str})`, 1),
        w(cel`${str}.size()`, 1),
        w(cel`size(${fc.oneof(listInt, listStr, map)})`, 1),
        w(cel`${listInt}[${fc.oneof({ arbitrary: smallInt, weight: 3 }, { arbitrary: int, weight: 1 })}]`, 2),
        w(cel`${listInt}[${fc.oneof(uint, one('0.0', '1.0', '(-1.0)', '2.0'))}]`, 1),
        w(cel`${map}[${fc.oneof(keyLiteral, str)}]`, 1),
        w(cel`${map}.${one(...KEYS)}`, 1),
        w(cel`int(${fc.oneof(double, uint)})`, 2),
        w(cel`int(string(${int}))`, 1),
        w(
          cel`int(${one(
            "'12'",
            "'-7'",
            "'+5'",
            "'9223372036854775807'",
            "'-9223372036854775808'",
            "'9223372036854775808'",
            "'1.0'",
            "'abc'",
          )})`,
          1,
        ),
        w(cel`${ascii}.${one('indexOf', 'lastIndexOf')}(${ascii})`, 1),
        ternary,
      ]
    case 'uint':
      return [
        w(cel`(${uint} ${one('+', '-', '*', '/', '%')} ${uint})`, 5),
        w(cel`uint(${fc.oneof(int, double)})`, 2),
        ternary,
      ]
    case 'double':
      return [
        w(cel`(${double} ${one('+', '-', '*', '/')} ${double})`, 6),
        w(cel`(-${double})`, 1),
        w(cel`double(${fc.oneof(int, uint)})`, 2),
        w(cel`double(${one("'1.5'", "'-0.25'", "'1e3'", "'12'", "'.5'", "'NaN'")})`, 1),
        ternary,
      ]
    case 'bool': {
      const cmp = one('<', '<=', '>', '>=', '==', '!=')
      const order = one('<', '<=', '>', '>=')
      return [
        w(cel`(${int} ${cmp} ${int})`, 3),
        w(cel`(${double} ${cmp} ${double})`, 2),
        w(cel`(${uint} ${cmp} ${uint})`, 1),
        w(cel`(${str} ${cmp} ${str})`, 2),
        w(cel`(${bool} ${cmp} ${bool})`, 1),
        // Ordering across numeric types is specified; an int beyond 2^53 meets a double as a
        // double (the conformance suite's *_big_lossy_double tests), in both implementations.
        w(cel`(${int} ${order} ${double})`, 1),
        w(cel`(${double} ${order} ${uint})`, 1),
        w(cel`(${uint} ${order} ${int})`, 1),
        w(cel`(${listInt} ${one('==', '!=')} ${listInt})`, 1),
        w(cel`(${listStr} ${one('==', '!=')} ${listStr})`, 1),
        w(cel`(${map} ${one('==', '!=')} ${map})`, 1),
        w(cel`(${bool} ${one('&&', '||')} ${bool})`, 6),
        w(cel`(!${bool})`, 1),
        w(cel`${str}.${one('contains', 'startsWith', 'endsWith')}(${str})`, 2),
        w(cel`(${int} in ${listInt})`, 1),
        w(cel`(${str} in ${fc.oneof(listStr, map)})`, 1),
        w(cel`(${dyn53} in ${listDyn53})`, 1),
        w(cel`(${dyn} in ${one(MIXED_MAP)})`, 1),
        w(cel`(${listDyn53} ${one('==', '!=')} ${listDyn53})`, 1),
        w(cel`has(${map}.${one(...KEYS)})`, 1),
        w(cel`(${dyn53} ${one('==', '!=')} ${dyn53})`, 2),
        w(cel`(type(${dyn}) == ${one('int', 'uint', 'double', 'string')})`, 1),
        w(cel`bool(${one("'true'", "'false'", "'yes'")})`, 1),
        ...comprehension(listInt, 'int', quantifier, 'bool'),
        ...comprehension(listStr, 'string', quantifier, 'bool'),
        ...comprehension(map, 'string', quantifier, 'bool'),
        ternary,
      ]
    }
    case 'string':
      return [
        w(ascii, 3),
        w(cel`(${str} + ${str})`, 3),
        w(cel`${listStr}[${smallInt}]`, 1),
        w(cel`string(${fc.oneof(int, uint, bool, str)})`, 2),
        w(cel`${listStr}.join(${fc.oneof(one(''), asciiLiteral)})`, 1),
        w(cel`${one(MIXED_MAP)}[${dyn}]`, 1),
        ternary,
      ]
    case 'ascii':
      return [
        w(cel`(${ascii} + ${ascii})`, 2),
        w(cel`${ascii}.${one('lowerAscii', 'upperAscii', 'trim')}()`, 2),
        w(cel`${ascii}.substring(${smallInt})`, 1),
        w(cel`${ascii}.substring(${smallInt}, ${smallInt})`, 1),
        w(cel`${ascii}.charAt(${smallInt})`, 1),
        w(cel`${ascii}.replace(${nonEmptyAscii}, ${ascii})`, 1),
        w(cel`string(${int})`, 1),
        ternary,
      ]
    case 'dyn':
      return [
        ...compoundOptions('dyn53', d, scope),
        w(cel`dyn(${fc.oneof(int, uint)})`, 2),
        w(cel`(${dyn} ${one('+', '-', '*', '/')} ${dyn})`, 3),
        w(cel`${listDyn}[${smallInt}]`, 1),
        ternary,
      ]
    case 'dyn53':
      return [
        w(cel`dyn(${fc.oneof(within53(int), within53(uint, 'u'), double, str, bool)})`, 3),
        w(cel`${listDyn53}[${smallInt}]`, 2),
        w(cel`{'a': ${within53(int)}, 'b': ${double}}[${keyLiteral}]`, 1),
        ternary,
      ]
    case 'list<int>':
      return [
        w(listOf(int), 2),
        w(cel`(${listInt} + ${listInt})`, 2),
        ...comprehension(listInt, 'int', one('map'), 'int'),
        ...comprehension(fc.oneof(listStr, map), 'string', one('map'), 'int'),
        ...comprehension(listInt, 'int', one('filter'), 'bool'),
        ternary,
      ]
    case 'list<string>':
      return [
        w(listOf(str), 2),
        w(cel`(${listStr} + ${listStr})`, 2),
        w(cel`${ascii}.split(${fc.oneof(one("''"), nonEmptyAscii)})`, 1),
        ...comprehension(listInt, 'int', one('map'), 'string'),
        ...comprehension(fc.oneof(listStr, map), 'string', one('map'), 'string'),
        ...comprehension(fc.oneof(listStr, map), 'string', one('filter'), 'bool'),
        ternary,
      ]
    case 'list<dyn>':
      return [w(listOf(dyn, 1), 2), w(cel`[${int}, ${double}, ${uint}, ${str}]`, 1), ternary]
    case 'list<dyn53>':
      return [
        w(listOf(dyn53, 1), 2),
        w(cel`[${within53(int)}, ${double}, ${within53(uint, 'u')}, ${str}]`, 1),
        ternary,
      ]
    case 'map<string, int>':
      return [
        w(
          fc
            .array(cel`${fc.oneof(keyLiteral, str)}: ${int}`, { maxLength: 3 })
            .map((es) => `{${es.join(', ')}}`),
          2,
        ),
        ternary,
      ]
  }
}

// ── normalized results ──────────────────────────────────────────────────────

/**
 * A type-exact text form of a result: `int(3)`, `double(3)`, `uint(3)`, `list[…]`, `map{…}` with
 * entries sorted, `error` for any error. Both sides render to this form and are compared as text.
 */
type Rendered = string

const sortedMap = (entries: [string, string][]) =>
  `map{${entries
    .map(([k, v]) => `${k}: ${v}`)
    .sort()
    .join(', ')}}`

/** Bulwark's value in the representation of static type `t`. */
function renderBulwark(v: unknown, t: Type): Rendered {
  if (isCelError(v)) return 'error'
  const dynamic = t.kind === 'dyn' || t.kind === 'param'
  if (v === null) return 'null'
  if (typeof v === 'boolean') return `bool(${v})`
  if (typeof v === 'string') return `string(${JSON.stringify(v)})`
  if (typeof v === 'bigint')
    // The int representation is canonical: a bigint only beyond the safe range.
    return Number.isSafeInteger(Number(v)) ? `noncanonical-int(${v}n)` : `int(${v})`
  if (typeof v === 'number') {
    if (t.kind === 'double' || (dynamic && !Number.isInteger(v))) return `double(${v})`
    return Number.isSafeInteger(v) ? `int(${v})` : `bad-int(${v})`
  }
  if (v instanceof CelDouble) return `double(${v.value})`
  if (v instanceof CelUint) {
    const n = v.value
    return typeof n === 'bigint' && Number.isSafeInteger(Number(n))
      ? `noncanonical-uint(${n}n)`
      : `uint(${n})`
  }
  if (Array.isArray(v)) {
    const elem = t.kind === 'list' ? t.elem : T.dyn
    return `list[${v.map((x) => renderBulwark(x, elem)).join(', ')}]`
  }
  if (isMap(v)) {
    const [kt, vt] = t.kind === 'map' ? [t.key, t.value] : [T.dyn, T.dyn]
    return sortedMap(mapEntries(v).map(([k, x]) => [renderBulwark(k, kt), renderBulwark(x, vt)]))
  }
  return `unexpected(${String(v)})`
}

function renderBuf(v: unknown): Rendered {
  if (isBufError(v)) return 'error'
  if (v === null) return 'null'
  if (typeof v === 'boolean') return `bool(${v})`
  if (typeof v === 'string') return `string(${JSON.stringify(v)})`
  if (typeof v === 'bigint') return `int(${v})`
  if (typeof v === 'number') return `double(${v})`
  if (isCelUint(v)) return `uint(${v.value})`
  if (isCelList(v)) return `list[${[...v].map(renderBuf).join(', ')}]`
  if (isCelMap(v)) return sortedMap([...v].map(([k, x]) => [renderBuf(k), renderBuf(x)]))
  return `unexpected(${String(v)})`
}

// ── the comparison ──────────────────────────────────────────────────────────

interface Outcome {
  bulwark: Rendered
  bufbuild: Rendered
}

function evaluateBoth(text: string, input: Inputs): Outcome {
  const compiled = compileExpression(text, bulwarkEnv)
  if (!compiled.ok)
    return {
      bulwark: `compile error: ${compiled.diagnostics.map((d) => d.message).join('; ')}`,
      bufbuild: '',
    }
  const bulwark = renderBulwark(compiled.program.evaluate(bulwarkInputs(input)), compiled.program.type)
  let bufbuild: Rendered
  try {
    bufbuild = renderBuf(plan(bufEnv, parse(text))(bufInputs(input)))
  } catch (e) {
    bufbuild = `bufbuild threw: ${(e as Error).message}`
  }
  return { bulwark, bufbuild }
}

/** Inputs as JSON, keeping what JSON would lose: bigints, NaN, ±Infinity and -0. */
const showInputs = (i: Inputs) =>
  JSON.stringify(i, (_, v) => {
    if (typeof v === 'bigint') return `${v}n`
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))
      return Object.is(v, -0) ? '-0' : `${v}`
    return v
  })

interface Stats {
  cases: number
  errors: number
}

/** Throws, with the details, unless both implementations agree. */
function checkAgreement(text: string, input: Inputs, stats: Stats): void {
  const { bulwark, bufbuild } = evaluateBoth(text, input)
  stats.cases++
  if (bulwark === 'error') stats.errors++
  if (bulwark !== bufbuild)
    throw new Error(
      `disagreement on ${text}\n  inputs:   ${showInputs(input)}\n  bulwark:  ${bulwark}\n  bufbuild: ${bufbuild}`,
    )
}

const ROOTS: readonly { ty: Ty; runs: number; seed: number }[] = [
  { ty: 'int', runs: 500, seed: 1001 },
  { ty: 'uint', runs: 150, seed: 1002 },
  { ty: 'double', runs: 300, seed: 1003 },
  { ty: 'bool', runs: 600, seed: 1004 },
  { ty: 'string', runs: 300, seed: 1005 },
  { ty: 'dyn', runs: 200, seed: 1006 },
  { ty: 'list<int>', runs: 200, seed: 1007 },
  { ty: 'list<string>', runs: 150, seed: 1008 },
  { ty: 'list<dyn>', runs: 100, seed: 1009 },
  { ty: 'map<string, int>', runs: 100, seed: 1010 },
]

const neutral = (over: Partial<Inputs> = {}): Inputs => ({
  x: 3n,
  u: 4n,
  y: 2.5,
  b: true,
  s: 'a😀b',
  a: 'abc',
  l: [1n, 2n, 3n],
  ls: ['a', '😀'],
  m: [['a', 1n]],
  mAsObject: false,
  ...over,
})

describe('differential: Bulwark vs @bufbuild/cel', () => {
  it.each([
    ['9223372036854775807 + 1', neutral()],
    ['-9223372036854775808 - 1', neutral()],
    ['-9223372036854775808 / -1', neutral()],
    ['9007199254740993 + x', neutral()],
    ['x * x', neutral({ x: 3037000500n })],
    ['x / 0 == 1 || true', neutral()],
    ['false && 1 / 0 == 1', neutral()],
    ['l.exists(v0, 10 / v0 == 5)', neutral({ l: [0n, 2n] })],
    ['l.all(v0, 10 / v0 == 5)', neutral({ l: [0n, 3n] })],
    ['int(y)', neutral({ y: 2 ** 63 })],
    ['size(s)', neutral()],
    ['dyn(2.0) == 2 && dyn(2u) == 2', neutral()],
    ['[x, y]', neutral({ x: 2n ** 53n + 1n, y: 2 })],
    ["m['a'] + m.b", neutral({ m: [['a', 1n]], mAsObject: true })],
    ["has(m.constructor) || 'toString' in m", neutral({ mAsObject: true })],
    [
      "m.__proto__ + size(m) + m.map(k, k).size() + m['__proto__']",
      neutral({ m: [['__proto__', 5n]], mAsObject: true }),
    ],
    ['--x', neutral({ x: -(2n ** 63n) })],
    ['dyn(9223372036854775807) >= 9223372036854775808.0', neutral()],
    ["'a😀' < 'a𝄞' && 'z' < '😀'", neutral()],
    ['l.all(x, [x].exists(x, x > 1))', neutral()],
    // Found by this test: uint(-0.0) once kept JavaScript's -0 inside the uint.
    ['1.0 / double(uint(-0.0))', neutral()],
    ['1.0 / double(uint(y) % 1u)', neutral({ y: -0 })],
    // Found by this test: a parameter bound to another failed to unify with it.
    ['[].exists(v, [v] == [v].map(w, w))', neutral()],
    ['[].exists(v, v in [].map(w, v))', neutral()],
  ] as [string, Inputs][])('agrees on %s', (text, input) => {
    const { bulwark, bufbuild } = evaluateBoth(text, input)
    expect(bulwark).toBe(bufbuild)
  })

  for (const { ty, runs, seed } of ROOTS) {
    it(`agrees on random ${ty} expressions`, () => {
      const stats: Stats = { cases: 0, errors: 0 }
      fc.assert(
        fc.property(expr(ty, MAX_DEPTH), inputs, (text, input) => checkAgreement(text, input, stats)),
        { seed, numRuns: runs },
      )
      // Not vacuous: a good share of the cases evaluate to a value (errors are cheap to agree on).
      expect(stats.errors / stats.cases).toBeLessThan(0.6)
    })
  }
})
