/**
 * A pack that was loaded with its models but is never served releases them: the real ONNX
 * sessions a failed change opened are released, the serving pack keeps serving with its own
 * session, and once the cause is gone the same changes go through. Over real HTTP on a real data
 * directory, with a real cause: another connection holds the database's write lock past the busy
 * timeout (as an operator's sqlite3 shell in a write transaction or a backup would), so that
 * - POST /v1/models: the registry change reloads the serving pack's models with the new roles,
 *   then its commit fails (SQLITE_BUSY) — ModelOps.change releases the reloaded pack;
 * - PUT /v1/policy: the pack loads, then saving its version is refused (the storage worker's
 *   commit failed, so the store refuses writes) — BulwarkNode.updatePolicy releases the pack.
 * The waits are the product's own 5 s busy timeouts (the registry's, which holds the event loop,
 * and the storage worker's; they may overlap): 5–10 s in all.
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/server/start.ts'
import {
  runOnZeros,
  type SessionWatch,
  type WatchedSession,
  watchOnnxSessions,
} from '../models/onnx-sessions.ts'
import { type Client, client, inProcess, tempDir } from '../server/harness.ts'

const FIXTURE = new URL('../fixtures/models/onnx-logistic.onnx', import.meta.url).pathname

/** The pack: the registry's champion of `risk` (the ONNX fixture), read by a rule. */
function pack(threshold: '0.28' | '2.0'): Record<string, string> {
  return {
    'bulwark.yaml': `name: unserved-release\nentities: { user: actor.id }\nevents:\n  payment:\n    fields: { amount: double, velocity_1h: double, email_score: double }\n`,
    'models/risk/model.yaml': `registry: risk\ninputs:\n  amount: event.amount\n  velocity_1h: event.velocity_1h\n  email_score: event.email_score\n`,
    'rules/r.yaml': `rules:\n  - id: risky\n    when: models.risk.score > ${threshold}\n    then: { outcome: review }\n`,
  }
}

/** A logistic regression over the same inputs: a challenger the registry accepts. */
const CHALLENGER = Buffer.from(
  JSON.stringify({
    format: 'bulwark-logreg',
    version: 1,
    bias: 0,
    features: ['amount', 'velocity_1h', 'email_score'].map((name) => ({ name, weight: 0.001 })),
  }),
).toString('base64')

const dataDir = tempDir('bulwark-unserved-')
const policyDir = join(dataDir, 'pack')
let server: RunningServer
let api: Client
let watch: SessionWatch
let servingVersion: string
/** The session the serving pack scores with. */
let servingSession: WatchedSession
let payments = 0

async function pay(): Promise<{ outcome: string; model: any }> {
  const r = await api.call('POST', '/v1/decide', {
    type: 'payment',
    id: `pay-${++payments}`,
    actor: { id: 'u1' },
    amount: 120,
    velocity_1h: 3,
    email_score: 0.2,
  })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return { outcome: r.body.outcome, model: r.body.models[0] }
}

/** Sessions created while `run` ran. */
async function openedBy<T>(run: () => Promise<T>): Promise<{ result: T; opened: SessionWatch['sessions'] }> {
  const before = watch.sessions.length
  const result = await run()
  return { result, opened: watch.sessions.slice(before) }
}

/** Resolves once the store's refusal of writes is `refusing` (the worker settles it). */
async function storeRefusing(refusing: boolean): Promise<void> {
  while (server.node.repository.refusingWrites !== refusing) await new Promise((r) => setTimeout(r, 50))
}

beforeAll(async () => {
  watch = watchOnnxSessions()
  mkdirSync(policyDir, { recursive: true })
  writeFileSync(join(policyDir, 'bulwark.yaml'), 'name: start\nevents:\n  payment:\n    fields: {}\n')
  server = await inProcess({ dataDir: join(dataDir, 'data'), policyDir })
  api = client(server.url)
  const content = readFileSync(FIXTURE).toString('base64')
  const champion = await api.call('POST', '/v1/models', { name: 'risk', content, role: 'champion' })
  expect(champion.status, JSON.stringify(champion.body)).toBe(201)
  const put = await api.call('PUT', '/v1/policy', { files: pack('0.28') })
  expect(put.status, JSON.stringify(put.body)).toBe(200)
  servingVersion = put.body.version
  servingSession = watch.sessions.at(-1)!
})

