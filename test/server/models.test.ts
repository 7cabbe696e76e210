/**
 * The model registry, champion/challenger and monitoring over real HTTP on a real data directory
 * (SQLite): register a champion, serve it from a pack (`registry: fraud`), register a challenger
 * (the serving pack reloads with it), decide events — the challenger scores beside the champion
 * and never changes an outcome — then agreement, score histograms, PSI drift flagging the model
 * (API and /metrics), precision/recall/AUC of both on labels, promote and roll back with audit
 * rows, and refusals: a challenger the pack cannot serve (422, nothing changes), a promotion
 * without challenger and a rollback without earlier champion (409), a file that is not a model;
 * the registry, its audit and the pack serving the champion survive a restart.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rocAuc } from '../../src/models/metrics.ts'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, PII_KEY, tempDir } from './harness.ts'

const dataDir = tempDir('bulwark-models-')
const packDir = tempDir('bulwark-models-pack-')
let server: RunningServer
let api: Client

const MANIFEST = `name: models-api
entities: { user: actor.id }
events:
  payment:
    fields:
      amount: double
`

const logreg = (bias: number, weights: Record<string, number>) =>
  Buffer.from(
    JSON.stringify({
      format: 'bulwark-logreg',
      version: 1,
      bias,
      features: Object.entries(weights).map(([name, weight]) => ({ name, weight })),
    }),
  ).toString('base64')

const CHAMPION = logreg(-5, { amount: 0.01 })
const CHALLENGER = logreg(-3, { amount: 0.01 })

const REGISTRY_PACK = {
  files: {
    'bulwark.yaml': MANIFEST,
    'models/fraud/model.yaml': `registry: fraud
challenger: { sample: 1 }
inputs:
  amount: event.amount
monitor: { reference: 20, window: 20 }
`,
    'rules/model.yaml': `rules:
  - id: fraud-model
    when: models.fraud.score > 0.9
    then: { outcome: block, score: 50 }
`,
  },
}

beforeAll(async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs')
  mkdirSync(packDir, { recursive: true })
  writeFileSync(`${packDir}/bulwark.yaml`, MANIFEST)
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    policyDir: packDir,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
  })
  api = client(server.url)
})
afterAll(async () => {
  await server.stop()
})

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

async function pay(id: string, amount: number): Promise<any> {
  const r = await api.call('POST', '/v1/decide', { type: 'payment', id, actor: { id: `u-${id}` }, amount })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body
}

describe('the model registry over HTTP', () => {
  let v1 = ''
  let v2 = ''

  it('registers a champion with its card, and a pack serves it from the registry', async () => {
    const r = await api.call('POST', '/v1/models', {
      name: 'fraud',
      content: CHAMPION,
      role: 'champion',
      card: { training: { data: 'payments-2026-02.jsonl', rows: 1000 }, holdout: { auc: 0.91 } },
      actor: 'alice',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    v1 = r.body.version.version
    expect(v1).toMatch(/^[0-9a-f]{12}$/)
    expect(r.body.version).toMatchObject({ format: 'logreg', inputs: ['amount'], createdBy: 'alice' })
    expect(r.body.version.card.training.data).toBe('payments-2026-02.jsonl')
    expect(r.body.roles).toEqual({ champion: v1, challenger: null })
    const put = await api.call('PUT', '/v1/policy', REGISTRY_PACK)
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    const d = await pay('p0', 600)
    expect(d.models[0]).toMatchObject({
      model: 'fraud',
      version: v1,
      served: 'champion',
      inputs: { amount: 600 },
    })
    expect(d.models[0].score).toBeCloseTo(sigmoid(1), 9)
    expect(d.outcome).toBe('allow')
  })

  it('registers a challenger that scores beside the champion without changing outcomes', async () => {
    const r = await api.call('POST', '/v1/models', { name: 'fraud', content: CHALLENGER, actor: 'bob' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    v2 = r.body.version.version
    expect(r.body.roles).toEqual({ champion: v1, challenger: v2 })
    // 20 small amounts fill the reference window, then 20 large ones: the score distribution moves.
    for (let i = 0; i < 40; i++) {
      const amount = i < 20 ? 100 + i * 10 : 700 + i * 10
      const d = await pay(`e${i}`, amount)
      const m = d.models[0]
      expect(m.challenger.version).toBe(v2)
      expect(m.score).toBeCloseTo(sigmoid(-5 + amount / 100), 9)
      expect(m.challenger.score).toBeCloseTo(sigmoid(-3 + amount / 100), 9)
      // Only the champion decides: blocked exactly when its own score is above 0.9.
      expect(d.outcome).toBe(m.score > 0.9 ? 'block' : 'allow')
    }
    // The recorded decision keeps the input vector the model saw (point-in-time training data).
    const stored = await api.call('GET', '/v1/decisions/e5')
    expect(stored.status).toBe(200)
    const models = stored.body.models ?? stored.body.decision?.models
    expect(models[0]).toMatchObject({ model: 'fraud', version: v1, inputs: { amount: 150 } })
  })

  it('reports agreement, histograms and drift, and flags the model in the API and on /metrics', async () => {
    const r = await api.call('GET', '/v1/models/fraud/monitor')
    expect(r.status).toBe(200)
    const m = r.body
    expect(m.version).toBe(v1)
    expect(m.rows).toBe(40)
    expect(m.reference).toEqual({ size: 20, filled: 20 })
    expect(m.window).toEqual({ size: 20, filled: 20 })
    // Agree when both are on the same side of 0.5: amount ≥ 500 (champion) vs ≥ 300 (challenger).
    let agreed = 0
    for (let i = 0; i < 40; i++) {
      const a = i < 20 ? 100 + i * 10 : 700 + i * 10
      if (a >= 500 === a >= 300) agreed++
    }
    expect(m.agreement).toEqual({ compared: 40, agreed, rate: agreed / 40 })
    expect(m.histogram.champion.reduce((x: number, y: number) => x + y, 0)).toBe(40)
    expect(m.drifting).toBe(true)
    const score = m.drift.find((d: { of: string }) => d.of === 'score')
    expect(score.psi).toBeGreaterThan(0.2)
    expect(m.missing).toEqual({ amount: 0 })
    const list = await api.call('GET', '/v1/models')
    expect(list.body.models).toEqual([
      {
        name: 'fraud',
        champion: v1,
        challenger: v2,
        versions: 2,
        inPack: true,
        drifting: true,
        serving: { source: 'registry', mode: 'enforce', version: v1, challenger: v2, scored: true },
      },
    ])
    const metrics = await api.call('GET', '/metrics')
    expect(metrics.body).toContain('bulwark_model_drifting{model="fraud"} 1')
    expect(metrics.body).toMatch(/bulwark_model_psi\{model="fraud",of="score"\} [0-9.]+/)
    expect(metrics.body).toContain('bulwark_model_score_count{model="fraud",role="challenger"} 40')
  })

  it('compares champion and challenger on ground-truth labels', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => ({
      event_id: `e${i}`,
      malicious: i % 3 === 0 || i > 30,
      source: 'review',
    }))
    const posted = await api.call('POST', '/v1/labels', { labels })
    expect(posted.status, JSON.stringify(posted.body)).toBe(200)
    const r = await api.call('GET', '/v1/models/fraud')
    expect(r.status).toBe(200)
    const c = r.body.comparison
    const amounts = labels.map((_, i) => (i < 20 ? 100 + i * 10 : 700 + i * 10))
    const y = labels.map((l) => (l.malicious ? 1 : 0))
    const champ = amounts.map((a) => sigmoid(-5 + a / 100))
    const chall = amounts.map((a) => sigmoid(-3 + a / 100))
    const prec = (s: number[]) => {
      const called = s.map((x, i) => [x >= 0.5, y[i]] as const).filter(([c]) => c)
      return called.filter(([, l]) => l === 1).length / called.length
    }
    const rec = (s: number[]) =>
      s.filter((x, i) => x >= 0.5 && y[i] === 1).length / y.filter((l) => l === 1).length
    expect(c.champion.labelled).toBe(40)
    expect(c.champion.precision).toBeCloseTo(prec(champ), 12)
    expect(c.champion.recall).toBeCloseTo(rec(champ), 12)
    expect(c.champion.auc).toBeCloseTo(rocAuc(champ, y), 12)
    expect(c.challenger.precision).toBeCloseTo(prec(chall), 12)
    expect(c.challenger.recall).toBeCloseTo(rec(chall), 12)
    expect(c.shared.rows).toBe(40)
    expect(r.body.versionList.map((v: { version: string }) => v.version)).toEqual([v1, v2])
  })

  it('refuses a challenger the serving pack cannot serve, and changes nothing', async () => {
    const r = await api.call('POST', '/v1/models', {
      name: 'fraud',
      content: logreg(0, { amount: 0.01, velocity: 1 }),
      actor: 'mallory',
    })
    expect(r.status).toBe(422)
    expect(r.body.error.code).toBe('MODEL_REJECTED')
    expect(JSON.stringify(r.body.error.details)).toContain('same inputs')
    const detail = await api.call('GET', '/v1/models/fraud')
    expect(detail.body.challenger).toBe(v2)
    expect(detail.body.audit.map((a: { actor: string }) => a.actor)).toEqual(['bob', 'alice'])
  })

  it('promotes the challenger and rolls back, each audited with actor and before/after', async () => {
    const p = await api.call('POST', '/v1/models/fraud/promote', { actor: 'carol' })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    expect(p.body).toEqual({ champion: v2, challenger: null })
    const after = await pay('after-promote', 600)
    expect(after.models[0]).toMatchObject({ version: v2, served: 'champion' })
    expect(after.models[0].challenger).toBeUndefined()
    expect(after.outcome).toBe('block')

    const again = await api.call('POST', '/v1/models/fraud/promote', {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('MODEL_REGISTRY_CONFLICT')

    const rb = await api.call('POST', '/v1/models/fraud/rollback', { actor: 'dave' })
    expect(rb.status).toBe(200)
    expect(rb.body).toEqual({ champion: v1, challenger: null })
    expect((await pay('after-rollback', 600)).models[0]).toMatchObject({ version: v1 })

    const none = await api.call('POST', '/v1/models/fraud/rollback')
    expect(none.status).toBe(409)

    const audit = (await api.call('GET', '/v1/models/fraud')).body.audit
    expect(audit.map((a: any) => [a.action, a.actor, a.before, a.after])).toEqual([
      ['rollback', 'dave', { champion: v2, challenger: null }, { champion: v1, challenger: null }],
      ['promote', 'carol', { champion: v1, challenger: v2 }, { champion: v2, challenger: null }],
      ['register', 'bob', { champion: v1, challenger: null }, { champion: v1, challenger: v2 }],
      ['register', 'alice', { champion: null, challenger: null }, { champion: v1, challenger: null }],
    ])
    expect(audit.every((a: any) => !Number.isNaN(Date.parse(a.time)))).toBe(true)
  })

  it('serves the registry champion again after a restart, with the audit and the monitor kept', async () => {
    const before = (await api.call('GET', '/v1/models/fraud/monitor')).body
    expect(before.rows).toBeGreaterThan(0)
    await server.stop()
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      apiKey: API_KEY,
      piiKey: PII_KEY,
      snapshotEveryMs: 3_600_000,
    })
    api = client(server.url)
    const d = await pay('after-restart', 600)
    expect(d.models[0]).toMatchObject({ model: 'fraud', version: v1, served: 'champion' })
    const detail = await api.call('GET', '/v1/models/fraud')
    expect(detail.body.audit).toHaveLength(4)
    expect(detail.body.champion).toBe(v1)
    // The monitor carried on from where it was: one more row, in the same reference window.
    const after = (await api.call('GET', '/v1/models/fraud/monitor')).body
    expect(after.version).toBe(before.version)
    expect(after.rows).toBe(before.rows + 1)
    expect(after.reference).toEqual({ size: 20, filled: Math.min(20, before.reference.filled + 1) })
  })

  it('refuses what is not a model, unknown names, and lists the routes in the OpenAPI document', async () => {
    const bad = await api.call('POST', '/v1/models', {
      name: 'other',
      content: Buffer.from('hello').toString('base64'),
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('MODEL_REGISTRY_INVALID')
    expect((await api.call('GET', '/v1/models/nope')).status).toBe(404)
    expect((await api.call('POST', '/v1/models/nope/promote', {})).status).toBe(404)
    expect((await api.call('GET', '/v1/models/Bad-Name')).status).toBe(400)
    const doc = await api.call('GET', '/docs/json')
    for (const path of [
      '/v1/models',
      '/v1/models/{name}',
      '/v1/models/{name}/monitor',
      '/v1/models/{name}/promote',
      '/v1/models/{name}/rollback',
    ])
      expect(Object.keys(doc.body.paths)).toContain(path)
  })
})
