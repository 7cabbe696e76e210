/**
 * The embedded repository: SQLite through better-sqlite3 (WAL mode) behind a write-ahead journal,
 * with the SQLite writes done by a worker thread. How a decision becomes durable:
 *
 *   record() ─ seq ─ journal line (JSON once) ─ write + fdatasync (thread pool) ─┬─ resolves
 *                                                                                └─ chunk transferred
 *                                        to the ingest worker ─ one SQLite transaction per batch
 *
 * The journal is the durability point (journal.ts): one sequential append and one fdatasync per
 * group of writes, off the event loop. SQLite is built from the journal by the ingest worker
 * (sqlite-worker.ts) in large transactions with synchronous=NORMAL, so B-tree inserts, WAL writes
 * and checkpoints never stall requests. Journal segments are deleted only after a
 * synchronous=FULL commit has made their rows durable in SQLite. On open, the journal lines after
 * `journal_state.applied_seq` are applied, so a crash loses nothing that was acknowledged.
 *
 * Reads run on this thread's own connection and see every write whose promise resolved:
 * decision(id) also looks at the decisions not yet applied; other reads first wait for the worker
 * to apply everything posted. A decision may be visible a moment before its promise resolves,
 * never after. Writes other than decisions (labels, lists, policy versions) take the same path
 * and resolve once journalled and applied.
 *
 * An in-memory database (':memory:') has no journal and no worker (a connection cannot be shared
 * across threads): each loop turn's writes are applied in one transaction on this thread, and that
 * commit resolves them.
 *
 * One process owns a database file for writing; others may read it (WAL readers never block).
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { BulwarkError } from '../core/errors.ts'
import { startTsWorker } from '../core/worker-boot.ts'
import {
  type ActionPrune,
  ActionReader,
  type ActionRow,
  checkActionPrune,
  type EnforcementWrite,
} from './actions.ts'
import {
  checkLabelOp,
  checkListEntry,
  checkListRemoval,
  checkPolicyVersion,
  checkRecord,
  checkTruthLabel,
  pageSize,
} from './checks.ts'
import { EventIdFilter } from './event-id-filter.ts'
import { IngestFeed } from './ingest-feed.ts'
import { Journal } from './journal.ts'
import { migrateSqlite } from './migrations/sqlite.ts'
import type {
  DecisionRecord,
  EntityRef,
  EventTimeCursor,
  FeatureUpdateBatch,
  LabelOp,
  LabelRecord,
  ListEntry,
  PolicyVersionRecord,
  Repository,
  RuleQuality,
  StoredDecision,
  StoredEventText,
  TruthLabel,
  TruthSubject,
} from './repository.ts'
import { Applier, ApplyError, type Results } from './sqlite-apply.ts'
import { SqliteQuality } from './sqlite-quality.ts'
import { SqliteReader } from './sqlite-reader.ts'
import type { FromWorker, ToWorker, WorkerOptions } from './sqlite-worker.ts'
import {
  type DecisionEntry,
  decisionEntry,
  decisionLine,
  journalLine,
  type OtherEntry,
  parseJournalLine,
  type WriteEntry,
} from './writes.ts'

export interface SqliteOptions {
  /** Most writes in one SQLite transaction. */
  readonly maxBatch?: number
  /** How long to wait for another process's lock before failing, in ms. */
  readonly busyTimeoutMs?: number
  /** Journal segment size in bytes (tests make it small to exercise trimming). */
  readonly journalSegmentBytes?: number
  /** false: no ingest worker, everything stays in the journal until the next open (recovery tests). */
  readonly ingest?: boolean
}

/**
 * At most one message of durable chunks to the ingest worker per this many ms (ingest-feed.ts).
 * The worker's cost per decision falls with the batch: each commit writes every page it dirtied
 * (the entity and event-id indexes are random inserts), so rows that share a commit share pages.
 * Under bench load 100 ms gave about 60 decisions a message where 10 ms gave about 22, and cut
 * the worker's CPU per decision by about a quarter. Nothing waits on this: decisions are durable
 * in the journal, and a read that needs the database current sends what is pending at once.
 */
const FEED_INTERVAL_MS = 100

/** Decisions waiting for the worker beyond which record() also waits for it (bounds memory). */
const MAX_UNAPPLIED = 50_000

function closedError(): BulwarkError {
  return new BulwarkError('INTERNAL', { detail: 'the repository is closed' })
}

