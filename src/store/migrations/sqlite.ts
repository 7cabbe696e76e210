/**
 * The SQLite schema as numbered migrations. Each runs once, in its own transaction, and is
 * recorded in `schema_migrations`; a later issue adds a migration by appending to MIGRATIONS
 * (never by editing a released one). A database newer than this code is refused, not touched.
 *
 * Schema notes:
 * - `decisions.seq` is the commit order. AUTOINCREMENT so a seq is never reused, even after
 *   retention or erasure deletes the newest rows: replay consumers keep their position.
 * - Outcome, score, policy version, event type and times are columns (decisions are queried by
 *   them in analytics and backtests); the event and the decision (with the feature values it used) are JSON text.
 * - `feature_updates` holds one row per decision that updated features: the JSON array exactly
 *   as recorded and its length, keyed by the decision's seq, so replay is one range scan.
 * - `decision_entities` is a covering index (WITHOUT ROWID) for "latest decisions of an entity".
 * - Label and list keys are their natural primary keys (WITHOUT ROWID): upsert is one statement.
 * - `journal_state.applied_seq` is the seq of the last journal line applied (see journal.ts):
 *   recovery applies the lines after it. Writes other than decisions use seqs too, so it can be
 *   above the highest decision seq.
 * - `truth_labels` (migration 2) is ground truth for measuring rules, not rule-set entity labels.
 *   Migration 3 makes it a history (every label kept, `id` in the order received) and adds
 *   `truth_latest`, the label in force per subject (the latest by time; on a tie the one received
 *   last), kept by the writer on every insert.
 * - `decision_hits` (migration 3): one row per rule hit of a decision, keyed by the decision's seq,
 *   so the labelled decisions' hits are index lookups; `rule_hit_counts` the hits per rule and mode,
 *   kept by the writer, so totals never scan. Rule quality (sqlite-quality.ts) reads only these,
 *   `truth_latest` and the entity index: its cost grows with the labels, not with the decisions.
 *   Whatever deletes decisions later (retention, erasure) must delete their hits and decrement
 *   the counts with them.
 * - Human review has its own database file, review.db (src/review/schema.ts): its writes must
 *   not wait for the write lock the ingest worker holds on this one. Version 5 is not used here.
 * - Versions need not be dense: issues take numbers up front (4: enforcement, 5: review, 6: …),
 *   and the runner applies whatever is missing in ascending order, so a gap is fine.
 * - Enforcement (migration 4, src/enforcement/, store/actions.ts): `actions` is the outbox, one
 *   row per action with its status (pending → done | dead; or recorded as capped, dry_run,
 *   suppressed or skipped; reversed), attempts and next attempt time. Rows a decision emits are
 *   inserted by the decision's own journal line; status changes are later `enforcement` lines.
 *   `enforcement_audit` is the trail of setting changes and guard demotions; `enforcement_state`
 *   the current settings and demoted rules (JSON by key).
 * - Model registry (migration 6, src/models/registry.ts): `model_versions` one row per registered
 *   model file (version = content hash) with its format, input names, output size, file path in
 *   the data directory and model card (training-data reference and metrics, JSON); `model_roles`
 *   the champion and challenger served per name; `model_audit` every change (register, promote,
 *   rollback) with actor, time and the roles before and after (JSON). Written by the registry's
 *   own connection (human-rate, synchronous=FULL), like review.
 * - Enforcement retention (migration 7): partial indexes over finished actions so the retention
 *   job (store/actions.ts prune) reads only rows it can delete: those that left nothing to undo,
 *   by finish time; done strikes, by time given; done list entries and labels, by expiry.
 */

import type Database from 'better-sqlite3'
import { BulwarkError } from '../../core/errors.ts'

