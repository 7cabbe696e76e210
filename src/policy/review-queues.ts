/**
 * The review section of a policy pack: `review/queues.yaml`, checked and compiled when the pack
 * loads (a pack with a bad queues file is refused like any other problem). It declares the queues
 * (SLA, reason codes, the higher-level queue an escalation moves to, the QA share, the actions a
 * violation verdict applies), the routes that pick a queue for a new case (first match wins, else
 * the default queue), the appeals queue and how long a claim holds. A pack without the file gets
 * DEFAULT_REVIEW: a `default` queue and an `appeals` queue above it. See docs/review.md.
 */

import type { Diagnostic } from '../lang/diagnostics.ts'
import { suggest } from '../lang/suggest.ts'
import { type ActionContext, type ActionSpec, readActions } from './actions.ts'
import { parseSpan } from './features.ts'
import { checkSchema } from './schemas.ts'
import { type PathItem, YamlFile } from './yaml.ts'

export const REVIEW_FILE = 'review/queues.yaml'

/** Reason codes of queues that declare none and of a pack without review/queues.yaml. */
export const DEFAULT_REASONS: readonly string[] = [
  'confirmed_abuse',
  'policy_violation',
  'insufficient_evidence',
  'false_positive',
  'needs_specialist',
  'other',
]

export interface QueuePlan {
  readonly name: string
  readonly description?: string
  readonly slaMs: number
  readonly escalateTo?: string
  readonly reasons: readonly string[]
  /** Share of closed cases re-queued blind for QA, 0…1. */
  readonly qaShare: number
  /** Actions (policy/actions.ts) applied to the case's entity on a violation verdict. */
  readonly onViolation: readonly ActionSpec[]
}

export interface RoutePlan {
  readonly queue: string
  readonly rules?: ReadonlySet<string>
  readonly areas?: ReadonlySet<string>
  readonly entities?: ReadonlySet<string>
  readonly minPriority?: number
  readonly maxPriority?: number
}

export interface ReviewPlan {
  /** In declaration order. */
  readonly queues: ReadonlyMap<string, QueuePlan>
  readonly routes: readonly RoutePlan[]
  readonly defaultQueue: string
  readonly appealsQueue: string
  readonly claimTimeoutMs: number
}

const HOUR = 3_600_000

export const DEFAULT_REVIEW: ReviewPlan = {
  queues: new Map<string, QueuePlan>([
    [
      'default',
      {
        name: 'default',
        slaMs: 24 * HOUR,
        escalateTo: 'appeals',
        reasons: DEFAULT_REASONS,
        qaShare: 0,
        onViolation: [],
      },
    ],
    ['appeals', { name: 'appeals', slaMs: 72 * HOUR, reasons: DEFAULT_REASONS, qaShare: 0, onViolation: [] }],
  ]),
  routes: [],
  defaultQueue: 'default',
  appealsQueue: 'appeals',
  claimTimeoutMs: 30 * 60_000,
}

/** What routes may name: the pack's rules (with their areas) and entity types. */
export interface ReviewRefs {
  readonly rules: readonly {
    readonly id: string
    readonly area?: string
    readonly actions?: readonly ActionSpec[]
  }[]
  readonly entities: ReadonlySet<string>
  /** What `on_violation` actions may name (entities, lists, ladders). */
  readonly actions: ActionContext
}

const asList = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]

