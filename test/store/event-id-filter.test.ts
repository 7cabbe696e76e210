/**
 * The in-memory event-id filter behind the duplicate check: every id added is a "maybe" (never a
 * false "no", also once it has grown past its first layers), most unseen ids are a certain "no",
 * ids are read from a database in chunks, and through the repository a duplicate is still found
 * after a restart (ids read from the database at open), before its decision is applied, and in
 * memory.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { EventIdFilter } from '../../src/store/event-id-filter.ts'
import { SqliteRepository } from '../../src/store/sqlite.ts'
import { decisionEntry, journalLine } from '../../src/store/writes.ts'
import { decisionRecord } from './records.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-idfilter-'))
let files = 0
const freshPath = () => join(dir, `db-${files++}.sqlite`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function open(path: string): Promise<SqliteRepository> {
  const repo = new SqliteRepository(path)
  await repo.migrate()
  return repo
}

describe('EventIdFilter', () => {
  it('never answers "no" for an added id, across layers, and "no" for most others', () => {
    const filter = new EventIdFilter()
    const n = 200_000 // past the first layer (65,536) and the second
    for (let i = 0; i < n; i++) filter.add(`evt-${i}`)
    expect(filter.size).toBe(n)
    let missed = 0
    for (let i = 0; i < n; i++) if (!filter.mayHave(`evt-${i}`)) missed++
    expect(missed).toBe(0)
    let maybe = 0
    for (let i = 0; i < 20_000; i++) if (filter.mayHave(`other-${i}`)) maybe++
    expect(maybe / 20_000).toBeLessThan(0.05)
  })

  it('reads a database’s ids in chunks, answering "maybe" for everything until done', async () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE)')
    const insert = db.prepare('INSERT INTO decisions (event_id) VALUES (?)')
    const n = 120_001 // three chunks of 50,000
    db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(`db-${i}`)
    })()
    const filter = EventIdFilter.fromDatabase(db)
    expect(filter.mayHave('never-added')).toBe(true)
    await filter.loaded
    expect(filter.size).toBe(n)
    let missed = 0
    for (let i = 0; i < n; i++) if (!filter.mayHave(`db-${i}`)) missed++
    expect(missed).toBe(0)
    let maybe = 0
    for (let i = 0; i < 2000; i++) if (filter.mayHave(`other-${i}`)) maybe++
    expect(maybe).toBeLessThan(100)
    // Closed while loading: it stops, and keeps answering "maybe".
    const stopped = EventIdFilter.fromDatabase(db)
    db.close()
    await stopped.loaded
    expect(stopped.mayHave('never-added')).toBe(true)
  })

  it('tells apart ids that differ only in non-ASCII characters', () => {
    const filter = new EventIdFilter()
    filter.add('évt-😀')
    expect(filter.mayHave('évt-😀')).toBe(true)
    expect(['évt-😁', 'evt-😀', 'évt-'].filter((id) => filter.mayHave(id))).toEqual([])
  })
})

describe('the duplicate check with the filter', () => {
  it('finds an id decided before a restart, and records it only once', async () => {
    const path = freshPath()
    const first = await open(path)
    const kept = await first.record(decisionRecord(1))
    await first.close()
    const repo = await open(path)
    expect(await repo.decision('evt-1')).toEqual(kept)
    expect(await repo.decision('evt-2')).toBeUndefined()
    // record() without a decision() first must still find it.
    expect(await repo.record(decisionRecord(1))).toEqual(kept)
    expect(await repo.lastSeq()).toBe(1)
    await repo.close()
  })

  it('finds an id that reached the database only by journal recovery at open', async () => {
    const path = freshPath()
    await (await open(path)).close()
    const line = journalLine(decisionEntry(decisionRecord(7, { eventId: 'evt-journal' }), 1))
    writeFileSync(join(`${path}.journal.d`, '00000002.log'), `${line}\n`)
    const repo = await open(path)
    expect(await repo.decision('evt-journal')).toMatchObject({ eventId: 'evt-journal', seq: 1 })
    expect((await repo.record(decisionRecord(7, { eventId: 'evt-journal' }))).seq).toBe(1)
    await repo.close()
  })

  it('finds an id recorded in this process, applied or not, on disk and in memory', async () => {
    for (const path of [freshPath(), ':memory:']) {
      const repo = await open(path)
      const pending = repo.record(decisionRecord(3))
      expect(await repo.decision('evt-3')).toMatchObject({ eventId: 'evt-3' })
      const stored = await pending
      await repo.lastSeq() // applied
      expect(await repo.decision('evt-3')).toEqual(stored)
      expect(await repo.record(decisionRecord(3))).toEqual(stored)
      expect(await repo.lastSeq()).toBe(1)
      await repo.close()
    }
  })
})
