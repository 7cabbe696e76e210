/**
 * Feature declarations compiled to plans: what kind of aggregate, over which window, kept per
 * which key (one field or a composite such as user×room), fed by which event types (and an
 * optional CEL `where` filter), and the CEL type rules read it as. Derived `expr` features are
 * CEL over the others (ratios and the like), computed after them.
 */

import { createHash } from 'node:crypto'
import type { FeatureKind, FeatureSpec } from '../features/types.ts'
import type { Program } from '../lang/program.ts'
import { T, type Type } from '../lang/types.ts'
import type { EventTypePlan } from './events.ts'
import { specAt } from './fields.ts'

export interface KeyPart {
  readonly path: string
  /** Reads the part from a validated event; undefined when absent. */
  readonly get: (event: Record<string, unknown>) => unknown
  readonly pii: boolean
}

export interface FeaturePlan {
  readonly name: string
  readonly spec: FeatureSpec
  /** Event types whose events update the feature. */
  readonly on: ReadonlySet<string>
  readonly by: readonly KeyPart[]
  /** The value summed, compared or counted distinct. */
  readonly of?: KeyPart
  readonly where?: Program
  /** CEL type of the value rules read. */
  readonly type: Type
}

export interface DerivedFeature {
  readonly name: string
  readonly program: Program
  readonly type: Type
}

export const WINDOWED_KINDS = ['count', 'sum', 'distinct', 'min', 'max'] as const
export const SEEN_KINDS = ['first_seen', 'last_seen'] as const
/** The keys that say what a feature is: exactly one per feature (beside its description). */
export const FEATURE_KINDS = [...WINDOWED_KINDS, ...SEEN_KINDS, 'expr'] as const

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
export const MAX_WINDOW_MS = 90 * 86_400_000

/** `30s`, `10m`, `1h`, `7d` → milliseconds, or undefined when malformed. */
export function parseSpan(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text)
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined
}

/** A getter for a dotted path through plain objects. */
export function pathGetter(path: string): (event: Record<string, unknown>) => unknown {
  const parts = path.split('.')
  if (parts.length === 1) {
    const [a] = parts as [string]
    return (e) => e[a]
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string]
    return (e) => (e[a] as Record<string, unknown> | undefined)?.[b]
  }
  return (e) => {
    let v: unknown = e
    for (const p of parts) v = (v as Record<string, unknown> | undefined)?.[p]
    return v
  }
}

/**
 * Resolves a key path against the event types: it must be declared (as a scalar) in every one of
 * them. Returns the part, or a message saying where it is missing.
 */
export function keyPart(path: string, types: readonly EventTypePlan[]): KeyPart | string {
  let pii = false
  for (const t of types) {
    const spec = specAt(t.fields, path)
    if (!spec) return `'${path}' is not a field of event type '${t.name}'`
    if (spec.kind === 'object' || spec.kind === 'list' || spec.kind === 'map')
      return `'${path}' is ${spec.kind === 'object' ? 'an object' : `a ${spec.kind}`}; keys and values must be single fields`
    pii ||= spec.pii || isUnderPii(t, path)
  }
  return { path, get: pathGetter(path), pii }
}

function isUnderPii(t: EventTypePlan, path: string): boolean {
  return t.pii.some((p) => path === p || path.startsWith(`${p}.`))
}

/** The field type at `path` (the same in all types, else undefined). */
export function fieldType(path: string, types: readonly EventTypePlan[]): Type | undefined {
  const kinds = new Set(types.map((t) => specAt(t.fields, path)?.kind))
  if (kinds.size !== 1) return undefined
  return specAt(types[0]!.fields, path)?.type
}

export function featureId(name: string, definition: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 10)
  return `${name}@${hash}`
}

export function featureSpec(
  name: string,
  kind: FeatureKind,
  definition: unknown,
  windowMs: number,
  retentionMs: number,
): FeatureSpec {
  return { id: featureId(name, { kind, definition }), kind, windowMs, retentionMs }
}

/** The CEL type a feature of this kind has, given the type of its `of` field. */
export function resultType(kind: FeatureKind, of: Type | undefined): Type {
  switch (kind) {
    case 'count':
    case 'distinct':
      return T.int
    case 'sum':
      return of?.kind === 'int' ? T.int : T.double
    case 'min':
    case 'max':
      return of ?? T.double
    case 'first_seen':
    case 'last_seen':
      return T.timestamp
  }
}
