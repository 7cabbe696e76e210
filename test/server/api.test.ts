/**
 * The HTTP API over real HTTP: authentication, decisions and their traces, idempotent ids,
 * stable 4xx codes for every kind of bad input, entities and labels, lists, policy upload (JSON
 * and tarball, all or nothing), asynchronous batches, health, metrics and the OpenAPI document.
 */

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, inProcess, MINI_PACK, signup, tempDir } from './harness.ts'

let server: RunningServer
let api: Client

beforeAll(async () => {
  server = await inProcess({ bodyLimit: 64 * 1024 })
  api = client(server.url)
})
afterAll(async () => {
  await server.stop()
})

describe('authentication', () => {
  it('requires the API key on everything but health and docs', async () => {
    const anon = client(server.url, 'wrong-key-of-the-right-length!')
    for (const [method, path] of [
      ['POST', '/v1/decide'],
      ['GET', '/v1/policy'],
      ['GET', '/metrics'],
      ['GET', '/v1/lists'],
    ] as const) {
      const r = await anon.call(method, path, method === 'POST' ? signup() : undefined)
      expect(r.status, path).toBe(401)
      expect(r.body.error.code).toBe('UNAUTHORIZED')
    }
    expect((await anon.call('GET', '/healthz')).status).toBe(200)
    expect((await anon.call('GET', '/readyz')).status).toBe(200)
    expect((await anon.call('GET', '/docs/json')).status).toBe(200)
  })
})

describe('POST /v1/decide', () => {
  it('decides with a full trace', async () => {
    const r = await api.call(
      'POST',
      '/v1/decide',
      signup({ ip: '10.9.9.9', email: 'x@mailinator.com', extra: 1 }),
    )
    expect(r.status).toBe(200)
    const d = r.body
    expect(d.outcome).toBe('challenge')
    expect(d.score).toBe(35)
    expect(d.hits.map((h: { rule: string; mode: string }) => `${h.rule}:${h.mode}`).sort()).toEqual([
      'blocked-email:enforce',
      'datacenter-signup:shadow',
    ])
    expect(d.reasons).toEqual(['blocked-email'])
    expect(d.features.signups_per_device_1h).toBe(1)
    expect(d.ignoredFields).toEqual(['extra'])
    expect(d.policyVersion).toMatch(/^[0-9a-f]{12}$/)
    expect(d.evaluated).toBe(3)
    expect(d.duplicate).toBe(false)
  })

  it('answers a repeated event id with the recorded decision, without counting it again', async () => {
    const event = signup({ id: 'dup-1', device: { id: 'dup-device' } })
    const first = await api.call('POST', '/v1/decide', event)
    const again = await api.call('POST', '/v1/decide', event)
    expect(again.status).toBe(200)
    expect(again.body.duplicate).toBe(true)
    expect({ ...again.body, duplicate: false }).toEqual(first.body)
    const next = await api.call('POST', '/v1/decide', signup({ device: { id: 'dup-device' } }))
    expect(next.body.features.signups_per_device_1h).toBe(2)
  })

  it('blocks a device farm, labels the device, and the label reaches later decisions', async () => {
    const device = { id: 'farm-1' }
    let last: any
    for (let i = 0; i < 4; i++) last = (await api.call('POST', '/v1/decide', signup({ device }))).body
    expect(last.outcome).toBe('block')
    expect(last.labels).toEqual([
      expect.objectContaining({ entity: 'device', id: 'farm-1', name: 'farm_device' }),
    ])
    const login = await api.call('POST', '/v1/decide', {
      type: 'login',
      actor: { id: 'someone' },
      device,
      success: true,
    })
    expect(login.body.outcome).toBe('review')
    const entity = await api.call('GET', '/v1/entities/device/farm-1')
    expect(entity.body.features.signups_per_device_1h).toBe(4)
    expect(entity.body.labels.map((l: { name: string }) => l.name)).toEqual(['farm_device'])
    expect(entity.body.decisions[0].eventType).toBe('login')
  })

  it('refuses bad input with stable 4xx codes and never a 5xx', async () => {
    const cases: [unknown, number, string, Record<string, string>?][] = [
      ['{"type": "signup", ', 400, 'INVALID_JSON'],
      [[1, 2], 400, 'INVALID_REQUEST'],
      [{ no: 'type' }, 400, 'INVALID_REQUEST'],
      [{ type: 'teleport', actor: { id: 'u' } }, 400, 'EVENT_INVALID'],
      [{ type: 'signup', actor: {}, device: { id: 5 } }, 400, 'EVENT_INVALID'],
      [signup({ ip: 'not-an-ip' }), 400, 'EVENT_INVALID'],
      [signup({ email: 'x'.repeat(400) }), 400, 'EVENT_INVALID'],
      [signup({ time: 'yesterday' }), 400, 'EVENT_INVALID'],
      [signup({ text: 'x'.repeat(70_000) }), 413, 'PAYLOAD_TOO_LARGE'],
      ['type=signup', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }],
    ]
    for (const [body, status, code, headers] of cases) {
      const r = await api.call('POST', '/v1/decide', body, headers)
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(status)
      expect(r.body.error.code).toBe(code)
      expect(r.body.error.message.length).toBeGreaterThan(5)
    }
    const invalid = await api.call('POST', '/v1/decide', { type: 'signup', actor: {}, device: { id: 5 } })
    expect(invalid.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'actor.id', message: 'is required' },
        { path: 'device.id', message: 'expected a string, got 5' },
      ]),
    )
  })

  it('stores PII only as pseudonyms', async () => {
    const r = await api.call(
      'POST',
      '/v1/decide',
      signup({ id: 'pii-1', email: 'alice@example.com', ip: '198.51.100.23' }),
    )
    expect(r.status).toBe(200)
    const stored = await server.node.repository.decision('pii-1')
    const text = JSON.stringify(stored)
    expect(text).not.toContain('alice@example.com')
    expect(text).not.toContain('198.51.100.23')
    expect(stored!.event.email).toMatch(/^p:/)
  })
})

