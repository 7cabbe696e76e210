/**
 * Event types of a pack. Every event shares one envelope — `type`, `id`, `time`, `actor.id` —
 * plus the pack's common fields and its own. Each type gets a compiled validator and a CEL
 * object type; a rule that applies to several types sees the structural union of their fields
 * (see unionType).
 */

import { newId } from '../core/ids.ts'
import {
  formatType,
  type ListType,
  listOf,
  type MapType,
  mapOf,
  type ObjectType,
  objectType,
  T,
  type Type,
  typeEquals,
} from '../lang/types.ts'
import { generateUndeclared } from './field-steps.ts'
import {
  type FieldDecl,
  type FieldProblem,
  type FieldSpec,
  type FieldsConverter,
  fieldSpec,
  fieldsConverterOf,
  piiPaths,
  toTimestamp,
} from './fields.ts'

export interface EventTypePlan {
  readonly name: string
  readonly description?: string
  /** Declared fields, envelope included. */
  readonly fields: ReadonlyMap<string, FieldSpec>
  readonly type: Type
  /** Dotted paths of PII fields. */
  readonly pii: readonly string[]
  /** The validator of `fields`, compiled once. */
  readonly convert: FieldsConverter
  /** The body's own field names that the type does not declare, in Object.keys order. */
  readonly undeclared: (body: Record<string, unknown>) => string[]
}

/** A validated event: what rules see as `event`. */
export type ValidEvent = Record<string, unknown> & { readonly type: string; readonly id: string }

const ENVELOPE: Record<string, FieldDecl> = {
  type: { type: 'string', required: true },
  id: { type: 'string', max_length: 256 },
  time: 'timestamp',
}

export function eventTypePlan(
  name: string,
  decl: { description?: string; fields?: Record<string, FieldDecl> },
  common: Record<string, FieldDecl>,
): EventTypePlan {
  const merged: Record<string, FieldDecl> = { ...ENVELOPE, ...common, ...(decl.fields ?? {}) }
  // Every event has an actor with an id, whatever else the pack declares about actors.
  const actor = merged.actor
  const actorFields = typeof actor === 'object' && actor.fields ? actor.fields : {}
  merged.actor = {
    type: 'object',
    required: true,
    fields: { ...actorFields, id: { type: 'string', required: true, max_length: 256 } },
  }
  const fields = new Map(Object.entries(merged).map(([k, v]) => [k, fieldSpec(k, v)]))
  return {
    name,
    ...(decl.description ? { description: decl.description } : {}),
    fields,
    type: objectType(name, new Map([...fields].map(([k, f]) => [k, f.type]))),
    pii: piiPaths(fields),
    convert: fieldsConverterOf(fields),
    undeclared: generateUndeclared([...fields.keys()]),
  }
}

/**
 * The CEL type `event` has in a rule applying to `types`: the structural union of their fields,
 * the same whatever order `on:` names them in. Objects merge field by field, at every depth: a
 * field declared by only some of the types keeps its declared type (on the other types it is
 * absent, like any optional field, and `has()` guards it); lists and maps merge their elements;
 * `dyn` on any side makes the union `dyn`. Anything else must be the same type everywhere, or
 * the conflicts (path, and which types disagree) are returned instead.
 */
