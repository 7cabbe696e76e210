/**
 * From an enforced decision to outbox rows, on the request path (so: no I/O, no parsing — the
 * specs were compiled with the pack). Each enforced rule's `then.actions`, then the pack's
 * actions for the decision's outcome (`enforcement.on.<outcome>`), become rows; the safety
 * switches decide each row's starting status:
 *
 *   kill switch on → suppressed · kind in dry-run → dry_run · rule over its daily cap → capped ·
 *   webhook to a destination not configured → skipped ("no destination") · else pending.
 *
 * Throttle has nothing to deliver: it is answered at once (`retryAfter`) and recorded as done.
 * The planner also feeds the anomaly guard with every decision and enforced-mode hit.
 */

import type { Decision } from '../core/domain.ts'
import { newId } from '../core/ids.ts'
import type { ActionPlanner } from '../engine/engine.ts'
import type { Pack, RulePlan } from '../policy/pack.ts'
import type { ActionSpec } from './types.ts'
import type { ActionCause, ActionRow, EntityRef } from './types-store.ts'

export interface PlannerContext {
  readonly now: () => number
  readonly killSwitch: () => boolean
  readonly dryRun: (kind: string) => boolean
  readonly hasDestination: (name: string) => boolean
  /** Counts an action against a rule's daily cap; false when the cap is reached. */
  readonly withinCap: (rule: string, cap: number | undefined, now: number) => boolean
  /** Every decision and enforce-mode hit, for the anomaly guard. */
  readonly observe: (pack: Pack, decision: Decision) => void
  /** Rows recorded: wake the outbox. */
  readonly recorded: (rows: readonly ActionRow[]) => void
}

/** The value a spec needs from the event: an entity's raw id (list_add) or its stored id. */
function entityFor(
  spec: ActionSpec,
  pack: Pack,
  entities: readonly EntityRef[],
  ladderEntity: string | undefined,
): EntityRef | undefined {
  const name =
    ('entity' in spec ? spec.entity : undefined) ?? ladderEntity ?? actingEntity(pack, entities)?.type
  return entities.find((e) => e.type === name)
}

/** The entity of `actor.id`, else the event's first entity. */
function actingEntity(pack: Pack, entities: readonly EntityRef[]): EntityRef | undefined {
  for (const e of entities) if (pack.entities.get(e.type)?.path === 'actor.id') return e
  return entities[0]
}

/** The params stored for a spec (`value` for list_add is the entity's raw, non-PII id). */
export function paramsOf(spec: ActionSpec, rawValue?: string): Record<string, unknown> {
  switch (spec.kind) {
    case 'webhook':
      return { destination: spec.destination, event: 'action' }
    case 'list_add':
      return {
        list: spec.list,
        ...(rawValue !== undefined ? { value: rawValue } : {}),
        ...(spec.ttlMs ? { ttlMs: spec.ttlMs } : {}),
      }
    case 'label':
      return { name: spec.name, clear: spec.clear, ...(spec.ttlMs ? { ttlMs: spec.ttlMs } : {}) }
    case 'strike':
      return { ladder: spec.ladder, weight: spec.weight }
    case 'review':
      return { queue: spec.queue, priority: spec.priority }
    case 'throttle':
      return { retryAfterS: spec.retryAfterS }
  }
}

/** The starting status of a new row under the safety switches. */
export function initialStatus(
  ctx: Pick<PlannerContext, 'killSwitch' | 'dryRun' | 'hasDestination'>,
  spec: ActionSpec,
  capped: boolean,
): { status: string; lastError?: string } {
  if (ctx.killSwitch()) return { status: 'suppressed', lastError: 'kill switch on' }
  if (ctx.dryRun(spec.kind)) return { status: 'dry_run' }
  if (capped) return { status: 'capped', lastError: 'daily cap reached' }
  if (spec.kind === 'webhook' && !ctx.hasDestination(spec.destination))
    return { status: 'skipped', lastError: `no destination '${spec.destination}' configured` }
  if (spec.kind === 'throttle') return { status: 'done' }
  return { status: 'pending' }
}

/** What one decision's planning gathers (one object per decision that emits actions). */
interface Gathered {
  readonly rows: ActionRow[]
  retryAfter: number | undefined
}

/**
 * The row of one spec, or none when the event lacks its entity (or a list_add would store PII).
 * A plain function rather than a closure per decision: nothing is allocated for the decisions
 * (most of them) that emit no action, and the hot path stays monomorphic.
 */
function addRow(
  ctx: PlannerContext,
  input: Parameters<ActionPlanner['plan']>[0],
  spec: ActionSpec,
  rules: readonly RulePlan[],
  cause: ActionCause,
  now: number,
  out: Gathered,
): void {
  const { pack, event, entities, decision } = input
  const plan = pack.enforcement
  const ladder = spec.kind === 'strike' ? plan?.ladders.get(spec.ladder) : undefined
  const entity = entityFor(spec, pack, entities, ladder?.entity)
  if (!entity) return
  let raw: string | undefined
  if (spec.kind === 'list_add') {
    const e = pack.entities.get(entity.type)
    const v = e?.get(event as Record<string, unknown>)
    if (v === undefined || v === null || e?.pii) return
    raw = String(v)
  }
  let capped = false
  const ruleIds: string[] = []
  for (const r of rules) {
    ruleIds.push(r.id)
    if (!ctx.withinCap(r.id, r.safety?.dailyCap ?? plan?.dailyCap, now)) capped = true
  }
  const { status, lastError } = initialStatus(ctx, spec, capped)
  if (spec.kind === 'throttle' && status === 'done')
    out.retryAfter = Math.max(out.retryAfter ?? 0, spec.retryAfterS)
  const params =
    spec.kind === 'webhook'
      ? { destination: spec.destination, event: 'action', outcome: decision.outcome }
      : paramsOf(spec, raw)
  const id = newId(now)
  out.rows.push({
    id,
    kind: spec.kind,
    status,
    entity,
    rules: ruleIds,
    cause,
    params,
    attempts: 0,
    nextAttemptAt: now,
    ...(lastError ? { lastError } : {}),
    createdAt: now,
    updatedAt: now,
  })
}

export function makePlanner(ctx: PlannerContext): ActionPlanner {
  return {
    plan(input) {
      const { pack, enforced, decision } = input
      ctx.observe(pack, decision)
      const byOutcome = pack.enforcement?.onOutcome.get(decision.outcome)
      let any = byOutcome !== undefined && byOutcome.length > 0
      for (let i = 0; !any && i < enforced.length; i++) if (enforced[i]!.actions) any = true
      if (!any) return undefined
      const now = ctx.now()
      const out: Gathered = { rows: [], retryAfter: undefined }
      const cause: ActionCause = { kind: 'decision', id: decision.eventId, decisionId: decision.eventId }
      for (const r of enforced) {
        if (!r.actions) continue
        const single = [r]
        for (const spec of r.actions) addRow(ctx, input, spec, single, cause, now, out)
      }
      if (byOutcome?.length) {
        const drivers = enforced.filter((r) => r.outcome === decision.outcome)
        for (const spec of byOutcome) addRow(ctx, input, spec, drivers, cause, now, out)
      }
      if (out.rows.length === 0) return undefined
      return out.retryAfter === undefined
        ? { actions: out.rows }
        : { actions: out.rows, retryAfter: out.retryAfter }
    },
    recorded(rows) {
      ctx.recorded(rows)
    },
  }
}