describe('GET /v1/decisions/:id', () => {
  it('returns a recorded decision, 404 otherwise', async () => {
    await api.call('POST', '/v1/decide', signup({ id: 'lookup-1' }))
    const r = await api.call('GET', '/v1/decisions/lookup-1')
    expect(r.status).toBe(200)
    expect(r.body.eventId).toBe('lookup-1')
    const missing = await api.call('GET', '/v1/decisions/never-seen')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('NOT_FOUND')
  })
})

describe('POST /v1/events', () => {
  it('accepts a batch durably and decides it asynchronously', async () => {
    const events = [signup({ id: 'async-1' }), { type: 'signup' }, signup({ id: 'async-2' })]
    const r = await api.call('POST', '/v1/events', { events })
    expect(r.status).toBe(202)
    expect(r.body.accepted.map((a: { id: string }) => a.id)).toEqual(['async-1', 'async-2'])
    expect(r.body.rejected).toEqual([
      expect.objectContaining({ index: 1, error: expect.objectContaining({ code: 'EVENT_INVALID' }) }),
    ])
    for (const id of ['async-1', 'async-2']) {
      let got = await api.call('GET', `/v1/decisions/${id}`)
      for (let i = 0; i < 100 && got.status !== 200; i++) {
        await new Promise((res) => setTimeout(res, 20))
        got = await api.call('GET', `/v1/decisions/${id}`)
      }
      expect(got.status).toBe(200)
    }
  })

  it('refuses batches over 1,000 events', async () => {
    const r = await api.call('POST', '/v1/events', {
      events: Array.from({ length: 1001 }, () => ({ type: 'signup' })),
    })
    expect([400, 413]).toContain(r.status)
  })
})

describe('lists and labels', () => {
  it('adds and removes list entries that rules see at once', async () => {
    const event = () => signup({ email: 'mallory@example.org' })
    expect((await api.call('POST', '/v1/decide', event())).body.outcome).toBe('allow')
    const add = await api.call('POST', '/v1/lists/blocked_emails/entries', {
      values: ['mallory@example.org'],
      ttl: '1h',
    })
    expect(add.body).toEqual({ added: 1 })
    expect((await api.call('POST', '/v1/decide', event())).body.outcome).toBe('challenge')
    expect((await api.call('GET', '/v1/lists/blocked_emails')).body.added[0].value).toBe(
      'mallory@example.org',
    )
    expect(
      (await api.call('DELETE', '/v1/lists/blocked_emails/entries', { values: ['mallory@example.org'] }))
        .body,
    ).toEqual({ removed: 1 })
    expect((await api.call('POST', '/v1/decide', event())).body.outcome).toBe('allow')
  })

  it('validates entries by list kind', async () => {
    const r = await api.call('POST', '/v1/lists/datacenter/entries', { values: ['10.0.0.0/33'] })
    expect(r.status).toBe(400)
    expect(r.body.error.details[0].message).toContain('CIDR')
    expect((await api.call('POST', '/v1/lists/nope/entries', { values: ['x'] })).status).toBe(404)
  })

  it('sets and clears labels through the API', async () => {
    const user = 'vip-1'
    const device = { id: 'vip-device' }
    for (let i = 0; i < 3; i++) await api.call('POST', '/v1/decide', signup({ device }))
    expect((await api.call('PUT', `/v1/entities/user/${user}/labels/trusted`, { ttl: '1d' })).status).toBe(
      200,
    )
    const d = await api.call('POST', '/v1/decide', signup({ device, actor: { id: user } }))
    expect(d.body.outcome).toBe('allow')
    expect((await api.call('DELETE', `/v1/entities/user/${user}/labels/trusted`)).status).toBe(204)
    expect((await api.call('PUT', `/v1/entities/user/${user}/labels/not_a_label`, {})).status).toBe(400)
    expect((await api.call('GET', '/v1/entities/planet/earth')).status).toBe(404)
  })
})

