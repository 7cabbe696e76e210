/**
 * SqliteRepository: the shared Repository contract on a file and in memory, then what only
 * SQLite promises — group commit really batches (counted in transactions, never timed), a
 * failed commit fails its whole batch, writes apply in the order issued, data and seq survive
 * reopening, migrations are recorded, and every record whose promise resolved survives the
 * process being killed with SIGKILL.
 */

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { openRepository } from '../../src/store/index.ts'
import { MIGRATIONS } from '../../src/store/migrations/sqlite.ts'
import { SqliteRepository } from '../../src/store/sqlite.ts'
import { decisionEntry, journalLine } from '../../src/store/writes.ts'
import { repositoryContract } from './contract.ts'
import { decisionRecord, T0 } from './records.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-sqlite-'))
let files = 0
const freshPath = () => join(dir, `db-${files++}.sqlite`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

repositoryContract('sqlite file', async () => new SqliteRepository(freshPath()))
repositoryContract('sqlite :memory:', async () => new SqliteRepository(':memory:'))

describe('SqliteRepository', () => {
  const opened: SqliteRepository[] = []
  async function open(path = freshPath(), options = {}): Promise<SqliteRepository> {
    const repo = new SqliteRepository(path, options)
    opened.push(repo)
    await repo.migrate()
    return repo
  }
  afterEach(async () => {
    for (const repo of opened.splice(0)) await repo.close()
  })

  describe('batching', () => {
    it('applies decisions recorded together in one transaction, seqs in call order', async () => {
      const repo = await open()
      const before = repo.commits
      const stored = await Promise.all(Array.from({ length: 500 }, (_, i) => repo.record(decisionRecord(i))))
      expect(await repo.lastSeq()).toBe(500)
      expect(repo.commits - before).toBe(1)
      const first = stored[0]!.seq
      expect(stored.map((s) => s.seq)).toEqual(stored.map((_, i) => first + i))
    })

    it('shares a transaction between records issued in the same loop turn from different callers', async () => {
      const repo = await open()
      const callers = Array.from({ length: 32 }, async (_, c) => {
        for (let k = 0; k < 10; k++) await repo.record(decisionRecord(c * 10 + k))
      })
      await Promise.all(callers)
      expect(await repo.lastSeq()).toBe(320)
      expect(repo.commits).toBeLessThanOrEqual(20)
    })

    it('splits a queue longer than maxBatch over several transactions', async () => {
      const repo = await open(freshPath(), { maxBatch: 100 })
      const stored = await Promise.all(Array.from({ length: 450 }, (_, i) => repo.record(decisionRecord(i))))
      await repo.lastSeq()
      expect(repo.commits).toBe(5)
      expect(new Set(stored.map((s) => s.seq)).size).toBe(450)
    })

    it('in memory: rejects every decision of a batch whose transaction fails, stores none, then carries on', async () => {
      const repo = await open(':memory:')
      // biome-ignore lint/complexity/useLiteralKeys: the connection is private; the test injects a failure
      repo['db'].exec(`CREATE TRIGGER fail AFTER INSERT ON decisions WHEN NEW.event_id = 'evt-3'
        BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
      const results = await Promise.allSettled([1, 2, 3, 4].map((i) => repo.record(decisionRecord(i))))
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected'])
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/commit failed.*injected failure/)
      expect(await repo.decisionsAfter(0, 10)).toEqual([])
      // biome-ignore lint/complexity/useLiteralKeys: as above
      repo['db'].exec('DROP TRIGGER fail')
      const ok = await Promise.all([1, 2, 3].map((i) => repo.record(decisionRecord(i))))
      expect((await repo.decisionsAfter(0, 10)).map((d) => d.eventId)).toEqual(ok.map((s) => s.eventId))
    })

    it('on disk: keeps journalled decisions when SQLite refuses them, reports it on reads, applies them later', async () => {
      const path = freshPath()
      const repo = await open(path)
      const other = new Database(path)
      other.exec(`CREATE TRIGGER fail AFTER INSERT ON decisions WHEN NEW.event_id = 'evt-3'
        BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
      // Durable in the journal, so acknowledged even though SQLite cannot take them yet.
      const stored = await Promise.all([1, 2, 3, 4].map((i) => repo.record(decisionRecord(i))))
      await expect(repo.decisionsAfter(0, 10)).rejects.toThrow(/commit failed.*injected failure/)
      await expect(
        repo.applyLabelOps([
          { op: 'set', entity: { type: 'actor', id: 'a' }, name: 'x', source: 'api', time: T0 },
        ]),
      ).rejects.toThrow(/injected failure/)
      expect(await repo.decision('evt-3')).toEqual(stored[2])
      other.exec('DROP TRIGGER fail')
      other.close()
      expect(await repo.decisionsAfter(0, 10)).toEqual(stored)
      expect(await repo.labels(T0)).toEqual([])
    })

    it('applies writes in the order they were issued', async () => {
      const repo = await open()
      const actor = { type: 'actor', id: 'user-1' }
      const set = { op: 'set' as const, entity: actor, name: 'suspect', source: 'rule', time: T0 }
      const decided = repo.record(decisionRecord(1, { labelOps: [set] }))
      const cleared = repo.applyLabelOps([{ ...set, op: 'clear' }])
      await Promise.all([decided, cleared])
      expect(await repo.labelsFor(actor, T0)).toEqual([])
      await Promise.all([
        repo.applyLabelOps([{ ...set, op: 'clear' }]),
        repo.record(decisionRecord(2, { labelOps: [set] })),
      ])
      expect(await repo.labelsFor(actor, T0)).toHaveLength(1)
    })

    it('rejects writes before migrate() and after close()', async () => {
      const repo = new SqliteRepository(':memory:')
      await expect(repo.record(decisionRecord(1))).rejects.toThrow(/migrate/)
      await expect(repo.lastSeq()).rejects.toThrow(/migrate/)
      await repo.migrate()
      await repo.close()
      await repo.close()
      await expect(repo.record(decisionRecord(1))).rejects.toThrow(/closed/)
      await expect(repo.applyLabelOps([])).rejects.toThrow(/closed/)
      await expect(repo.decision('evt-1')).rejects.toThrow(/closed/)
    })
  })

  describe('on disk', () => {
    it('uses WAL and records the applied migrations', async () => {
      const path = freshPath()
      await open(path)
      const db = new Database(path, { readonly: true })
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })))
      db.close()
    })

    it('refuses a database migrated by a newer Bulwark', async () => {
      const path = freshPath()
      await open(path)
      const db = new Database(path)
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(9999, 'from the future', T0)
      db.close()
      await expect(open(path)).rejects.toThrow(/newer than this Bulwark/)
    })

    it('keeps everything across close and reopen; seq continues', async () => {
      const path = freshPath()
      const repo = await open(path)
      const pending = Array.from({ length: 40 }, (_, i) => repo.record(decisionRecord(i)))
      const policy = { version: 'v1', name: 'p', files: { 'a.yaml': 'a: 1\n' }, loadedAt: T0, source: 'api' }
      const others = [
        repo.applyLabelOps([
          { op: 'set', entity: { type: 'device', id: 'd' }, name: 'farm', source: 'r', time: T0 },
        ]),
        repo.addListEntries([{ list: 'l', value: 'v', source: 'api', addedAt: T0 }]),
        repo.savePolicyVersion(policy),
      ]
      await repo.close()
      const stored = await Promise.all(pending)
      await Promise.all(others)

      const again = await open(path)
      expect(await again.decisionsAfter(0, 100)).toEqual(stored)
      expect(await again.lastSeq()).toBe(40)
      expect(await again.labels(T0)).toHaveLength(1)
      expect(await again.listEntries(T0)).toHaveLength(1)
      expect(await again.policyVersion('v1')).toEqual(policy)
      // The three other writes took seqs 41-43 (seqs need not be dense, only increasing).
      expect((await again.record(decisionRecord(100))).seq).toBe(44)
    })

    it('never reuses a seq, even after the newest decisions are deleted', async () => {
      const path = freshPath()
      const repo = await open(path)
      for (let i = 0; i < 3; i++) await repo.record(decisionRecord(i))
      const db = new Database(path)
      db.exec('DELETE FROM decisions')
      db.close()
      expect((await repo.record(decisionRecord(9))).seq).toBe(4)
    })

    async function killMidStream(path: string, args: string[]): Promise<string[]> {
      const root = fileURLToPath(new URL('../..', import.meta.url))
      const script = fileURLToPath(new URL('./fixtures/record-until-killed.ts', import.meta.url))
      const child = spawn(process.execPath, ['--import', 'tsx', script, path, ...args], {
        cwd: root,
        stdio: ['pipe', 'pipe', 'inherit'],
      })
      const printed: string[] = []
      const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        let partial = ''
        child.stdout.setEncoding('utf8')
        child.stdout.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n')
          partial = lines.pop() ?? ''
          printed.push(...lines)
          // Kill it mid-stream, while a later wave is still being recorded.
          if (printed.length >= 1000 && child.exitCode === null && !child.killed) child.kill('SIGKILL')
        })
        child.on('close', (code, signal) => resolve({ code, signal }))
      })
      expect(ended.signal).toBe('SIGKILL')
      expect(printed.length).toBeGreaterThanOrEqual(1000)
      expect(existsSync(path)).toBe(true)
      return printed
    }

    it('keeps every record whose promise resolved when the process is killed with SIGKILL', async () => {
      const path = freshPath()
      const printed = await killMidStream(path, [])
      const repo = await open(path)
      const ids = new Set((await repo.decisionsAfter(0, 1_000_000)).map((d) => d.eventId))
      const missing = printed.filter((id) => !ids.has(id))
      expect(missing).toEqual([])
    })

    it('recovers from the journal alone decisions that SQLite never saw', async () => {
      const path = freshPath()
      const printed = await killMidStream(path, ['--journal-only'])
      const raw = new Database(path, { readonly: true })
      expect(raw.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(0)
      raw.close()

      const repo = await open(path)
      const recovered = await repo.decisionsAfter(0, 1_000_000)
      const ids = new Set(recovered.map((d) => d.eventId))
      expect(printed.filter((id) => !ids.has(id))).toEqual([])
      expect(await repo.decision(printed[0]!)).toMatchObject({ eventId: printed[0], seq: 1 })
      // Recovered rows are durable in SQLite, so the old segments are gone.
      expect(readdirSync(`${path}.journal.d`)).toHaveLength(1)
      expect((await repo.record(decisionRecord(999_999))).seq).toBe(recovered.at(-1)!.seq + 1)
    })
  })

  describe('journal', () => {
    it('deletes journal segments once SQLite holds their lines durably', async () => {
      const path = freshPath()
      const repo = await open(path, { journalSegmentBytes: 16 * 1024 })
      for (let wave = 0; wave < 20; wave++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => repo.record(decisionRecord(wave * 20 + i))))
        await repo.lastSeq()
      }
      expect(readdirSync(`${path}.journal.d`).length).toBeLessThanOrEqual(2)
      await repo.close()
      expect(readdirSync(`${path}.journal.d`)).toEqual([])
    })

    it('applies every kind of journal line on open, skipping lines the database already has', async () => {
      const path = freshPath()
      const first = await open(path)
      const kept = await first.record(decisionRecord(1))
      await first.close()
      const record = decisionRecord(2, { labelOps: [] })
      const op = {
        op: 'set',
        entity: { type: 'actor', id: 'a' },
        name: 'x',
        source: 'api',
        time: T0,
      } as const
      const policy = { version: 'v9', name: 'p', files: { 'a.yaml': 'x: 1' }, loadedAt: T0, source: 'api' }
      const lines = [
        journalLine(decisionEntry(decisionRecord(1, { eventId: 'evt-old' }), 1)),
        journalLine({ kind: 'labels', seq: 2, ops: [op] }),
        journalLine({
          kind: 'list-add',
          seq: 3,
          entries: [
            { list: 'l', value: 'v1', source: 'api', addedAt: T0 },
            { list: 'l', value: 'v2', source: 'api', addedAt: T0 },
          ],
        }),
        journalLine({ kind: 'list-remove', seq: 4, list: 'l', values: ['v1'] }),
        journalLine(decisionEntry(record, 5)),
        journalLine({ kind: 'policy', seq: 6, version: policy }),
      ]
      writeFileSync(join(`${path}.journal.d`, '00000002.log'), `${lines.join('\n')}\n`)
      const repo = await open(path)
      const { featureUpdates: _u, labelOps: _l, entities: _e, ...stored } = record
      expect(await repo.decisionsAfter(0, 10)).toEqual([kept, { ...stored, seq: 5 }])
      expect(await repo.featureUpdatesAfter(1, 10)).toEqual({
        batches: [{ seq: 5, eventId: 'evt-2', updates: record.featureUpdates }],
        lastSeq: 5,
      })
      expect((await repo.labels(T0)).map((l) => l.name)).toEqual(['x'])
      expect((await repo.listEntries(T0)).map((e) => e.value)).toEqual(['v2'])
      expect(await repo.policyVersion('v9')).toEqual(policy)
      expect((await repo.record(decisionRecord(3))).seq).toBe(7)
    })

    it('recovers truth labels and rule hits from the journal, also from lines that predate journalled hits', async () => {
      const path = freshPath()
      await (await open(path)).close()
      const label = { eventId: 'evt-1', malicious: true, source: 'review', time: T0, receivedAt: T0 }
      // A decision line as written before the metadata carried `hits`: they come from the decision.
      // Also before decision lines led with the lengths of their parts (index 2, dropped here).
      const old = JSON.parse(journalLine(decisionEntry(decisionRecord(1), 1)))
      old.splice(2, 1)
      delete old[2].hits
      const lines = [
        JSON.stringify(old),
        journalLine({ kind: 'truth', seq: 2, labels: [label] }),
        journalLine(decisionEntry(decisionRecord(2), 3)),
      ]
      writeFileSync(join(`${path}.journal.d`, '00000002.log'), `${lines.join('\n')}\n`)
      const repo = await open(path)
      expect(await repo.truthLabels({ eventId: 'evt-1' }, 10)).toEqual([label])
      expect(await repo.ruleQuality(['actor'])).toEqual([
        { rule: 'datacenter-signup', mode: 'shadow', hits: 2, tp: 1, fp: 0 },
        { rule: 'device-farm', mode: 'enforce', hits: 2, tp: 1, fp: 0 },
      ])
    })

    it('migration 3 keeps the labels of version 2 and backfills rule hits from stored decisions', async () => {
      const path = freshPath()
      const db = new Database(path)
      db.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      )
      for (const m of MIGRATIONS.slice(0, 2)) {
        db.exec(m.sql)
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, T0)
      }
      const r = decisionRecord(1)
      db.prepare(
        `INSERT INTO decisions (seq, event_id, event_type, event_time, received_at, outcome, score, policy_version, event, decision)
         VALUES (1, ?, 'signup', ?, ?, 'block', 80, 'pv-1', ?, ?)`,
      ).run(r.eventId, T0, T0, JSON.stringify(r.event), JSON.stringify(r.decision))
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('decisions', 1)").run()
      db.prepare('INSERT INTO decision_entities VALUES (?, ?, 1)').run('actor', 'user-1')
      const v2 = db.prepare(
        `INSERT INTO truth_labels (kind, subject_type, subject_id, source, malicious, area, campaign, damage, time, note, received_at)
         VALUES ('entity', 'actor', 'user-1', ?, ?, NULL, NULL, NULL, ?, NULL, ?)`,
      )
      v2.run('review', 0, T0 + 10, T0 + 10)
      v2.run('chargeback', 1, T0 + 5, T0 + 20)
      db.close()
      const repo = await open(path)
      expect(
        (await repo.truthLabels({ entity: { type: 'actor', id: 'user-1' } }, 10)).map((l) => l.source),
      ).toEqual(['review', 'chargeback'])
      expect(await repo.ruleQuality(['actor'])).toEqual([
        { rule: 'datacenter-signup', mode: 'shadow', hits: 1, tp: 0, fp: 1 },
        { rule: 'device-farm', mode: 'enforce', hits: 1, tp: 0, fp: 1 },
      ])
      // Hits recorded afterwards add to the backfilled counts.
      await repo.record(decisionRecord(2))
      expect((await repo.ruleQuality([])).map((q) => q.hits)).toEqual([2, 2])
    })

    it('drops a torn last line (never acknowledged) and applies the lines before it', async () => {
      const path = freshPath()
      await (await open(path)).close()
      const op = {
        op: 'set',
        entity: { type: 'actor', id: 'a' },
        name: 'x',
        source: 'api',
        time: T0,
      } as const
      writeFileSync(
        join(`${path}.journal.d`, '00000007.log'),
        `${journalLine({ kind: 'labels', seq: 1, ops: [op] })}\n[2,"lab`,
      )
      const repo = await open(path)
      expect((await repo.labels(T0)).map((l) => l.name)).toEqual(['x'])
    })

    it('refuses to open over a damaged journal line, naming the file and line', async () => {
      const path = freshPath()
      await (await open(path)).close()
      const file = join(`${path}.journal.d`, '00000003.log')
      writeFileSync(file, 'not json\n')
      await expect(open(path)).rejects.toThrow(`the journal is damaged at ${file}:1`)
      writeFileSync(file, '[5,"mystery",{}]\n')
      await expect(open(path)).rejects.toThrow(/unknown line kind 'mystery'/)
    })
  })
})

describe('openRepository', () => {
  it('opens and migrates sqlite::memory: and sqlite: file URLs, creating directories', async () => {
    const memory = await openRepository('sqlite::memory:')
    expect(await memory.lastSeq()).toBe(0)
    await memory.close()
    for (const url of [`sqlite:${join(dir, 'a', 'b', 'x.db')}`, `sqlite://${join(dir, 'c', 'y.db')}`]) {
      const repo = await openRepository(url)
      await repo.record(decisionRecord(1))
      await repo.close()
    }
    expect(existsSync(join(dir, 'a', 'b', 'x.db'))).toBe(true)
    expect(existsSync(join(dir, 'c', 'y.db'))).toBe(true)
  })

  it('refuses other URLs with a clear error', async () => {
    await expect(openRepository('postgres://localhost/bulwark')).rejects.toThrow(/PostgreSQL .*not available/)
    await expect(openRepository('mysql://localhost/x')).rejects.toThrow(/unsupported repository URL/)
    await expect(openRepository('/var/lib/bulwark.db')).rejects.toThrow(/unsupported repository URL/)
    await expect(openRepository('sqlite:')).rejects.toThrow(/names no database file/)
  })
})
