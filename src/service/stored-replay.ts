/**
 * Replaying **stored** events: what a pack can and cannot re-evaluate on them, and the variant of
 * the pack that replays them honestly.
 *
 * A stored event carries a keyed pseudonym (`p:…`) in place of every PII field's value, and the
 * raw value is gone. So, in the variant:
 *
 * - validation accepts a PII field's stored pseudonym as an opaque value (its declared type — an
 *   IP, a string of at most n characters — is not checked: a pseudonym is neither);
 * - features keyed on a PII field still count correctly: the replay engine pseudonymises the
 *   stored pseudonym again, a consistent one-to-one mapping, so equal values still share a key;
 * - in a rule, a feature's `where` or a derived feature, every read of a PII field's *value* (an
 *   IP in a CIDR list, the domain of an e-mail) is an evaluation error, EVAL_PSEUDONYMISED, and
 *   CEL's own rules decide the rest: `false && error` is false and `true || error` true, exactly
 *   as live; otherwise the rule records the error and does not hit (the feature is not updated).
 *   Exact, and not reads of the value: presence tests (`has(event.email)`,
 *   `event.?referrer.?device_id.hasValue()`) and `==`/`!=` between two PII string fields (one key
 *   pseudonymises every field, so equal values have equal pseudonyms).
 *
 * Which values an expression reads is found on its checked syntax tree: every chain of field
 * selections from `event` (`event.device.fingerprint`, `event.?email`); `event` or an object used
 * whole (passed to a function, indexed, iterated) reads every PII field below it. The expression
 * is then recompiled with those reads replaced by a variable the frame never sets.
 */

import { type Expr, forEachChild } from '../lang/ast.ts'
import type { Frame } from '../lang/compile/node.ts'
import { compileExpression, type Program } from '../lang/program.ts'
import { CelError, isCelError } from '../lang/runtime/values.ts'
import { runPipeline } from '../lang/stages.ts'
import { T, type Type } from '../lang/types.ts'
import type { EventTypePlan } from '../policy/events.ts'
import type { DerivedFeature, FeaturePlan } from '../policy/features.ts'
import { type FieldSpec, fieldsConverterOf } from '../policy/fields.ts'
import { type Pack, type RulePlan, SLOT, type TypePlan } from '../policy/pack.ts'

/** A PII field of an event type: its path as shown (`recipients[].email`) and how to find it. */
interface PiiField {
  readonly path: string
  /** A string field: equal values have equal pseudonyms, so `==` between two such is exact. */
  readonly string: boolean
  /** Object fields leading to it (or to the list or map that holds it). */
  readonly probe: readonly string[]
}

/** What of a pack reads PII values: rule id / feature name → the PII paths read, sorted. */
export interface PiiReads {
  readonly rules: Readonly<Record<string, readonly string[]>>
  readonly features: Readonly<Record<string, readonly string[]>>
  /** Enforced rules whose rollout share is drawn by an entity whose id is PII. */
  readonly rollouts: readonly string[]
  /** sum/min/max features whose value (`of`) is a PII field: they cannot be updated. */
  readonly values: readonly string[]
}

function piiFields(
  fields: ReadonlyMap<string, FieldSpec>,
  prefix: string,
  probe: readonly string[],
  inItem: boolean,
): PiiField[] {
  const out: PiiField[] = []
  for (const [name, spec] of fields) {
    const path = prefix ? `${prefix}.${name}` : name
    const here = inItem ? probe : [...probe, name]
    if (spec.pii) out.push({ path, probe: here, string: spec.kind === 'string' && !inItem })
    else out.push(...itemFields(spec, path, here, inItem))
  }
  return out
}

function itemFields(spec: FieldSpec, path: string, probe: readonly string[], inItem: boolean): PiiField[] {
  if (spec.kind === 'object' && spec.fields) return piiFields(spec.fields, path, probe, inItem)
  if ((spec.kind === 'list' || spec.kind === 'map') && spec.item) {
    const item = spec.item
    if (item.pii) return [{ path: `${path}[]`, probe, string: false }]
    return itemFields(item, `${path}[]`, probe, true)
  }
  return []
}

/** A place where an expression reads a value below `event`: its path and its span in the text. */
interface EventRead {
  readonly path: string
  readonly start: number
  readonly end: number
}

type Refs = ReadonlyMap<number, { readonly kind: string; readonly name?: string }>

