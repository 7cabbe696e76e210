/**
 * The SQLite write statements, prepared once per connection and reused for every write, and
 * the per-write steps the group commit runs inside its transaction. Nothing here begins or
 * commits: the caller owns the transaction, so one decision with its feature updates, entities
 * and label changes is part of one durable write.
 */

import type Database from 'better-sqlite3'
import { ActionWriter } from './actions.ts'
import type { EntityRef, LabelOp, ListEntry, TruthLabel } from './repository.ts'
import type { DecisionEntry, HitRef, WriteEntry } from './writes.ts'

/** Entities per multi-row insert: one statement call covers a typical event's entities. */
const ENTITY_CHUNK = 8

export class SqliteWriter {
  private readonly insertRow: Database.Statement<unknown[]>
  private readonly insertUpdates: Database.Statement<unknown[]>
  /** insertEntities[n - 1] inserts n rows; `entityArgs[n - 1]` is its reused argument array. */
  private readonly insertEntities: Database.Statement<unknown[]>[] = []
  private readonly entityArgs: unknown[][] = []
  private readonly insertHit: Database.Statement<unknown[]>
  private readonly countHit: Database.Statement<unknown[]>
  private readonly insertTruth: Database.Statement<unknown[]>
  private readonly truthInForce: Database.Statement<unknown[]>
  private readonly setLabel: Database.Statement<unknown[]>
  private readonly clearLabel: Database.Statement<unknown[]>
  private readonly upsertListEntry: Database.Statement<unknown[]>
  private readonly deleteListEntry: Database.Statement<unknown[]>
  private readonly upsertPolicy: Database.Statement<unknown[]>
  private readonly setApplied: Database.Statement<[number]>
  private readonly rewriteApplied: Database.Statement<[]>
  /** Outbox rows, enforcement audit and state (store/actions.ts). */
  private readonly actions: ActionWriter

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `INSERT INTO decisions (seq, event_id, event_type, event_time, received_at, outcome, score, policy_version,
         event, decision)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
    )
    this.insertUpdates = db.prepare('INSERT INTO feature_updates (seq, count, updates) VALUES (?, ?, ?)')
    for (let n = 1; n <= ENTITY_CHUNK; n++) {
      const rows = Array.from({ length: n }, () => '(?, ?, ?)').join(', ')
      this.insertEntities.push(
        db.prepare(`INSERT OR IGNORE INTO decision_entities (entity_type, entity_id, seq) VALUES ${rows}`),
      )
      this.entityArgs.push(new Array<unknown>(n * 3))
    }
    this.insertHit = db.prepare('INSERT OR IGNORE INTO decision_hits (seq, rule, mode) VALUES (?, ?, ?)')
    this.countHit = db.prepare(
      `INSERT INTO rule_hit_counts (rule, mode, hits) VALUES (?, ?, 1)
       ON CONFLICT (rule, mode) DO UPDATE SET hits = hits + 1`,
    )
    this.insertTruth = db.prepare(
      `INSERT INTO truth_labels (kind, subject_type, subject_id, malicious, area, campaign, damage, source, time,
         note, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    // The label in force: a later time replaces it, and so does the same time recorded later.
    this.truthInForce = db.prepare(
      `INSERT INTO truth_latest (kind, subject_type, subject_id, malicious, time, id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, subject_type, subject_id) DO UPDATE
       SET malicious = excluded.malicious, time = excluded.time, id = excluded.id
       WHERE excluded.time >= truth_latest.time`,
    )
    this.setLabel = db.prepare(
      `INSERT INTO labels (entity_type, entity_id, name, expires_at, source, set_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (entity_type, entity_id, name) DO UPDATE
       SET expires_at = excluded.expires_at, source = excluded.source, set_at = excluded.set_at`,
    )
    this.clearLabel = db.prepare('DELETE FROM labels WHERE entity_type = ? AND entity_id = ? AND name = ?')
    this.upsertListEntry = db.prepare(
      `INSERT INTO list_entries (list, value, expires_at, source, added_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (list, value) DO UPDATE
       SET expires_at = excluded.expires_at, source = excluded.source, added_at = excluded.added_at`,
    )
    this.deleteListEntry = db.prepare('DELETE FROM list_entries WHERE list = ? AND value = ?')
    this.upsertPolicy = db.prepare(
      `INSERT INTO policy_versions (version, name, files, loaded_at, source) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (version) DO UPDATE
       SET name = excluded.name, files = excluded.files, loaded_at = excluded.loaded_at, source = excluded.source`,
    )
    this.setApplied = db.prepare('UPDATE journal_state SET applied_seq = ? WHERE id = 1')
    this.rewriteApplied = db.prepare('UPDATE journal_state SET applied_seq = applied_seq WHERE id = 1')
    this.actions = new ActionWriter(db)
  }

