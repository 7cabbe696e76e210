/**
 * Enforcement on a node: the planner the engine calls (actions recorded with the decision), the
 * outbox worker and its executors (signed webhooks, list entries, labels, strikes; `review` and
 * any other kind pluggable through registerExecutor), escalation ladders, reversals, the safety
 * switches (kill switch, dry run per kind, daily caps), the rule anomaly guard and the retention
 * of finished actions (retention.ts). Everything durable goes through the repository's journal;
 * see docs/enforcement.md for the guarantees.
 */

import type { Clock } from '../core/clock.ts'
import type { Decision } from '../core/domain.ts'
import { BulwarkError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import type { ActionPlanner, Engine } from '../engine/engine.ts'
import type { Pack, RulePlan } from '../policy/pack.ts'
import type { ActionReader } from '../store/actions.ts'
import type { SqliteRepository } from '../store/sqlite.ts'
import { type EnforcementConfig, readSafety, type SafetySettings } from './config.ts'
import { builtinExecutors } from './executors.ts'
import { AnomalyGuard, type GuardAlert, readGuardState } from './guard.ts'
import { stepAt, strikesInForce } from './ladders.ts'
import { EnforcementMetrics } from './metrics.ts'
import { Outbox } from './outbox.ts'
import { initialStatus, makePlanner, paramsOf } from './planner.ts'
import { PRUNE_BATCHES_PER_RUN, pruneBounds } from './retention.ts'
import type { ActionRecord, ActionSpec, ApplyCause, Executor } from './types.ts'
import type { ActionRow, ActionUpdate, AuditRow, EnforcementWrite, EntityRef } from './types-store.ts'

const DAY = 86_400_000
const REPLAYABLE = new Set(['dead', 'capped', 'dry_run', 'suppressed', 'skipped'])

export interface EnforcementSettings extends SafetySettings {
  /** Rules the anomaly guard demoted to shadow (PUT without one restores it). */
  readonly demotedRules: readonly string[]
}

export interface LadderStatus {
  readonly ladder: string
  readonly strikes: number
  /** The label of the step reached, or null below the first step. */
  readonly step: string | null
  readonly nextStepAt: number | null
}

export class Enforcement {
  readonly metrics = new EnforcementMetrics()
  readonly planner: ActionPlanner
  private engine: Engine | undefined = undefined
  private safety: SafetySettings
  private readonly executors = new Map<string, Executor>()
  private readonly outbox: Outbox
  private readonly alertsList: (GuardAlert & { demoted: boolean })[] = []
  private guard: AnomalyGuard | undefined = undefined
  private guardPack: Pack | undefined = undefined
  /** The guarded pack's enforce-mode rules by id. */
  private enforcedRules = new Map<string, RulePlan>()
  /** Actions counted against each rule's cap in the current UTC day. */
  private capDay = -1
  private readonly capCounts = new Map<string, number>()
  /** A retention run is under way (prune). */
  private pruning = false
  /** Status changes waiting for this turn's write (updateSoon). */
  private pendingUpdates: { updates: ActionUpdate[]; done: Promise<void> } | undefined = undefined

  private readonly repository: SqliteRepository
  private readonly clock: Clock
  readonly config: EnforcementConfig

  constructor(repository: SqliteRepository, clock: Clock, config: EnforcementConfig) {
    this.repository = repository
    this.clock = clock
    this.config = config
    this.safety = config.safety
    this.outbox = new Outbox({
      timing: () => this.config.outbox,
      now: () => this.clock.now(),
      paused: () => this.safety.killSwitch,
      due: (now, limit, current) =>
        this.repository.enforcementRead((r) => r.dueActions(now, limit), { current }),
      executor: (kind) => this.executors.get(kind),
      update: (u) => this.updateSoon(u),
      onResult: (action, status, result) => {
        this.metrics.transitions.inc({ kind: action.kind, status })
        if (status === 'dead') this.metrics.deadLetters.inc({ kind: action.kind })
        if (action.kind === 'webhook' && result)
          this.metrics.deliveries.inc({
            destination: String(action.params.destination ?? 'default'),
            result: 'skipped' in result ? 'skipped' : result.ok ? 'delivered' : 'failed',
          })
      },
    })
    this.planner = makePlanner({
      now: () => this.clock.now(),
      killSwitch: () => this.safety.killSwitch,
      dryRun: (kind) => this.safety.dryRun.includes(kind as never),
      hasDestination: (name) => this.config.destinations.has(name),
      withinCap: (rule, cap, now) => this.withinCap(rule, cap, now),
      observe: (pack, decision) => this.observe(pack, decision),
      // Rows of a decision just recorded (new ids, so inserted): the outbox runs them from memory,
      // unless their status could not be written now (then a read finds them once it can).
      recorded: (rows) => {
        this.countRecorded(rows)
        if (this.repository.refusingWrites) this.outbox.kick()
        else this.outbox.offer(rows)
      },
    })
    for (const [kind, fn] of Object.entries(builtinExecutors(this))) this.executors.set(kind, fn)
  }

  private countRecorded(rows: readonly ActionRow[]): void {
    for (const r of rows) {
      this.metrics.transitions.inc({ kind: r.kind, status: r.status })
      if (r.status === 'capped') for (const rule of r.rules) this.metrics.capped.inc({ rule })
    }
  }

  /** The engine whose labels, lists and rule modes actions change (set once, before start). */
  attach(engine: Engine): void {
    this.engine = engine
  }

  get attachedEngine(): Engine {
    if (!this.engine) throw new BulwarkError('INTERNAL', { detail: 'enforcement has no engine attached' })
    return this.engine
  }

  /** Restores settings, demoted rules and today's cap counts from storage; starts the outbox. */
  async start(): Promise<void> {
    const stored = await this.read((r) => ({
      settings: r.state<SafetySettings>('settings'),
      demoted: r.state<string[]>('demoted'),
      guard: r.state<unknown>('guard'),
    }))
    if (stored.settings) this.safety = readSafety(stored.settings, 'stored settings', this.config.safety)
    for (const rule of stored.demoted ?? []) this.attachedEngine.demoted.add(rule)
    this.restoreGuard(stored.guard)
    await this.loadCaps(this.clock.now())
    this.outbox.start()
  }

  async stop(): Promise<void> {
    await this.saveGuard().catch(() => {})
    await this.outbox.stop()
  }

  /**
   * Saves the anomaly guard's counts as enforcement state `guard`, with the version of the pack
   * they were counted under (guard.ts); the node's maintenance timer and stop() call it.
   */
  async saveGuard(): Promise<void> {
    const guard = this.guard
    const pack = this.guardPack
    if (guard === undefined || pack === undefined) return
    await this.write({ state: [{ key: 'guard', value: { pack: pack.version, ...guard.state() } }] })
  }

  /** Takes up saved guard counts if they were counted under the pack being served. */
  private restoreGuard(raw: unknown): void {
    const pack = this.attachedEngine.pack
    if (!pack.enforcement || typeof raw !== 'object' || raw === null) return
    if ((raw as { pack?: unknown }).pack !== pack.version) return
    const state = readGuardState(raw)
    if (state === undefined) return
    this.guardFor(pack).restore(state)
  }

  /** The guard of `pack`: a new one, with a new baseline, when the pack changed. */
  private guardFor(pack: Pack): AnomalyGuard {
    if (this.guardPack !== pack || this.guard === undefined) {
      // A new pack: a new baseline (rules may have changed meaning).
      const plan = pack.enforcement!
      this.guardPack = pack
      this.guard = new AnomalyGuard({ minHits: plan.guard.minHits, z: plan.guard.z })
      this.enforcedRules = new Map(pack.rules.filter((r) => r.mode === 'enforce').map((r) => [r.id, r]))
    }
    return this.guard
  }

  /**
   * Retention (retention.ts): deletes finished actions past `retention.actions`, in batches, up
   * to PRUNE_BATCHES_PER_RUN of them; the node's maintenance timer calls it. One run at a time.
   * Resolves with how many went.
   */
  async prune(): Promise<number> {
    const retentionMs = this.config.retention.actionsMs
    if (retentionMs === undefined || this.pruning) return 0
    this.pruning = true
    let total = 0
    try {
      const bounds = pruneBounds(this.clock.now(), retentionMs, this.attachedEngine.pack)
      for (let i = 0; i < PRUNE_BATCHES_PER_RUN; i++) {
        const n = await this.repository.pruneActions(bounds)
        total += n
        if (n < bounds.limit) break
      }
    } finally {
      this.pruning = false
      if (total > 0) this.metrics.pruned.inc({}, total)
    }
    return total
  }

  /** Looks for due actions now (tests; after a replay). */
  kick(): void {
    this.outbox.kick()
  }

  // ── contract with other services ───────────────────────────────────

  /** Plugs in the executor of an action kind (e.g. `review`); pending actions of it resume. */
  registerExecutor(kind: string, fn: Executor): void {
    this.executors.set(kind, fn)
    this.outbox.kick()
  }

  /** Durably enqueues actions outside a decision (a reviewer's verdict, an API call). */
  async applyActions(input: {
    entity: { type: string; id: string }
    actions: readonly ActionSpec[]
    cause: ApplyCause | { kind: 'ladder'; id: string; decisionId?: string }
    /** Ids to use (ladder steps, reversals: deterministic, so a repeat inserts nothing). */
    ids?: readonly string[]
    /** Extra params per action (merged over the spec's). */
    params?: readonly Record<string, unknown>[]
  }): Promise<{ actionIds: string[] }> {
    const now = this.clock.now()
    const rows: ActionRow[] = input.actions.map((spec, i) => {
      const { status, lastError } = initialStatus(
        {
          killSwitch: () => this.safety.killSwitch,
          dryRun: (k) => this.safety.dryRun.includes(k as never),
          hasDestination: (n) => this.config.destinations.has(n),
        },
        spec,
        false,
      )
      return {
        id: input.ids?.[i] ?? newId(now),
        kind: spec.kind,
        status,
        entity: { type: input.entity.type, id: input.entity.id },
        rules: [],
        cause: input.cause,
        params: {
          ...paramsOf(spec, spec.kind === 'list_add' ? input.entity.id : undefined),
          ...(input.params?.[i] ?? {}),
        },
        attempts: 0,
        nextAttemptAt: now,
        ...(lastError ? { lastError } : {}),
        createdAt: now,
        updatedAt: now,
      }
    })
    if (rows.length) await this.write({ insert: rows }, true)
    if (input.ids === undefined) {
      this.planner.recorded(rows)
    } else {
      // Ids given (ladder steps, reversal notices) may name rows stored before, whose insert was
      // ignored: the outbox must find what is really pending in storage, not run these rows.
      this.countRecorded(rows)
      this.outbox.kick()
    }
    return { actionIds: rows.map((r) => r.id) }
  }

  /**
   * Undoes what a decision's actions did — list entries removed, labels it set cleared, strikes
   * removed (the ladder step recomputed) — cancels those not carried out yet, and notifies the
   * default destination with a `reversal` webhook. Idempotent: a second call undoes nothing more
   * and sends nothing.
   */
  async reverseDecision(
    decisionId: string,
    reason: string,
    cause: { kind: 'appeal' | 'review'; id: string },
  ): Promise<{ reversed: { actionId: string; kind: string }[] }> {
    const rows = await this.read((r) => r.ofDecision(decisionId))
    const now = this.clock.now()
    const updates: ActionUpdate[] = []
    const ladders = new Set<string>()
    for (const a of rows) {
      if (a.params.event === 'reversal') continue
      if (a.status === 'done') await this.undo(a, ladders)
      else if (a.status !== 'pending') continue
      updates.push({
        id: a.id,
        status: 'reversed',
        attempts: a.attempts,
        nextAttemptAt: now,
        lastError: `reversed: ${reason}`,
        updatedAt: now,
      })
    }
    const newly = updates.map((u) => rows.find((r) => r.id === u.id)!)
    if (updates.length) {
      await this.write({ update: updates }, true)
      for (const a of newly) this.metrics.transitions.inc({ kind: a.kind, status: 'reversed' })
      for (const key of ladders) {
        const [type, id, ladder] = JSON.parse(key) as [string, string, string]
        await this.settleLadder({ type, id }, ladder)
      }
      await this.applyActions({
        entity: newly[0]!.entity,
        actions: [{ kind: 'webhook', destination: 'default' }],
        cause: { ...cause, decisionId },
        ids: [`${decisionId}.reversal`],
        params: [
          { event: 'reversal', reason, reversed: newly.map((a) => ({ actionId: a.id, kind: a.kind })) },
        ],
      })
    }
    const reversed = rows
      .filter((a) => a.params.event !== 'reversal' && (a.status === 'reversed' || newly.includes(a)))
      .map((a) => ({ actionId: a.id, kind: a.kind }))
    return { reversed }
  }

  // ── operator API ────────────────────────────────────────────────────

  async actions(status: string | undefined, limit: number): Promise<ActionRecord[]> {
    return this.read((r) => r.actions(status, limit))
  }

  async action(id: string): Promise<ActionRecord> {
    const a = await this.read((r) => r.action(id))
    if (!a) throw new BulwarkError('NOT_FOUND', { what: `action '${id}'` })
    return a
  }

  /** Sends an action again: dead (or recorded-only) → pending with fresh attempts. Audited. */
  async replay(id: string, actor: string): Promise<ActionRecord> {
    const a = await this.action(id)
    if (!REPLAYABLE.has(a.status)) throw new BulwarkError('ACTION_NOT_REPLAYABLE', { id, status: a.status })
    await this.requeue([a], actor)
    return this.action(id)
  }

  /** Replays every dead action. */
  async replayDead(actor: string): Promise<number> {
    const dead = await this.read((r) => r.actions('dead', 100_000))
    if (dead.length) await this.requeue(dead, actor)
    return dead.length
  }

  private async requeue(rows: readonly ActionRow[], actor: string): Promise<void> {
    const now = this.clock.now()
    await this.write(
      {
        update: rows.map((a) => ({
          id: a.id,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          updatedAt: now,
        })),
        audit: [
          {
            time: now,
            actor,
            change: 'replay',
            detail: { actions: rows.slice(0, 100).map((a) => a.id), count: rows.length },
          },
        ],
      },
      true,
    )
    for (const a of rows) this.metrics.transitions.inc({ kind: a.kind, status: 'pending' })
    this.outbox.kick()
  }

  settings(): EnforcementSettings {
    return { ...this.safety, demotedRules: [...this.attachedEngine.demoted].sort() }
  }

  /** Changes the switches (and restores demoted rules left out of `demotedRules`); audited. */
  async updateSettings(patch: Record<string, unknown>, actor: string): Promise<EnforcementSettings> {
    const next = readSafety(patch, 'settings', this.safety)
    const before = this.settings()
    const now = this.clock.now()
    const audit: AuditRow[] = []
    const state: { key: string; value: unknown }[] = [{ key: 'settings', value: next }]
    if (next.killSwitch !== before.killSwitch || next.dryRun.join() !== before.dryRun.join())
      audit.push({
        time: now,
        actor,
        change: 'settings',
        detail: { before: { killSwitch: before.killSwitch, dryRun: before.dryRun }, after: next },
      })
    let demoted = before.demotedRules
    if (patch.demotedRules !== undefined) {
      if (!Array.isArray(patch.demotedRules) || patch.demotedRules.some((r) => typeof r !== 'string'))
        throw new BulwarkError('INVALID_ARGUMENT', { detail: 'demotedRules must be a list of rule ids' })
      const keep = new Set(patch.demotedRules as string[])
      const restored = before.demotedRules.filter((r) => !keep.has(r))
      const added = [...keep].filter((r) => !before.demotedRules.includes(r))
      if (added.length)
        throw new BulwarkError('INVALID_ARGUMENT', {
          detail: `only the guard demotes rules; ${added.join(', ')} ${added.length === 1 ? 'is' : 'are'} not demoted`,
        })
      demoted = before.demotedRules.filter((r) => keep.has(r))
      for (const rule of restored) audit.push({ time: now, actor, change: 'restore_rule', detail: { rule } })
      state.push({ key: 'demoted', value: demoted })
    }
    await this.write({ state, audit }, true)
    this.safety = next
    const engine = this.attachedEngine
    for (const r of [...engine.demoted]) if (!demoted.includes(r)) engine.demoted.delete(r)
    if (!next.killSwitch) this.outbox.kick()
    return this.settings()
  }

  alerts(): readonly (GuardAlert & { demoted: boolean })[] {
    return this.alertsList
  }

  async audit(limit: number): Promise<(AuditRow & { id: number })[]> {
    return this.read((r) => r.audit(limit))
  }

  /** Strikes in force and the step reached on each ladder of the entity's type (stored id). */
  async ladderStatus(entity: EntityRef): Promise<LadderStatus[]> {
    const ladders = [...(this.attachedEngine.pack.enforcement?.ladders.values() ?? [])].filter(
      (l) => l.entity === entity.type,
    )
    if (ladders.length === 0) return []
    const now = this.clock.now()
    const out: LadderStatus[] = []
    for (const l of ladders) {
      const total = await this.strikeTotal(entity, l.name, now)
      const step = stepAt(l, total)
      const next = l.steps.find((s) => s.at > total)
      out.push({ ladder: l.name, strikes: total, step: step?.do ?? null, nextStepAt: next?.at ?? null })
    }
    return out
  }

  /** Ladder standing of an entity (review evidence). */
  strikes(entity: EntityRef): Promise<LadderStatus[]> {
    return this.ladderStatus(entity)
  }

  async metricsText(): Promise<string> {
    const stored = await this.read((r) => r.countsByKindStatus())
    return this.metrics.render(stored, this.engine?.demoted.size ?? 0)
  }

  // ── internals shared with the executors ─────────────────────────────

  read<T>(fn: (r: ActionReader) => T): Promise<T> {
    return this.repository.enforcementRead(fn)
  }

  /** `promptly` for a write an API caller waits on (see Repository.enforcementWrite). */
  write(w: EnforcementWrite, promptly = false): Promise<void> {
    return this.repository.enforcementWrite(w, promptly)
  }

  get store(): SqliteRepository {
    return this.repository
  }

  now(): number {
    return this.clock.now()
  }

  /** Total strike weight on a ladder in force at `now`. */
  async strikeTotal(entity: EntityRef, ladder: string, now: number, extra = 0): Promise<number> {
    const plan = this.attachedEngine.pack.enforcement?.ladders.get(ladder)
    if (!plan) return 0
    const strikes = await this.read((r) => r.strikesSince(entity, now - plan.decayMs))
    return (
      strikesInForce(
        plan,
        strikes
          .filter((s) => s.params.ladder === ladder)
          .map((s) => ({ weight: Number(s.params.weight), at: s.createdAt })),
        now,
      ) + extra
    )
  }

  /** After strikes were removed: clears the labels of steps no longer reached. */
  private async settleLadder(entity: EntityRef, ladder: string): Promise<void> {
    const plan = this.attachedEngine.pack.enforcement?.ladders.get(ladder)
    if (!plan) return
    const total = await this.strikeTotal(entity, ladder, this.clock.now())
    const now = this.clock.now()
    const ops = plan.steps
      .filter((s) => s.at > total)
      .map((s) => ({ op: 'clear' as const, entity, name: s.do, source: `ladder:${ladder}`, time: now }))
    if (ops.length === 0) return
    await this.repository.applyLabelOps(ops)
    for (const op of ops) this.attachedEngine.labels.apply(op)
  }

  private async undo(a: ActionRow, ladders: Set<string>): Promise<void> {
    const engine = this.attachedEngine
    const now = this.clock.now()
    switch (a.kind) {
      case 'list_add': {
        const list = String(a.params.list)
        const value = String(a.params.value)
        if (!engine.lists.has(list)) return
        await this.repository.removeListEntries(list, [value])
        engine.lists.remove(list, [value], now)
        return
      }
      case 'label': {
        if (a.params.clear) return
        const op = {
          op: 'clear' as const,
          entity: a.entity,
          name: String(a.params.name),
          source: `reversal:${a.id}`,
          time: now,
        }
        await this.repository.applyLabelOps([op])
        engine.labels.apply(op)
        return
      }
      case 'strike':
        ladders.add(JSON.stringify([a.entity.type, a.entity.id, String(a.params.ladder)]))
        return
    }
  }

  /**
   * Status changes of one loop turn share one journal line (and one wait for the database):
   * a busy outbox writes a line per turn, not per action.
   */
  private updateSoon(u: ActionUpdate): Promise<void> {
    if (this.pendingUpdates === undefined) {
      const batch: { updates: ActionUpdate[]; done: Promise<void> } = { updates: [], done: Promise.resolve() }
      batch.done = new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          this.pendingUpdates = undefined
          this.write({ update: batch.updates }).then(resolve, reject)
        }),
      )
      this.pendingUpdates = batch
    }
    this.pendingUpdates.updates.push(u)
    return this.pendingUpdates.done
  }

  // ── safety ──────────────────────────────────────────────────────────

  private async loadCaps(now: number): Promise<void> {
    const day = Math.floor(now / DAY)
    const counts = await this.read((r) => r.ruleCountsSince(day * DAY))
    this.capDay = day
    this.capCounts.clear()
    for (const [rule, n] of counts) this.capCounts.set(rule, n)
  }

  private withinCap(rule: string, cap: number | undefined, now: number): boolean {
    const day = Math.floor(now / DAY)
    if (day !== this.capDay) {
      this.capDay = day
      this.capCounts.clear()
    }
    const n = this.capCounts.get(rule) ?? 0
    if (cap !== undefined && n >= cap) return false
    this.capCounts.set(rule, n + 1)
    return true
  }

  private observe(pack: Pack, decision: Decision): void {
    const plan = pack.enforcement
    if (!plan) return
    const guard = this.guardFor(pack)
    const now = this.clock.now()
    guard.decision(decision.eventType, now)
    for (const h of decision.hits) {
      const rule = this.enforcedRules.get(h.rule)
      if (rule === undefined) continue
      const alert = guard.hit(rule.id, rule.on, now)
      if (alert) this.raise(alert, rule.safety?.demote ?? plan.guard.demote)
    }
  }

  private raise(alert: GuardAlert, demote: boolean): void {
    const engine = this.attachedEngine
    const demoted = demote && !engine.demoted.has(alert.rule)
    this.alertsList.push({ ...alert, demoted })
    if (this.alertsList.length > 1000) this.alertsList.shift()
    this.metrics.guardAlerts.inc({ rule: alert.rule, demoted: String(demoted) })
    if (demoted) engine.demoted.add(alert.rule)
    const audit: AuditRow[] = [
      { time: alert.time, actor: 'guard', change: demoted ? 'demote_rule' : 'alert', detail: { ...alert } },
    ]
    void this.write({
      audit,
      ...(demoted ? { state: [{ key: 'demoted', value: [...engine.demoted] }] } : {}),
    }).catch(() => undefined)
  }
}
