/**
 * Group commit for SQLite. Writes queue up and are committed together in ONE transaction as
 * soon as the event loop is free (setImmediate): every request handled in the same loop turn
 * shares one fsync. Each write's promise settles only after its transaction committed; if the
 * commit fails, every write in that batch rejects and nothing of the batch is stored.
 *
 * Decision records are the hot path and are written inline; other writes (label ops, list
 * entries, policy versions) run as functions inside a savepoint, so a failing one rejects alone.
 * All writes share one queue, so they are applied in the order they were issued.
 */

import type Database from 'better-sqlite3'
import { BulwarkError } from '../core/errors.ts'
import type { DecisionRecord, StoredDecision } from './repository.ts'
import type { SqliteReader } from './sqlite-reader.ts'
import type { SqliteWriter } from './sqlite-writer.ts'

/** One queued write. A class, so every pending write has the same shape. */
export class PendingWrite {
  record: DecisionRecord | null = null
  eventJson = ''
  decisionJson = ''
  featuresJson = ''
  updatesJson: string | null = null
  apply: (() => unknown) | null = null
  result: unknown = undefined
  error: unknown = undefined
  resolve: (value: never) => void = noop
  reject: (reason: unknown) => void = noop
}

function noop(): void {}

function storedFrom(r: DecisionRecord, seq: number): StoredDecision {
  return {
    seq,
    eventId: r.eventId,
    eventType: r.eventType,
    eventTime: r.eventTime,
    receivedAt: r.receivedAt,
    event: r.event as Record<string, unknown>,
    decision: r.decision,
    features: r.features as Record<string, unknown>,
  }
}

export class GroupCommit {
  /** Transactions committed so far (a batch is one). */
  commits = 0
  private queue: PendingWrite[] = []
  private spare: PendingWrite[] = []
  private scheduled: NodeJS.Immediate | undefined = undefined
  private readonly maxBatch: number
  private readonly writeBatch: (batch: PendingWrite[]) => void
  private readonly flushNow: () => void

  constructor(db: Database.Database, writer: SqliteWriter, reader: SqliteReader, maxBatch: number) {
    this.maxBatch = maxBatch
    const savepoint = db.transaction((apply: () => unknown) => apply())
    const write = (batch: PendingWrite[]): void => {
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!
        const r = p.record
        if (r !== null) {
          const seq = writer.insertRecord(r, p.eventJson, p.decisionJson, p.featuresJson, p.updatesJson)
          // seq 0: the event id is already recorded, maybe earlier in this very batch.
          p.result = seq === 0 ? reader.decision(r.eventId) : storedFrom(r, seq)
        } else {
          try {
            p.result = savepoint(p.apply!)
          } catch (err) {
            p.error = err ?? new Error('write failed')
          }
        }
      }
    }
    this.writeBatch = db.transaction(write).immediate
    this.flushNow = () => this.flush()
  }

  /** Queues a write; the promise settles once its batch has committed (or failed). */
  enqueue<T>(p: PendingWrite): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      p.resolve = resolve as (value: never) => void
      p.reject = reject
      this.queue.push(p)
      if (this.scheduled === undefined) this.scheduled = setImmediate(this.flushNow)
    })
  }

  get pending(): number {
    return this.queue.length
  }

  /** Commits everything queued now (close() calls it; otherwise the scheduled flush does). */
  flushAll(): void {
    while (this.queue.length > 0) this.flush()
  }

  private flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled)
      this.scheduled = undefined
    }
    let batch: PendingWrite[]
    if (this.queue.length <= this.maxBatch) {
      batch = this.queue
      this.queue = this.spare
      this.spare = batch
    } else {
      batch = this.queue.splice(0, this.maxBatch)
      // Let I/O in between oversized batches; the rest goes in the next turn.
      this.scheduled = setImmediate(this.flushNow)
    }
    if (batch.length === 0) return
    let failure: unknown
    try {
      this.writeBatch(batch)
      this.commits++
    } catch (err) {
      failure = new BulwarkError(
        'INTERNAL',
        { detail: `storage commit failed: ${err instanceof Error ? err.message : String(err)}` },
        err,
      )
    }
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!
      if (failure !== undefined) p.reject(failure)
      else if (p.error !== undefined) p.reject(p.error)
      else p.resolve(p.result as never)
    }
    batch.length = 0
  }
}
