/**
 * Enforcement in a policy pack, checked at load: the actions a rule's `then.actions` (or the
 * manifest's `enforcement.on.<outcome>`) emits, escalation ladders, per-rule daily caps and the
 * anomaly guard's settings. The JSON Schemas check the shapes; this checks the references
 * (entities, lists, labels, ladders) and reports each problem at its file:line:column.
 */

import type { Outcome } from '../core/domain.ts'
import { parseSpan } from './features.ts'
import type { ListPlan } from './lists.ts'
import type { EntityPlan } from './pack.ts'
import type { PathItem } from './yaml.ts'

/** One action as data: what a rule, an outcome, a ladder step or a reviewer asks for. */
export type ActionSpec =
  | { readonly kind: 'webhook'; readonly destination: string }
  | { readonly kind: 'list_add'; readonly list: string; readonly entity?: string; readonly ttlMs?: number }
  | {
      readonly kind: 'label'
      readonly entity?: string
      readonly name: string
      readonly clear: boolean
      readonly ttlMs?: number
    }
  | { readonly kind: 'strike'; readonly ladder: string; readonly weight: number }
  | { readonly kind: 'review'; readonly queue: string; readonly priority: number }
  | { readonly kind: 'throttle'; readonly retryAfterS: number }

export type ActionKind = ActionSpec['kind']
export const ACTION_KINDS: readonly ActionKind[] = [
  'webhook',
  'list_add',
  'label',
  'strike',
  'review',
  'throttle',
]

export interface LadderStep {
  /** Strikes in force at which the step is reached. */
  readonly at: number
  /** Label set on the entity when the step is reached (a declared label of the ladder's entity). */
  readonly do: string
  /** How long the label lasts; absent: until cleared. */
  readonly forMs?: number
  readonly actions: readonly ActionSpec[]
}

export interface LadderPlan {
  readonly name: string
  readonly entity: string
  /** Each strike counts for this long after it was given. */
  readonly decayMs: number
  /** Ascending by `at`. */
  readonly steps: readonly LadderStep[]
}

export interface GuardSettings {
  /** Demote a rule to shadow when its hit rate jumps (rules may override). */
  readonly demote: boolean
  /** Fewest hits in the current hour before a jump can be significant. */
  readonly minHits: number
  /** One-sided z threshold of the test. */
  readonly z: number
}

export interface EnforcementPlan {
  readonly onOutcome: ReadonlyMap<Outcome, readonly ActionSpec[]>
  readonly ladders: ReadonlyMap<string, LadderPlan>
  /** Default daily action cap per rule (absent: none). */
  readonly dailyCap?: number
  readonly guard: GuardSettings
}

export interface RuleSafety {
  readonly dailyCap?: number
  readonly demote?: boolean
}

export const DEFAULT_GUARD: GuardSettings = { demote: false, minHits: 20, z: 4 }

export const NO_ENFORCEMENT: EnforcementPlan = {
  onOutcome: new Map(),
  ladders: new Map(),
  guard: DEFAULT_GUARD,
}

/** Where problems go: a path in the file being read, an error code and its parameters. */
export type Report = (
  path: readonly PathItem[],
  code: 'POLICY_REFERENCE' | 'POLICY_INVALID',
  params: Record<string, string | number>,
) => void

export interface ActionContext {
  readonly entities: ReadonlyMap<string, EntityPlan>
  readonly lists: ReadonlyMap<string, ListPlan>
  /** Ladder names (undefined while the manifest's ladders are being read). */
  readonly ladders?: ReadonlySet<string>
}

const span = (text: unknown): number | undefined => (typeof text === 'string' ? parseSpan(text) : undefined)

/**
 * Reads a list of actions (each a one-key object, `{webhook: {destination: x}}`); the schema has
 * checked the shapes. Returns the valid ones; problems are reported.
 */
