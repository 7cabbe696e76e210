/**
 * Event types of a pack. Every event shares one envelope — `type`, `id`, `time`, `actor.id` —
 * plus the pack's common fields and its own. Each type gets a compiled validator and a CEL
 * object type; a rule that applies to several types sees the union of their fields (a field
 * name must have one type across the pack).
 */

import { formatType, objectType, type Type, typeEquals } from '../lang/types.ts'
import {
  convertFields,
  type FieldDecl,
  type FieldProblem,
  type FieldSpec,
  fieldSpec,
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
  }
}

/**
 * The CEL type `event` has in a rule applying to `types`: their fields' union. Returns the
 * conflicts (same name, different types) instead when there are any.
 */
export function unionType(types: readonly EventTypePlan[]): { type: Type } | { conflicts: string[] } {
  if (types.length === 1) return { type: types[0]!.type }
  const fields = new Map<string, Type>()
  const conflicts: string[] = []
  for (const t of types) {
    for (const [name, spec] of t.fields) {
      const prev = fields.get(name)
      if (!prev) fields.set(name, spec.type)
      // Actor fields come from the common declaration, so every type's actor is the same.
      else if (!typeEquals(prev, spec.type) && name !== 'actor') {
        conflicts.push(
          `field '${name}' is ${formatType(prev)} in one event type and ${formatType(spec.type)} in ${t.name}`,
        )
      }
    }
  }
  if (conflicts.length) return { conflicts }
  return { type: objectType(types.map((t) => t.name).join('|'), fields) }
}

export type ValidationResult =
  | { readonly ok: true; readonly event: ValidEvent; readonly dropped: string[] }
  | { readonly ok: false; readonly problems: FieldProblem[] }

/**
 * Validates an incoming event against its type. `now` fills a missing `time`; `newId` a missing
 * `id`. Undeclared top-level fields are dropped (and reported back), never stored.
 */
export function validateEvent(
  plans: ReadonlyMap<string, EventTypePlan>,
  raw: unknown,
  now: number,
  newId: () => string,
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
  const event = convertFields(plan.fields, body, '', problems)
  if (problems.length) return { ok: false, problems }
  if (event.id === undefined) event.id = newId()
  if (event.time === undefined) event.time = toTimestamp(now)
  const dropped = Object.keys(body).filter((k) => !plan.fields.has(k))
  return { ok: true, event: event as ValidEvent, dropped }
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