describe('policy', () => {
  const files = (dir: string) =>
    Object.fromEntries(
      execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((p) => [p.slice(2), readFileSync(join(dir, p), 'utf8')]),
    )

  it('refuses a broken pack with every diagnostic and keeps serving the old one', async () => {
    const before = (await api.call('GET', '/v1/policy')).body
    const broken = files(MINI_PACK)
    broken['rules/fake.yaml'] = broken['rules/fake.yaml']!.replace('outcome: review', 'outcome: reveiw')
    broken['features/signup.yaml'] = broken['features/signup.yaml']!.replace(
      'window: 24h',
      'window: 24 hours',
    )
    broken['rules/more.yaml'] =
      'rules:\n  - id: typo\n    on: login\n    when: features.failed_login_1h > 3\n    then: { outcome: block }\n'
    const r = await api.call('PUT', '/v1/policy', { files: broken })
    expect(r.status).toBe(422)
    expect(r.body.error.code).toBe('POLICY_REJECTED')
    const codes = r.body.error.details.diagnostics.map(
      (d: { code: string; file: string; line: number }) => `${d.code}@${d.file}:${d.line}`,
    )
    expect(codes).toEqual([
      'POLICY_SCHEMA@features/signup.yaml:5',
      'POLICY_SCHEMA@rules/fake.yaml:11',
      'CEL_UNKNOWN_FIELD@rules/more.yaml:4',
    ])
    expect((await api.call('GET', '/v1/policy')).body.version).toBe(before.version)
  })

  it('swaps in a new pack from a JSON bundle or a tarball, and can roll back', async () => {
    const before = (await api.call('GET', '/v1/policy')).body
    const next = files(MINI_PACK)
    next['rules/fake.yaml'] = next['rules/fake.yaml']!.replace(
      'features.signups_per_device_1h > 3',
      'features.signups_per_device_1h > 2',
    )
    const r = await api.call('PUT', '/v1/policy', { files: next })
    expect(r.status).toBe(200)
    expect(r.body.version).not.toBe(before.version)
    expect(r.body.source).toBe('api')
    const dir = tempDir()
    const tarball = join(dir, 'pack.tgz')
    execFileSync('tar', ['czf', tarball, '-C', MINI_PACK, '.'])
    const t = await api.call('PUT', '/v1/policy', new Uint8Array(readFileSync(tarball)), {
      'content-type': 'application/gzip',
    })
    expect(t.status).toBe(200)
    expect(t.body.version).toBe(before.version)
    const versions = (await api.call('GET', '/v1/policy/versions')).body.versions.map(
      (v: { version: string }) => v.version,
    )
    expect(versions).toContain(r.body.version)
    const back = await api.call('POST', `/v1/policy/versions/${r.body.version}/activate`)
    expect(back.body.version).toBe(r.body.version)
    await api.call('POST', `/v1/policy/versions/${before.version}/activate`)
  })
})

describe('operations', () => {
  it('exposes Prometheus metrics', async () => {
    await api.call('POST', '/v1/decide', signup())
    const r = await api.call('GET', '/metrics')
    expect(r.status).toBe(200)
    expect(r.body).toMatch(/bulwark_decisions_total\{outcome="allow",type="signup"\} \d+/)
    expect(r.body).toMatch(/bulwark_rule_hits_total\{rule="datacenter-signup",mode="shadow"\} \d+/)
    expect(r.body).toContain('bulwark_decision_seconds_bucket')
    expect(r.body).toContain('bulwark_storage_commits_total')
  })

  it('documents every route in OpenAPI', async () => {
    const doc = (await client(server.url, API_KEY).call('GET', '/docs/json')).body
    expect(doc.openapi).toBe('3.1.0')
    for (const path of [
      '/v1/decide',
      '/v1/events',
      '/v1/decisions/{id}',
      '/v1/entities/{type}/{id}',
      '/v1/policy',
      '/v1/lists',
      '/v1/lists/{name}/entries',
      '/metrics',
      '/healthz',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path)
    }
  })
})