export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'decisions, feature updates, entities, labels, lists, policy versions, journal state',
    sql: `
      CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        score REAL NOT NULL,
        policy_version TEXT NOT NULL,
        event TEXT NOT NULL,
        decision TEXT NOT NULL
      );
      CREATE INDEX decisions_by_time ON decisions (event_time);
      CREATE INDEX decisions_by_type_time ON decisions (event_type, event_time);

      CREATE TABLE feature_updates (
        seq INTEGER PRIMARY KEY,
        count INTEGER NOT NULL,
        updates TEXT NOT NULL
      );

      CREATE TABLE decision_entities (
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (entity_type, entity_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE labels (
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        name TEXT NOT NULL,
        expires_at INTEGER,
        source TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        PRIMARY KEY (entity_type, entity_id, name)
      ) WITHOUT ROWID;

      CREATE TABLE list_entries (
        list TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at INTEGER,
        source TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (list, value)
      ) WITHOUT ROWID;

      CREATE TABLE policy_versions (
        version TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        files TEXT NOT NULL,
        loaded_at INTEGER NOT NULL,
        source TEXT NOT NULL
      );
      CREATE INDEX policy_versions_by_time ON policy_versions (loaded_at);

      CREATE TABLE journal_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        applied_seq INTEGER NOT NULL
      );
      INSERT INTO journal_state (id, applied_seq) VALUES (1, 0);
    `,
  },
  {
    version: 2,
    name: 'truth labels (ground truth about events and entities)',
    // Ground truth from reviewers, chargebacks, user reports or files — not the entity labels
    // rules set (table `labels`). One row per subject and source: a later verdict replaces it.
    // `kind` is 'event' (subject_type '', subject_id the event id) or 'entity'. The primary key
    // serves both the per-subject reads and the rule-quality join (see sqlite-quality.ts).
    sql: `
      CREATE TABLE truth_labels (
        kind TEXT NOT NULL CHECK (kind IN ('event', 'entity')),
        subject_type TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        source TEXT NOT NULL,
        malicious INTEGER NOT NULL,
        area TEXT,
        campaign TEXT,
        damage REAL,
        time INTEGER NOT NULL,
        note TEXT,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (kind, subject_type, subject_id, source)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'truth label history and the label in force; rule hits per decision and per rule',
    // Version 2 kept one label per subject and source; the history of every label is kept now
    // (rows of version 2 are carried over). Decision hits are backfilled from the stored traces.
    sql: `
      CREATE TABLE truth_label_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('event', 'entity')),
        subject_type TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        malicious INTEGER NOT NULL,
        area TEXT,
        campaign TEXT,
        damage REAL,
        source TEXT NOT NULL,
        time INTEGER NOT NULL,
        note TEXT,
        received_at INTEGER NOT NULL
      );
      INSERT INTO truth_label_history
        (kind, subject_type, subject_id, malicious, area, campaign, damage, source, time, note, received_at)
        SELECT kind, subject_type, subject_id, malicious, area, campaign, damage, source, time, note, received_at
        FROM truth_labels ORDER BY received_at, time;
      DROP TABLE truth_labels;
      ALTER TABLE truth_label_history RENAME TO truth_labels;
      CREATE INDEX truth_labels_by_subject ON truth_labels (kind, subject_type, subject_id, time, id);

      CREATE TABLE truth_latest (
        kind TEXT NOT NULL,
        subject_type TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        malicious INTEGER NOT NULL,
        time INTEGER NOT NULL,
        id INTEGER NOT NULL,
        PRIMARY KEY (kind, subject_type, subject_id)
      ) WITHOUT ROWID;
      INSERT INTO truth_latest (kind, subject_type, subject_id, malicious, time, id)
        SELECT kind, subject_type, subject_id, malicious, time, id FROM truth_labels t
        WHERE id = (SELECT u.id FROM truth_labels u
                    WHERE u.kind = t.kind AND u.subject_type = t.subject_type AND u.subject_id = t.subject_id
                    ORDER BY u.time DESC, u.id DESC LIMIT 1);

      CREATE TABLE decision_hits (
        seq INTEGER NOT NULL,
        rule TEXT NOT NULL,
        mode TEXT NOT NULL,
        PRIMARY KEY (seq, rule)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO decision_hits (seq, rule, mode)
        SELECT d.seq, json_extract(h.value, '$.rule'), json_extract(h.value, '$.mode')
        FROM decisions d, json_each(d.decision, '$.hits') h;

      CREATE TABLE rule_hit_counts (
        rule TEXT NOT NULL,
        mode TEXT NOT NULL,
        hits INTEGER NOT NULL,
        PRIMARY KEY (rule, mode)
      ) WITHOUT ROWID;
      INSERT INTO rule_hit_counts (rule, mode, hits)
        SELECT rule, mode, count(*) FROM decision_hits GROUP BY rule, mode;
    `,
  },
  {
    version: 4,
    name: 'enforcement: actions outbox, enforcement audit and state',
    sql: `
      CREATE TABLE actions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        rules TEXT NOT NULL,
        cause_kind TEXT NOT NULL,
        cause_id TEXT NOT NULL,
        decision_id TEXT,
        params TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX actions_due ON actions (status, next_attempt_at);
      CREATE INDEX actions_by_decision ON actions (decision_id);
      CREATE INDEX actions_by_entity ON actions (entity_type, entity_id, kind, created_at);
      CREATE INDEX actions_by_time ON actions (created_at);

      CREATE TABLE enforcement_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        change TEXT NOT NULL,
        detail TEXT NOT NULL
      );

      CREATE TABLE enforcement_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'model registry: versions, champion and challenger, audit',
    sql: `
      CREATE TABLE model_versions (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        format TEXT NOT NULL,
        inputs TEXT NOT NULL,
        text_input INTEGER NOT NULL,
        output_size INTEGER NOT NULL,
        path TEXT NOT NULL,
        card TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (name, version)
      ) WITHOUT ROWID;
      CREATE TABLE model_roles (
        name TEXT PRIMARY KEY,
        champion TEXT,
        challenger TEXT,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE model_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        time INTEGER NOT NULL,
        version TEXT,
        before TEXT NOT NULL,
        after TEXT NOT NULL
      );
      CREATE INDEX model_audit_by_name ON model_audit (name, id);
    `,
  },
  {
    version: 7,
    name: 'enforcement retention: finished actions by when they can go',
    // Three partial indexes, one per retention query (store/actions.ts ActionWriter.prune): each
    // query repeats its index's WHERE terms verbatim, which is how SQLite knows it may use it.
    sql: `
      CREATE INDEX actions_finished_no_effect ON actions (updated_at)
        WHERE status <> 'pending'
          AND NOT (status = 'done' AND (kind IN ('strike', 'list_add')
                   OR (kind = 'label' AND json_extract(params, '$.clear') IS NOT 1)));
      CREATE INDEX actions_done_strikes ON actions (created_at)
        WHERE kind = 'strike' AND status = 'done';
      CREATE INDEX actions_done_effect_expiry ON actions (created_at + json_extract(params, '$.ttlMs'))
        WHERE status = 'done' AND kind IN ('list_add', 'label');
    `,
  },
]

/** Applies every migration the database lacks; returns the versions applied. */
export function migrateSqlite(db: Database.Database, now: () => number = Date.now): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`)
  const current = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }
  const latest = Math.max(0, ...MIGRATIONS.map((m) => m.version))
  if ((current.v ?? 0) > latest) {
    throw new BulwarkError('INTERNAL', {
      detail: `the database schema is at version ${current.v}, newer than this Bulwark (${latest}); upgrade Bulwark`,
    })
  }
  const applied: number[] = []
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  const has = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?')
  for (const m of MIGRATIONS) {
    const apply = db.transaction(() => {
      if (has.get(m.version) !== undefined) return
      db.exec(m.sql)
      record.run(m.version, m.name, now())
      applied.push(m.version)
    })
    apply.immediate()
  }
  return applied
}