afterAll(async () => {
  watch?.stop()
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('a pack loaded but never served releases its ONNX sessions', () => {
  let lock: Database.Database
  let before: { outcome: string; model: any }

  it('serves the pack with its registry ONNX session', async () => {
    before = await pay()
    expect(before.outcome).toBe('review')
    expect(before.model.score).toBeGreaterThan(0.28)
    expect(servingSession.released).toBe(false)
  })

  it('a registry change whose commit fails releases the reloaded pack', async () => {
    lock = new Database(join(dataDir, 'data', 'bulwark.db'))
    lock.exec('BEGIN IMMEDIATE')
    // Decisions are journalled: they are served while the database is locked (and this one makes
    // the storage worker's commit wait out its busy timeout beside the registry's, below).
    expect((await pay()).outcome).toBe('review')

    const { result, opened } = await openedBy(() =>
      api.call('POST', '/v1/models', { name: 'risk', content: CHALLENGER, role: 'challenger' }),
    )
    expect(result.status).toBe(500)
    expect(result.body.error.code).toBe('INTERNAL')
    // The reload opened a session of the champion for the new pack; the commit failed: released.
    expect(opened).toHaveLength(1)
    expect(opened[0]!.released).toBe(true)
    await expect(runOnZeros(opened[0]!.session, 3)).rejects.toThrow(/disposed/)
    // Nothing changed: no challenger, the same session serves.
    const risk = await api.call('GET', '/v1/models/risk')
    expect(risk.body.challenger).toBeNull()
    expect(servingSession.released).toBe(false)
    const after = await pay()
    expect(after.model.score).toBeCloseTo(before.model.score, 6)
    expect(after.model.challenger).toBeUndefined()
    expect(after.model.error).toBeUndefined()
  })

  it('a pack whose version cannot be saved releases its models; the serving pack stays', async () => {
    // The storage worker's commit failed on the lock: the store now refuses writes.
    await storeRefusing(true)

    const { result, opened } = await openedBy(() => api.call('PUT', '/v1/policy', { files: pack('2.0') }))
    expect(result.status).toBe(500)
    expect(result.body.error.code).toBe('INTERNAL')
    expect(result.body.error.message).toMatch(/storage commit failed/)
    // The pack loaded its own session of the champion, then was never served: released.
    expect(opened).toHaveLength(1)
    expect(opened[0]!.released).toBe(true)
    await expect(runOnZeros(opened[0]!.session, 3)).rejects.toThrow(/disposed/)
    // The serving pack is unchanged and still scores with its session (2.0 would not review).
    expect((await api.call('GET', '/v1/policy')).body.version).toBe(servingVersion)
    expect(servingSession.released).toBe(false)
    const after = await pay()
    expect(after.outcome).toBe('review')
    expect(after.model.score).toBeCloseTo(before.model.score, 6)
    await expect(runOnZeros(servingSession.session, 3)).resolves.toBeDefined()
  })

  it('once the lock is gone, the same changes go through and swap sessions as usual', async () => {
    lock.exec('ROLLBACK')
    lock.close()
    await storeRefusing(false)
    const oldSession = servingSession

    const put = await openedBy(() => api.call('PUT', '/v1/policy', { files: pack('2.0') }))
    expect(put.result.status, JSON.stringify(put.result.body)).toBe(200)
    expect(put.result.body.version).not.toBe(servingVersion)
    expect(put.opened).toHaveLength(1)
    expect(put.opened[0]!.released).toBe(false)
    expect((await pay()).outcome).toBe('allow')
    // The swap released the replaced pack's session.
    expect(oldSession.released).toBe(true)

    const change = await api.call('POST', '/v1/models', { name: 'risk', content: CHALLENGER })
    expect(change.status, JSON.stringify(change.body)).toBe(201)
    expect((await pay()).model.challenger.score).toBeTypeOf('number')
  })
})
