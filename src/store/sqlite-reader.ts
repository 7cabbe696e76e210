/**
 * The SQLite read statements, prepared once per connection, and the mapping from rows to the
 * repository's records. Every query here is served by an index (see migrations/sqlite.ts).
 */

import type Database from 'better-sqlite3'
import type { FeatureUpdate } from '../features/types.ts'
import type {
  EntityRef,
  EventTimeCursor,
  FeatureUpdateBatch,
  LabelRecord,
  ListEntry,
  PolicyVersionRecord,
  StoredDecision,
  StoredEventText,
} from './repository.ts'

interface DecisionRow {
  seq: number
  event_id: string
  event_type: string
  event_time: number
  received_at: number
  event: string
  decision: string
}

interface LabelRow {
  entity_type: string
  entity_id: string
  name: string
  expires_at: number | null
  source: string
  set_at: number
}

interface ListRow {
  list: string
  value: string
  expires_at: number | null
  source: string
  added_at: number
}

interface PolicyRow {
  version: string
  name: string
  files?: string
  loaded_at: number
  source: string
}

const DECISION_COLUMNS = 'seq, event_id, event_type, event_time, received_at, event, decision'

export function storedDecision(row: DecisionRow): StoredDecision {
  return {
    seq: row.seq,
    eventId: row.event_id,
    eventType: row.event_type,
    eventTime: row.event_time,
    receivedAt: row.received_at,
    event: JSON.parse(row.event),
    decision: JSON.parse(row.decision),
  }
}

function labelRecord(row: LabelRow): LabelRecord {
  const entity = { type: row.entity_type, id: row.entity_id }
  return row.expires_at === null
    ? { entity, name: row.name, source: row.source, setAt: row.set_at }
    : { entity, name: row.name, expiresAt: row.expires_at, source: row.source, setAt: row.set_at }
}

function listEntry(row: ListRow): ListEntry {
  return row.expires_at === null
    ? { list: row.list, value: row.value, source: row.source, addedAt: row.added_at }
    : {
        list: row.list,
        value: row.value,
        expiresAt: row.expires_at,
        source: row.source,
        addedAt: row.added_at,
      }
}

export class SqliteReader {
  private readonly byEventId: Database.Statement<[string], DecisionRow>
  private readonly forEntity: Database.Statement<[string, string, number], DecisionRow>
  private readonly after: Database.Statement<[number, number], DecisionRow>
  private readonly byTime: Database.Statement<
    [number, number, number, number, number, number],
    { seq: number; event_id: string; event_time: number; actor_id: unknown; event: string }
  >
  private readonly updatesAfter: Database.Statement<
    [number, number],
    { seq: number; event_id: string; count: number; updates: string }
  >
  private readonly maxSeq: Database.Statement<[], { seq: number }>
  private readonly seqOfEvent: Database.Statement<[string], number>
  private readonly applied: Database.Statement<[], number>
  private readonly allLabels: Database.Statement<[number], LabelRow>
  private readonly entityLabels: Database.Statement<[string, string, number], LabelRow>
  private readonly lists: Database.Statement<[number], ListRow>
  private readonly policies: Database.Statement<[number], PolicyRow>
  private readonly policy: Database.Statement<[string], PolicyRow>
  private readonly readUpdates: (
    afterSeq: number,
    limit: number,
  ) => { batches: FeatureUpdateBatch[]; lastSeq: number }

  constructor(db: Database.Database) {
    this.byEventId = db.prepare(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE event_id = ?`)
    this.forEntity = db.prepare(
      `SELECT ${DECISION_COLUMNS.replace(/(\w+)/g, 'd.$1')} FROM decision_entities e JOIN decisions d ON d.seq = e.seq
       WHERE e.entity_type = ? AND e.entity_id = ? ORDER BY e.seq DESC LIMIT ?`,
    )
    this.after = db.prepare(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?`)
    // Served by decisions_by_time, whose entries are (event_time, seq): the order is the index's.
    this.byTime = db.prepare(
      `SELECT seq, event_id, event_time, json_extract(event, '$.actor.id') AS actor_id, event FROM decisions
       WHERE event_time >= ? AND event_time < ? AND (event_time > ? OR (event_time = ? AND seq > ?))
       ORDER BY event_time, seq LIMIT ?`,
    )
    this.updatesAfter = db.prepare(
      `SELECT f.seq, d.event_id, f.count, f.updates FROM feature_updates f JOIN decisions d ON d.seq = f.seq
       WHERE f.seq > ? ORDER BY f.seq LIMIT ?`,
    )
    this.maxSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'decisions'")
    this.seqOfEvent = db.prepare<[string], number>('SELECT seq FROM decisions WHERE event_id = ?').pluck()
    this.applied = db.prepare<[], number>('SELECT applied_seq FROM journal_state WHERE id = 1').pluck()
    const live = '(expires_at IS NULL OR expires_at > ?)'
    this.allLabels = db.prepare(`SELECT * FROM labels WHERE ${live} ORDER BY entity_type, entity_id, name`)
    this.entityLabels = db.prepare(
      `SELECT * FROM labels WHERE entity_type = ? AND entity_id = ? AND ${live} ORDER BY name`,
    )
    this.lists = db.prepare(`SELECT * FROM list_entries WHERE ${live} ORDER BY list, value`)
    this.policies = db.prepare(
      'SELECT version, name, loaded_at, source FROM policy_versions ORDER BY loaded_at DESC, rowid DESC LIMIT ?',
    )
    this.policy = db.prepare('SELECT * FROM policy_versions WHERE version = ?')
    // One read transaction, so the page and the high-water mark come from the same snapshot.
    this.readUpdates = db.transaction((afterSeq: number, limit: number) =>
      this.featureUpdatesPage(afterSeq, limit),
    )
  }

