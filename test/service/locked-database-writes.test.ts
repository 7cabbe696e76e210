/**
 * A change the store has journalled is answered as done, even while the database cannot take it
 * yet: the ingest worker applies it once the database accepts writes again (and recovery would at
 * the next start), so a "failed" answer would announce a change that still happens later. Real
 * server, real data directory, real cause: another connection holds the database's write lock
 * past the worker's busy timeout (an operator's sqlite3 shell in a write transaction, a backup).
 * The policy upload and the label write are the first writes after the lock: they are answered
 * 200 and in force at once; the store then refuses further writes until the lock goes; after a
 * restart (without --policy: the version served last), the same pack serves and the label is there.
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, client, inProcess, PII_KEY, tempDir } from '../server/harness.ts'

const root = tempDir('bulwark-locked-')
const dataDir = join(root, 'data')
const policyDir = join(root, 'pack')

const PACK = (outcome: 'allow' | 'review') => ({
  'bulwark.yaml': `name: locked\nentities: { user: actor.id }\nlabels: { user: [vip] }\nevents:\n  payment:\n    fields: { amount: double }\n`,
  'rules/r.yaml': `rules:\n  - id: large\n    when: event.amount > 100.0\n    then: { outcome: ${outcome} }\n`,
})

let server: RunningServer | undefined
afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 50))
}

describe('writes journalled while the database is locked', () => {
  it('are answered as done, take effect, and are there after a restart', async () => {
    mkdirSync(policyDir, { recursive: true })
    for (const [path, text] of Object.entries(PACK('allow'))) {
      mkdirSync(join(policyDir, path, '..'), { recursive: true })
      writeFileSync(join(policyDir, path), text)
    }
    server = await inProcess({ dataDir, policyDir })
    let api = client(server.url)
    const pay = async (id: string) =>
      (await api.call('POST', '/v1/decide', { type: 'payment', id, actor: { id: 'u1' }, amount: 500 })).body
    expect((await pay('p1')).outcome).toBe('allow')

    const lock = new Database(join(dataDir, 'bulwark.db'))
    lock.exec('BEGIN IMMEDIATE')
    const put = await api.call('PUT', '/v1/policy', { files: PACK('review') })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    const version = put.body.version
    const label = await api.call('PUT', '/v1/entities/user/u9/labels/vip', { ttl: '30d' })
    expect(label.status, JSON.stringify(label.body)).toBe(200)
    expect((await pay('p2')).outcome).toBe('review')

    // The worker's commit waits out its busy timeout and fails: the store refuses writes now.
    await until(() => server!.node.repository.refusingWrites)
    const refused = await api.call('PUT', '/v1/policy', { files: PACK('allow') })
    expect(refused.status).toBe(500)
    expect((await api.call('GET', '/v1/policy')).body.version).toBe(version)

    lock.exec('ROLLBACK')
    lock.close()
    await server.stop()
    // Without --policy, a restart serves the version served last.
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, apiKey: API_KEY, piiKey: PII_KEY })
    api = client(server.url)
    expect((await api.call('GET', '/v1/policy')).body.version).toBe(version)
    expect((await pay('p3')).outcome).toBe('review')
    const entity = await api.call('GET', '/v1/entities/user/u9')
    expect(JSON.stringify(entity.body.labels)).toContain('vip')
  }, 30_000)
})
