/**
 * Ground-truth labels and rule precision over real HTTP, on a real data directory: labels posted
 * and read back, bad batches refused whole with every problem named, PII entity ids stored only
 * as pseudonyms (no raw value in any file), per-rule precision (enforced and shadow, a later
 * label overriding an earlier one, event labels before actor labels) from GET /v1/rules/metrics
 * and /metrics, across a restart, and the routes in the OpenAPI document.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, MINI_PACK, PII_KEY, signup, tempDir } from './harness.ts'

const dataDir = tempDir('bulwark-labels-')
let server: RunningServer
let api: Client

const start = () =>
  startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    policyDir: MINI_PACK,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
    // Longer than the test: what the test reads fresh comes from labels refreshing it.
    ruleMetricsMaxAgeMs: 3_600_000,
  })

beforeAll(async () => {
  server = await start()
  api = client(server.url)
})
afterAll(async () => {
  await server.stop()
})

/** Names of the files under `dir` whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8')
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && readFileSync(path).includes(needle))
}

async function decide(event: Record<string, unknown>): Promise<string[]> {
  const r = await api.call('POST', '/v1/decide', signup(event))
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.hits.map((h: { rule: string; mode: string }) => `${h.rule}:${h.mode}`).sort()
}

async function label(body: unknown): Promise<{ status: number; body: any }> {
  return api.call('POST', '/v1/labels', body)
}

describe('POST and GET /v1/labels', () => {
  it('stores one label or a batch and reads back the history, the one in force first', async () => {
    const one = await label({
      event_id: 'hist-1',
      malicious: false,
      source: 'user_report',
      time: '2026-03-01T10:00:00Z',
    })
    expect(one).toEqual({ status: 200, body: { stored: 1 } })
    const batch = await label({
      labels: [
        {
          event_id: 'hist-1',
          malicious: true,
          area: 'spam',
          campaign: 'c-42',
          damage: 3,
          source: 'review',
          time: Date.parse('2026-03-01T12:00:00Z'),
          note: 'confirmed by ann',
        },
        { event_id: 'hist-1', malicious: false, source: 'chargeback', time: '2026-03-01T11:00:00Z' },
        { entity: { type: 'user', id: 'hist-user' }, malicious: true, source: 'review' },
      ],
    })
    expect(batch).toEqual({ status: 200, body: { stored: 3 } })

    const r = await api.call('GET', '/v1/labels?event_id=hist-1')
    expect(r.status).toBe(200)
    expect(r.body.labels.map((l: { source: string }) => l.source)).toEqual([
      'review',
      'chargeback',
      'user_report',
    ])
    expect(r.body.labels[0]).toEqual({
      event_id: 'hist-1',
      malicious: true,
      area: 'spam',
      campaign: 'c-42',
      damage: 3,
      source: 'review',
      time: '2026-03-01T12:00:00.000Z',
      note: 'confirmed by ann',
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect((await api.call('GET', '/v1/labels?event_id=hist-1&limit=1')).body.labels).toHaveLength(1)

    const user = await api.call('GET', '/v1/labels?entity_type=user&entity_id=hist-user')
    expect(user.body.labels).toEqual([
      expect.objectContaining({
        entity: { type: 'user', id: 'hist-user' },
        malicious: true,
        source: 'review',
      }),
    ])
    // No time given: the time of receipt.
    expect(user.body.labels[0].time).toBe(user.body.labels[0].received_at)
    expect((await api.call('GET', '/v1/labels?event_id=never-labelled')).body).toEqual({ labels: [] })
  })

  it('refuses a bad batch whole, naming the index and field of every problem', async () => {
    const r = await label({
      labels: [
        { event_id: 'whole-ok', malicious: true, source: 'review' },
        { event_id: 5, malicious: 'yes' },
        { entity: { type: 'planet', id: 'mars' }, malicious: true, source: 'review' },
        { event_id: 'e', entity: { type: 'user', id: 'u' }, malicious: false, source: 'x', severity: 9 },
        { malicious: true, source: 'review', time: 'yesterday', damage: -1 },
        'not an object',
      ],
    })
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('LABELS_INVALID')
    expect(r.body.error.message).toBe(
      'invalid labels (10 problem(s)); none was stored; first: labels[1].event_id must be a non-empty string of at most 256 characters',
    )
    expect(
      r.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`),
    ).toEqual([
      '1:event_id',
      '1:malicious',
      '1:source',
      '2:entity.type',
      '3:severity',
      '3:entity',
      '4:event_id',
      '4:damage',
      '4:time',
      '5:',
    ])
    expect(r.body.error.details[3]).toEqual({
      index: 2,
      field: 'entity.type',
      message: 'must be an entity type of the pack (user, device, ip, email)',
    })
    expect(r.body.error.details[5].message).toBe('give exactly one of event_id and entity')
    expect((await api.call('GET', '/v1/labels?event_id=whole-ok')).body.labels).toEqual([])
  })

  it('refuses batches that are empty, too large or not a list, and queries that name no subject', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({
      event_id: `m-${i}`,
      malicious: true,
      source: 'import',
    }))
    for (const body of [{ labels: [] }, { labels: many }, { labels: 'all of them' }]) {
      const r = await label(body)
      expect(r.status).toBe(400)
      expect(r.body.error.code).toBe('LABELS_INVALID')
      expect(r.body.error.details).toEqual([expect.objectContaining({ index: -1, field: 'labels' })])
    }
    expect((await api.call('GET', '/v1/labels?event_id=m-0')).body.labels).toEqual([])
    // A batch of exactly 10,000 is taken (beyond the 1 MiB of other routes).
    expect(await label({ labels: many.slice(0, 10_000) })).toEqual({ status: 200, body: { stored: 10_000 } })
    for (const query of ['', '?entity_type=user', '?event_id=a&entity_type=user&entity_id=b']) {
      const r = await api.call('GET', `/v1/labels${query}`)
      expect(r.status, query).toBe(400)
      expect(r.body.error.code).toBe('INVALID_ARGUMENT')
    }
  })

  it('stores PII entity ids only as the pseudonyms decisions use', async () => {
    const email = 'carol.label@pii-example.org'
    const ip = '198.51.100.77'
    await decide({ id: 'pii-dec', email, ip })
    const r = await label({
      labels: [
        { entity: { type: 'email', id: email }, malicious: true, source: 'review', note: 'phishing' },
        { entity: { type: 'ip', id: ip }, malicious: false, source: 'review' },
      ],
    })
    expect(r.status).toBe(200)
    const stored = await server.node.repository.decision('pii-dec')
    const read = await api.call('GET', `/v1/labels?entity_type=email&entity_id=${encodeURIComponent(email)}`)
    expect(read.body.labels).toHaveLength(1)
    expect(read.body.labels[0].entity).toEqual({ type: 'email', id: stored!.event.email })
    expect(read.body.labels[0].entity.id).toMatch(/^p:/)
    const byIp = await api.call('GET', `/v1/labels?entity_type=ip&entity_id=${ip}`)
    expect(byIp.body.labels[0].entity.id).toBe(stored!.event.ip)
    // The entity's own page finds the decision under the same id.
    const entity = await api.call('GET', `/v1/entities/email/${encodeURIComponent(email)}`)
    expect(entity.body.id).toBe(read.body.labels[0].entity.id)
    // Neither raw value is in any file: database, journal, snapshot.
    expect(filesContaining(dataDir, email)).toEqual([])
    expect(filesContaining(dataDir, ip)).toEqual([])
    // The control: the note is in the very files searched.
    expect(filesContaining(dataDir, 'phishing').length).toBeGreaterThan(0)
  })
})

describe('per-rule precision', () => {
  const metrics = async () => {
    const r = await api.call('GET', '/v1/rules/metrics')
    expect(r.status).toBe(200)
    return r.body
  }
  const rule = (body: any, id: string) => body.rules.find((r: { rule: string }) => r.rule === id)

  it('counts enforced and shadow hits against the labels in force', async () => {
    const before = await metrics()
    expect(before.actingEntityTypes).toEqual(['user'])
    expect(rule(before, 'device-farm')).toEqual({
      rule: 'device-farm',
      inPack: true,
      enforce: { hits: 0, labelledHits: 0, tp: 0, fp: 0, precision: null },
      shadow: { hits: 0, labelledHits: 0, tp: 0, fp: 0, precision: null },
    })
    const blocked = rule(before, 'blocked-email').enforce.hits
    const datacenter = rule(before, 'datacenter-signup').shadow.hits

    // blocked-email (enforce) hits a disposable e-mail; datacenter-signup (shadow) a 10/8 address.
    expect(
      await decide({ id: 'q1', actor: { id: 'qa' }, ip: '10.1.1.1', email: 'a@mailinator.com' }),
    ).toEqual(['blocked-email:enforce', 'datacenter-signup:shadow'])
    expect(await decide({ id: 'q2', actor: { id: 'qb' }, ip: '10.1.1.2' })).toEqual([
      'datacenter-signup:shadow',
    ])
    expect(await decide({ id: 'q3', actor: { id: 'qc' }, email: 'c@mailinator.com' })).toEqual([
      'blocked-email:enforce',
    ])
    expect(
      await decide({ id: 'q4', actor: { id: 'qd' }, ip: '10.2.2.2', email: 'd@mailinator.com' }),
    ).toEqual(['blocked-email:enforce', 'datacenter-signup:shadow'])
    expect(
      await decide({ id: 'q5', actor: { id: 'qe' }, email: 'e@mailinator.com', device: { id: 'qdev' } }),
    ).toEqual(['blocked-email:enforce'])
    // The same actor as q3; its own event label wins over the actor's.
    expect(await decide({ id: 'q6', actor: { id: 'qc' }, email: 'f@mailinator.com' })).toEqual([
      'blocked-email:enforce',
    ])
    await decide({ id: 'q7', actor: { id: 'qf' } })

    expect(
      await label({
        labels: [
          { event_id: 'q1', malicious: true, source: 'review' },
          { event_id: 'q2', malicious: false, source: 'review' },
          { entity: { type: 'user', id: 'qc' }, malicious: false, source: 'chargeback' },
          { event_id: 'q4', malicious: false, source: 'user_report', time: '2026-03-01T10:00:00Z' },
          // Not the acting entity: counts for nothing.
          { entity: { type: 'device', id: 'qdev' }, malicious: true, source: 'review' },
          { event_id: 'q6', malicious: true, source: 'review' },
          { event_id: 'q7', malicious: true, source: 'review' },
        ],
      }),
    ).toEqual({ status: 200, body: { stored: 7 } })

    const first = await metrics()
    // blocked-email: q1 malicious, q3 benign (its actor), q4 benign, q5 unlabelled, q6 malicious.
    expect(rule(first, 'blocked-email').enforce).toEqual({
      hits: blocked + 5,
      labelledHits: 4,
      tp: 2,
      fp: 2,
      precision: 0.5,
    })
    // datacenter-signup in shadow: q1 malicious, q2 benign, q4 benign.
    expect(rule(first, 'datacenter-signup').shadow).toEqual({
      hits: datacenter + 3,
      labelledHits: 3,
      tp: 1,
      fp: 2,
      precision: 1 / 3,
    })
    expect(rule(first, 'datacenter-signup').enforce.hits).toBe(0)

    // A later verdict on q4 overrides the earlier one; an older one arriving afterwards does not.
    await label({ event_id: 'q4', malicious: true, source: 'review', time: '2026-03-02T10:00:00Z' })
    await label({ event_id: 'q4', malicious: false, source: 'import', time: '2026-02-01T10:00:00Z' })
    const after = await metrics()
    expect(rule(after, 'blocked-email').enforce).toEqual({
      hits: blocked + 5,
      labelledHits: 4,
      tp: 3,
      fp: 1,
      precision: 0.75,
    })
    expect(rule(after, 'datacenter-signup').shadow).toEqual({
      hits: datacenter + 3,
      labelledHits: 3,
      tp: 2,
      fp: 1,
      precision: 2 / 3,
    })
    expect(
      (await api.call('GET', '/v1/labels?event_id=q4')).body.labels.map((l: any) => l.malicious),
    ).toEqual([true, false, false])

    // The same figures as Prometheus gauges.
    const text = (await api.call('GET', '/metrics')).body as string
    expect(text).toContain('# TYPE bulwark_rule_precision gauge')
    expect(text).toContain('bulwark_rule_precision{rule="blocked-email",mode="enforce"} 0.75')
    expect(text).toContain(`bulwark_rule_precision{rule="datacenter-signup",mode="shadow"} ${2 / 3}`)
    expect(text).toContain(
      'bulwark_rule_labelled_hits{rule="blocked-email",mode="enforce",label="malicious"} 3',
    )
    expect(text).toContain('bulwark_rule_labelled_hits{rule="blocked-email",mode="enforce",label="benign"} 1')
    expect(text).toContain(
      'bulwark_rule_labelled_hits{rule="datacenter-signup",mode="shadow",label="benign"} 1',
    )
    expect(text).not.toContain('bulwark_rule_precision{rule="device-farm"')
    expect(text).not.toContain('bulwark_rule_precision{rule="datacenter-signup",mode="enforce"')

    // Stored, not remembered: the same after a restart.
    await server.stop()
    server = await start()
    api = client(server.url)
    const again = await metrics()
    expect(rule(again, 'blocked-email')).toEqual(rule(after, 'blocked-email'))
    expect(rule(again, 'datacenter-signup')).toEqual(rule(after, 'datacenter-signup'))
  })
})

describe('OpenAPI', () => {
  it('describes the label and rule metrics routes', async () => {
    const doc = (await api.call('GET', '/docs/json')).body
    expect(Object.keys(doc.paths['/v1/labels'])).toEqual(expect.arrayContaining(['get', 'post']))
    expect(doc.paths['/v1/rules/metrics'].get.summary).toMatch(/precision/)
    const body = doc.paths['/v1/labels'].post.requestBody.content['application/json'].schema
    expect(JSON.stringify(body)).toContain('malicious')
  })
})