function commitError(message: string, journalled: boolean): BulwarkError {
  const after = journalled ? ' (journalled writes are kept and applied once the database accepts them)' : ''
  return new BulwarkError('INTERNAL', { detail: `storage commit failed: ${message}${after}` })
}

/** A decision recorded but not yet applied to SQLite. */
interface Unapplied {
  readonly stored: StoredDecision
  promise: Promise<StoredDecision>
  /** In memory, the commit settles the promise. */
  resolve(stored: StoredDecision): void
  reject(err: unknown): void
}

interface Waiter<T> {
  resolve(value: T): void
  reject(err: unknown): void
}

function storedFrom(r: DecisionRecord, seq: number): StoredDecision {
  return {
    seq,
    eventId: r.eventId,
    eventType: r.eventType,
    eventTime: r.eventTime,
    receivedAt: r.receivedAt,
    event: r.event as Record<string, unknown>,
    decision: r.decision,
  }
}

function noop(): void {}

const NEVER = new Promise<never>(noop)

export class SqliteRepository implements Repository {
  readonly path: string
  private readonly db: Database.Database
  private readonly options: Required<Omit<SqliteOptions, 'journalSegmentBytes'>>
  private readonly journal: Journal | undefined
  private reader: SqliteReader | undefined = undefined
  private quality: SqliteQuality | undefined = undefined
  private actionReader: ActionReader | undefined = undefined
  /** In memory: applies writes on this thread. */
  private applier: Applier | undefined = undefined
  /** On disk: the ingest worker. */
  private worker: Worker | undefined = undefined
  private workerCommits = 0
  /** The highest seq handed out, and the highest the database holds (as the worker reported). */
  private seq = 0
  private appliedSeq = 0
  /** In memory: writes waiting for this turn's transaction. */
  private outbox: WriteEntry[] = []
  private readonly unapplied: Unapplied[] = []
  private readonly byEventId = new Map<string, Unapplied>()
  /** Writes other than decisions waiting to be applied, by seq, in seq order. */
  private readonly writeWaiters = new Map<number, Waiter<unknown>>()
  private readonly calls = new Map<number, Waiter<void>>()
  /** Reads waiting for the database to reach a seq. */
  private seqWaiters: { seq: number; waiter: Waiter<void> }[] = []
  private nextCall = 1
  private trimming = false
  private timer: NodeJS.Immediate | undefined = undefined
  /** Event ids decision() just found absent: record() need not look them up again. */
  private readonly checkedAbsent = new Set<string>()
  /** Every event id the database holds or was recorded since open: "no" skips the lookup. */
  private idFilter = new EventIdFilter()
  /** Durable journal chunks on their way to the worker, coalesced while it is busy. */
  private readonly feed = new IngestFeed(
    (chunk) => {
      if (this.worker === undefined) return false
      this.worker.postMessage({ op: 'apply', chunk } satisfies ToWorker, [chunk.buffer as ArrayBuffer])
      return true
    },
    { minIntervalMs: FEED_INTERVAL_MS },
  )
  private readonly flushNow = () => this.flush()
  /** Set while the database refuses writes (cleared when a batch commits again). */
  private failure: BulwarkError | undefined = undefined
  private closed = false

