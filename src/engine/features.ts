/**
 * The feature step of a decision: from the event, build the one batch of updates and reads the
 * event type's features need (its TypePlan: the features it updates and those its rules read;
 * keys pseudonymised when they are PII, `where` filters applied), and turn the store's answers
 * into the `features` object rules read, derived features included, and its plain form for the
 * decision trace. A `where` reads the event, lists, labels and `now` (the frame must hold
 * them), not features.
 */

import { IpAddress } from '../core/net/ip.ts'
import type { FeatureBatch, FeatureOp, FeatureUpdate, FeatureValues } from '../features/types.ts'
import type { Frame } from '../lang/compile/node.ts'
import { toPlain } from '../lang/plain.ts'
import { isCelError, Timestamp } from '../lang/runtime/values.ts'
import { type EventPart, SLOT, type TypeFeature, type TypePlan } from '../policy/pack.ts'
import type { Pseudonymiser } from '../privacy/pseudonymise.ts'

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({})
const SEP = '\u001f'
const NO_FAILURES: readonly FeatureFailure[] = Object.freeze([])

/**
 * For each of a plan's features, the index of the first feature keyed by the same parts (itself
 * when none before it is): an event builds each composite key once, and the features sharing it
 * hand the store one string, hashed once. Worked out on a plan's first event, then kept.
 */
const sharedKeys = new WeakMap<TypePlan, Int32Array>()

function sharedKeysOf(plan: TypePlan): Int32Array {
  let same = sharedKeys.get(plan)
  if (same !== undefined) return same
  const features = plan.features
  same = new Int32Array(features.length)
  for (let i = 0; i < features.length; i++) {
    const by = features[i]!.by
    let j = 0
    while (j < i && !samePartList(features[j]!.by, by)) j++
    same[i] = j
  }
  sharedKeys.set(plan, same)
  return same
}

function samePartList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The keys of the event being prepared, by feature index (prepareFeatures is not re-entrant). */
const eventKeys: (string | undefined)[] = []

/** A feature that could not be computed for this event: its `where` or its expression failed. */
export interface FeatureFailure {
  readonly name: string
  readonly code: string
  readonly message: string
}

export interface PreparedFeatures {
  readonly batch: FeatureBatch
  /** For each op, the feature it serves. */
  readonly served: readonly TypeFeature[]
  /** The updates the batch applies (collected only when asked for: they are recorded). */
  readonly updates: FeatureUpdate[]
  /** Features whose `where` failed to evaluate; the event does not update them. */
  readonly failed: readonly FeatureFailure[]
}

/** Text form of an event part; undefined when the event does not carry it. */
function partText(
  part: EventPart,
  event: Record<string, unknown>,
  pseudo: Pseudonymiser,
): string | undefined {
  const v = part.get(event)
  if (v === undefined || v === null) return undefined
  const text =
    typeof v === 'string'
      ? v
      : v instanceof IpAddress
        ? v.toString()
        : typeof v === 'object' && part.objects === 'json'
          ? JSON.stringify(v)
          : String(v)
  return part.pii ? pseudo.pseudonym(text) : text
}

/** The text of every part the type's decision reads (entity ids, feature keys and values). */
export function eventParts(
  plan: TypePlan,
  event: Record<string, unknown>,
  pseudo: Pseudonymiser,
): (string | undefined)[] {
  const parts = plan.parts
  const n = parts.length
  const texts: (string | undefined)[] = new Array(n)
  for (let i = 0; i < n; i++) texts[i] = partText(parts[i]!, event, pseudo)
  return texts
}

/**
 * The batch of the type's features: one op per feature the event has a key for, updating those
 * the type updates (when their `where` passes and their value is present), reading the others.
 * `texts` are the event's parts (eventParts); `record` asks for the list of updates.
 */
