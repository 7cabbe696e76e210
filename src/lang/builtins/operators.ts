/**
 * Operators: logic, equality and ordering, arithmetic, indexing, membership and size. Logic and
 * the conditional are special forms (their arguments are evaluated lazily by the compiler).
 */

import { compare, compareBytes, compareStrings, equals } from '../runtime/equality.ts'
import {
  addInt,
  addUint,
  divInt,
  divUint,
  type Int,
  modInt,
  modUint,
  mulInt,
  mulUint,
  negInt,
  subInt,
  subUint,
} from '../runtime/int64.ts'
import { buildMap, type CelMap, mapEntries, mapGet, mapHas, mapSize } from '../runtime/maps.ts'
import { codePointLength } from '../runtime/strings.ts'
import {
  addDurations,
  addTimestampDuration,
  subDurations,
  subTimestampDuration,
  subTimestamps,
} from '../runtime/time.ts'
import { type CelUint, type Duration, fail, type Timestamp } from '../runtime/values.ts'
import { type FunctionDecl, fn, global, method } from './registry.ts'

const NUMERIC_PAIRS = ['int, uint', 'int, double', 'uint, int', 'uint, double', 'double, int', 'double, uint']
const ORDERED = ['bool', 'int', 'uint', 'double', 'string', 'bytes', 'timestamp', 'duration']

/** Ordering overloads, with direct implementations for the common same-type cases. */
function ordering(
  op: string,
  test: (c: number) => boolean,
  direct: (a: any, b: any) => boolean,
): FunctionDecl {
  const sameType: Record<string, (a: any, b: any) => boolean> = {
    int: direct,
    double: direct,
    bool: direct,
    string: (a: string, b: string) => test(compareStrings(a, b)),
    bytes: (a: Uint8Array, b: Uint8Array) => test(compareBytes(a, b)),
    uint: (a: CelUint, b: CelUint) => direct(a.value, b.value),
  }
  const generic = (a: unknown, b: unknown) => test(compare(a, b))
  return fn(
    {
      doc: `Ordering ${op}; numbers compare across int, uint and double.`,
      example: `features.logins_1h ${op} 10`,
    },
    ...ORDERED.map((t) => global(`_${op}_(${t}, ${t}) -> bool`, sameType[t] ?? generic)),
    ...NUMERIC_PAIRS.map((p) => global(`_${op}_(${p}) -> bool`, generic)),
  )
}

