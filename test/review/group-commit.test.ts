/**
 * GroupCommit on a real SQLite database: writes submitted in one turn share one transaction,
 * a write that throws is undone alone (its savepoint) and rejects alone, and writes of a later
 * turn commit separately.
 */

import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { GroupCommit } from '../../src/review/group-commit.ts'

function setup() {
  const db = new Database(':memory:')
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)')
  let commits = 0
  const group = new GroupCommit(
    (body) => {
      db.transaction(body).immediate()
      commits++
    },
    (write) => db.transaction(write)(),
  )
  const insert = (v: number) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes
  const rows = () => (db.prepare('SELECT v FROM t ORDER BY v').pluck().all() as number[]).join(',')
  return { db, group, insert, rows, commits: () => commits }
}

describe('GroupCommit', () => {
  it('commits the writes of one turn together, and a failing one alone is undone', async () => {
    const { group, insert, rows, commits } = setup()
    const results = await Promise.allSettled([
      group.submit(insert(1)),
      group.submit(() => {
        insert(2)()
        throw new Error('no')
      }),
      group.submit(insert(3)),
      group.submit(insert(1)), // a duplicate key: rejected, the others stay
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected'])
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('no')
    expect(rows()).toBe('1,3')
    expect(commits()).toBe(1)
  })

  it('writes of a later turn get their own commit', async () => {
    const { group, insert, rows, commits } = setup()
    await group.submit(insert(1))
    await group.submit(insert(2))
    expect(rows()).toBe('1,2')
    expect(commits()).toBe(2)
  })

  it('rejects the whole batch when the shared commit fails, and nothing is written', async () => {
    const { db, group, insert, rows } = setup()
    const pending = [group.submit(insert(1)), group.submit(insert(2))]
    db.close()
    for (const p of pending) await expect(p).rejects.toThrow()
    expect(() => rows()).toThrow()
  })
})
