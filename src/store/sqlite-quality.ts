/**
 * Ground truth and rule quality in SQLite: the history of an event's or an entity's labels, and
 * per rule and mode the hits with their true and false positives against the labels in force.
 *
 * The quality query starts from the labels in force (`truth_latest`), not from the decisions:
 * event labels find their decision by the event-id index, entity labels find theirs through the
 * entity index (`decision_entities`), and each labelled decision's hits are a primary-key range of
 * `decision_hits`. Totals come from `rule_hit_counts`. Nothing scans the decisions, so the cost
 * follows the number of labels and of labelled decisions, however many decisions are stored.
 */

import type Database from 'better-sqlite3'
import type { RuleQuality, TruthLabel, TruthSubject } from './repository.ts'

interface TruthRow {
  kind: 'event' | 'entity'
  subject_type: string
  subject_id: string
  malicious: number
  area: string | null
  campaign: string | null
  damage: number | null
  source: string
  time: number
  note: string | null
  received_at: number
}

function truthLabel(row: TruthRow): TruthLabel {
  return {
    ...(row.kind === 'event'
      ? { eventId: row.subject_id }
      : { entity: { type: row.subject_type, id: row.subject_id } }),
    malicious: row.malicious === 1,
    ...(row.area !== null ? { area: row.area } : {}),
    ...(row.campaign !== null ? { campaign: row.campaign } : {}),
    ...(row.damage !== null ? { damage: row.damage } : {}),
    source: row.source,
    time: row.time,
    ...(row.note !== null ? { note: row.note } : {}),
    receivedAt: row.received_at,
  }
}

/**
 * A decision is labelled by its event's label in force (rank 0), else by one of its acting
 * entities' (rank 1); `min(rank)` picks that row's `malicious` (SQLite's bare column of an
 * aggregate comes from the row holding the min).
 */
const QUALITY = `
  WITH labelled (seq, malicious, rank) AS (
    SELECT d.seq, t.malicious, 0
    FROM truth_latest t JOIN decisions d ON d.event_id = t.subject_id
    WHERE t.kind = 'event' AND t.subject_type = ''
    UNION ALL
    SELECT e.seq, t.malicious, 1
    FROM truth_latest t
    JOIN decision_entities e ON e.entity_type = t.subject_type AND e.entity_id = t.subject_id
    WHERE t.kind = 'entity' AND t.subject_type IN (SELECT value FROM json_each(?))
  ),
  truth AS (SELECT seq, malicious, min(rank) AS rank FROM labelled GROUP BY seq)
  SELECT h.rule, h.mode, sum(truth.malicious) AS tp, count(*) - sum(truth.malicious) AS fp
  FROM truth JOIN decision_hits h ON h.seq = truth.seq
  GROUP BY h.rule, h.mode`

export class SqliteQuality {
  private readonly ofEvent: Database.Statement<[string, number], TruthRow>
  private readonly ofEntity: Database.Statement<[string, string, number], TruthRow>
  private readonly labelled: Database.Statement<
    [string],
    { rule: string; mode: string; tp: number; fp: number }
  >
  private readonly inForceOf: Database.Statement<[string, string, string], TruthRow>
  private readonly counts: Database.Statement<[], { rule: string; mode: string; hits: number }>
  private readonly read: (actingTypes: readonly string[]) => RuleQuality[]

  constructor(db: Database.Database) {
    const order = 'ORDER BY time DESC, id DESC LIMIT ?'
    this.ofEvent = db.prepare(
      `SELECT * FROM truth_labels WHERE kind = 'event' AND subject_type = '' AND subject_id = ? ${order}`,
    )
    this.ofEntity = db.prepare(
      `SELECT * FROM truth_labels WHERE kind = 'entity' AND subject_type = ? AND subject_id = ? ${order}`,
    )
    this.labelled = db.prepare(QUALITY)
    this.inForceOf = db.prepare(
      // From the ids to the labels: one primary-key lookup per id, whatever the number of labels.
      `SELECT t.* FROM json_each(?) j
       CROSS JOIN truth_latest l ON l.kind = ? AND l.subject_type = ? AND l.subject_id = j.value
       JOIN truth_labels t ON t.id = l.id`,
    )
    this.counts = db.prepare('SELECT rule, mode, hits FROM rule_hit_counts ORDER BY rule, mode')
    // One read transaction: the totals and the labelled hits come from the same snapshot.
    this.read = db.transaction((actingTypes: readonly string[]) => this.compute(actingTypes))
  }

  truthLabels(subject: TruthSubject, limit: number): TruthLabel[] {
    const rows =
      'eventId' in subject
        ? this.ofEvent.all(subject.eventId, limit)
        : this.ofEntity.all(subject.entity.type, subject.entity.id, limit)
    return rows.map(truthLabel)
  }

  /** The label in force of each subject that has one: one query per kind and entity type. */
  inForce(subjects: readonly TruthSubject[]): TruthLabel[] {
    const groups = new Map<string, { kind: string; type: string; ids: string[] }>()
    for (const s of subjects) {
      const [kind, type, id] =
        'eventId' in s ? ['event', '', s.eventId] : ['entity', s.entity.type, s.entity.id]
      const key = `${kind}\u0000${type}`
      let g = groups.get(key)
      if (g === undefined) {
        g = { kind, type, ids: [] }
        groups.set(key, g)
      }
      g.ids.push(id)
    }
    const out: TruthLabel[] = []
    for (const g of groups.values())
      for (const row of this.inForceOf.iterate(JSON.stringify(g.ids), g.kind, g.type))
        out.push(truthLabel(row))
    return out
  }

  ruleQuality(actingTypes: readonly string[]): RuleQuality[] {
    return this.read(actingTypes)
  }

  private compute(actingTypes: readonly string[]): RuleQuality[] {
    const labelled = new Map<string, { tp: number; fp: number }>()
    for (const r of this.labelled.all(JSON.stringify(actingTypes)))
      labelled.set(`${r.rule}\u0000${r.mode}`, { tp: r.tp, fp: r.fp })
    return this.counts.all().map((c) => {
      const l = labelled.get(`${c.rule}\u0000${c.mode}`)
      return {
        rule: c.rule,
        mode: c.mode as RuleQuality['mode'],
        hits: c.hits,
        tp: l?.tp ?? 0,
        fp: l?.fp ?? 0,
      }
    })
  }
}
