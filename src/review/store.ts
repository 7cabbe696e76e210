/**
 * Review cases in SQLite, in their own database file, DATA/review.db (schema.ts), through the
 * review store's own connection: the ingest worker's write lock on bulwark.db never holds a
 * review write up.
 *
 * Why not the journal that decisions and labels go through: review traffic is human-rate (a few
 * writes a second at most) and a claim is a compare-and-set — it succeeds only while no one else
 * holds the case — which needs the current row read and written in one transaction. Each review
 * operation is therefore one `BEGIN IMMEDIATE` transaction on this connection with
 * synchronous=FULL: when it returns, the change is durable, and two claims of one case (from this
 * process or any other) cannot both succeed.
 */

import { closeSync, fdatasync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { EntityRef } from '../store/repository.ts'
import { GroupCommit } from './group-commit.ts'
import { applyReviewSchema } from './schema.ts'

export type CaseKind = 'review' | 'appeal' | 'qa'
export type Verdict = 'violation' | 'no_violation' | 'escalate'
export const VERDICTS: readonly Verdict[] = ['violation', 'no_violation', 'escalate']

export interface CaseRow {
  readonly id: string
  readonly kind: CaseKind
  readonly queue: string
  readonly status: 'open' | 'closed'
  readonly priority: number
  readonly entity: EntityRef
  readonly rule?: string
  readonly area?: string
  readonly openedAt: number
  readonly dueAt: number
  readonly claimedBy?: string
  readonly claimExpiresAt?: number
  readonly verdict?: Verdict
  readonly reason?: string
  readonly note?: string
  readonly decidedBy?: string
  readonly decidedAt?: number
  /** The verdict's labels and enforcement are not all done yet (run again by the node's maintenance timer). */
  readonly effectsPending: boolean
  /** QA: the case checked; appeal: none. */
  readonly originCase?: string
  /** QA: the reviewer whose decision is checked (may not take the case). */
  readonly excludedReviewer?: string
  /** Appeal: the decision (event id) appealed. */
  readonly appealedDecision?: string
  /** Appeal: the user's statement. */
  readonly statement?: string
  /** QA: whether the second verdict matched the first. */
  readonly qaAgrees?: boolean
}

export interface CaseLogEntry {
  readonly time: number
  readonly actor: string
  readonly action: string
  readonly detail?: Record<string, unknown>
}

export interface CaseFilter {
  readonly queue?: string
  readonly status?: 'open' | 'closed'
  readonly kind?: CaseKind
  readonly entity?: EntityRef
  readonly limit: number
}

const COLUMNS: Record<string, keyof CaseRow | 'entity_type' | 'entity_id'> = {
  id: 'id',
  kind: 'kind',
  queue: 'queue',
  status: 'status',
  priority: 'priority',
  rule: 'rule',
  area: 'area',
  opened_at: 'openedAt',
  due_at: 'dueAt',
  claimed_by: 'claimedBy',
  claim_expires_at: 'claimExpiresAt',
  verdict: 'verdict',
  reason: 'reason',
  note: 'note',
  decided_by: 'decidedBy',
  decided_at: 'decidedAt',
  origin_case: 'originCase',
  excluded_reviewer: 'excludedReviewer',
  appealed_decision: 'appealedDecision',
  statement: 'statement',
}

function fromRow(r: Record<string, unknown>): CaseRow {
  const out: Record<string, unknown> = {
    entity: { type: r.entity_type, id: r.entity_id },
    effectsPending: r.effects_pending === 1,
  }
  for (const [col, key] of Object.entries(COLUMNS)) if (r[col] !== null) out[key] = r[col]
  if (r.qa_agrees !== null) out.qaAgrees = r.qa_agrees === 1
  return out as unknown as CaseRow
}

/** A changed field of a case: column name → value (null clears). */
export type CaseChange = Partial<Record<keyof typeof COLUMNS | 'effects_pending' | 'qa_agrees', unknown>>

export class ReviewStore {
  private readonly db: Database.Database
  private readonly path: string
  /** A descriptor of the write-ahead log, opened on first use, for syncing it off the event loop. */
  private walFd: number | undefined

  constructor(path: string) {
    this.path = path
    this.db = new Database(path, { timeout: 5000 })
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    applyReviewSchema(this.db)
  }

  /** Prepared statements by SQL text: preparing is most of a small write's cost (see sql()). */
  private readonly statements = new Map<string, Database.Statement>()

  /**
   * The statement for `text`, prepared on first use. The texts are fixed or built from a closed
   * set of column names, so the cache stays small.
   */
  private sql(text: string): Database.Statement {
    let s = this.statements.get(text)
    if (s === undefined) {
      s = this.db.prepare(text)
      this.statements.set(text, s)
    }
    return s
  }

  /** Runs `fn` in one immediate transaction: all of it is durable when this returns, or none. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  private readonly group = new GroupCommit(
    (body) => this.txUnsynced(body),
    // A transaction function called inside another runs as a savepoint of it.
    (write) => this.db.transaction(write)(),
    () => this.syncWal(),
  )

  /**
   * One transaction committed without waiting for the disk: synchronous=NORMAL writes the commit
   * to the write-ahead log (safe against a process crash) and syncs it only at checkpoints;
   * syncWal then makes it safe against power loss too, on libuv's thread pool. A commit's fsync
   * on the event loop cost the server several milliseconds per burst of opened cases.
   */
  private txUnsynced(body: () => void): void {
    this.sql('PRAGMA synchronous = NORMAL').run()
    try {
      this.tx(body)
    } finally {
      this.sql('PRAGMA synchronous = FULL').run()
    }
  }

  /** fdatasync of the write-ahead log: a sync applies to the file, whichever descriptor wrote it. */
  private syncWal(): Promise<void> {
    this.walFd ??= openSync(`${this.path}-wal`, 'r')
    const fd = this.walFd
    return new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())))
  }

  /**
   * Like tx, for writes that come in bursts (cases opened by the outbox): those submitted in the
   * same turn of the event loop share one commit; each is undone alone if it throws.
   */
  txGrouped<T>(fn: () => T): Promise<T> {
    return this.group.submit(fn)
  }

  insert(c: CaseRow, log: CaseLogEntry): void {
    this.sql(
      `INSERT INTO review_cases (id, kind, queue, status, priority, entity_type, entity_id, rule, area,
           opened_at, due_at, origin_case, excluded_reviewer, appealed_decision, statement)
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      c.id,
      c.kind,
      c.queue,
      c.priority,
      c.entity.type,
      c.entity.id,
      c.rule ?? null,
      c.area ?? null,
      c.openedAt,
      c.dueAt,
      c.originCase ?? null,
      c.excludedReviewer ?? null,
      c.appealedDecision ?? null,
      c.statement ?? null,
    )
    this.log(c.id, log)
  }

  get(id: string): CaseRow | undefined {
    const r = this.sql('SELECT * FROM review_cases WHERE id = ?').get(id)
    return r ? fromRow(r as Record<string, unknown>) : undefined
  }

  update(id: string, change: CaseChange): void {
    const cols = Object.keys(change)
    if (cols.length === 0) return
    this.sql(`UPDATE review_cases SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(
      ...cols.map((c) => change[c as keyof CaseChange] ?? null),
      id,
    )
  }

  log(caseId: string, e: CaseLogEntry): void {
    this.sql('INSERT INTO review_case_log (case_id, time, actor, action, detail) VALUES (?, ?, ?, ?, ?)').run(
      caseId,
      e.time,
      e.actor,
      e.action,
      e.detail ? JSON.stringify(e.detail) : null,
    )
  }

  history(caseId: string): CaseLogEntry[] {
    const rows = this.sql(
      'SELECT time, actor, action, detail FROM review_case_log WHERE case_id = ? ORDER BY id',
    ).all(caseId) as { time: number; actor: string; action: string; detail: string | null }[]
    return rows.map((r) => ({
      time: r.time,
      actor: r.actor,
      action: r.action,
      ...(r.detail ? { detail: JSON.parse(r.detail) } : {}),
    }))
  }

  /** Links a decision to a case; false when it was linked already. */
  link(caseId: string, decisionId: string, rule: string | undefined, now: number): boolean {
    const r = this.sql(
      'INSERT OR IGNORE INTO review_case_decisions (case_id, decision_id, rule, added_at) VALUES (?, ?, ?, ?)',
    ).run(caseId, decisionId, rule ?? null, now)
    return r.changes > 0
  }

  decisions(caseId: string): { decisionId: string; rule?: string; addedAt: number }[] {
    const rows = this.sql(
      'SELECT decision_id, rule, added_at FROM review_case_decisions WHERE case_id = ? ORDER BY added_at, decision_id',
    ).all(caseId) as { decision_id: string; rule: string | null; added_at: number }[]
    return rows.map((r) => ({
      decisionId: r.decision_id,
      ...(r.rule !== null ? { rule: r.rule } : {}),
      addedAt: r.added_at,
    }))
  }

  /** The case of a kind that links this decision for this entity, if any. */
  caseForDecision(kind: CaseKind, decisionId: string, entity: EntityRef): CaseRow | undefined {
    const r = this.sql(
      `SELECT c.* FROM review_case_decisions d JOIN review_cases c ON c.id = d.case_id
         WHERE d.decision_id = ? AND c.kind = ? AND c.entity_type = ? AND c.entity_id = ?
         ORDER BY c.opened_at LIMIT 1`,
    ).get(decisionId, kind, entity.type, entity.id)
    return r ? fromRow(r as Record<string, unknown>) : undefined
  }

  /** The open case of a kind for an entity in a queue, if any (the oldest). */
  openCaseOf(kind: CaseKind, entity: EntityRef, queue: string): CaseRow | undefined {
    const r = this.sql(
      `SELECT * FROM review_cases WHERE entity_type = ? AND entity_id = ? AND status = 'open'
         AND kind = ? AND queue = ? ORDER BY opened_at LIMIT 1`,
    ).get(entity.type, entity.id, kind, queue)
    return r ? fromRow(r as Record<string, unknown>) : undefined
  }

  /** Open cases first (highest priority, then oldest), then closed ones (latest decided first). */
  list(f: CaseFilter): CaseRow[] {
    const where: string[] = []
    const args: unknown[] = []
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause)
      args.push(...values)
    }
    if (f.queue !== undefined) add('queue = ?', f.queue)
    if (f.status !== undefined) add('status = ?', f.status)
    if (f.kind !== undefined) add('kind = ?', f.kind)
    if (f.entity !== undefined) add('entity_type = ? AND entity_id = ?', f.entity.type, f.entity.id)
    const rows = this.sql(
      `SELECT * FROM review_cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY status = 'closed', CASE WHEN status = 'open' THEN -priority ELSE -decided_at END, opened_at, id
         LIMIT ?`,
    ).all(...args, f.limit) as Record<string, unknown>[]
    return rows.map(fromRow)
  }

  /** The open case of a queue `reviewer` could claim now: highest priority, then oldest. */
  nextClaimable(queue: string, reviewer: string, now: number): CaseRow | undefined {
    const r = this.sql(
      `SELECT * FROM review_cases WHERE queue = ? AND status = 'open'
           AND (claimed_by IS NULL OR claim_expires_at <= ?)
           AND (excluded_reviewer IS NULL OR excluded_reviewer != ?)
         ORDER BY priority DESC, opened_at, id LIMIT 1`,
    ).get(queue, now, reviewer)
    return r ? fromRow(r as Record<string, unknown>) : undefined
  }

  /** Cases whose verdict's effects are not all done (a crash came between). */
  pendingEffects(): CaseRow[] {
    return (
      this.sql('SELECT * FROM review_cases WHERE effects_pending = 1').all() as Record<string, unknown>[]
    ).map(fromRow)
  }

  /** The QA check of a case, if one was opened. */
  qaOf(caseId: string): CaseRow | undefined {
    const r = this.sql("SELECT * FROM review_cases WHERE origin_case = ? AND kind = 'qa'").get(caseId)
    return r ? fromRow(r as Record<string, unknown>) : undefined
  }

  /** Runs a read-only statement for the metrics (metrics.ts). */
  all<T>(sql: string, ...args: unknown[]): T[] {
    return this.db.prepare(sql).all(...args) as T[]
  }

  close(): void {
    if (this.db.open) this.db.close()
    if (this.walFd !== undefined) closeSync(this.walFd)
    this.walFd = undefined
  }
}