/** The path of `e` when it is `event` or plain field selections from it (`a.b`, `a.?b`). */
function chainPath(e: Expr, refs: Refs): string | undefined {
  if (e.kind === 'select') {
    if (e.testOnly) return undefined
    const p = chainPath(e.operand, refs)
    return p === undefined ? undefined : p ? `${p}.${e.field}` : e.field
  }
  if (e.kind === 'call' && e.fn === '_?._' && !e.target && e.args.length === 2) {
    const field = e.args[1]!
    if (field.kind !== 'const' || typeof field.value !== 'string') return undefined
    const p = chainPath(e.args[0]!, refs)
    return p === undefined ? undefined : p ? `${p}.${field.value}` : field.value
  }
  const ref = refs.get(e.id)
  return ref?.kind === 'variable' && ref.name === 'event' ? '' : undefined
}

/**
 * Where an expression reads values below `event` (null when it cannot be analysed). Not reads of
 * a value: presence tests (`has(event.a.b)`, `event.?a.hasValue()`), which a pseudonym answers as
 * the raw value would, and `==`/`!=` between two PII strings (`piiStrings`): equal values have
 * equal pseudonyms, whatever the field, so the comparison is exact.
 */
function eventReads(program: Program, piiStrings: ReadonlySet<string>): EventRead[] | null {
  const r = runPipeline(program.text, program.env, { stopAfter: 'check' })
  if (!r.checked || r.sink.hasErrors) return null
  const refs: Refs = r.checked.refs
  const reads: EventRead[] = []
  const visit = (e: Expr): void => {
    const path = chainPath(e, refs)
    if (path !== undefined) {
      reads.push({ path, start: e.start, end: e.end })
      return
    }
    // Presence tests and comparisons of two PII strings read no value (see above).
    if (e.kind === 'select' && e.testOnly && chainPath(e.operand, refs) !== undefined) return
    if (e.kind === 'call') {
      if (e.fn === 'hasValue' && e.target && e.args.length === 0 && chainPath(e.target, refs) !== undefined)
        return
      if ((e.fn === '_==_' || e.fn === '_!=_') && !e.target && e.args.length === 2) {
        const [a, b] = e.args.map((x) => chainPath(x, refs))
        if (a !== undefined && b !== undefined && piiStrings.has(a) && piiStrings.has(b)) return
      }
    }
    forEachChild(e, visit)
  }
  visit(r.checked.expr)
  return reads
}

/** Whether a read of `path` reads the PII field `f` (at it, below it, or the object above it). */
function readsField(path: string, f: PiiField): boolean {
  return (
    path === '' ||
    f.path === path ||
    f.path.startsWith(`${path}.`) ||
    f.path.startsWith(`${path}[]`) ||
    path.startsWith(`${f.path}.`)
  )
}

function carries(event: unknown, probe: readonly string[]): boolean {
  let v = event
  for (const k of probe) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return false
    v = (v as Record<string, unknown>)[k]
  }
  return v !== undefined && v !== null
}

/** What stands for a PII value in a rewritten expression: a variable the frame never sets. */
const PSEUDONYMISED = '__pseudonymised__'

function pseudonymisedError(fields: readonly PiiField[]): CelError {
  return new CelError('EVAL_PSEUDONYMISED', { field: fields.map((f) => f.path).join(', ') }, true)
}

/**
 * The program with every read of a PII value an evaluation error: the expression is recompiled
 * with those reads replaced by a variable that is never set, whose read fails — so CEL's own
 * rules decide what the error does (`false && error` is false, `true || error` true, `error`
 * otherwise), and a result that does not depend on the value is exact. The error is reported as
 * EVAL_PSEUDONYMISED. Should the rewritten text not compile, the whole program is that error on
 * events carrying one of the fields.
 */
function guarded(
  program: Program,
  reads: readonly EventRead[] | null,
  fields: readonly PiiField[],
  expected: Type | undefined,
): Program {
  let text = program.text
  for (const r of [...(reads ?? [])].sort((a, b) => b.start - a.start))
    text = `${text.slice(0, r.start)}${PSEUDONYMISED}${text.slice(r.end)}`
  const env = program.env.extend({ variables: { [PSEUDONYMISED]: T.dyn } })
  const slot = env.slots.get(PSEUDONYMISED)!
  const compiled = reads ? compileExpression(text, env, expected ? { expected } : {}) : { ok: false as const }
  const evaluate = compiled.ok
    ? (frame: Frame) => {
        frame[slot] = undefined
        const v = compiled.program.evaluateFrame(frame)
        return isCelError(v) && v.code === 'EVAL_UNBOUND' ? pseudonymisedError(fields) : v
      }
    : (frame: Frame) => {
        const event = frame[SLOT.event]
        for (const f of fields) if (carries(event, f.probe)) return pseudonymisedError(fields)
        return program.evaluateFrame(frame)
      }
  const g = Object.create(program) as Program
  Object.defineProperty(g, 'evaluateFrame', { value: evaluate })
  return g
}

