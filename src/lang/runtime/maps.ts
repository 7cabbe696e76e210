/**
 * CEL maps at runtime. Two shapes are accepted: plain objects with string keys (what JSON input
 * gives, read through own properties only) and JS Maps (map literals, non-string keys). Map keys
 * are stored canonically — numeric keys by numeric value — so `{1: 'a'}[1u]` and `[1.0]` find
 * the entry, as CEL's heterogeneous key equality requires. In a plain object a key whose value is
 * undefined is absent: a validated event keeps a slot for every declared field (see
 * src/policy/field-steps.ts), and JSON input never holds undefined.
 */

import { CelDouble, CelUint, fail } from './values.ts'

export type CelMap = ReadonlyMap<unknown, unknown> | Readonly<Record<string, unknown>>

const hasOwn = Object.hasOwn

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export function isMap(v: unknown): v is CelMap {
  return v instanceof Map || isPlainObject(v)
}

/** The canonical lookup key of a CEL value, or undefined if it can never be a key. */
export function mapKey(k: unknown): unknown {
  switch (typeof k) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return k
    case 'number':
      return Number.isInteger(k) ? (k === 0 ? 0 : k) : undefined
    default:
      if (k instanceof CelUint) return k.value
      if (k instanceof CelDouble) return k.value === 0 ? 0 : k.value
      return undefined
  }
}

/** Whether a value may be used as a map key (int, uint, bool, string). */
export function isValidKey(k: unknown): boolean {
  return (
    typeof k === 'string' ||
    typeof k === 'boolean' ||
    typeof k === 'bigint' ||
    (typeof k === 'number' && Number.isInteger(k)) ||
    k instanceof CelUint
  )
}

const ABSENT = Symbol('absent')

/** The value under `key`, or the ABSENT marker. */
function lookup(m: CelMap, key: unknown): unknown {
  if (m instanceof Map) {
    const k = mapKey(key)
    if (k === undefined) return ABSENT
    const v = m.get(k)
    return v === undefined && !m.has(k) ? ABSENT : v
  }
  if (typeof key !== 'string' || !hasOwn(m, key)) return ABSENT
  const v = (m as Record<string, unknown>)[key]
  return v === undefined ? ABSENT : v
}

export function mapHas(m: CelMap, key: unknown): boolean {
  return lookup(m, key) !== ABSENT
}

/** `m[key]`: raises EVAL_NO_SUCH_KEY when absent. */
export function mapGet(m: CelMap, key: unknown): unknown {
  const v = lookup(m, key)
  if (v === ABSENT) fail('EVAL_NO_SUCH_KEY', { key: formatKey(key) })
  return v
}

/** `m[key]` or undefined when absent (for optional access). */
export function mapFind(m: CelMap, key: unknown): unknown {
  const v = lookup(m, key)
  return v === ABSENT ? undefined : v
}

export function mapSize(m: CelMap): number {
  if (m instanceof Map) return m.size
  let n = 0
  for (const k in m) if (hasOwn(m, k) && (m as Record<string, unknown>)[k] !== undefined) n++
  return n
}

export function mapKeys(m: CelMap): unknown[] {
  return m instanceof Map ? [...m.keys()] : mapEntries(m).map(([k]) => k)
}

export function mapEntries(m: CelMap): [unknown, unknown][] {
  return m instanceof Map ? [...m.entries()] : Object.entries(m).filter(([, v]) => v !== undefined)
}

/** Builds a map from entries, rejecting invalid and duplicate keys as CEL does. */
export function buildMap(entries: Iterable<readonly [unknown, unknown]>): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>()
  for (const [k, v] of entries) {
    if (!isValidKey(k))
      fail(
        'EVAL_INVALID_ARGUMENT',
        { detail: `unsupported map key type: ${formatKey(k)}` },
        { detail: 'unsupported map key type' },
      )
    const key = mapKey(k)
    if (out.has(key))
      fail(
        'EVAL_INVALID_ARGUMENT',
        { detail: `duplicate map key: ${formatKey(k)}` },
        { detail: 'duplicate map key' },
      )
    out.set(key, v)
  }
  return out
}

export function formatKey(k: unknown): string {
  if (typeof k === 'string') return JSON.stringify(k)
  if (k instanceof CelUint) return `${k.value}u`
  if (k instanceof CelDouble) return String(k.value)
  return String(k)
}
