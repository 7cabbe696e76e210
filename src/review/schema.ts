/**
 * The review store's schema, in its own database file (DATA/review.db) rather than bulwark.db:
 * the ingest worker holds bulwark.db's write lock while it applies a batch, and a review write
 * there waited for it on the event loop that answers decisions (docs/benchmarks.md). Applied by
 * ReviewStore when the file is new; `user_version` records it, and a file newer than this code is
 * refused.
 *
 * - `review_cases` one row per case (review, appeal or blind QA check) with its queue, status,
 *   claim (holder and expiry) and verdict;
 * - `review_case_decisions` the decisions (event ids) a case links, keyed both ways so "the case
 *   of this decision and entity" is one lookup;
 * - `review_case_log` every step of a case (opened, merged, claimed, renewed, released,
 *   escalated, decided) in order.
 *
 * Review writes do not go through the journal: they are human-rate, need compare-and-set (a claim
 * succeeds only while no one else holds the case), and are written in one synchronous=FULL
 * transaction each (cases opened by the outbox: group-committed, see store.ts).
 */

import type Database from 'better-sqlite3'
import { BulwarkError } from '../core/errors.ts'

export const REVIEW_SCHEMA_VERSION = 1

const SCHEMA = `
  CREATE TABLE review_cases (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('review', 'appeal', 'qa')),
    queue TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    priority INTEGER NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    rule TEXT,
    area TEXT,
    opened_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    claimed_by TEXT,
    claim_expires_at INTEGER,
    verdict TEXT,
    reason TEXT,
    note TEXT,
    decided_by TEXT,
    decided_at INTEGER,
    effects_pending INTEGER NOT NULL DEFAULT 0,
    origin_case TEXT,
    excluded_reviewer TEXT,
    appealed_decision TEXT,
    statement TEXT,
    qa_agrees INTEGER
  );
  CREATE INDEX review_cases_by_queue ON review_cases (queue, status, priority DESC, opened_at);
  CREATE INDEX review_cases_by_entity ON review_cases (entity_type, entity_id, status);
  CREATE INDEX review_cases_by_origin ON review_cases (origin_case);
  CREATE INDEX review_cases_pending ON review_cases (effects_pending) WHERE effects_pending = 1;

  CREATE TABLE review_case_decisions (
    case_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    rule TEXT,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, decision_id)
  ) WITHOUT ROWID;
  CREATE INDEX review_case_decisions_by_decision ON review_case_decisions (decision_id, case_id);

  CREATE TABLE review_case_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX review_case_log_by_case ON review_case_log (case_id, id);
    
`

/** Creates the schema in a new review database; refuses one written by a newer Bulwark. */
export function applyReviewSchema(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > REVIEW_SCHEMA_VERSION)
    throw new BulwarkError('INTERNAL', {
      detail: `the review database is at schema version ${version}, newer than this Bulwark (${REVIEW_SCHEMA_VERSION}); upgrade Bulwark`,
    })
  if (version === REVIEW_SCHEMA_VERSION) return
  db.transaction(() => {
    db.exec(SCHEMA)
    db.pragma(`user_version = ${REVIEW_SCHEMA_VERSION}`)
  }).immediate()
}
