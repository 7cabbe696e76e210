/**
 * `node --import tsx bench/store.ts`: SQLite decision recording throughput. Three ways, in one
 * run, over the same records, each on a fresh database file (WAL, synchronous=FULL):
 *
 *   group commit    SqliteRepository.record(), 20,000 decisions with 64 in flight
 *   one transaction baseline: the same inserts (same statements, same JSON) in ONE plain
 *                   transaction — the ceiling, with one fsync for everything
 *   per-record      SqliteRepository with maxBatch 1: a commit (an fsync) per decision,
 *                   64 in flight, 2,000 decisions — what group commit saves
 *
 * Each is run ROUNDS times, interleaved; the median is reported. Last line: JSON
 * {"group_per_s","baseline_per_s","per_record_per_s","group_vs_baseline","records_per_commit"}.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Decision } from '../src/core/domain.ts'
import { migrateSqlite } from '../src/store/migrations/sqlite.ts'
import type { DecisionRecord } from '../src/store/repository.ts'
import { SqliteRepository } from '../src/store/sqlite.ts'
import { SqliteWriter } from '../src/store/sqlite-writer.ts'

const RECORDS = 20_000
const PER_RECORD = 2_000
const IN_FLIGHT = 64
const ROUNDS = 3
const T0 = Date.UTC(2025, 0, 1)

function record(i: number, tag: string): DecisionRecord {
  const eventId = `${tag}-${i}`
  const features = { signups_per_device_1h: i % 5, accounts_per_ip_24h: i % 7, first_seen_device: T0 - 1000 }
  const decision: Decision = {
    eventId,
    eventType: 'signup',
    outcome: i % 10 === 0 ? 'block' : 'allow',
    score: i % 10 === 0 ? 80 : 0,
    reasons: i % 10 === 0 ? ['One device creating many accounts'] : [],
    hits: [
      { rule: 'datacenter-signup', mode: 'shadow', outcome: 'challenge', score: 0, reason: 'Datacenter IP' },
    ],
    errors: [],
    skipped: [],
    evaluated: 14,
    features,
    labels: [],
    ignoredFields: [],
    policyVersion: 'pv-7f3a9c',
    latencyMs: 0.41,
    time: new Date(T0 + i).toISOString(),
  }
  return {
    eventId,
    eventType: 'signup',
    eventTime: T0 + i,
    receivedAt: T0 + i + 2,
    event: {
      type: 'signup',
      id: eventId,
      actor: { id: `h:user-${i % 5000}`, email: 'h:2c26b46b68ffc68ff99b453c1d304134' },
      device: { id: `h:device-${i % 1500}`, os: 'android', model: 'SM-A515F' },
      ip: 'h:203.0.113.0/24',
      content: { bio: 'Just here for the videos' },
    },
    decision,
    features,
    featureUpdates: [
      { id: 'signups_per_device_1h#a1f3', key: `h:device-${i % 1500}`, time: T0 + i },
      { id: 'accounts_per_ip_24h#b27c', key: 'h:203.0.113.0/24', time: T0 + i, value: `h:user-${i % 5000}` },
    ],
    labelOps: [],
    entities: [
      { type: 'actor', id: `h:user-${i % 5000}` },
      { type: 'device', id: `h:device-${i % 1500}` },
      { type: 'ip', id: 'h:203.0.113.0/24' },
    ],
  }
}

interface Result {
  readonly seconds: number
  readonly records: number
  readonly commits: number
}

function withFile<T>(body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
  try {
    return body(join(dir, 'bench.db'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function concurrent(records: DecisionRecord[], maxBatch?: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
  try {
    const repo = new SqliteRepository(join(dir, 'bench.db'), maxBatch === undefined ? {} : { maxBatch })
    await repo.migrate()
    let next = 0
    const start = performance.now()
    const lane = async () => {
      while (next < records.length) await repo.record(records[next++]!)
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
    const seconds = (performance.now() - start) / 1000
    const commits = repo.commits
    await repo.close()
    return { seconds, records: records.length, commits }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function oneTransaction(records: DecisionRecord[]): Result {
  return withFile((path) => {
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    migrateSqlite(db)
    const writer = new SqliteWriter(db)
    const start = performance.now()
    db.transaction(() => {
      for (const r of records) {
        const updates = r.featureUpdates.length > 0 ? JSON.stringify(r.featureUpdates) : null
        writer.insertRecord(
          r,
          JSON.stringify(r.event),
          JSON.stringify(r.decision),
          JSON.stringify(r.features),
          updates,
        )
      }
    }).immediate()
    const seconds = (performance.now() - start) / 1000
    db.close()
    return { seconds, records: records.length, commits: 1 }
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const rate = (r: Result) => r.records / r.seconds

const runs = { group: [] as Result[], baseline: [] as Result[], perRecord: [] as Result[] }
for (let round = 0; round < ROUNDS; round++) {
  const records = Array.from({ length: RECORDS }, (_, i) => record(i, `r${round}`))
  runs.baseline.push(oneTransaction(records))
  runs.group.push(await concurrent(records))
  runs.perRecord.push(await concurrent(records.slice(0, PER_RECORD), 1))
}

const rows = [
  ['group commit, 64 in flight', runs.group],
  ['one plain transaction (baseline)', runs.baseline],
  ['commit per record, 64 in flight', runs.perRecord],
] as const
console.log(`SQLite recording, WAL + synchronous=FULL, median of ${ROUNDS} rounds`)
console.log(`${'mode'.padEnd(36)}${'records'.padStart(9)}${'records/s'.padStart(12)}${'commits'.padStart(9)}`)
for (const [name, results] of rows) {
  const perS = median(results.map(rate))
  const commits = median(results.map((r) => r.commits))
  const n = results[0]!.records
  console.log(
    `${name.padEnd(36)}${String(n).padStart(9)}${Math.round(perS).toString().padStart(12)}${String(commits).padStart(9)}`,
  )
}
const group = median(runs.group.map(rate))
const baseline = median(runs.baseline.map(rate))
const perRecord = median(runs.perRecord.map(rate))
const summary = {
  group_per_s: Math.round(group),
  baseline_per_s: Math.round(baseline),
  per_record_per_s: Math.round(perRecord),
  group_vs_baseline: Math.round((group / baseline) * 100) / 100,
  records_per_commit: Math.round((RECORDS / median(runs.group.map((r) => r.commits))) * 10) / 10,
}
console.log(JSON.stringify(summary))
