/**
 * One Bulwark node on embedded storage: the repository in the data directory, feature state
 * recovered from snapshot + recorded updates, labels and list entries reloaded, the policy pack
 * chosen and versioned, the engine, an inbox for asynchronous batches, and the housekeeping
 * timers. The HTTP server and the CLI talk to this; it knows nothing about HTTP.
 */

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { type Clock, systemClock } from '../core/clock.ts'
import { BulwarkError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import { type EnforcementConfig, enforcementConfig } from '../enforcement/config.ts'
import { Enforcement } from '../enforcement/service.ts'
import { type DecideResult, Engine } from '../engine/engine.ts'
import { EngineMetrics } from '../engine/metrics.ts'
import { LabelStore } from '../features/labels.ts'
import { ListRegistry } from '../features/lists.ts'
import type { MemoryFeatureStore } from '../features/memory.ts'
import { diagnosticsDetails, formatDiagnostics } from '../lang/diagnostics.ts'
import { toPlain } from '../lang/plain.ts'
import { loadPackWithModels } from '../models/attach.ts'
import { ModelOps } from '../models/service.ts'
import { readPackDir } from '../policy/bundle.ts'
import { validateEvent } from '../policy/events.ts'
import { entryProblem } from '../policy/lists.ts'
import type { PackFiles } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import { Pseudonymiser } from '../privacy/pseudonymise.ts'
import { reviewExecutor } from '../review/executor.ts'
import { Review } from '../review/service.ts'
import type { LabelRecord, ListEntry, StoredDecision, TruthLabel } from '../store/repository.ts'
import { SqliteRepository } from '../store/sqlite.ts'
import { type BacktestRequest, runBacktest, type ServerBacktestReport } from './backtest.ts'
import { Inbox } from './inbox.ts'
import { type Recovery, recoverFeatures, saveFeatureSnapshot } from './snapshots.ts'
import { RuleMetricsCache, type RuleMetricsReport, readLabels } from './truth.ts'

export interface NodeOptions {
  /** Holds bulwark.db, the feature snapshot and the inbox. */
  readonly dataDir: string
  /** Serve this pack directory at start, whatever the data directory served before. */
  readonly policyDir?: string
  /** Serve this pack when the data directory has never served one. */
  readonly defaultPolicyDir?: string
  /** Key for PII pseudonyms (at least 16 bytes). */
  readonly piiKey: string
  readonly clock?: Clock
  readonly snapshotEveryMs?: number
  readonly maintenanceEveryMs?: number
  readonly maxFeatureKeys?: number
  /** Rule metrics (precision against labels) are recomputed at most this often; default 10 s. */
  readonly ruleMetricsMaxAgeMs?: number
  /** Webhook destinations, outbox timing and safety switches (src/enforcement/config.ts). */
  readonly enforcement?: EnforcementConfig
}

export interface PolicyInfo {
  readonly name: string
  readonly version: string
  readonly description?: string
  readonly source: string
  readonly loadedAt: string
  readonly eventTypes: readonly string[]
  readonly rules: number
  readonly features: number
  readonly lists: number
  /** Rules demoted to shadow at run time by the anomaly guard. */
  readonly demotedRules: readonly string[]
}

export interface SubmitResult {
  readonly accepted: { index: number; id: string }[]
  readonly rejected: { index: number; error: { code: string; message: string; details?: unknown } }[]
}

export class BulwarkNode {
  readonly engine: Engine
  /** Model registry, monitor and champion/challenger changes (src/models/service.ts). */
  readonly models: ModelOps
  readonly repository: SqliteRepository
  readonly recovery: Recovery
  /** Actions, outbox, webhooks, ladders, caps and the anomaly guard (src/enforcement/). */
  readonly enforcement: Enforcement
  /** Human review: queues, cases, claims, appeals, QA (src/review/). */
  readonly review: Review
  readonly startedAt = Date.now()
  private readonly store: MemoryFeatureStore
  private readonly clock: Clock
  private readonly snapshotPath: string
  private readonly inbox: Inbox
  private readonly timers: NodeJS.Timeout[] = []
  private policySource: { source: string; loadedAt: number }
  private readonly ruleMetricsCache: RuleMetricsCache
  private readonly asyncFailures = new Map<string, { code: string; message: string; details?: unknown }>()
  private closing = false
  /** The feature snapshot being written, if one is. */
  private snapshotting: Promise<void> | undefined = undefined
  /** The worker of the backtest running, if one is. */
  private backtestWorker: Worker | undefined = undefined
  private backtestRunning = false

  private constructor(parts: {
    engine: Engine
    repository: SqliteRepository
    recovery: Recovery
    enforcement: Enforcement
    clock: Clock
    dataDir: string
    policySource: { source: string; loadedAt: number }
    options: NodeOptions
    models: ModelOps
  }) {
    this.engine = parts.engine
    this.repository = parts.repository
    this.recovery = parts.recovery
    this.enforcement = parts.enforcement
    this.store = parts.recovery.store
    this.clock = parts.clock
    this.snapshotPath = join(parts.dataDir, 'features.snapshot')
    this.policySource = parts.policySource
    this.models = parts.models
    this.models.serve({ pack: () => this.engine.pack, use: (pack) => this.engine.usePack(pack) })
    this.ruleMetricsCache = new RuleMetricsCache(
      parts.repository,
      parts.options.ruleMetricsMaxAgeMs ?? 10_000,
    )
    this.inbox = new Inbox(join(parts.dataDir, 'inbox.jsonl'), parts.options.piiKey, (e) =>
      this.decideAsync(e.body),
    )
    this.review = new Review(
      {
        clock: parts.clock,
        pack: () => this.engine.pack,
        repository: parts.repository,
        recordTruth: (labels) => this.recordTruthLabels(labels),
        entityKey: (type, id) => this.engine.entityKey(type, id),
        entityLabels: (type, id) => this.engine.labels.records(type, id, this.clock.now()),
        enforcement: () => this.enforcement,
      },
      join(parts.dataDir, 'review.db'),
    )
    // Rules' `review` actions open cases (review/executor.ts).
    this.enforcement.registerExecutor(
      'review',
      reviewExecutor(() => this.review),
    )
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(
        () =>
          void Promise.resolve()
            .then(fn)
            .catch(() => {}),
        ms,
      )
      t.unref()
      this.timers.push(t)
    }
    every(parts.options.snapshotEveryMs ?? 60_000, () => this.snapshot())
    every(parts.options.maintenanceEveryMs ?? 60_000, () => this.maintain())
  }

  static async open(options: NodeOptions): Promise<BulwarkNode> {
    const clock = options.clock ?? systemClock
    mkdirSync(options.dataDir, { recursive: true })
    const repository = new SqliteRepository(join(options.dataDir, 'bulwark.db'))
    await repository.migrate()
    const models = new ModelOps(options.dataDir, () => clock.now())
    try {
      const { pack, source } = await choosePack(options, repository, clock, models)
      const recovery = await recoverFeatures(
        join(options.dataDir, 'features.snapshot'),
        repository,
        pack.featureSpecs,
        {
          ...(options.maxFeatureKeys ? { maxKeys: options.maxFeatureKeys } : {}),
        },
      )
      const now = clock.now()
      const labels = new LabelStore()
      labels.load(await repository.labels(now))
      const lists = new ListRegistry()
      const enforcement = new Enforcement(
        repository,
        clock,
        options.enforcement ?? enforcementConfig(undefined),
      )
      const engine = new Engine({
        pack,
        features: recovery.store,
        labels,
        lists,
        pseudonymiser: new Pseudonymiser(options.piiKey),
        clock,
        repository,
        metrics: new EngineMetrics(),
        actions: enforcement.planner,
      })
      lists.load(await repository.listEntries(now), now)
      enforcement.attach(engine)
      await enforcement.start()
      return new BulwarkNode({
        engine,
        repository,
        recovery,
        enforcement,
        clock,
        dataDir: options.dataDir,
        policySource: source,
        options,
        models,
      })
    } catch (e) {
      models.close()
      await repository.close()
      throw e
    }
  }

  get ready(): boolean {
    return !this.closing
  }

  async decide(event: unknown): Promise<DecideResult> {
    if (this.closing) throw new BulwarkError('UNAVAILABLE', { detail: 'the server is shutting down' })
    return this.engine.decide(event)
  }

  /** Accepts a batch for asynchronous decisions: valid events are on disk when this returns. */
  submit(events: readonly unknown[]): SubmitResult {
    if (this.closing) throw new BulwarkError('UNAVAILABLE', { detail: 'the server is shutting down' })
    const accepted: SubmitResult['accepted'] = []
    const rejected: SubmitResult['rejected'] = []
    const batch: { id: string; body: Record<string, unknown> }[] = []
    const now = this.clock.now()
    events.forEach((raw, index) => {
      const v = validateEvent(this.engine.pack.eventTypes, raw, now, () => newId(now))
      if (!v.ok) {
        rejected.push({
          index,
          error: {
            code: 'EVENT_INVALID',
            message: `${v.problems[0]!.path || 'event'} ${v.problems[0]!.message}`,
            details: v.problems,
          },
        })
        return
      }
      const body = { ...(raw as Record<string, unknown>), id: v.event.id, time: toPlain(v.event.time) }
      batch.push({ id: v.event.id, body })
      accepted.push({ index, id: v.event.id })
    })
    this.inbox.accept(batch)
    return { accepted, rejected }
  }

  private async decideAsync(body: Record<string, unknown>): Promise<void> {
    try {
      await this.engine.decide(body)
    } catch (e) {
      const id = String(body.id)
      const err =
        e instanceof BulwarkError
          ? { code: e.code, message: e.message, details: e.details }
          : { code: 'INTERNAL', message: 'the decision failed' }
      this.asyncFailures.set(id, err)
      // Bounded; cleared whole when full (evicting from a Map's front scans its deleted slots).
      if (this.asyncFailures.size > 10_000) this.asyncFailures.clear()
      throw e
    }
  }

  /** Why an asynchronously submitted event has no decision, if it failed. */
  asyncFailure(id: string): { code: string; message: string; details?: unknown } | undefined {
    return this.asyncFailures.get(id)
  }

  get pendingAsync(): number {
    return this.inbox.pending
  }

  async decision(eventId: string): Promise<StoredDecision | undefined> {
    return this.repository.decision(eventId)
  }

  // ── policy ──────────────────────────────────────────────────────────

  policy(): PolicyInfo {
    const p = this.engine.pack
    return {
      name: p.name,
      version: p.version,
      ...(p.description ? { description: p.description } : {}),
      source: this.policySource.source,
      loadedAt: new Date(this.policySource.loadedAt).toISOString(),
      eventTypes: [...p.eventTypes.keys()],
      rules: p.rules.length,
      features: p.features.length + p.derived.length,
      lists: p.lists.size,
      demotedRules: [...this.engine.demoted].sort(),
    }
  }

  /** Loads, checks and swaps in a new pack, all or nothing; the serving pack stays on failure. */
  async updatePolicy(files: PackFiles, source: string): Promise<PolicyInfo> {
    const r = await loadPackWithModels(files, this.models.attachOptions())
    if (!r.ok) {
      throw new BulwarkError(
        'POLICY_REJECTED',
        { count: r.diagnostics.length },
        diagnosticsDetails(r.diagnostics),
      )
    }
    // Versions are ordered by loadedAt ("served last" at restart): never at or before the one
    // serving now, even within one millisecond or after the wall clock stepped back.
    const loadedAt = Math.max(this.clock.now(), this.policySource.loadedAt + 1)
    try {
      await this.repository.savePolicyVersion({
        version: r.pack.version,
        name: r.pack.name,
        files,
        loadedAt,
        source,
      })
    } catch (e) {
      await r.pack.modelStage?.retire() // never served: release its models
      throw e
    }
    this.engine.usePack(r.pack)
    this.policySource = { source, loadedAt }
    return this.policy()
  }

  async activateVersion(version: string): Promise<PolicyInfo> {
    const stored = await this.repository.policyVersion(version)
    if (!stored) throw new BulwarkError('NOT_FOUND', { what: `policy version ${version}` })
    return this.updatePolicy(stored.files, `version ${version}`)
  }

  // ── entities, labels, lists ─────────────────────────────────────────

  async entity(
    type: string,
    id: string,
    limit = 20,
  ): Promise<{
    type: string
    id: string
    features: Record<string, unknown>
    labels: LabelRecord[]
    decisions: StoredDecision[]
  }> {
    const pack = this.engine.pack
    const entity = pack.entities.get(type)
    if (!entity)
      throw new BulwarkError('NOT_FOUND', {
        what: `entity type '${type}' (declared: ${[...pack.entities.keys()].join(', ')})`,
      })
    const key = this.engine.entityKey(type, id)
    const now = this.clock.now()
    const plans = pack.features.filter((f) => f.by.length === 1 && f.by[0]!.path === entity.path)
    const values = await this.store.apply({
      time: now,
      ops: plans.map((p) => ({ spec: p.spec, key, update: false })),
    })
    const features: Record<string, unknown> = {}
    plans.forEach((p, i) => {
      const v = values[i]
      if (v !== undefined)
        features[p.name] =
          p.spec.kind === 'first_seen' || p.spec.kind === 'last_seen' ? new Date(v).toISOString() : v
    })
    return {
      type,
      id: key,
      features,
      labels: this.engine.labels.records(type, key, now),
      decisions: await this.repository.decisionsForEntity({ type, id: key }, limit),
    }
  }

  async setLabel(
    type: string,
    id: string,
    name: string,
    ttlMs: number | undefined,
    source: string,
  ): Promise<LabelRecord> {
    this.checkLabel(type, name)
    const now = this.clock.now()
    const op = {
      op: 'set' as const,
      entity: { type, id: this.engine.entityKey(type, id) },
      name,
      ...(ttlMs !== undefined ? { expiresAt: now + ttlMs } : {}),
      source,
      time: now,
    }
    await this.repository.applyLabelOps([op])
    this.engine.labels.apply(op)
    return {
      entity: op.entity,
      name,
      ...(op.expiresAt !== undefined ? { expiresAt: op.expiresAt } : {}),
      source,
      setAt: now,
    }
  }

  async clearLabel(type: string, id: string, name: string, source: string): Promise<void> {
    this.checkLabel(type, name)
    const op = {
      op: 'clear' as const,
      entity: { type, id: this.engine.entityKey(type, id) },
      name,
      source,
      time: this.clock.now(),
    }
    await this.repository.applyLabelOps([op])
    this.engine.labels.apply(op)
  }

  private checkLabel(type: string, name: string): void {
    const entity = this.engine.pack.entities.get(type)
    if (!entity) throw new BulwarkError('NOT_FOUND', { what: `entity type '${type}'` })
    if (!entity.labels.includes(name)) {
      throw new BulwarkError('INVALID_ARGUMENT', {
        detail: `'${name}' is not a label of ${type} (declared: ${entity.labels.join(', ') || 'none'})`,
      })
    }
  }

  lists(): { name: string; kind: string; description?: string; packEntries: number; addedEntries: number }[] {
    const now = this.clock.now()
    return [...this.engine.pack.lists.values()].map((l) => ({
      name: l.name,
      kind: l.kind,
      ...(l.description ? { description: l.description } : {}),
      packEntries: l.entries.length,
      addedEntries: this.engine.lists.entries(l.name, now)?.added.length ?? 0,
    }))
  }

  list(name: string): { name: string; kind: string; pack: readonly string[]; added: ListEntry[] } {
    const entries = this.engine.lists.entries(name, this.clock.now())
    if (!entries) throw new BulwarkError('NOT_FOUND', { what: `list '${name}'` })
    return { name, kind: this.engine.lists.kind(name)!, pack: entries.pack, added: entries.added }
  }

  async addListEntries(
    name: string,
    values: readonly string[],
    ttlMs: number | undefined,
    source: string,
  ): Promise<number> {
    const kind = this.engine.lists.kind(name)
    if (!kind) throw new BulwarkError('NOT_FOUND', { what: `list '${name}'` })
    const problems = values.flatMap((v, index) => {
      const p = entryProblem(kind, v)
      return p ? [{ index, message: p }] : []
    })
    if (problems.length)
      throw new BulwarkError(
        'INVALID_ARGUMENT',
        {
          detail: `${problems.length} entr${problems.length === 1 ? 'y is' : 'ies are'} not valid for a ${kind} list`,
        },
        problems,
      )
    const now = this.clock.now()
    const entries: ListEntry[] = values.map((value) => ({
      list: name,
      value,
      ...(ttlMs !== undefined ? { expiresAt: now + ttlMs } : {}),
      source,
      addedAt: now,
    }))
    await this.repository.addListEntries(entries)
    this.engine.lists.add(entries, now)
    return entries.length
  }

  async removeListEntries(name: string, values: readonly string[]): Promise<number> {
    if (!this.engine.lists.has(name)) throw new BulwarkError('NOT_FOUND', { what: `list '${name}'` })
    const n = await this.repository.removeListEntries(name, values)
    this.engine.lists.remove(name, values, this.clock.now())
    return n
  }

  // ── ground-truth labels and rule quality ───────────────────────────

  /**
   * Records ground-truth labels (the API's form), all or none: every problem of the batch is
   * reported with its index and field. Entity ids are stored as decisions store them.
   */
  async addLabels(raw: readonly unknown[]): Promise<number> {
    if (this.closing) throw new BulwarkError('UNAVAILABLE', { detail: 'the server is shutting down' })
    const labels = readLabels(raw, {
      pack: this.engine.pack,
      entityKey: (type, id) => this.engine.entityKey(type, id),
      now: this.clock.now(),
    })
    try {
      await this.repository.addTruthLabels(labels)
    } catch (e) {
      // Storage closing under the write: the client should retry elsewhere, not see a 500.
      if (this.closing) throw new BulwarkError('UNAVAILABLE', { detail: 'the server is shutting down' })
      throw e
    }
    this.ruleMetricsCache.invalidate()
    return labels.length
  }

  /** Ground-truth labels already in stored form (review verdicts, appeals); refreshes precision. */
  async recordTruthLabels(labels: readonly TruthLabel[]): Promise<void> {
    await this.repository.addTruthLabels(labels)
    this.ruleMetricsCache.invalidate()
  }

  /** The labels of an event, or of an entity given by its raw id; the one in force first. */
  async labelHistory(
    subject: { eventId: string } | { entityType: string; entityId: string },
    limit: number,
  ): Promise<TruthLabel[]> {
    if ('eventId' in subject) return this.repository.truthLabels({ eventId: subject.eventId }, limit)
    const entity = {
      type: subject.entityType,
      id: this.engine.entityKey(subject.entityType, subject.entityId),
    }
    return this.repository.truthLabels({ entity }, limit)
  }

  /** Per rule and mode: hits, labelled hits, true and false positives, precision (cached). */
  ruleMetrics(): Promise<RuleMetricsReport> {
    return this.ruleMetricsCache.get(this.engine.pack, this.clock.now())
  }

  // ── backtests ───────────────────────────────────────────────────────

  /**
   * Replays stored events of a window through a candidate and a baseline pack and compares them
   * (service/backtest.ts); one at a time, off the event loop.
   */
  async backtest(req: BacktestRequest): Promise<ServerBacktestReport> {
    if (this.closing) throw new BulwarkError('UNAVAILABLE', { detail: 'the server is shutting down' })
    if (this.backtestRunning) throw new BulwarkError('BACKTEST_BUSY')
    this.backtestRunning = true
    try {
      return await runBacktest(
        {
          repository: this.repository,
          serving: this.engine.pack,
          onWorker: (w) => {
            this.backtestWorker = w
          },
        },
        req,
      )
    } finally {
      this.backtestRunning = false
    }
  }

  // ── housekeeping ────────────────────────────────────────────────────

  /** Saves the feature snapshot (and the model monitors); one at a time, a call waits its turn. */
  async snapshot(): Promise<void> {
    while (this.snapshotting !== undefined) await this.snapshotting.catch(() => {})
    const run = this.saveSnapshot()
    this.snapshotting = run
    try {
      await run
    } finally {
      this.snapshotting = undefined
    }
  }

  private async saveSnapshot(): Promise<void> {
    try {
      this.models.saveMonitors()
    } catch (e) {
      // Monitors are history, not state a decision depends on: the feature snapshot goes on.
      process.stderr.write(`model monitors not saved: ${(e as Error).message}\n`)
    }
    await saveFeatureSnapshot(
      this.store,
      this.repository,
      () => this.engine.unrecordedEvents(),
      this.snapshotPath,
    )
  }

  private maintain(): void {
    const now = this.clock.now()
    // In slices: at two million keys a whole pass held the event loop for about 180 ms, at a
    // million labelled entities 70–120 ms.
    const failed = (what: string) => (e: unknown) => {
      process.stderr.write(`${what} expiry failed: ${(e as Error).message}\n`)
    }
    this.store.expireInSlices(now).catch(failed('feature'))
    this.engine.labels.expireInSlices(now).catch(failed('label'))
    this.engine.lists.expire(now)
    void this.review.resumeEffects().catch(() => {})
    void this.enforcement.prune().catch(() => {})
    void this.enforcement.saveGuard().catch(() => {})
  }

  /** Finishes pending asynchronous decisions, snapshots the features and closes storage. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    for (const t of this.timers) clearInterval(t)
    await this.backtestWorker?.terminate()
    await this.inbox.close()
    await this.enforcement.stop()
    await this.snapshot()
    this.review.close()
    await this.repository.close()
    this.models.close()
    // No decision starts any more: the serving pack's models are released once theirs drain.
    await this.engine.pack.modelStage?.retire()
  }
}

/** The explicit directory, else the version served last, else the default directory. */
async function choosePack(
  options: NodeOptions,
  repository: SqliteRepository,
  clock: Clock,
  models: ModelOps,
): Promise<{ pack: Pack; source: { source: string; loadedAt: number } }> {
  const latest = (await repository.policyVersions(1))[0]
  const fromFiles = async (files: PackFiles, source: string, save: boolean) => {
    const r = await loadPackWithModels(files, models.attachOptions())
    if (!r.ok)
      throw new BulwarkError(
        'POLICY_REJECTED',
        { count: r.diagnostics.length },
        { text: formatDiagnostics(r.diagnostics) },
      )
    // After every stored version, so that the one saved now is the latest (see updatePolicy).
    const loadedAt = Math.max(clock.now(), latest ? latest.loadedAt + 1 : 0)
    if (save)
      await repository.savePolicyVersion({
        version: r.pack.version,
        name: r.pack.name,
        files,
        loadedAt,
        source,
      })
    return { pack: r.pack, source: { source, loadedAt } }
  }
  if (options.policyDir) return fromFiles(readPackDir(options.policyDir), options.policyDir, true)
  if (latest) {
    const stored = await repository.policyVersion(latest.version)
    if (stored) return fromFiles(stored.files, stored.source, false)
  }
  if (options.defaultPolicyDir)
    return fromFiles(readPackDir(options.defaultPolicyDir), options.defaultPolicyDir, true)
  throw new BulwarkError('INVALID_ARGUMENT', { detail: 'no policy pack: pass --policy DIR' })
}