export function prepareFeatures(
  plan: TypePlan,
  event: Record<string, unknown>,
  time: number,
  frame: Frame,
  texts: readonly (string | undefined)[],
  record: boolean,
): PreparedFeatures {
  const ops: FeatureOp[] = []
  const served: TypeFeature[] = []
  const updates: FeatureUpdate[] = []
  let failed: FeatureFailure[] | undefined
  frame[SLOT.features] = EMPTY
  const features = plan.features
  const same = sharedKeysOf(plan)
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!
    let key: string | undefined
    const first = same[i]!
    if (first !== i) key = eventKeys[first]
    else {
      const by = f.by
      key = texts[by[0]!]
      for (let j = 1; key !== undefined && j < by.length; j++) {
        const part = texts[by[j]!]
        key = part === undefined ? undefined : key + SEP + part
      }
    }
    eventKeys[i] = key
    if (key === undefined) continue
    const feature = f.plan
    let update = f.update
    if (update && feature.where) {
      const v = feature.where.evaluateFrame(frame)
      if (isCelError(v)) {
        failed ??= []
        failed.push({ name: feature.name, code: v.code, message: `where: ${v.redacted}` })
      }
      update = v === true
    }
    let value: number | string | undefined
    if (update && feature.of) {
      if (f.of !== undefined) value = texts[f.of]
      else {
        const raw = feature.of.get(event)
        value = typeof raw === 'number' ? raw : undefined
      }
      if (value === undefined) update = false
    }
    const spec = feature.spec
    ops.push(value === undefined ? { spec, key, update } : { spec, key, update, value })
    served.push(f)
    if (update && record)
      updates.push(value === undefined ? { id: spec.id, key, time } : { id: spec.id, key, time, value })
  }
  return { batch: { time, ops }, served, updates, failed: failed ?? NO_FAILURES }
}

/**
 * The `features` object rules read, and its plain form for the decision trace: the type's base
 * features (0 for counts, sums and distincts the event has no key for; absent for min/max/seen
 * with no value), then its derived features in declaration order. Derived features that fail to
 * evaluate are left out and reported, after the features whose `where` failed.
 *
 * Most events' features are finite numbers, their own plain form: then `plain` is `features`
 * itself (neither is changed afterwards), and a second object is built, in the same key order,
 * only when a value needs converting (a time, a non-finite number, a derived CEL value).
 */
export function featureObject(
  plan: TypePlan,
  prepared: PreparedFeatures,
  values: FeatureValues,
  frame: Frame,
): { features: Record<string, unknown>; plain: Record<string, unknown>; failed: readonly FeatureFailure[] } {
  const features: Record<string, unknown> = {}
  let plainAsIs = true
  const served = prepared.served
  let op = 0
  for (const f of plan.features) {
    let v: number | undefined
    // Ops follow plan.features, skipping the features the event has no key for.
    if (served[op] === f) v = values[op++]
    const name = f.plan.name
    if (v === undefined) {
      if (f.zero) features[name] = 0
    } else if (f.time) {
      features[name] = Timestamp.fromMillis(v)
      plainAsIs = false
    } else {
      features[name] = v
      if (!Number.isFinite(v)) plainAsIs = false
    }
  }
  // Copied only when a derived feature fails too (the prepared list is shared, often empty).
  let failed = prepared.failed
  if (plan.derived.length) {
    frame[SLOT.features] = features
    for (const d of plan.derived) {
      const v = d.program.evaluateFrame(frame)
      if (isCelError(v)) failed = [...failed, { name: d.name, code: v.code, message: v.redacted }]
      else {
        features[d.name] = v
        if (plainAsIs && toPlain(v) !== v) plainAsIs = false
      }
    }
  }
  return { features, plain: plainAsIs ? features : plainCopy(features), failed }
}

/** Every value in its plain form (times RFC 3339, non-finite numbers as text), keys in order. */
function plainCopy(features: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const plain: Record<string, unknown> = {}
  for (const name in features) plain[name] = toPlain(features[name])
  return plain
}
