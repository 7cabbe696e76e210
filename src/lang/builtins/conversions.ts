/**
 * Type conversions (int, uint, double, string, bytes, bool, timestamp, duration), `dyn` and
 * `type`. Conversions that lose range are errors, never silent wrap-arounds.
 */

import { own } from '../../core/own.ts'
import { typeValueOf } from '../runtime/dyn.ts'
import {
  doubleToInt,
  doubleToUint,
  type Int,
  intToDouble,
  intToUint,
  parseIntLiteral,
  parseUintLiteral,
  uintToInt,
} from '../runtime/int64.ts'
import { decodeUtf8 } from '../runtime/strings.ts'
import {
  checkedTimestamp,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
} from '../runtime/time.ts'
import { type CelUint, fail, type Timestamp } from '../runtime/values.ts'
import { type FunctionDecl, fn, global } from './registry.ts'

const identity = (x: unknown) => x
const encoder = new TextEncoder()

function stringToInt(s: string): Int {
  const n = /^[+-]?\d+$/.test(s) ? parseIntLiteral(s) : undefined
  return (
    n ??
    fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `cannot convert '${s}' to int` },
      { detail: 'cannot convert a string to int' },
    )
  )
}

function stringToUint(s: string): CelUint {
  const n = /^\+?\d+$/.test(s) ? parseUintLiteral(s.replace('+', '')) : undefined
  return (
    n ??
    fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `cannot convert '${s}' to uint` },
      { detail: 'cannot convert a string to uint' },
    )
  )
}

const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i

function stringToDouble(s: string): number {
  if (!FLOAT.test(s))
    fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `cannot convert '${s}' to double` },
      { detail: 'cannot convert a string to double' },
    )
  const lower = s.toLowerCase().replace(/^\+/, '')
  if (lower.endsWith('nan')) return Number.NaN
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity
  return Number(s)
}

/** Shortest round-trip form, as JavaScript (and cel-es) print numbers: 0.5, 1e+21, NaN. */
export const formatDouble = (d: number): string => String(d)

const BOOL_TEXT: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
}

export const CONVERSIONS: readonly FunctionDecl[] = [
  fn(
    {
      doc: 'Converts to int. Doubles truncate toward zero; out-of-range values are errors.',
      example: 'int(event.score)',
    },
    global('int(int) -> int', identity),
    global('int(uint) -> int', uintToInt),
    global('int(double) -> int', doubleToInt),
    global('int(string) -> int', stringToInt),
    global('int(timestamp) -> int', (t: Timestamp) => t.seconds),
  ),
  fn(
    { doc: 'Converts to uint; negative or out-of-range values are errors.', example: 'uint(features.count)' },
    global('uint(uint) -> uint', identity),
    global('uint(int) -> uint', intToUint),
    global('uint(double) -> uint', doubleToUint),
    global('uint(string) -> uint', stringToUint),
  ),
  fn(
    { doc: 'Converts to double.', example: 'double(features.fails_1h) / double(features.logins_1h)' },
    global('double(double) -> double', identity),
    global('double(int) -> double', intToDouble),
    global('double(uint) -> double', (u: CelUint) => Number(u.value)),
    global('double(string) -> double', stringToDouble),
  ),
  fn(
    { doc: 'Converts to string; bytes must be valid UTF-8.', example: 'string(event.actor.age)' },
    global('string(string) -> string', identity),
    global('string(int) -> string', (i: Int) => String(i)),
    global('string(uint) -> string', (u: CelUint) => String(u.value)),
    global('string(double) -> string', formatDouble),
    global('string(bytes) -> string', decodeUtf8),
    global('string(bool) -> string', (b: boolean) => String(b)),
    global('string(timestamp) -> string', formatTimestamp),
    global('string(duration) -> string', formatDuration),
  ),
  fn(
    { doc: 'Converts a string to its UTF-8 bytes.', example: "bytes('abc')" },
    global('bytes(bytes) -> bytes', identity),
    global('bytes(string) -> bytes', (s: string) => encoder.encode(s)),
  ),
  fn(
    {
      doc: "Converts to bool; accepts '1', 't', 'true', 'TRUE', 'True' and their false forms.",
      example: 'bool(event.flags.beta)',
    },
    global('bool(bool) -> bool', identity),
    global(
      'bool(string) -> bool',
      (s: string) =>
        own(BOOL_TEXT, s) ??
        fail(
          'EVAL_INVALID_ARGUMENT',
          { detail: `cannot convert '${s}' to bool` },
          { detail: 'cannot convert a string to bool' },
        ),
    ),
  ),
  fn(
    { doc: 'A timestamp from RFC 3339 text or Unix seconds.', example: "timestamp('2026-01-01T00:00:00Z')" },
    global('timestamp(timestamp) -> timestamp', identity),
    global('timestamp(string) -> timestamp', parseTimestamp),
    global('timestamp(int) -> timestamp', (i: Int) => checkedTimestamp(Number(i), 0)),
  ),
  fn(
    {
      doc: 'A duration from text such as 90s, 1h30m, 250ms or 30d (d = 24h, a risk-profile extension).',
      example: "duration('30d')",
    },
    global('duration(duration) -> duration', identity),
    global('duration(string) -> duration', parseDuration),
  ),
  fn(
    {
      doc: 'Marks a value as dynamically typed; its type is checked when it is used.',
      example: 'dyn(event.meta.count) > 3',
    },
    global('dyn(A) -> dyn', identity),
  ),
  fn(
    { doc: 'The type of a value, comparable with type names.', example: 'type(event.meta.count) == int' },
    global('type(A) -> type<A>', typeValueOf),
  ),
]