/** The review plan of a pack's files, or the diagnostics that refuse it. */
export function reviewPlan(
  files: Readonly<Record<string, string>>,
  refs: ReviewRefs,
): { plan: ReviewPlan; diagnostics: readonly Diagnostic[] } {
  const text = files[REVIEW_FILE]
  if (text === undefined) return { plan: DEFAULT_REVIEW, diagnostics: [] }
  const file = new YamlFile(REVIEW_FILE, text)
  const value = file.ok ? file.value() : undefined
  if (!file.ok) return { plan: DEFAULT_REVIEW, diagnostics: file.sink.items }
  const report = (
    path: PathItem[],
    detail: string,
    code: 'POLICY_SCHEMA' | 'POLICY_REFERENCE' = 'POLICY_SCHEMA',
  ) => {
    const [start, end] = file.range(path)
    if (code === 'POLICY_SCHEMA') file.sink.report('POLICY_SCHEMA', { detail }, start, end)
    else file.sink.report('POLICY_INVALID', { detail }, start, end)
  }
  checkSchema('review', file, value ?? null)
  if (file.sink.hasErrors) return { plan: DEFAULT_REVIEW, diagnostics: file.sink.items }
  const v = value as Record<string, any>
  const defaultReasons = (v.reasons as string[] | undefined) ?? DEFAULT_REASONS
  const queues = new Map<string, QueuePlan>()
  for (const [name, q] of Object.entries(v.queues as Record<string, any>)) {
    queues.set(name, {
      name,
      ...(q.description ? { description: q.description } : {}),
      slaMs: parseSpan(q.sla)!,
      ...(q.escalate_to ? { escalateTo: q.escalate_to } : {}),
      reasons: q.reasons ?? defaultReasons,
      qaShare: q.qa_share ?? v.qa_share ?? 0,
      onViolation: readActions(
        q.on_violation ?? [],
        ['queues', name, 'on_violation'],
        refs.actions,
        (path, _code, params) =>
          report(
            [...path],
            'detail' in params
              ? String(params.detail)
              : `unknown ${params.what} '${params.name}'${params.hint ?? ''}`,
            'POLICY_REFERENCE',
          ),
      ),
    })
  }
  const names = [...queues.keys()]
  const queueRef = (path: PathItem[], name: string) => {
    if (!queues.has(name))
      report(
        path,
        `unknown queue '${name}'${suggest(name, names)} (declared: ${names.join(', ')})`,
        'POLICY_REFERENCE',
      )
  }
  for (const q of queues.values()) {
    if (q.escalateTo === undefined) continue
    if (q.escalateTo === q.name)
      report(
        ['queues', q.name, 'escalate_to'],
        `queue '${q.name}' cannot escalate to itself`,
        'POLICY_REFERENCE',
      )
    else queueRef(['queues', q.name, 'escalate_to'], q.escalateTo)
  }
  queueRef(['default_queue'], v.default_queue)
  const appealsQueue: string = v.appeals_queue ?? 'appeals'
  if (v.appeals_queue !== undefined) queueRef(['appeals_queue'], appealsQueue)
  else if (!queues.has('appeals'))
    report(
      [],
      "declare a queue named 'appeals' or name the appeals queue with appeals_queue",
      'POLICY_REFERENCE',
    )
  // A rule's review action names a declared queue, or `default`: route the case (see docs/review.md).
  for (const r of refs.rules)
    for (const a of r.actions ?? [])
      if (a.kind === 'review' && a.queue !== 'default' && !queues.has(a.queue))
        report(
          ['queues'],
          `rule '${r.id}' opens cases in queue '${a.queue}', which is not declared here`,
          'POLICY_REFERENCE',
        )
  const ruleIds = new Set(refs.rules.map((r) => r.id))
  const areas = new Set(refs.rules.flatMap((r) => (r.area ? [r.area] : [])))
  const routes: RoutePlan[] = ((v.routes ?? []) as any[]).map((r, i) => {
    queueRef(['routes', i, 'queue'], r.queue)
    const check = (key: string, known: ReadonlySet<string>, what: string) => {
      const list = asList(r[key])
      for (const name of list ?? [])
        if (!known.has(name))
          report(
            ['routes', i, key],
            `unknown ${what} '${name}'${suggest(name, [...known])}`,
            'POLICY_REFERENCE',
          )
      return list ? new Set(list) : undefined
    }
    const rules = check('rule', ruleIds, 'rule')
    const areaSet = check('area', areas, 'area (no rule of the pack has it)')
    const entities = check('entity', refs.entities, 'entity type')
    if (r.min_priority !== undefined && r.max_priority !== undefined && r.min_priority > r.max_priority)
      report(['routes', i], 'min_priority is above max_priority: the route can never match')
    return {
      queue: r.queue,
      ...(rules ? { rules } : {}),
      ...(areaSet ? { areas: areaSet } : {}),
      ...(entities ? { entities } : {}),
      ...(r.min_priority !== undefined ? { minPriority: r.min_priority } : {}),
      ...(r.max_priority !== undefined ? { maxPriority: r.max_priority } : {}),
    }
  })
  const plan: ReviewPlan = {
    queues,
    routes,
    defaultQueue: v.default_queue,
    appealsQueue,
    claimTimeoutMs: v.claim_timeout ? parseSpan(v.claim_timeout)! : DEFAULT_REVIEW.claimTimeoutMs,
  }
  return { plan, diagnostics: file.sink.items }
}

/** What a new case is routed by. */
export interface RouteInput {
  readonly rules: readonly string[]
  readonly areas: readonly string[]
  readonly entityType: string
  readonly priority: number
}

/** The queue of the first route that matches every condition it states, else the default queue. */
export function routeCase(plan: ReviewPlan, input: RouteInput): string {
  for (const r of plan.routes) {
    if (r.rules && !input.rules.some((x) => r.rules!.has(x))) continue
    if (r.areas && !input.areas.some((x) => r.areas!.has(x))) continue
    if (r.entities && !r.entities.has(input.entityType)) continue
    if (r.minPriority !== undefined && input.priority < r.minPriority) continue
    if (r.maxPriority !== undefined && input.priority > r.maxPriority) continue
    return r.queue
  }
  return plan.defaultQueue
}