  decision(eventId: string): StoredDecision | undefined {
    const row = this.byEventId.get(eventId)
    return row === undefined ? undefined : storedDecision(row)
  }

  decisionsForEntity(entity: EntityRef, limit: number): StoredDecision[] {
    return this.forEntity.all(entity.type, entity.id, limit).map(storedDecision)
  }

  decisionsAfter(afterSeq: number, limit: number): StoredDecision[] {
    return this.after.all(afterSeq, limit).map(storedDecision)
  }

  storedEvents(
    window: { readonly from: number; readonly to: number },
    after: EventTimeCursor | undefined,
    limit: number,
  ): StoredEventText[] {
    const t = after?.time ?? window.from
    const seq = after?.seq ?? 0
    return this.byTime.all(window.from, window.to, t, t, seq, limit).map((r) => ({
      seq: r.seq,
      eventId: r.event_id,
      eventTime: r.event_time,
      ...(typeof r.actor_id === 'string' ? { actorId: r.actor_id } : {}),
      event: r.event,
    }))
  }

  /** Whether a decision is recorded for the event id (answered from the index alone). */
  has(eventId: string): boolean {
    return this.seqOfEvent.get(eventId) !== undefined
  }

  lastSeq(): number {
    return this.maxSeq.get()?.seq ?? 0
  }

  /** The seq of the last journal line applied to the database. */
  appliedSeq(): number {
    return this.applied.get() ?? 0
  }

  featureUpdatesAfter(afterSeq: number, limit: number): { batches: FeatureUpdateBatch[]; lastSeq: number } {
    return this.readUpdates(afterSeq, limit)
  }

  /**
   * Whole decisions' updates, at most `limit` of them — except that a single decision with more
   * updates than `limit` comes whole, so paging always advances. When the page drains the log,
   * `lastSeq` is the highest committed seq (decisions without updates included), so a caller
   * that resumes from it neither misses nor repeats an update.
   */
  private featureUpdatesPage(
    afterSeq: number,
    limit: number,
  ): { batches: FeatureUpdateBatch[]; lastSeq: number } {
    const batches: FeatureUpdateBatch[] = []
    let count = 0
    let lastSeq = afterSeq
    let rows = 0
    for (const row of this.updatesAfter.iterate(afterSeq, limit)) {
      rows++
      if (count > 0 && count + row.count > limit) return { batches, lastSeq }
      batches.push({
        seq: row.seq,
        eventId: row.event_id,
        updates: JSON.parse(row.updates) as FeatureUpdate[],
      })
      count += row.count
      lastSeq = row.seq
    }
    if (rows < limit) lastSeq = Math.max(afterSeq, this.lastSeq())
    return { batches, lastSeq }
  }

  labels(now: number): LabelRecord[] {
    return this.allLabels.all(now).map(labelRecord)
  }

  labelsFor(entity: EntityRef, now: number): LabelRecord[] {
    return this.entityLabels.all(entity.type, entity.id, now).map(labelRecord)
  }

  listEntries(now: number): ListEntry[] {
    return this.lists.all(now).map(listEntry)
  }

  policyVersions(limit: number): Omit<PolicyVersionRecord, 'files'>[] {
    return this.policies
      .all(limit)
      .map((r) => ({ version: r.version, name: r.name, loadedAt: r.loaded_at, source: r.source }))
  }

  policyVersion(version: string): PolicyVersionRecord | undefined {
    const r = this.policy.get(version)
    if (r === undefined) return undefined
    return {
      version: r.version,
      name: r.name,
      files: JSON.parse(r.files ?? '{}'),
      loadedAt: r.loaded_at,
      source: r.source,
    }
  }
}