/** A spec that accepts what is stored for PII: the pseudonym, as an opaque value. */
function opaque(spec: FieldSpec): FieldSpec {
  if (spec.pii) return { ...spec, kind: 'dyn' }
  if (spec.fields) return { ...spec, fields: opaqueFields(spec.fields) }
  if (spec.item) return { ...spec, item: opaque(spec.item) }
  return spec
}

function opaqueFields(fields: ReadonlyMap<string, FieldSpec>): Map<string, FieldSpec> {
  return new Map([...fields].map(([k, v]) => [k, opaque(v)]))
}

const sorted = (m: Map<string, Set<string>>): Record<string, string[]> =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]))

function add(m: Map<string, Set<string>>, key: string, fields: readonly PiiField[]): void {
  if (fields.length === 0) return
  let s = m.get(key)
  if (s === undefined) {
    s = new Set()
    m.set(key, s)
  }
  for (const f of fields) s.add(f.path)
}

/**
 * The pack as it replays stored events (see the module comment), and what of it reads PII values.
 * The variant has the same name, version and rules (`pack.rules` is unchanged, so rule changes
 * and per-rule metrics read the same); only validation and the per-type evaluation plans differ.
 */
export function storedEventsPack(pack: Pack): { pack: Pack; reads: PiiReads } {
  const rules = new Map<string, Set<string>>()
  const features = new Map<string, Set<string>>()
  const eventTypes = new Map<string, EventTypePlan>()
  const rulesByType = new Map<string, readonly RulePlan[]>()
  const plansByType = new Map<string, TypePlan>()
  for (const [name, type] of pack.eventTypes) {
    const pii = piiFields(type.fields, '', [], false)
    const typeRules = pack.rulesByType.get(name) ?? []
    const plan = pack.plansByType.get(name)
    if (pii.length === 0) {
      eventTypes.set(name, type)
      rulesByType.set(name, typeRules)
      if (plan) plansByType.set(name, plan)
      continue
    }
    eventTypes.set(name, { ...type, convert: fieldsConverterOf(opaqueFields(type.fields)) })
    rulesByType.set(
      name,
      typeRules.map((r) => {
        const p = protect(r.program, pii, T.bool)
        add(rules, r.id, p.fields)
        return p.program === r.program ? r : { ...r, program: p.program }
      }),
    )
    if (!plan) continue
    const feature = (f: FeaturePlan): FeaturePlan => {
      if (!f.where) return f
      const p = protect(f.where, pii, T.bool)
      add(features, f.name, p.fields)
      return p.program === f.where ? f : { ...f, where: p.program }
    }
    const derived = (d: DerivedFeature): DerivedFeature => {
      const p = protect(d.program, pii, undefined)
      add(features, d.name, p.fields)
      return p.program === d.program ? d : { ...d, program: p.program }
    }
    plansByType.set(name, {
      ...plan,
      features: plan.features.map((tf) => {
        const f = feature(tf.plan)
        return f === tf.plan ? tf : { ...tf, plan: f }
      }),
      derived: plan.derived.map(derived),
    })
  }
  const rollouts = pack.rules
    .filter((r) => r.mode === 'enforce' && r.rollout && pack.entities.get(r.rollout.entity)?.pii)
    .map((r) => r.id)
  const values = pack.features.filter((f) => f.of?.pii && f.spec.kind !== 'distinct').map((f) => f.name)
  return {
    pack: { ...pack, eventTypes, rulesByType, plansByType },
    reads: { rules: sorted(rules), features: sorted(features), rollouts, values },
  }
}

/** The program as it runs on stored events of a type with these PII fields, and the fields it reads. */
function protect(
  program: Program,
  pii: readonly PiiField[],
  expected: Type | undefined,
): { program: Program; fields: PiiField[] } {
  const strings = new Set(pii.filter((f) => f.string).map((f) => f.path))
  const reads = eventReads(program, strings)
  if (reads === null) return { program: guarded(program, null, pii, expected), fields: [...pii] }
  const piiReads = reads.filter((r) => pii.some((f) => readsField(r.path, f)))
  if (piiReads.length === 0) return { program, fields: [] }
  const fields = pii.filter((f) => piiReads.some((r) => readsField(r.path, f)))
  return { program: guarded(program, piiReads, fields, expected), fields }
}