function checkIndex(list: readonly unknown[], i: Int): number {
  if (typeof i !== 'number' || i < 0 || i >= list.length)
    fail('EVAL_INDEX_OUT_OF_RANGE', { index: String(i), size: list.length })
  return i
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export const OPERATORS: readonly FunctionDecl[] = [
  fn(
    { doc: 'Logical and; an error on one side is absorbed if the other side is false.' },
    global('_&&_(bool, bool) -> bool'),
  ),
  fn(
    { doc: 'Logical or; an error on one side is absorbed if the other side is true.' },
    global('_||_(bool, bool) -> bool'),
  ),
  fn(
    { doc: 'Logical not.', example: '!has(event.device)' },
    global('!_(bool) -> bool', (a: boolean) => !a),
  ),
  fn(
    { doc: 'Conditional: only the chosen branch is evaluated.', example: 'event.amount > 100.0 ? 2 : 1' },
    global('_?_:_(bool, A, A) -> A'),
  ),
  fn(
    { doc: 'Internal: loop condition of all/exists; treats an error as true.' },
    global('@not_strictly_false(bool) -> bool'),
  ),

  fn(
    {
      doc: 'Equality. Numbers compare by value across int, uint and double; other mixed types are unequal.',
      example: "event.type == 'signup'",
    },
    global('_==_(A, A) -> bool', equals),
    ...NUMERIC_PAIRS.map((p) => global(`_==_(${p}) -> bool`, equals)),
  ),
  fn(
    { doc: 'Inequality, the negation of ==.', example: "event.country != 'US'" },
    global('_!=_(A, A) -> bool', (a, b) => !equals(a, b)),
    ...NUMERIC_PAIRS.map((p) => global(`_!=_(${p}) -> bool`, (a, b) => !equals(a, b))),
  ),
  ordering(
    '<',
    (c) => c < 0,
    (a, b) => a < b,
  ),
  ordering(
    '<=',
    (c) => c <= 0,
    (a, b) => a <= b,
  ),
  ordering(
    '>',
    (c) => c > 0,
    (a, b) => a > b,
  ),
  ordering(
    '>=',
    (c) => c >= 0,
    (a, b) => a >= b,
  ),

  fn(
    {
      doc: 'Addition; concatenation of strings, bytes and lists; timestamp plus duration.',
      example: 'features.a + features.b',
    },
    global('_+_(int, int) -> int', addInt),
    global('_+_(uint, uint) -> uint', addUint),
    global('_+_(double, double) -> double', (a: number, b: number) => a + b),
    global('_+_(string, string) -> string', (a: string, b: string) => a + b),
    global('_+_(bytes, bytes) -> bytes', concatBytes),
    global('_+_(list<A>, list<A>) -> list<A>', (a: unknown[], b: unknown[]) =>
      a.length === 0 ? b : b.length === 0 ? a : a.concat(b),
    ),
    global('_+_(timestamp, duration) -> timestamp', addTimestampDuration),
    global('_+_(duration, timestamp) -> timestamp', (d: Duration, t: Timestamp) =>
      addTimestampDuration(t, d),
    ),
    global('_+_(duration, duration) -> duration', addDurations),
  ),
  fn(
    { doc: 'Subtraction; the duration between two timestamps.', example: 'now - event.actor.created_at' },
    global('_-_(int, int) -> int', subInt),
    global('_-_(uint, uint) -> uint', subUint),
    global('_-_(double, double) -> double', (a: number, b: number) => a - b),
    global('_-_(timestamp, timestamp) -> duration', subTimestamps),
    global('_-_(timestamp, duration) -> timestamp', subTimestampDuration),
    global('_-_(duration, duration) -> duration', subDurations),
  ),
  fn(
    { doc: 'Multiplication; int and uint overflow is an error.', example: 'features.views_1h * 2' },
    global('_*_(int, int) -> int', mulInt),
    global('_*_(uint, uint) -> uint', mulUint),
    global('_*_(double, double) -> double', (a: number, b: number) => a * b),
  ),
  fn(
    {
      doc: 'Division; int and uint division truncates, and division by zero is an error.',
      example: 'features.fails_1h / features.logins_1h',
    },
    global('_/_(int, int) -> int', divInt),
    global('_/_(uint, uint) -> uint', divUint),
    global('_/_(double, double) -> double', (a: number, b: number) => a / b),
  ),
  fn(
    { doc: 'Remainder, with the sign of the dividend.', example: 'event.actor.age % 7' },
    global('_%_(int, int) -> int', modInt),
    global('_%_(uint, uint) -> uint', modUint),
  ),
  fn(
    {
      doc: 'Arithmetic negation; negating the smallest int is an overflow error.',
      example: '-features.delta',
    },
    global('-_(int) -> int', negInt),
    global('-_(double) -> double', (a: number) => -a),
  ),

  fn(
    {
      doc: 'Indexing: list by position (from 0), map by key. A missing index or key is an error.',
      example: 'event.tags[0]',
    },
    global('_[_](list<A>, int) -> A', (l: unknown[], i: Int) => l[checkIndex(l, i)]),
    global('_[_](list<A>, uint) -> A', (l: unknown[], i: CelUint) => l[checkIndex(l, i.value)]),
    global('_[_](list<A>, double) -> A', (l: unknown[], d: number) =>
      Number.isInteger(d)
        ? l[checkIndex(l, d)]
        : fail(
            'EVAL_INVALID_ARGUMENT',
            { detail: `invalid list index ${d}` },
            { detail: 'invalid list index' },
          ),
    ),
    global('_[_](map<K, V>, K) -> V', (m: CelMap, k: unknown) => mapGet(m, k)),
  ),
  fn(
    {
      doc: 'Membership: element of a list, key of a map (policy lists and CIDRs: see the risk extensions).',
      example: "event.country in ['KP', 'IR']",
    },
    global('@in(A, list<A>) -> bool', (x: unknown, l: unknown[]) => {
      for (const e of l) if (equals(x, e)) return true
      return false
    }),
    global('@in(K, map<K, V>) -> bool', (k: unknown, m: CelMap) => mapHas(m, k)),
  ),
  fn(
    { doc: 'Internal: adds an entry to the map being built by transformMap.' },
    global('cel.@mapInsert(map<K, V>, K, V) -> map<K, V>', (m: CelMap, k: unknown, v: unknown) =>
      buildMap([...mapEntries(m), [k, v]]),
    ),
  ),
  fn(
    {
      doc: 'Size of a string (in code points), bytes, list or map.',
      example: 'size(event.text) > 500',
      cost: 2,
    },
    global('size(string) -> int', codePointLength),
    global('size(bytes) -> int', (b: Uint8Array) => b.length),
    global('size(list<A>) -> int', (l: unknown[]) => l.length),
    global('size(map<K, V>) -> int', mapSize),
    method('string.size() -> int', codePointLength),
    method('bytes.size() -> int', (b: Uint8Array) => b.length),
    method('list<A>.size() -> int', (l: unknown[]) => l.length),
    method('map<K, V>.size() -> int', mapSize),
  ),
]
