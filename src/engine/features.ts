/**
 * The feature step of a decision: from the event, build the one batch of updates and reads the
 * pack's features need (keys pseudonymised when they are PII, `where` filters applied), and
 * turn the store's answers into the `features` object rules read, derived features included.
 * A `where` reads the event, lists, labels and `now` (the frame must hold them), not features.
 */

import { IpAddress } from '../core/net/ip.ts'
import type { FeatureBatch, FeatureOp, FeatureUpdate, FeatureValues } from '../features/types.ts'
import type { Frame } from '../lang/compile/node.ts'
import { isCelError, Timestamp } from '../lang/runtime/values.ts'
import type { FeaturePlan, KeyPart } from '../policy/features.ts'
import { type Pack, SLOT } from '../policy/pack.ts'
import type { Pseudonymiser } from '../privacy/pseudonymise.ts'

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({})
const SEP = '\u001f'

/** A feature that could not be computed for this event: its `where` or its expression failed. */
export interface FeatureFailure {
  readonly name: string
  readonly code: string
  readonly message: string
}

export interface PreparedFeatures {
  readonly batch: FeatureBatch
  /** For each op, the plan it serves. */
  readonly plans: readonly FeaturePlan[]
  readonly updates: FeatureUpdate[]
  /** Features whose `where` failed to evaluate; the event does not update them. */
  readonly failed: readonly FeatureFailure[]
}

/** Text form of a key part value; undefined when the event does not carry it. */
function partText(part: KeyPart, event: Record<string, unknown>, pseudo: Pseudonymiser): string | undefined {
  const v = part.get(event)
  if (v === undefined || v === null) return undefined
  const text =
    typeof v === 'string'
      ? v
      : v instanceof IpAddress
        ? v.toString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v)
  return part.pii ? pseudo.pseudonym(text) : text
}

export function prepareFeatures(
  pack: Pack,
  event: Record<string, unknown>,
  time: number,
  frame: Frame,
  pseudo: Pseudonymiser,
): PreparedFeatures {
  const ops: FeatureOp[] = []
  const plans: FeaturePlan[] = []
  const updates: FeatureUpdate[] = []
  const failed: FeatureFailure[] = []
  const type = event.type as string
  frame[SLOT.features] = EMPTY
  for (const plan of pack.features) {
    let key: string | undefined
    if (plan.by.length === 1) key = partText(plan.by[0]!, event, pseudo)
    else {
      const parts = plan.by.map((p) => partText(p, event, pseudo))
      key = parts.includes(undefined) ? undefined : parts.join(SEP)
    }
    if (key === undefined) continue
    let update = plan.on.has(type)
    if (update && plan.where) {
      const v = plan.where.evaluateFrame(frame)
      if (isCelError(v)) failed.push({ name: plan.name, code: v.code, message: `where: ${v.message}` })
      update = v === true
    }
    let value: number | string | undefined
    if (plan.of) {
      const raw = plan.of.get(event)
      if (plan.spec.kind === 'distinct')
        value = raw === undefined ? undefined : (partText(plan.of, event, pseudo) as string)
      else value = typeof raw === 'number' ? raw : undefined
      if (value === undefined) update = false
    }
    ops.push(value === undefined ? { spec: plan.spec, key, update } : { spec: plan.spec, key, update, value })
    plans.push(plan)
    if (update)
      updates.push(
        value === undefined ? { id: plan.spec.id, key, time } : { id: plan.spec.id, key, time, value },
      )
  }
  return { batch: { time, ops }, plans, updates, failed }
}

/**
 * The `features` object: every base feature (0 for counts, sums and distincts the event has no
 * key for; absent for min/max/seen with no value), then derived features in declaration order.
 * Derived features that fail to evaluate are left out and reported, after the features whose
 * `where` failed.
 */
export function featureObject(
  pack: Pack,
  prepared: PreparedFeatures,
  values: FeatureValues,
  frame: Frame,
): { features: Record<string, unknown>; failed: FeatureFailure[] } {
  const features: Record<string, unknown> = {}
  for (const plan of pack.features) {
    const k = plan.spec.kind
    if (k === 'count' || k === 'distinct' || k === 'sum') features[plan.name] = 0
  }
  prepared.plans.forEach((plan, i) => {
    const v = values[i]
    if (v === undefined) return
    features[plan.name] =
      plan.spec.kind === 'first_seen' || plan.spec.kind === 'last_seen' ? Timestamp.fromMillis(v) : v
  })
  const failed = [...prepared.failed]
  if (pack.derived.length) {
    frame[SLOT.features] = features
    for (const d of pack.derived) {
      const v = d.program.evaluateFrame(frame)
      if (isCelError(v)) failed.push({ name: d.name, code: v.code, message: v.message })
      else features[d.name] = v
    }
  }
  return { features, failed }
}
