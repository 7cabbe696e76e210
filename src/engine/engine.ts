/**
 * decide(event): validate → labels → features (one batched read-and-update) → rules (cheapest
 * first, errors isolated) → outcome → record durably → answer, with the trace that explains it.
 *
 * The engine holds one pack at a time and swaps it whole on reload. A repeated event id is
 * answered with the decision already recorded, never decided (or counted) twice. Raw PII lives
 * only in memory during the decision: stored events, feature keys and entity ids carry
 * pseudonyms.
 */

import type { Clock } from '../core/clock.ts'
import type { Decision, LabelSet } from '../core/domain.ts'
import { BulwarkError } from '../core/errors.ts'
import type { LabelStore } from '../features/labels.ts'
import type { ListRegistry } from '../features/lists.ts'
import type { FeatureStore, FeatureValues } from '../features/types.ts'
import type { Frame } from '../lang/compile/node.ts'
import { formatTimestamp } from '../lang/runtime/time.ts'
import type { Timestamp } from '../lang/runtime/values.ts'
import type { ModelRun } from '../models/stage.ts'
import { type ValidEvent, validateEvent } from '../policy/events.ts'
import { type Pack, type RulePlan, SLOT, type TypePlan } from '../policy/pack.ts'
import type { Pseudonymiser } from '../privacy/pseudonymise.ts'
import type { ActionRow } from '../store/actions.ts'
import type { DecisionRecord, EntityRef, LabelOp, Repository } from '../store/repository.ts'
import { eventParts, featureObject, type PreparedFeatures, prepareFeatures } from './features.ts'
import { EngineMetrics } from './metrics.ts'
import { evaluateRules, outcomeOf } from './rules.ts'
import { storedEvent } from './stored.ts'

export interface EngineDeps {
  readonly pack: Pack
  readonly features: FeatureStore
  readonly labels: LabelStore
  readonly lists: ListRegistry
  readonly pseudonymiser: Pseudonymiser
  readonly clock: Clock
  /** Durable storage; without one (pack tests, offline replay) nothing is recorded. */
  readonly repository?: Repository
  readonly metrics?: EngineMetrics
  /** Turns enforced hits into outbox actions recorded with the decision (src/enforcement/). */
  readonly actions?: ActionPlanner
  /**
   * How many recent decisions to keep for answering a repeated event id (default 100,000); 0
   * keeps none — for an offline replay that finds repeated ids itself.
   */
  readonly recentDecisions?: number
}

/**
 * What the engine asks of enforcement (implemented in src/enforcement/planner.ts): the actions a
 * decision emits, to be recorded in the decision's own durable write, and a note once recorded.
 */
export interface ActionPlanner {
  plan(input: {
    readonly pack: Pack
    readonly event: ValidEvent
    readonly enforced: readonly RulePlan[]
    readonly entities: readonly EntityRef[]
    readonly decision: Decision
    readonly time: number
  }): { readonly actions: readonly ActionRow[]; readonly retryAfter?: number } | undefined
  recorded(actions: readonly ActionRow[]): void
}

export interface DecideResult {
  readonly decision: Decision
  /** The event id had been decided before; this is the recorded decision. */
  readonly duplicate: boolean
  /**
   * The decision as the JSON text just recorded (JSON.stringify, in the decision's key order):
   * a reply can send it instead of serialising the decision a second time. Only for a new
   * decision that was recorded and carries no `retryAfter` (added last, so out of the order of
   * the response schema).
   */
  readonly decisionJson?: string
}

const RECENT_MAX = 100_000

/** A decision's state between begin() and conclude(). */
interface Started {
  readonly t0: number
  readonly pack: Pack
  readonly plan: TypePlan
  readonly event: ValidEvent
  readonly dropped: string[]
  readonly time: number
  readonly frame: Frame
  readonly entities: EntityRef[]
  readonly prepared: PreparedFeatures
}

