/**
 * String functions: CEL's standard ones (contains, startsWith, endsWith, matches) and the
 * strings extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
 * substring, trim, join, reverse, strings.quote, format). Indices count code points.
 * `matches` uses RE2 semantics through re2js — linear time, never a backtracking RegExp.
 */

import { RE2JS } from 're2js'
import type { Int } from '../runtime/int64.ts'
import * as S from '../runtime/strings.ts'
import { fail } from '../runtime/values.ts'
import { formatString } from './format.ts'
import { type FunctionDecl, fn, global, method } from './registry.ts'

/** Compiled patterns, bounded; constant patterns are compiled once at load (see compileRegex). */
const patternCache = new Map<string, RE2JS>()
const PATTERN_CACHE_MAX = 512

export function compileRegex(pattern: string): RE2JS {
  let re = patternCache.get(pattern)
  if (re) return re
  try {
    re = RE2JS.compile(pattern)
  } catch (e) {
    return fail(
      'EVAL_INVALID_ARGUMENT',
      { detail: `invalid regular expression: ${(e as Error).message}` },
      { detail: 'invalid regular expression' },
    )
  }
  if (patternCache.size >= PATTERN_CACHE_MAX) patternCache.clear()
  patternCache.set(pattern, re)
  return re
}

const matches = (s: string, pattern: string) => compileRegex(pattern).test(s)
const n = (i: Int) => Number(i)

export const STRING_FUNCTIONS: readonly FunctionDecl[] = [
  fn(
    {
      doc: 'Whether the string contains the substring.',
      cost: 3,
      example: "event.text.contains('free money')",
    },
    method('string.contains(string) -> bool', (s: string, x: string) => s.includes(x)),
  ),
  fn(
    {
      doc: 'Whether the string starts with the prefix.',
      cost: 2,
      example: "event.user_agent.startsWith('curl/')",
    },
    method('string.startsWith(string) -> bool', (s: string, x: string) => s.startsWith(x)),
  ),
  fn(
    { doc: 'Whether the string ends with the suffix.', cost: 2, example: "event.email.endsWith('.ru')" },
    method('string.endsWith(string) -> bool', (s: string, x: string) => s.endsWith(x)),
  ),
  fn(
    {
      doc: 'Whether the RE2 regular expression matches anywhere in the string (anchor with ^ and $). Constant patterns compile at load; an invalid one is a load error.',
      cost: 20,
      example: "event.text.matches('(?i)\\\\bwhats?app\\\\b')",
    },
    method('string.matches(string) -> bool', matches),
    global('matches(string, string) -> bool', matches),
  ),
  fn(
    {
      doc: 'The code point at an index, as a string; the index equal to the size gives "".',
      cost: 2,
      example: 'event.actor.name.charAt(0)',
    },
    method('string.charAt(int) -> string', (s: string, i: Int) => S.charAt(s, n(i))),
  ),
  fn(
    {
      doc: 'Index of the first occurrence of a substring (optionally from a start index), or -1.',
      cost: 3,
      example: "event.email.indexOf('+')",
    },
    method('string.indexOf(string) -> int', (s: string, x: string) => S.indexOf(s, x)),
    method('string.indexOf(string, int) -> int', (s: string, x: string, i: Int) => S.indexOf(s, x, n(i))),
  ),
  fn(
    {
      doc: 'Index of the last occurrence of a substring (optionally searching back from an index), or -1.',
      cost: 3,
      example: "event.email.lastIndexOf('.')",
    },
    method('string.lastIndexOf(string) -> int', (s: string, x: string) => S.lastIndexOf(s, x)),
    method('string.lastIndexOf(string, int) -> int', (s: string, x: string, i: Int) =>
      S.lastIndexOf(s, x, n(i)),
    ),
  ),
  fn(
    {
      doc: 'ASCII letters to lower case; other characters unchanged.',
      cost: 2,
      example: 'event.email.lowerAscii()',
    },
    method('string.lowerAscii() -> string', S.lowerAscii),
  ),
  fn(
    {
      doc: 'ASCII letters to upper case; other characters unchanged.',
      cost: 2,
      example: 'event.country.upperAscii()',
    },
    method('string.upperAscii() -> string', S.upperAscii),
  ),
  fn(
    {
      doc: 'Replaces occurrences of a substring: all, or the first n (n < 0 means all).',
      cost: 4,
      example: "event.phone.replace(' ', '')",
    },
    method('string.replace(string, string) -> string', (s: string, a: string, b: string) =>
      S.replace(s, a, b),
    ),
    method('string.replace(string, string, int) -> string', (s: string, a: string, b: string, k: Int) =>
      S.replace(s, a, b, n(k)),
    ),
  ),
  fn(
    {
      doc: 'Splits around a separator into at most n parts (n < 0: all; n = 0: none).',
      cost: 4,
      example: "event.email.split('@')[1]",
    },
    method('string.split(string) -> list<string>', (s: string, sep: string) => S.split(s, sep)),
    method('string.split(string, int) -> list<string>', (s: string, sep: string, k: Int) =>
      S.split(s, sep, n(k)),
    ),
  ),
  fn(
    {
      doc: 'The code points from start (inclusive) to end (exclusive).',
      cost: 3,
      example: 'event.text.substring(0, 20)',
    },
    method('string.substring(int) -> string', (s: string, a: Int) => S.substring(s, n(a))),
    method('string.substring(int, int) -> string', (s: string, a: Int, b: Int) => S.substring(s, n(a), n(b))),
  ),
  fn(
    {
      doc: 'Removes leading and trailing Unicode white space.',
      cost: 2,
      example: 'event.display_name.trim()',
    },
    method('string.trim() -> string', S.trim),
  ),
  fn(
    { doc: 'Joins a list of strings, with an optional separator.', cost: 3, example: "event.tags.join(',')" },
    method('list<string>.join() -> string', (l: string[]) => l.join('')),
    method('list<string>.join(string) -> string', (l: string[], sep: string) => l.join(sep)),
  ),
  fn(
    { doc: 'The string with its code points in reverse order.', cost: 3, example: 'event.handle.reverse()' },
    method('string.reverse() -> string', S.reverse),
  ),
  fn(
    { doc: 'Quotes a string as a CEL string literal.', cost: 3, example: 'strings.quote(event.text)' },
    global('strings.quote(string) -> string', S.quote),
  ),
  fn(
    {
      doc: 'printf-style formatting with %s %d %f %e %b %o %x %X and precision (%.2f), as in the CEL strings extension.',
      cost: 8,
      example: "'%d signups from %s'.format([features.signups_1h, event.ip])",
    },
    method('string.format(list<dyn>) -> string', formatString),
  ),
]
