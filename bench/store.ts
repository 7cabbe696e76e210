/**
 * `npm run bench:store`: what durable decision recording costs the event loop, in one run, over
 * the same records, each on a fresh database file:
 *
 *   journal + worker  SqliteRepository.record(), 64 in flight: journal append + fdatasync off
 *                     the loop, SQLite applied by the ingest worker (the shipped design)
 *   commit per group  baseline: each group of 64 committed on the event loop in its own
 *                     synchronous=FULL transaction (the earlier design)
 *   one transaction   baseline: every insert in ONE transaction — the ceiling of SQLite itself
 *
 * Reported per mode: records/s and main-thread busy time per record (event-loop utilisation ×
 * wall time ÷ records) — the CPU a request pays, which is what limits a server's throughput.
 * Median of ROUNDS interleaved rounds. Last line: JSON {"journal_per_s", "group_per_s",
 * "ceiling_per_s", "journal_loop_us", "group_loop_us", "loop_ratio"}.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import type { Decision } from '../src/core/domain.ts'
import { migrateSqlite } from '../src/store/migrations/sqlite.ts'
import type { DecisionRecord } from '../src/store/repository.ts'
import { SqliteRepository } from '../src/store/sqlite.ts'
import { Applier } from '../src/store/sqlite-apply.ts'
import { decisionEntry } from '../src/store/writes.ts'

const RECORDS = 20_000
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
  /** Main-thread busy seconds. */
  readonly busy: number
  readonly records: number
}

async function withDir<T>(body: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
  try {
    return await body(join(dir, 'bench.db'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs `body` and reports wall and main-thread busy time (event-loop utilisation). */
async function timed(records: number, body: () => Promise<void>): Promise<Result> {
  const elu = performance.eventLoopUtilization()
  const start = performance.now()
  await body()
  const seconds = (performance.now() - start) / 1000
  const used = performance.eventLoopUtilization(elu)
  return { seconds, busy: used.active / 1000, records }
}

function journalled(records: DecisionRecord[]): Promise<Result> {
  return withDir(async (path) => {
    const repo = new SqliteRepository(path)
    await repo.migrate()
    let next = 0
    const result = await timed(records.length, async () => {
      const lane = async () => {
        while (next < records.length) await repo.record(records[next++]!)
      }
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
    })
    await repo.close()
    return result
  })
}

/** The earlier design: a synchronous=FULL transaction per group, on the event loop. */
function groupCommit(records: DecisionRecord[]): Promise<Result> {
  return withDir(async (path) => {
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    migrateSqlite(db)
    const applier = new Applier(db, IN_FLIGHT)
    const result = await timed(records.length, async () => {
      for (let i = 0; i < records.length; i += IN_FLIGHT) {
        const group = records.slice(i, i + IN_FLIGHT).map((r, j) => decisionEntry(r, i + j + 1))
        applier.apply(group)
        await new Promise((resolve) => setImmediate(resolve))
      }
    })
    db.close()
    return result
  })
}

function oneTransaction(records: DecisionRecord[]): Promise<Result> {
  return withDir(async (path) => {
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    migrateSqlite(db)
    const applier = new Applier(db, records.length)
    const result = await timed(records.length, async () => {
      applier.apply(records.map((r, i) => decisionEntry(r, i + 1)))
    })
    db.close()
    return result
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const rate = (r: Result) => r.records / r.seconds
const loopUs = (r: Result) => (r.busy / r.records) * 1e6

const runs = { journal: [] as Result[], group: [] as Result[], ceiling: [] as Result[] }
for (let round = 0; round < ROUNDS; round++) {
  const records = Array.from({ length: RECORDS }, (_, i) => record(i, `r${round}`))
  runs.ceiling.push(await oneTransaction(records))
  runs.group.push(await groupCommit(records))
  runs.journal.push(await journalled(records))
}

const rows = [
  ['journal + ingest worker, 64 in flight', runs.journal],
  ['commit per group of 64 (baseline)', runs.group],
  ['one transaction (SQLite ceiling)', runs.ceiling],
] as const
console.log(`Durable decision recording, ${RECORDS} records, median of ${ROUNDS} rounds`)
console.log(`${'mode'.padEnd(40)}${'records/s'.padStart(12)}${'loop µs/record'.padStart(16)}`)
for (const [name, results] of rows) {
  const perS = Math.round(median(results.map(rate)))
  const us = median(results.map(loopUs)).toFixed(1)
  console.log(`${name.padEnd(40)}${String(perS).padStart(12)}${us.padStart(16)}`)
}
const summary = {
  journal_per_s: Math.round(median(runs.journal.map(rate))),
  group_per_s: Math.round(median(runs.group.map(rate))),
  ceiling_per_s: Math.round(median(runs.ceiling.map(rate))),
  journal_loop_us: Math.round(median(runs.journal.map(loopUs)) * 10) / 10,
  group_loop_us: Math.round(median(runs.group.map(loopUs)) * 10) / 10,
  loop_ratio: Math.round((median(runs.journal.map(loopUs)) / median(runs.group.map(loopUs))) * 100) / 100,
}
console.log(JSON.stringify(summary))