export class Engine {
  private current: Pack
  readonly features: FeatureStore
  readonly labels: LabelStore
  readonly lists: ListRegistry
  readonly metrics: EngineMetrics
  private readonly pseudo: Pseudonymiser
  private readonly clock: Clock
  private readonly repository: Repository | undefined
  /** Decisions of recent event ids (idempotency without a storage read). */
  private readonly recent = new Map<string, Decision>()
  /** The same ids in a ring, to evict the oldest without scanning the map from its start. */
  private readonly recentRing: (string | undefined)[]
  private readonly recentMax: number
  private recentNext = 0
  private readonly inflight = new Map<string, Promise<DecideResult>>()
  /** Events whose feature updates are applied in memory but whose decision is not durable yet. */
  private readonly unrecorded = new Set<string>()
  /** Rules demoted to shadow at run time by the anomaly guard (no pack reload). */
  readonly demoted = new Set<string>()
  private readonly planner: ActionPlanner | undefined

  constructor(deps: EngineDeps) {
    this.current = deps.pack
    this.features = deps.features
    this.labels = deps.labels
    this.lists = deps.lists
    this.pseudo = deps.pseudonymiser
    this.clock = deps.clock
    this.repository = deps.repository
    this.metrics = deps.metrics ?? new EngineMetrics()
    this.planner = deps.actions
    this.recentMax = deps.recentDecisions ?? RECENT_MAX
    this.recentRing = new Array(this.recentMax)
    this.lists.usePack(deps.pack.lists, this.clock.now())
  }

  get pack(): Pack {
    return this.current
  }

  /**
   * Swaps in a new pack; decisions in flight finish on the pack they started with. The old pack's
   * models are released once its in-flight scorings drain (ModelStage.retire).
   */
  usePack(pack: Pack): void {
    const old = this.current
    this.lists.usePack(pack.lists, this.clock.now())
    this.current = pack
    if (old.modelStage && old.modelStage !== pack.modelStage) void old.modelStage.retire(pack.modelStage)
  }

  /** Pseudonymised id of an entity as stored (entities whose path is PII are never stored raw). */
  entityKey(type: string, id: string): string {
    return this.current.entities.get(type)?.pii ? this.pseudo.pseudonym(id) : id
  }

  /**
   * Whether decide() can answer without waiting: nothing durable behind the engine and a feature
   * store that applies batches synchronously (offline replay, pack tests, dry runs). Then no
   * decision ever waits, so none is ever in flight while another starts.
   */
  get synchronous(): boolean {
    return (
      this.repository === undefined &&
      this.features.applySync !== undefined &&
      // A pack with a model that scores only asynchronously (ONNX) takes the asynchronous path.
      !this.current.modelStage?.async
    )
  }

  async decide(raw: unknown): Promise<DecideResult> {
    if (this.synchronous) return this.decideSync(raw)
    const receivedAt = this.clock.now()
    const id = (raw as { id?: unknown } | null)?.id
    if (typeof id === 'string') {
      const cached = this.recent.get(id)
      if (cached) return { decision: cached, duplicate: true }
      if (this.repository) {
        const stored = await this.repository.decision(id)
        if (stored) return { decision: stored.decision, duplicate: true }
      }
      const pending = this.inflight.get(id)
      if (pending) return { decision: (await pending).decision, duplicate: true }
      const p = this.decideNew(raw, receivedAt)
      this.inflight.set(id, p)
      try {
        return await p
      } finally {
        this.inflight.delete(id)
      }
    }
    return this.decideNew(raw, receivedAt)
  }

  /**
   * decide() answered synchronously, for an engine that is `synchronous` (throws otherwise): the
   * same decision, without a Promise and a turn of the microtask queue per event. Offline replay
   * decides millions of events in a row through it.
   */
  decideSync(raw: unknown): DecideResult {
    if (!this.synchronous)
      throw new BulwarkError('INVALID_ARGUMENT', {
        detail:
          'decideSync needs an engine without a repository, with a synchronous feature store and no asynchronous-only (ONNX) model',
      })
    const receivedAt = this.clock.now()
    const id = (raw as { id?: unknown } | null)?.id
    if (typeof id === 'string') {
      const cached = this.recent.get(id)
      if (cached) return { decision: cached, duplicate: true }
    }
    const started = this.begin(raw, receivedAt)
    const values = this.features.applySync!(started.prepared.batch)
    const { decision, labelOps } = this.conclude(started, values)
    for (let i = 0; i < labelOps.length; i++) this.labels.apply(labelOps[i]!)
    this.remember(decision.eventId, decision)
    return { decision, duplicate: false }
  }

