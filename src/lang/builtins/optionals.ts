/**
 * Optional values: `optional.of(x)`, `optional.none()`, `optional.ofNonZeroValue(x)`, and on an
 * optional `hasValue()`, `value()`, `or(other)`, `orValue(default)`. Optional selection
 * (`a.?b`, `a[?k]`) yields none instead of an error when the field or key is absent. `or` and
 * `orValue` evaluate their argument only when needed (special forms).
 */

import { isMap, mapSize } from '../runtime/maps.ts'
import { CelDouble, CelUint, Duration, fail, Optional, Timestamp } from '../runtime/values.ts'
import { type FunctionDecl, fn, global, method } from './registry.ts'

/** CEL's zero values: null, false, 0, 0u, 0.0, '', b'', [], {}, a zero duration or timestamp. */
export function isZeroValue(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === '' || v === 0n) return true
  if (v instanceof CelUint || v instanceof CelDouble) return v.value === 0
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0
  if (v instanceof Duration || v instanceof Timestamp) return v.seconds === 0 && v.nanos === 0
  if (v instanceof Optional) return !v.present
  if (isMap(v)) return mapSize(v) === 0
  return false
}

export const OPTIONAL_FUNCTIONS: readonly FunctionDecl[] = [
  fn(
    { doc: 'An optional holding a value.', example: 'optional.of(event.referrer)' },
    global('optional.of(A) -> optional<A>', Optional.of),
  ),
  fn(
    {
      doc: 'An optional holding the value, or none when it is a zero value (0, "", [], …).',
      example: 'optional.ofNonZeroValue(event.coupon)',
    },
    global('optional.ofNonZeroValue(A) -> optional<A>', (v: unknown) =>
      isZeroValue(v) ? Optional.none : Optional.of(v),
    ),
  ),
  fn(
    { doc: 'The empty optional.', example: 'optional.none()' },
    global('optional.none() -> optional<A>', () => Optional.none),
  ),
  fn(
    { doc: 'Whether the optional holds a value.', example: 'event.?referrer.hasValue()' },
    method('optional<A>.hasValue() -> bool', (o: Optional) => o.present),
  ),
  fn(
    { doc: 'The value of an optional; an error when it is empty.', example: 'event.?referrer.value()' },
    method('optional<A>.value() -> A', (o: Optional) =>
      o.present ? o.value : fail('EVAL_INVALID_ARGUMENT', { detail: 'optional.none() dereference' }, true),
    ),
  ),
  fn(
    {
      doc: 'This optional if it has a value, else the other one (evaluated only then).',
      example: 'event.?alias.or(event.?name)',
    },
    method('optional<A>.or(optional<A>) -> optional<A>'),
  ),
  fn(
    {
      doc: 'The value, or the default (evaluated only when needed).',
      example: "event.?country.orValue('unknown')",
    },
    method('optional<A>.orValue(A) -> A'),
  ),
  fn({ doc: 'Internal: optional field selection `a.?b`.' }, global('_?._(A, string) -> optional<dyn>')),
  fn({ doc: 'Internal: optional indexing `a[?k]`.' }, global('_[?_](A, dyn) -> optional<dyn>')),
]
