/**
 * Enforcement reads on the SQLite repository: by default a read waits until every acknowledged
 * write is in the database; `current: false` answers at once from what the database holds (the
 * outbox's periodic look), without waiting for the ingest worker — except while the database
 * refuses writes: then it fails like any read, so the outbox runs nothing it could not record.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { ActionRow } from '../../src/store/actions.ts'
import { SqliteRepository } from '../../src/store/sqlite.ts'
import { decisionRecord } from './records.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-enforcement-read-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const row: ActionRow = {
  id: 'A1',
  kind: 'webhook',
  status: 'pending',
  entity: { type: 'user', id: 'u1' },
  rules: ['r1'],
  cause: { kind: 'api', id: 'x' },
  params: { destination: 'default', event: 'action' },
  attempts: 0,
  nextAttemptAt: 1000,
  createdAt: 1000,
  updatedAt: 1000,
}

describe('enforcementRead', () => {
  it('with current: false answers at once from what the database holds', async () => {
    // No ingest worker: journalled writes reach the database only at the next open.
    const repo = new SqliteRepository(join(dir, 'stale.db'), { ingest: false })
    await repo.migrate()
    let applied = false
    repo.enforcementWrite({ insert: [row] }).then(
      () => {
        applied = true
      },
      () => undefined,
    )
    const now = await repo.enforcementRead((r) => r.dueActions(2000, 10), { current: false })
    expect(now).toEqual([])
    expect(applied).toBe(false)
    await repo.close()
  })

  it('by default sees every write acknowledged before it', async () => {
    const repo = new SqliteRepository(join(dir, 'current.db'))
    await repo.migrate()
    await repo.enforcementWrite({ insert: [row] })
    await repo.enforcementWrite({
      update: [{ id: 'A1', status: 'done', attempts: 1, nextAttemptAt: 1500, updatedAt: 1500 }],
    })
    const due = await repo.enforcementRead((r) => r.dueActions(2000, 10))
    expect(due).toEqual([])
    expect((await repo.enforcementRead((r) => r.action('A1')))?.status).toBe('done')
    await repo.close()
  })

  it('with current: false still fails while the database refuses writes, and recovers', async () => {
    const path = join(dir, 'refusing.db')
    const repo = new SqliteRepository(path)
    await repo.migrate()
    const other = new Database(path)
    other.exec(`CREATE TRIGGER fail AFTER INSERT ON decisions WHEN NEW.event_id = 'evt-2'
      BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
    await Promise.all([1, 2, 3].map((i) => repo.record(decisionRecord(i))))
    await expect(repo.decisionsAfter(0, 10)).rejects.toThrow(/injected failure/)
    await expect(repo.enforcementRead((r) => r.dueActions(2000, 10), { current: false })).rejects.toThrow(
      /injected failure/,
    )
    other.exec('DROP TRIGGER fail')
    other.close()
    expect(await repo.enforcementRead((r) => r.dueActions(2000, 10), { current: false })).toEqual([])
    expect((await repo.decisionsAfter(0, 10)).map((d) => d.eventId)).toEqual(['evt-1', 'evt-2', 'evt-3'])
    await repo.close()
  })
})