  private async decideNew(raw: unknown, receivedAt: number): Promise<DecideResult> {
    const started = this.begin(raw, receivedAt)
    const { event, prepared } = started
    if (this.repository && prepared.updates.length) this.unrecorded.add(event.id)
    let values: FeatureValues
    try {
      const store = this.features
      values = store.applySync ? store.applySync(prepared.batch) : await store.apply(prepared.batch)
    } catch (e) {
      this.unrecorded.delete(event.id)
      throw e
    }
    const models = started.pack.modelStage?.asyncFor(event.type)
      ? await this.scoreModelsAsync(started, values)
      : undefined
    const concluded = this.conclude(started, values, models)
    const { labelOps } = concluded
    let decision = concluded.decision
    const planned = this.planner?.plan({
      pack: started.pack,
      event,
      enforced: concluded.enforced,
      entities: started.entities,
      decision,
      time: started.time,
    })
    if (planned?.retryAfter !== undefined) decision = { ...decision, retryAfter: planned.retryAfter }

    let decisionJson: string | undefined
    if (this.repository) {
      // Stringified once: the journal line splices it in and the reply can send it.
      const json = JSON.stringify(decision)
      const record: DecisionRecord = {
        eventId: event.id,
        eventType: event.type,
        eventTime: started.time,
        receivedAt,
        event: storedEvent(event, started.pack, this.pseudo),
        decision,
        decisionJson: json,
        featureUpdates: prepared.updates,
        labelOps,
        entities: started.entities,
        ...(planned?.actions.length ? { actions: planned.actions } : {}),
      }
      // Resolves once the decision is durable: only then is it answered.
      try {
        await this.repository.record(record)
      } finally {
        this.unrecorded.delete(event.id)
      }
      if (planned?.actions.length) this.planner!.recorded(planned.actions)
      if (planned?.retryAfter === undefined) decisionJson = json
    }
    for (const op of labelOps) this.labels.apply(op)
    this.remember(event.id, decision)
    return decisionJson === undefined
      ? { decision, duplicate: false }
      : { decision, duplicate: false, decisionJson }
  }

  /** A decision up to the feature store: validation, entities, labels and the feature batch. */
  private begin(raw: unknown, receivedAt: number): Started {
    const t0 = performance.now()
    const pack = this.current
    const valid = validateEvent(pack.eventTypes, raw, receivedAt)
    if (!valid.ok) {
      this.metrics.rejected.inc({ reason: 'invalid' })
      throw new BulwarkError(
        'EVENT_INVALID',
        {
          count: valid.problems.length,
          first: `${valid.problems[0]!.path || 'event'} ${valid.problems[0]!.message}`,
        },
        valid.problems,
      )
    }
    const event = valid.event
    const time = (event.time as Timestamp).toMillis()
    const frame: Frame = new Array(pack.frameSize).fill(undefined)
    frame[SLOT.event] = event
    frame[SLOT.lists] = this.lists.at(receivedAt)
    frame[SLOT.models] = EMPTY_MODELS
    frame[SLOT.now] = event.time
    const plan = pack.plansByType.get(event.type)!
    // Entity ids, feature keys and distinct values, each read (and pseudonymised) once.
    const texts = eventParts(plan, event, this.pseudo)
    // Labels come first: they do not depend on features, and a feature's `where` may read them.
    const { entities, labels } = this.entityLabels(pack, plan, texts, time)
    frame[SLOT.labels] = labels
    const prepared = prepareFeatures(plan, event, time, frame, texts, this.repository !== undefined)
    return { t0, pack, plan, event, dropped: valid.dropped, time, frame, entities, prepared }
  }

  /** Scores a pack's asynchronous (ONNX) models for a decision, once its features are known. */
  private async scoreModelsAsync(started: Started, values: FeatureValues): Promise<ModelRun> {
    const { frame, plan, prepared } = started
    frame[SLOT.features] = featureObject(plan, prepared, values, frame).features
    return started.pack.modelStage!.scoreAsync(started.event, frame)
  }

