/**
 * Per event type, what a decision computes (see TypePlan): which features it keys and reads —
 * those its events update, those its rules read, and, through the derived features those rules
 * read, the features behind them — and which event parts (entity ids, feature keys, distinct
 * values) it reads, each once.
 */

import type { Program } from '../lang/program.ts'
import type { EventTypePlan } from './events.ts'
import type { DerivedFeature, FeaturePlan, KeyPart } from './features.ts'
import { specAt } from './fields.ts'
import type { EntityPlan, EventPart, RulePlan, TypeFeature, TypePlan } from './pack.ts'

const NONE: ReadonlySet<string> = new Set()

/** Field kinds whose text is the same whether objects are written as JSON or with String(). */
const PLAIN_TEXT = new Set(['string', 'int', 'double', 'bool', 'ip'])

const ZERO_KINDS = new Set(['count', 'sum', 'distinct'])

/** The features a program reads; null when it reads `features` whole (or that is not known). */
function featuresRead(program: Program): ReadonlySet<string> | null {
  if (!program.reads) return null
  const read = program.reads.get('features')
  return read === undefined ? NONE : read
}

export function typePlans(
  eventTypes: ReadonlyMap<string, EventTypePlan>,
  entities: ReadonlyMap<string, EntityPlan>,
  features: readonly FeaturePlan[],
  derived: readonly DerivedFeature[],
  rulesByType: ReadonlyMap<string, readonly RulePlan[]>,
  /** Other programs decisions of a type evaluate (model inputs), whose features are read too. */
  othersByType: ReadonlyMap<string, readonly Program[]> = new Map(),
  /** Every type reads every feature (LoadOptions.everyFeature). */
  everyFeature = false,
): Map<string, TypePlan> {
  const derivedReads = derived.map((d) => featuresRead(d.program))
  const out = new Map<string, TypePlan>()
  for (const [name, type] of eventTypes) {
    let all = everyFeature
    const read = new Set<string>()
    const add = (names: ReadonlySet<string> | null) => {
      if (names === null) all = true
      else for (const n of names) read.add(n)
    }
    for (const rule of rulesByType.get(name) ?? []) add(featuresRead(rule.program))
    for (const program of othersByType.get(name) ?? []) add(featuresRead(program))
    derived.forEach((d, i) => {
      if (all || read.has(d.name)) add(derivedReads[i]!)
    })
    const base = features.filter((f) => all || f.on.has(name) || read.has(f.name))
    const computed = new Set(base.map((f) => f.name))
    const chosen = derived.filter((d, i) => {
      if (all || read.has(d.name)) return true
      const inputs = derivedReads[i]!
      return inputs === null ? base.length === features.length : [...inputs].every((n) => computed.has(n))
    })

    const parts: EventPart[] = []
    const partOf = (k: KeyPart, objects: EventPart['objects']): number => {
      const spec = specAt(type.fields, k.path)
      const mode = !spec || PLAIN_TEXT.has(spec.kind) ? 'json' : objects
      const at = parts.findIndex((p) => p.path === k.path && p.pii === k.pii && p.objects === mode)
      if (at >= 0) return at
      parts.push({ path: k.path, get: k.get, pii: k.pii, objects: mode })
      return parts.length - 1
    }
    const typeEntities = [...entities.values()]
      .filter((e) => e.types.has(name))
      .map((entity) => ({ entity, part: partOf(entity, 'string') }))
    const ordered = [
      ...base.filter((f) => ZERO_KINDS.has(f.spec.kind)),
      ...base.filter((f) => !ZERO_KINDS.has(f.spec.kind)),
    ]
    const typeFeatures = ordered.map((plan): TypeFeature => {
      const update = plan.on.has(name)
      const of = update && plan.of && plan.spec.kind === 'distinct' ? partOf(plan.of, 'json') : undefined
      return {
        plan,
        update,
        by: plan.by.map((p) => partOf(p, 'json')),
        ...(of !== undefined ? { of } : {}),
        zero: ZERO_KINDS.has(plan.spec.kind),
        time: plan.spec.kind === 'first_seen' || plan.spec.kind === 'last_seen',
      }
    })
    out.set(name, { parts, entities: typeEntities, features: typeFeatures, derived: chosen })
  }
  return out
}
