/**
 * Applying writes to SQLite in batches: one transaction carries many writes (at most `maxBatch`)
 * and records the last seq it applied (journal_state), so recovery knows where the journal
 * resumes. Used by the ingest worker (sqlite-worker.ts) on its own connection, and in-thread for
 * an in-memory database.
 *
 * Batching is what makes SQLite cheap here: a decision touches several B-tree pages at random
 * (the event-id index, the entity index), and a transaction writes each dirty page once however
 * many rows share it.
 */

import type Database from 'better-sqlite3'
import { SqliteWriter } from './sqlite-writer.ts'
import type { WriteEntry } from './writes.ts'

/** What a batch produced: results of writes that return one (list removals, prunes), by seq. */
export type Results = [seq: number, result: unknown][]

export class Applier {
  /** Transactions committed so far. */
  commits = 0
  readonly writer: SqliteWriter
  private readonly db: Database.Database
  private readonly maxBatch: number
  private readonly applyChunk: (
    entries: readonly WriteEntry[],
    from: number,
    to: number,
    results: Results,
  ) => void

  constructor(db: Database.Database, maxBatch: number) {
    this.db = db
    this.maxBatch = maxBatch
    const writer = new SqliteWriter(db)
    this.writer = writer
    this.applyChunk = db.transaction(
      (entries: readonly WriteEntry[], from: number, to: number, results: Results) => {
        for (let i = from; i < to; i++) {
          const e = entries[i]!
          const result = writer.apply(e)
          if (e.kind === 'list-remove' || (e.kind === 'enforcement' && e.write.prune))
            results.push([e.seq, result])
        }
        writer.markApplied(entries[to - 1]!.seq)
      },
    ).immediate
  }

  /**
   * Applies entries in seq order, `maxBatch` per transaction. If a transaction fails its chunk is
   * rolled back and the error thrown; `applied` tells how many entries were committed before.
   */
  apply(entries: readonly WriteEntry[], results: Results = []): Results {
    for (let from = 0; from < entries.length; from += this.maxBatch) {
      const to = Math.min(entries.length, from + this.maxBatch)
      try {
        this.applyChunk(entries, from, to, results)
      } catch (err) {
        throw new ApplyError(err, from)
      }
      this.commits++
    }
    return results
  }

  /**
   * Commits with synchronous=FULL, which syncs the WAL: every earlier synchronous=NORMAL commit is
   * on stable storage afterwards, so the journal lines applied so far may be deleted.
   */
  barrier(): void {
    const before = this.db.pragma('synchronous', { simple: true })
    this.db.pragma('synchronous = FULL')
    try {
      this.db.transaction(() => this.writer.touchApplied()).immediate()
    } finally {
      this.db.pragma(`synchronous = ${before}`)
    }
  }
}

/** A failed batch: `cause` from SQLite, `applied` entries committed before the failing chunk. */
export class ApplyError extends Error {
  readonly applied: number

  constructor(cause: unknown, applied: number) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'ApplyError'
    this.applied = applied
  }
}