  /** The rest of a decision once the store answered: features, rules, outcome, labels to set. */
  private conclude(
    started: Started,
    values: FeatureValues,
    scored?: ModelRun,
  ): { decision: Decision; labelOps: readonly LabelOp[]; enforced: readonly RulePlan[] } {
    const { pack, plan, event, time, frame, entities, prepared } = started
    const { features, plain, failed } = featureObject(plan, prepared, values, frame)
    frame[SLOT.features] = features
    // Models score between features and rules (src/models/stage.ts); async ones were scored already.
    const models = scored ?? pack.modelStage?.scoreSync(event, frame)
    if (models) frame[SLOT.models] = models.values

    const results = evaluateRules(pack, event, frame, this.demoted)
    const { outcome, score, reasons } = outcomeOf(pack, results.enforced)

    // Allocated only for an enforced hit that sets a label (few decisions do).
    let labelOps: LabelOp[] | undefined
    let labelsSet: LabelSet[] | undefined
    // Indexed loops in the per-decision code: the heap profile showed for-of over these (mostly
    // empty, shared frozen) arrays calling the array iterator's next(), a result object per step.
    const enforced = results.enforced
    for (let r = 0; r < enforced.length; r++) {
      const rule = enforced[r]!
      for (let i = 0; i < rule.labels.length; i++) {
        const l = rule.labels[i]!
        const ref = entities.find((e) => e.type === l.entity)
        if (!ref) continue
        const expiresAt = l.ttlMs !== undefined ? time + l.ttlMs : undefined
        labelOps ??= []
        labelOps.push({
          op: 'set',
          entity: ref,
          name: l.name,
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          source: rule.id,
          time,
        })
        labelsSet ??= []
        labelsSet.push({
          entity: l.entity,
          id: ref.id,
          name: l.name,
          ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
        })
      }
    }

    const decision: Decision = {
      eventId: event.id,
      eventType: event.type,
      outcome,
      score,
      // Empty lists are one shared frozen array (evaluateRules and outcomeOf give one too):
      // decisions are kept (recent ids, replays), and most have no reasons, errors, labels or
      // ignored fields.
      reasons,
      hits: results.hits,
      errors: failed.length
        ? [
            ...results.errors,
            ...failed.map((f) => ({ rule: `feature:${f.name}`, code: f.code, message: f.message })),
          ]
        : results.errors,
      skipped: pack.skippedByType.get(event.type) ?? NONE,
      evaluated: results.evaluated,
      features: plain,
      ...(models?.traces.length ? { models: models.traces } : {}),
      labels: labelsSet ?? NONE,
      ignoredFields: started.dropped.length ? started.dropped : NONE,
      policyVersion: pack.version,
      latencyMs: Math.round((performance.now() - started.t0) * 1000) / 1000,
      time: formatTimestamp(event.time as Timestamp),
    }
    this.metrics.observe(decision)
    return { decision, labelOps: labelOps ?? NONE, enforced: results.enforced }
  }

  /**
   * The event's entities (ids pseudonymised where PII) and the `labels` object rules read: for
   * each entity type, its label flags as of `time` (all false when the event has no such entity).
   */
  private entityLabels(
    pack: Pack,
    plan: TypePlan,
    texts: readonly (string | undefined)[],
    time: number,
  ): { entities: EntityRef[]; labels: Readonly<Record<string, Readonly<Record<string, boolean>>>> } {
    const entities: EntityRef[] = []
    // Shared while no entity of the event has a label in force; copied on the first that has.
    let labels = pack.noLabels
    const planned = plan.entities
    for (let i = 0; i < planned.length; i++) {
      const { entity, part } = planned[i]!
      const id = texts[part]
      if (id === undefined) continue
      entities.push({ type: entity.name, id })
      if (entity.labels.length === 0) continue
      const active = this.labels.active(entity.name, id, time)
      if (active.length) {
        const set: Record<string, boolean> = { ...entity.noLabels }
        for (const l of active) if (Object.hasOwn(set, l)) set[l] = true
        if (labels === pack.noLabels) labels = { ...pack.noLabels }
        ;(labels as Record<string, Readonly<Record<string, boolean>>>)[entity.name] = set
      }
    }
    return { entities, labels }
  }

  /**
   * Ids of events whose feature updates are in memory but not yet durable. A feature snapshot
   * records them so that recovery does not apply their updates a second time.
   */
  unrecordedEvents(): string[] {
    return [...this.unrecorded]
  }

  private remember(id: string, decision: Decision): void {
    if (this.recentMax === 0) return
    const old = this.recentRing[this.recentNext]
    if (old !== undefined) this.recent.delete(old)
    this.recentRing[this.recentNext] = id
    this.recentNext = (this.recentNext + 1) % this.recentMax
    this.recent.set(id, decision)
  }
}

const EMPTY_MODELS = Object.freeze({})
const NONE: readonly never[] = Object.freeze([])