  constructor(path: string, options: SqliteOptions = {}) {
    this.path = path
    this.options = {
      maxBatch: options.maxBatch ?? 4096,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      ingest: options.ingest ?? true,
    }
    const inMemory = path === ':memory:' || path === ''
    if (!inMemory) mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path, { timeout: this.options.busyTimeoutMs })
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(inMemory ? 'synchronous = OFF' : 'synchronous = NORMAL')
    this.db.pragma('foreign_keys = OFF')
    this.db.pragma('temp_store = MEMORY')
    this.journal = inMemory
      ? undefined
      : new Journal(`${path}.journal.d`, {
          segmentBytes: options.journalSegmentBytes,
          onDurable: (chunk) => this.feed.push(chunk),
        })
  }

  /** The database refuses writes now (journalled ones wait): nothing should start that must write. */
  get refusingWrites(): boolean {
    return this.failure !== undefined
  }

  /** SQLite transactions committed for writes (a batch counts once). */
  get commits(): number {
    return this.applier?.commits ?? this.workerCommits
  }

  async migrate(): Promise<void> {
    if (this.closed) throw closedError()
    if (this.reader !== undefined) return
    migrateSqlite(this.db)
    const reader = new SqliteReader(this.db)
    if (this.journal === undefined) {
      this.applier = new Applier(this.db, this.options.maxBatch)
    } else {
      this.recover(reader, this.journal)
      this.db.pragma('query_only = ON')
      if (this.options.ingest) this.startWorker()
    }
    this.appliedSeq = Math.max(reader.appliedSeq(), reader.lastSeq())
    this.idFilter = EventIdFilter.fromDatabase(this.db)
    this.seq = this.appliedSeq
    this.quality = new SqliteQuality(this.db)
    this.reader = reader
  }

  /** Applies the journal lines the database lacks, makes them durable, then starts a fresh journal. */
  private recover(reader: SqliteReader, journal: Journal): void {
    const applier = new Applier(this.db, this.options.maxBatch)
    const applied = reader.appliedSeq()
    let chunk: WriteEntry[] = []
    for (const { line, where } of journal.replay()) {
      const entry = parseJournalLine(line, where)
      if (entry.seq <= applied) continue
      chunk.push(entry)
      if (chunk.length === this.options.maxBatch) {
        applier.apply(chunk)
        chunk = []
      }
    }
    if (chunk.length > 0) applier.apply(chunk)
    applier.barrier()
    journal.start()
  }

  private startWorker(): void {
    const data: WorkerOptions = {
      path: this.path,
      maxBatch: this.options.maxBatch,
      busyTimeoutMs: this.options.busyTimeoutMs,
    }
    const worker = startTsWorker(new URL('./sqlite-worker.ts', import.meta.url), data)
    worker.unref()
    worker.on('message', (m: FromWorker) => this.fromWorker(m))
    worker.on('error', (err) => this.workerGone(err.message))
    worker.on('exit', (code) => {
      if (!this.closed) this.workerGone(`exited with code ${code}`)
    })
    this.worker = worker
  }

  private workerGone(why: string): void {
    this.failure = new BulwarkError('UNAVAILABLE', {
      detail: `the storage worker stopped: ${why} (journalled writes are applied at the next start)`,
    })
    this.worker = undefined
    this.failWaiters(this.failure)
    for (const [id, call] of this.calls) {
      this.calls.delete(id)
      call.reject(this.failure)
    }
  }

  private fromWorker(m: FromWorker): void {
    switch (m.op) {
      case 'applied':
        this.workerCommits = m.commits
        this.failure = undefined
        this.applied(m.seq, m.results)
        this.feed.acknowledged()
        if (this.journal!.trimmable(m.seq) && !this.trimming) {
          this.trimming = true
          this.call('barrier')
            .then(() => this.journal!.trim(m.seq))
            .catch(noop)
            .finally(() => {
              this.trimming = false
            })
        }
        return
      case 'failed':
        this.failure = commitError(m.message, true)
        this.failWaiters(this.failure)
        this.feed.acknowledged()
        return
      case 'done': {
        const call = this.calls.get(m.id)
        this.calls.delete(m.id)
        if (m.error === undefined) call?.resolve()
        else call?.reject(commitError(m.error, true))
        return
      }
    }
  }

  /** Everything up to `seq` is in the database: release decisions, resolve waiting writes. */
  private applied(seq: number, results: Results): void {
    this.appliedSeq = seq
    let n = 0
    while (n < this.unapplied.length && this.unapplied[n]!.stored.seq <= seq) {
      const u = this.unapplied[n++]!
      this.byEventId.delete(u.stored.eventId)
      u.resolve(u.stored)
    }
    if (n > 0) this.unapplied.splice(0, n)
    if (this.seqWaiters.length > 0) {
      const waiting = this.seqWaiters
      this.seqWaiters = waiting.filter((w) => w.seq > seq)
      for (const w of waiting) if (w.seq <= seq) w.waiter.resolve()
    }
    if (this.writeWaiters.size === 0) return
    const byResult = new Map(results)
    for (const [s, waiter] of this.writeWaiters) {
      if (s > seq) break
      this.writeWaiters.delete(s)
      waiter.resolve(byResult.get(s))
    }
  }

  /** Rejects the writes other than decisions that wait for the database (they stay journalled). */
  private failWaiters(err: BulwarkError): void {
    for (const [s, waiter] of this.writeWaiters) {
      this.writeWaiters.delete(s)
      waiter.reject(err)
    }
    const waiting = this.seqWaiters
    this.seqWaiters = []
    for (const w of waiting) w.waiter.reject(err)
  }

  private call(op: 'retry' | 'barrier' | 'close'): Promise<void> {
    const worker = this.worker
    if (worker === undefined) return Promise.reject(this.failure ?? closedError())
    const id = this.nextCall++
    // The call must find every durable chunk at the worker.
    this.feed.flush()
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject })
      worker.postMessage({ op, id } satisfies ToWorker)
    })
  }

  record(r: DecisionRecord): Promise<StoredDecision> {
    const reader = this.reader
    if (reader === undefined || this.closed) return Promise.reject(this.unavailable())
    const queued = this.byEventId.get(r.eventId)
    if (queued !== undefined) return queued.promise
    const seq = this.seq + 1
    let line = ''
    let entry: DecisionEntry | undefined
    try {
      checkRecord(r)
      if (
        !this.checkedAbsent.delete(r.eventId) &&
        this.idFilter.mayHave(r.eventId) &&
        reader.has(r.eventId)
      ) {
        return Promise.resolve(reader.decision(r.eventId)!)
      }
      if (this.journal === undefined) entry = decisionEntry(r, seq)
      else line = decisionLine(r, seq)
    } catch (err) {
      return Promise.reject(err)
    }
    this.seq = seq
    this.idFilter.add(r.eventId)
    const u: Unapplied = { stored: storedFrom(r, seq), promise: NEVER, resolve: noop, reject: noop }
    if (this.journal === undefined) {
      u.promise = new Promise<StoredDecision>((resolve, reject) => {
        u.resolve = resolve
        u.reject = reject
      })
      this.outbox.push(entry!)
      this.schedule()
    } else {
      const durable = this.journal.append(line, seq).then(() => u.stored)
      // Far behind the worker: also wait for it, so memory stays bounded under overload.
      u.promise =
        this.unapplied.length < MAX_UNAPPLIED ? durable : durable.then((s) => this.sync().then(() => s))
    }
    this.unapplied.push(u)
    this.byEventId.set(r.eventId, u)
    return u.promise
  }

  /** In memory: applies the outbox at the next loop turn (one transaction for the turn's writes). */
  private schedule(): void {
    this.timer ??= setImmediate(this.flushNow)
  }

  private flush(): void {
    if (this.timer !== undefined) clearImmediate(this.timer)
    this.timer = undefined
    const entries = this.outbox
    if (entries.length === 0) return
    this.outbox = []
    this.applyHere(entries)
  }

  /** In memory: applies entries; a failed transaction's writes are rejected and dropped. */
  private applyHere(entries: WriteEntry[]): void {
    let rest = entries
    while (rest.length > 0) {
      const results: Results = []
      try {
        this.applier!.apply(rest, results)
        this.applied(rest[rest.length - 1]!.seq, results)
        return
      } catch (err) {
        const done = err instanceof ApplyError ? err.applied : 0
        if (done > 0) this.applied(rest[done - 1]!.seq, results)
        const failed = rest.slice(done, done + this.options.maxBatch)
        const failure = commitError(err instanceof Error ? err.message : String(err), false)
        for (const e of failed) this.drop(e, failure)
        rest = rest.slice(done + failed.length)
      }
    }
  }

  private drop(e: WriteEntry, failure: BulwarkError): void {
    if (e.kind === 'decision') {
      const i = this.unapplied.findIndex((u) => u.stored.seq === e.seq)
      const [u] = this.unapplied.splice(i, 1)
      this.byEventId.delete(e.meta.eventId)
      u?.reject(failure)
    } else {
      this.writeWaiters.get(e.seq)?.reject(failure)
      this.writeWaiters.delete(e.seq)
    }
  }

  /** Resolves once the database holds every write issued so far. */
  private sync(): Promise<void> {
    if (this.journal === undefined) {
      this.flush()
      return Promise.resolve()
    }
    // While the database refuses writes, a read asks the worker to try again now.
    if (this.failure !== undefined) return this.call('retry').then(() => this.sync())
    if (this.appliedSeq >= this.seq) return Promise.resolve()
    this.feed.flush()
    const seq = this.seq
    return new Promise((resolve, reject) => this.seqWaiters.push({ seq, waiter: { resolve, reject } }))
  }

  /** The reader, once every acknowledged write is in the database. */
  private async read(): Promise<SqliteReader> {
    const reader = this.reader
    if (reader === undefined || this.closed) throw this.unavailable()
    await this.sync()
    return reader
  }

  async decision(eventId: string): Promise<StoredDecision | undefined> {
    const reader = this.reader
    if (reader === undefined || this.closed) throw this.unavailable()
    const found =
      this.byEventId.get(eventId)?.stored ??
      (this.idFilter.mayHave(eventId) ? reader.decision(eventId) : undefined)
    if (found === undefined) {
      // Bounded: cleared whole when full. Sound because only this repository writes decisions.
      if (this.checkedAbsent.size >= 10_000) this.checkedAbsent.clear()
      this.checkedAbsent.add(eventId)
    }
    return found
  }

  async decisionsForEntity(entity: EntityRef, limit: number): Promise<StoredDecision[]> {
    const n = pageSize(limit)
    const reader = await this.read()
    return n === 0 ? [] : reader.decisionsForEntity(entity, n)
  }

  async decisionsAfter(afterSeq: number, limit: number): Promise<StoredDecision[]> {
    const n = pageSize(limit)
    const reader = await this.read()
    return n === 0 ? [] : reader.decisionsAfter(afterSeq, n)
  }

  async storedEvents(
    window: { readonly from: number; readonly to: number },
    after: EventTimeCursor | undefined,
    limit: number,
  ): Promise<StoredEventText[]> {
    const n = pageSize(limit)
    const reader = await this.read()
    return n === 0 ? [] : reader.storedEvents(window, after, n)
  }

  async featureUpdatesAfter(
    afterSeq: number,
    limit: number,
  ): Promise<{ batches: FeatureUpdateBatch[]; lastSeq: number }> {
    const n = pageSize(limit)
    const reader = await this.read()
    return n === 0 ? { batches: [], lastSeq: afterSeq } : reader.featureUpdatesAfter(afterSeq, n)
  }

  async lastSeq(): Promise<number> {
    return (await this.read()).lastSeq()
  }

  async settled(): Promise<void> {
    await this.read()
  }

  /**
   * The highest seq handed to a decision so far, read synchronously: every decision at or below
   * it has been passed to record(), so its feature updates are in memory. A feature snapshot
   * pairs this with the memory state taken in the same turn (service/snapshots.ts).
   */
  recordedSeq(): number {
    if (this.reader === undefined || this.closed) throw this.unavailable()
    return this.seq
  }

  applyLabelOps(ops: readonly LabelOp[]): Promise<void> {
    return this.write(
      () => ops.forEach(checkLabelOp),
      (seq) => ({ kind: 'labels', seq, ops }),
      'durable',
    )
  }

  async labels(now: number): Promise<LabelRecord[]> {
    return (await this.read()).labels(now)
  }

  async labelsFor(entity: EntityRef, now: number): Promise<LabelRecord[]> {
    return (await this.read()).labelsFor(entity, now)
  }

  addTruthLabels(labels: readonly TruthLabel[]): Promise<void> {
    return this.write(
      () => labels.forEach(checkTruthLabel),
      (seq) => ({ kind: 'truth', seq, labels }),
      'durable',
    )
  }

  async truthLabels(subject: TruthSubject, limit: number): Promise<TruthLabel[]> {
    const n = pageSize(limit)
    await this.read()
    return n === 0 ? [] : this.quality!.truthLabels(subject, n)
  }

  async truthLabelsInForce(subjects: readonly TruthSubject[]): Promise<TruthLabel[]> {
    await this.read()
    return subjects.length === 0 ? [] : this.quality!.inForce(subjects)
  }

  async ruleQuality(actingTypes: readonly string[]): Promise<RuleQuality[]> {
    await this.read()
    return this.quality!.ruleQuality(actingTypes)
  }

  addListEntries(entries: readonly ListEntry[]): Promise<void> {
    return this.write(
      () => entries.forEach(checkListEntry),
      (seq) => ({ kind: 'list-add', seq, entries }),
      'durable',
    )
  }

  removeListEntries(list: string, values: readonly string[]): Promise<number> {
    return this.write(
      () => checkListRemoval(list, values),
      (seq) => ({ kind: 'list-remove', seq, list, values }),
      'applied-promptly',
    )
  }

  async listEntries(now: number): Promise<ListEntry[]> {
    return (await this.read()).listEntries(now)
  }

  savePolicyVersion(v: PolicyVersionRecord): Promise<void> {
    return this.write(
      () => checkPolicyVersion(v),
      (seq) => ({ kind: 'policy', seq, version: v }),
      'durable',
    )
  }

  async policyVersions(limit: number): Promise<Omit<PolicyVersionRecord, 'files'>[]> {
    const n = pageSize(limit)
    const reader = await this.read()
    return n === 0 ? [] : reader.policyVersions(n)
  }

  async policyVersion(version: string): Promise<PolicyVersionRecord | undefined> {
    return (await this.read()).policyVersion(version)
  }

  /** Durably applies an enforcement write (outbox rows, status changes, audit, state). */
  enforcementWrite(w: EnforcementWrite, promptly = false): Promise<void> {
    return this.write(
      () => undefined,
      (seq) => ({ kind: 'enforcement', seq, write: w }),
      promptly ? 'applied-promptly' : 'applied',
    )
  }

  /** Deletes finished actions past retention (at most `p.limit`); resolves with how many went. */
  pruneActions(p: ActionPrune): Promise<number> {
    return this.write(
      () => checkActionPrune(p),
      (seq) => ({ kind: 'enforcement', seq, write: { prune: p } }),
    )
  }

  /** One action as stored, once every acknowledged write is in the database. */
  action(id: string): Promise<ActionRow | undefined> {
    return this.enforcementRead((r) => r.action(id))
  }

  /**
   * Reads enforcement rows once every acknowledged write is in the database; with `current:
   * false`, at once, from what the database holds now (it may lack the latest writes: the
   * outbox's periodic look for due actions, which must not make the ingest worker commit early).
   */
  async enforcementRead<T>(
    read: (reader: ActionReader) => T,
    options: { current?: boolean } = {},
  ): Promise<T> {
    // While the database refuses writes, every read goes the current way (it asks the worker to
    // retry and fails if it cannot): the outbox must not run actions whose status it cannot record.
    if (options.current === false && this.failure === undefined) {
      if (this.reader === undefined || this.closed) throw this.unavailable()
    } else {
      await this.read()
    }
    this.actionReader ??= new ActionReader(this.db)
    return read(this.actionReader)
  }

  /**
   * A write other than a decision: `check` runs first, so bad input rejects alone; then it is
   * journalled and applied in order with the decisions. It resolves once both are done — or, with
   * `until: 'durable'`, once it is in the journal, as a decision does: a journalled write is
   * applied whatever happens next (a database locked for a while, a crash: the worker retries,
   * recovery replays), so answering "failed" for it would announce a change that still happens.
   * Reads wait for every write issued before them either way (sync()). With
   * `'applied-promptly'` (a write an API caller waits on) the journal chunk goes to the worker as
   * soon as it is durable instead of with the feed's next batch, up to 100 ms later.
   */
  private write<T>(
    check: () => void,
    entryOf: (seq: number) => OtherEntry,
    until: 'applied' | 'applied-promptly' | 'durable' = 'applied',
  ): Promise<T> {
    if (this.reader === undefined || this.closed) return Promise.reject(this.unavailable())
    try {
      check()
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const entry = entryOf(++this.seq)
    // Journalled and answered once durable: nothing waits for the database to apply it.
    if (this.journal !== undefined && until === 'durable')
      return this.journal.append(journalLine(entry), entry.seq).then(() => undefined as T)
    const applied = new Promise<unknown>((resolve, reject) => {
      this.writeWaiters.set(entry.seq, { resolve, reject })
    })
    if (this.journal === undefined) {
      this.outbox.push(entry)
      this.schedule()
      return applied as Promise<T>
    }
    const appended = this.journal.append(journalLine(entry), entry.seq)
    const durable = until === 'applied-promptly' ? appended.then(() => this.feed.flush()) : appended
    return Promise.all([applied, durable]).then(([result]) => result as T)
  }

  /**
   * Waits for journal appends in flight, applies everything queued, makes it durable in SQLite
   * and closes; the journal is deleted once the database holds all of it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    let complete = false
    try {
      if (this.journal !== undefined) {
        // Every line appended is then written and handed to the worker, which applies it on close.
        await this.journal.settled()
        if (this.worker !== undefined) await this.call('close')
      } else {
        this.flush()
      }
      complete = this.reader !== undefined
    } finally {
      if (this.worker !== undefined) {
        const worker = this.worker
        this.worker = undefined
        await worker.terminate()
      }
      this.journal?.close(complete)
      this.db.close()
    }
  }

  private unavailable(): BulwarkError {
    if (this.closed) return closedError()
    return new BulwarkError('INTERNAL', { detail: 'the repository is not ready: call migrate() first' })
  }
}