export function unionType(types: readonly EventTypePlan[]): { type: Type } | { conflicts: string[] } {
  if (types.length === 1) return { type: types[0]!.type }
  const sorted = [...types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const conflicts: string[] = []
  const union = unionOf(
    sorted.map((t) => ({ in: t.name, type: t.type })),
    '',
    conflicts,
  )
  if (conflicts.length) return { conflicts }
  return { type: objectType(sorted.map((t) => t.name).join('|'), (union as ObjectType).fields) }
}

/** The type one event type (`in`) declares at a path. */
interface Declared {
  readonly in: string
  readonly type: Type
}

function unionOf(parts: readonly Declared[], path: string, conflicts: string[]): Type {
  const first = parts[0]!.type
  const all = (kind: Type['kind']) => parts.every((p) => p.type.kind === kind)
  if (parts.some((p) => p.type.kind === 'dyn')) return T.dyn
  if (all('object')) {
    const fields = new Map<string, Type>()
    const names = new Set(parts.flatMap((p) => [...(p.type as ObjectType).fields.keys()]))
    for (const name of names) {
      const declaring = parts.flatMap((p) => {
        const type = (p.type as ObjectType).fields.get(name)
        return type ? [{ in: p.in, type }] : []
      })
      fields.set(name, unionOf(declaring, path ? `${path}.${name}` : name, conflicts))
    }
    return objectType((first as ObjectType).name, fields)
  }
  if (all('list')) {
    const elems = parts.map((p) => ({ in: p.in, type: (p.type as ListType).elem }))
    return listOf(unionOf(elems, `${path}[]`, conflicts))
  }
  // Map keys are always strings in a schema; the values merge.
  if (all('map') && parts.every((p) => typeEquals((p.type as MapType).key, (first as MapType).key))) {
    const values = parts.map((p) => ({ in: p.in, type: (p.type as MapType).value }))
    return mapOf((first as MapType).key, unionOf(values, `${path}{}`, conflicts))
  }
  if (parts.every((p) => p.type.kind !== 'object' && typeEquals(p.type, first))) return first
  const typesIn = new Map<string, string[]>()
  for (const p of parts) {
    const shown = p.type.kind === 'object' ? 'an object' : formatType(p.type)
    typesIn.set(shown, [...(typesIn.get(shown) ?? []), p.in])
  }
  const sides = [...typesIn].map(([t, names]) => `${t} in ${names.join(', ')}`)
  conflicts.push(`field '${path}' is ${sides.length === 2 ? sides.join(' but ') : sides.join('; ')}`)
  return T.error
}

export type ValidationResult =
  | { readonly ok: true; readonly event: ValidEvent; readonly dropped: string[] }
  | { readonly ok: false; readonly problems: FieldProblem[] }

/**
 * Validates an incoming event against its type. `now` fills a missing `time`; `makeId` a missing
 * `id` (by default a new id made at `now`: no closure per event for the usual case).
 * Undeclared top-level fields are dropped (and reported back), never stored.
 */
export function validateEvent(
  plans: ReadonlyMap<string, EventTypePlan>,
  raw: unknown,
  now: number,
  makeId?: () => string,
): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, problems: [{ path: '', message: 'an event must be a JSON object' }] }
  const body = raw as Record<string, unknown>
  const type = body.type
  if (typeof type !== 'string')
    return {
      ok: false,
      problems: [{ path: 'type', message: 'is required (a string naming the event type)' }],
    }
  const plan = plans.get(type)
  if (!plan)
    return {
      ok: false,
      problems: [
        {
          path: 'type',
          message: `unknown event type '${type}'; this policy declares ${[...plans.keys()].join(', ')}`,
        },
      ],
    }
  const problems: FieldProblem[] = []
  const event = plan.convert(body, problems, '')
  if (problems.length) return { ok: false, problems }
  if (event.id === undefined) event.id = makeId === undefined ? newId(now) : makeId()
  if (event.time === undefined) event.time = toTimestamp(now)
  return { ok: true, event: event as ValidEvent, dropped: plan.undeclared(body) }
}

/** The event types a rule or feature names, or all of them when none are named. */
export function selectTypes(
  plans: ReadonlyMap<string, EventTypePlan>,
  on: string | readonly string[] | undefined,
): { types: EventTypePlan[]; unknown: string[] } {
  const names = on === undefined ? [...plans.keys()] : typeof on === 'string' ? [on] : [...on]
  return {
    types: names.flatMap((n) => (plans.get(n) ? [plans.get(n)!] : [])),
    unknown: names.filter((n) => !plans.has(n)),
  }
}