  /** Rewrites the high-water mark unchanged: a write for a transaction that only needs to commit. */
  touchApplied(): void {
    this.rewriteApplied.run()
  }

  /** Records that every write up to `seq` is in the database (see journal.ts). */
  markApplied(seq: number): void {
    this.setApplied.run(seq)
  }

  /**
   * Inserts a decision under the seq the repository gave it, with its feature updates, entities
   * and label changes. Returns false when the event id is already recorded (then nothing else is
   * written: the event was handled).
   */
  insertDecision(e: DecisionEntry): boolean {
    const m = e.meta
    const info = this.insertRow.run(
      e.seq,
      m.eventId,
      m.eventType,
      m.eventTime,
      m.receivedAt,
      m.outcome,
      m.score,
      m.policyVersion,
      e.event,
      e.decision,
    )
    if (info.changes === 0) return false
    if (e.updates !== null) this.insertUpdates.run(e.seq, m.updateCount, e.updates)
    if (m.entities.length > 0) this.insertEntityRefs(m.entities, e.seq)
    if (m.hits.length > 0) this.insertHits(m.hits, e.seq)
    if (m.labelOps.length > 0) this.applyLabelOps(m.labelOps)
    if (m.actions !== undefined) this.actions.insert(m.actions)
    return true
  }

  /** Applies one write of any kind; returns what the repository method returns (or undefined). */
  apply(e: WriteEntry): unknown {
    switch (e.kind) {
      case 'decision':
        return this.insertDecision(e)
      case 'labels':
        return this.applyLabelOps(e.ops)
      case 'truth':
        return this.addTruthLabels(e.labels)
      case 'list-add':
        return this.addListEntries(e.entries)
      case 'list-remove':
        return this.removeListEntries(e.list, e.values)
      case 'policy': {
        const v = e.version
        return this.savePolicyVersion(v.version, v.name, JSON.stringify(v.files), v.loadedAt, v.source)
      }
      case 'enforcement':
        return this.actions.apply(e.write)
    }
  }

  private insertEntityRefs(entities: readonly EntityRef[], seq: number): void {
    for (let start = 0; start < entities.length; start += ENTITY_CHUNK) {
      const n = Math.min(ENTITY_CHUNK, entities.length - start)
      const args = this.entityArgs[n - 1]!
      for (let i = 0; i < n; i++) {
        const e = entities[start + i]!
        args[i * 3] = e.type
        args[i * 3 + 1] = e.id
        args[i * 3 + 2] = seq
      }
      this.insertEntities[n - 1]!.run(args)
    }
  }

  private insertHits(hits: readonly HitRef[], seq: number): void {
    for (const [rule, mode] of hits) {
      if (this.insertHit.run(seq, rule, mode).changes > 0) this.countHit.run(rule, mode)
    }
  }

  /** Appends to the history and updates the label in force of each subject. */
  addTruthLabels(labels: readonly TruthLabel[]): void {
    for (const l of labels) {
      const kind = l.eventId !== undefined ? 'event' : 'entity'
      const type = l.eventId !== undefined ? '' : l.entity!.type
      const id = l.eventId ?? l.entity!.id
      const malicious = l.malicious ? 1 : 0
      const row = this.insertTruth.run(
        kind,
        type,
        id,
        malicious,
        l.area ?? null,
        l.campaign ?? null,
        l.damage ?? null,
        l.source,
        l.time,
        l.note ?? null,
        l.receivedAt,
      )
      this.truthInForce.run(kind, type, id, malicious, l.time, row.lastInsertRowid)
    }
  }

  /** Applies label changes in order: a later op on the same label wins. */
  applyLabelOps(ops: readonly LabelOp[]): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!
      if (op.op === 'set') {
        this.setLabel.run(op.entity.type, op.entity.id, op.name, op.expiresAt ?? null, op.source, op.time)
      } else {
        this.clearLabel.run(op.entity.type, op.entity.id, op.name)
      }
    }
  }

  addListEntries(entries: readonly ListEntry[]): void {
    for (const e of entries)
      this.upsertListEntry.run(e.list, e.value, e.expiresAt ?? null, e.source, e.addedAt)
  }

  removeListEntries(list: string, values: readonly string[]): number {
    let removed = 0
    for (const value of values) removed += this.deleteListEntry.run(list, value).changes
    return removed
  }

  savePolicyVersion(
    version: string,
    name: string,
    filesJson: string,
    loadedAt: number,
    source: string,
  ): void {
    this.upsertPolicy.run(version, name, filesJson, loadedAt, source)
  }
}