export function readActions(
  raw: unknown,
  at: readonly PathItem[],
  ctx: ActionContext,
  report: Report,
): ActionSpec[] {
  if (!Array.isArray(raw)) return []
  const out: ActionSpec[] = []
  raw.forEach((item: Record<string, any>, i) => {
    const [kind] = Object.keys(item ?? {})
    const p = (item?.[kind!] ?? {}) as Record<string, any>
    const here = [...at, i, kind!]
    const entityOk = (name: unknown): boolean => {
      if (name === undefined) return true
      if (typeof name === 'string' && ctx.entities.has(name)) return true
      report([...here, 'entity'], 'POLICY_REFERENCE', {
        what: 'entity',
        name: String(name),
        hint: ` (declared: ${[...ctx.entities.keys()].join(', ')})`,
      })
      return false
    }
    switch (kind) {
      case 'webhook':
        out.push({ kind, destination: p.destination ?? 'default' })
        return
      case 'list_add': {
        if (!ctx.lists.has(p.list)) {
          report([...here, 'list'], 'POLICY_REFERENCE', { what: 'list', name: String(p.list), hint: '' })
          return
        }
        if (!entityOk(p.entity)) return
        if (p.entity !== undefined && ctx.entities.get(p.entity)?.pii) {
          report([...here, 'entity'], 'POLICY_INVALID', {
            detail: `list_add from '${p.entity}' would keep its raw (PII) id in the outbox; set a label on it instead`,
          })
          return
        }
        const ttlMs = span(p.ttl)
        out.push({
          kind,
          list: p.list,
          ...(p.entity ? { entity: p.entity } : {}),
          ...(ttlMs ? { ttlMs } : {}),
        })
        return
      }
      case 'label': {
        if (!entityOk(p.entity)) return
        if (p.entity !== undefined && !ctx.entities.get(p.entity)!.labels.includes(p.name)) {
          report([...here, 'name'], 'POLICY_REFERENCE', {
            what: `label of ${p.entity}`,
            name: String(p.name),
            hint: ` (declare it under labels.${p.entity} in bulwark.yaml)`,
          })
          return
        }
        const ttlMs = span(p.ttl)
        out.push({
          kind,
          name: p.name,
          clear: p.clear === true,
          ...(p.entity ? { entity: p.entity } : {}),
          ...(ttlMs ? { ttlMs } : {}),
        })
        return
      }
      case 'strike':
        if (ctx.ladders && !ctx.ladders.has(p.ladder)) {
          report([...here, 'ladder'], 'POLICY_REFERENCE', {
            what: 'ladder',
            name: String(p.ladder),
            hint: ' (declare it under enforcement.ladders in bulwark.yaml)',
          })
          return
        }
        out.push({ kind, ladder: p.ladder, weight: p.weight ?? 1 })
        return
      case 'review':
        out.push({ kind, queue: p.queue ?? 'default', priority: p.priority ?? 0 })
        return
      case 'throttle':
        out.push({ kind, retryAfterS: p.retry_after })
        return
      default:
        report(here.slice(0, -1), 'POLICY_INVALID', { detail: `unknown action '${String(kind)}'` })
    }
  })
  return out
}

/** The manifest's `enforcement` section. */
export function readEnforcement(raw: any, ctx: ActionContext, report: Report): EnforcementPlan {
  if (!raw) return NO_ENFORCEMENT
  const at = ['enforcement'] as const
  const ladders = new Map<string, LadderPlan>()
  const names = new Set(Object.keys(raw.ladders ?? {}))
  for (const [name, l] of Object.entries((raw.ladders ?? {}) as Record<string, any>)) {
    const here = [...at, 'ladders', name]
    const entity = ctx.entities.get(l.entity)
    if (!entity) {
      report([...here, 'entity'], 'POLICY_REFERENCE', { what: 'entity', name: String(l.entity), hint: '' })
      continue
    }
    const steps: LadderStep[] = []
    ;(l.steps as any[]).forEach((s, i) => {
      if (!entity.labels.includes(s.do)) {
        report([...here, 'steps', i, 'do'], 'POLICY_REFERENCE', {
          what: `label of ${l.entity}`,
          name: String(s.do),
          hint: ` (a ladder step sets it: declare it under labels.${l.entity})`,
        })
        return
      }
      if (steps.length && s.at <= steps.at(-1)!.at) {
        report([...here, 'steps', i, 'at'], 'POLICY_INVALID', {
          detail: `steps must ascend: ${s.at} is not above ${steps.at(-1)!.at}`,
        })
        return
      }
      const forMs = span(s.for)
      const actions = readActions(
        s.actions,
        [...here, 'steps', i, 'actions'],
        { ...ctx, ladders: names },
        report,
      )
      steps.push({ at: s.at, do: s.do, ...(forMs ? { forMs } : {}), actions })
    })
    ladders.set(name, { name, entity: l.entity, decayMs: span(l.decay)!, steps })
  }
  const full = { ...ctx, ladders: names }
  const onOutcome = new Map<Outcome, ActionSpec[]>()
  for (const [outcome, list] of Object.entries((raw.on ?? {}) as Record<string, unknown>))
    onOutcome.set(outcome as Outcome, readActions(list, [...at, 'on', outcome], full, report))
  return {
    onOutcome,
    ladders,
    ...(raw.daily_cap !== undefined ? { dailyCap: raw.daily_cap } : {}),
    guard: {
      demote: raw.guard?.demote ?? DEFAULT_GUARD.demote,
      minHits: raw.guard?.min_hits ?? DEFAULT_GUARD.minHits,
      z: raw.guard?.z ?? DEFAULT_GUARD.z,
    },
  }
}
