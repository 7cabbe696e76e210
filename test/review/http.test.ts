/**
 * Human review end to end over real HTTP, with the real enforcement service and a real webhook
 * receiver that verifies signatures: a blocked decision's actions label the user, ban the device
 * and open a review case (the rule's `review` action through the outbox); reviewers claim and
 * decide it over the API (locks, reason codes, errors with stable codes); the verdict is a truth
 * label visible through GET /v1/labels and rule precision; the user appeals; the overturn removes
 * the list entry, clears the label, records a benign `appeal` label and notifies the platform with
 * a signed reversal webhook. Queue metrics on the API and /metrics; every route in OpenAPI.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appealsCommand, casesCommand } from '../../src/cli/cases.ts'
import { enforcementConfig } from '../../src/enforcement/config.ts'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { type Receiver, SECRET, startReceiver } from '../enforcement/receiver.ts'
import { API_KEY, type Client, client, PII_KEY, tempDir } from '../server/harness.ts'
import { REVIEW_PACK } from './helpers.ts'

let receiver: Receiver
let server: RunningServer
let api: Client

beforeAll(async () => {
  receiver = await startReceiver()
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: tempDir('bulwark-review-http-'),
    policyDir: REVIEW_PACK,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
    ruleMetricsMaxAgeMs: 3_600_000,
    enforcement: enforcementConfig({
      destinations: { default: { url: receiver.url, secret: SECRET, timeout_ms: 2000 } },
      outbox: { max_attempts: 5, base_delay_ms: 10, max_delay_ms: 50, poll_ms: 20 },
    }),
  })
  api = client(server.url)
})
afterAll(async () => {
  await server.stop()
  await receiver.close()
})

/** Polls until `check` returns a value (the outbox works asynchronously). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await check()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const signup = (user: string, device: string, n: number) => ({
  type: 'signup',
  id: `${user}-signup-${n}`,
  actor: { id: user },
  device: { id: device },
  ip: '198.51.100.9',
  email: `${user}@example.com`,
})

async function deviceFarm(prefix: string): Promise<{ eventId: string; user: string; device: string }> {
  const device = `${prefix}-device`
  let last = ''
  let user = ''
  for (let i = 1; i <= 4; i++) {
    user = `${prefix}-u${i}`
    const r = await api.call('POST', '/v1/decide', signup(user, device, i))
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    last = r.body.eventId
    if (i === 4) expect(r.body.outcome).toBe('block')
  }
  return { eventId: last, user, device }
}

describe('review and appeals over HTTP', () => {
  let farm: { eventId: string; user: string; device: string }
  let caseId = ''
  let appealId = ''

  it("opens a case through the rule's review action, routed by rule, with evidence", async () => {
    farm = await deviceFarm('farm1')
    const found = await eventually('the case', async () => {
      const r = await api.call('GET', `/v1/cases?entity_type=user&entity_id=${farm.user}&kind=review`)
      expect(r.status).toBe(200)
      return r.body.cases[0]
    })
    expect(found).toMatchObject({
      kind: 'review',
      queue: 'fake_accounts',
      status: 'open',
      priority: 90,
      rule: 'device-farm',
    })
    caseId = found.id
    const one = await api.call('GET', `/v1/cases/${caseId}`)
    expect(one.status).toBe(200)
    expect(one.body.evidence.decisions[0]).toMatchObject({ event_id: farm.eventId, outcome: 'block' })
    expect(one.body.history[0]).toMatchObject({ action: 'opened', actor: 'rule:device-farm' })
    // The decision's other actions ran: the device is banned and the user labelled.
    await eventually('the list entry', async () => {
      const l = await api.call('GET', '/v1/lists/banned_devices')
      return l.body.added?.some((e: { value: string }) => e.value === farm.device) ? true : undefined
    })
  })

  it('claims lock the case; verdicts need the claim and a reason code of the queue', async () => {
    const claim = await api.call('POST', `/v1/cases/${caseId}/claim`, {}, { 'bulwark-reviewer': 'alice' })
    expect(claim.status, JSON.stringify(claim.body)).toBe(200)
    expect(claim.body.claim).toMatchObject({ reviewer: 'alice', expired: false })
    const bob = await api.call('POST', `/v1/cases/${caseId}/claim`, { reviewer: 'bob' })
    expect(bob.status).toBe(409)
    expect(bob.body.error.code).toBe('CASE_LOCKED')
    const nobody = await api.call('POST', `/v1/cases/${caseId}/claim`, {})
    expect(nobody.body.error.code).toBe('CASE_INVALID')
    const badReason = await api.call('POST', `/v1/cases/${caseId}/decide`, {
      reviewer: 'alice',
      verdict: 'violation',
      reason: 'looks_bad',
    })
    expect(badReason.status).toBe(400)
    expect(badReason.body.error.code).toBe('REVIEW_REASON_INVALID')
    const byBob = await api.call('POST', `/v1/cases/${caseId}/decide`, {
      reviewer: 'bob',
      verdict: 'violation',
      reason: 'farm_confirmed',
    })
    expect(byBob.body.error.code).toBe('CASE_LOCKED')
    const missing = await api.call('GET', '/v1/cases/no-such-case')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('CASE_NOT_FOUND')
  })

  it('a violation verdict is a truth label visible through GET /v1/labels and rule precision', async () => {
    const decided = await api.call('POST', `/v1/cases/${caseId}/decide`, {
      reviewer: 'alice',
      verdict: 'violation',
      reason: 'farm_confirmed',
      note: 'four accounts, one device',
    })
    expect(decided.status, JSON.stringify(decided.body)).toBe(200)
    expect(decided.body).toMatchObject({
      status: 'closed',
      decision: { verdict: 'violation', reason: 'farm_confirmed', reviewer: 'alice', effects: 'done' },
    })
    const labels = await api.call('GET', `/v1/labels?event_id=${farm.eventId}`)
    expect(labels.body.labels[0]).toMatchObject({ malicious: true, source: 'review', area: 'fake_accounts' })
    const metrics = await api.call('GET', '/v1/rules/metrics')
    const rule = metrics.body.rules.find((r: { rule: string }) => r.rule === 'device-farm')
    expect(rule.enforce).toMatchObject({ tp: 1, fp: 0, precision: 1 })
  })

  it('an appeal opens one case in the appeals queue; bad appeals are refused', async () => {
    const body = {
      entity: { type: 'user', id: farm.user },
      decision_id: farm.eventId,
      statement: 'I am a real person',
    }
    const first = await api.call('POST', '/v1/appeals', body)
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body.case).toMatchObject({
      kind: 'appeal',
      queue: 'appeals',
      status: 'open',
      appeal: { decision_id: farm.eventId, statement: 'I am a real person' },
    })
    appealId = first.body.case.id
    const again = await api.call('POST', '/v1/appeals', body)
    expect(again.status).toBe(200)
    expect(again.body.case.id).toBe(appealId)
    const wrong = await api.call('POST', '/v1/appeals', { ...body, decision_id: 'never-decided' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.code).toBe('APPEAL_INVALID')
    const stranger = await api.call('POST', '/v1/appeals', {
      ...body,
      entity: { type: 'user', id: 'stranger' },
    })
    expect(stranger.body.error.code).toBe('APPEAL_INVALID')
  })

  it('an overturned appeal reverses the list entry and label, labels it benign and notifies the platform', async () => {
    const before = await api.call('GET', `/v1/entities/user/${farm.user}`)
    expect(before.body.labels.map((l: { name: string }) => l.name)).toContain('farm_account')
    expect((await api.call('POST', `/v1/cases/${appealId}/claim`, { reviewer: 'carol' })).status).toBe(200)
    const overturned = await api.call('POST', `/v1/cases/${appealId}/decide`, {
      reviewer: 'carol',
      verdict: 'no_violation',
      reason: 'overturned_error',
    })
    expect(overturned.status, JSON.stringify(overturned.body)).toBe(200)
    expect(overturned.body.decision).toMatchObject({ verdict: 'no_violation', effects: 'done' })
    const list = await api.call('GET', '/v1/lists/banned_devices')
    expect(list.body.added.map((e: { value: string }) => e.value)).not.toContain(farm.device)
    const after = await api.call('GET', `/v1/entities/user/${farm.user}`)
    expect(after.body.labels.map((l: { name: string }) => l.name)).not.toContain('farm_account')
    const labels = await api.call('GET', `/v1/labels?event_id=${farm.eventId}`)
    expect(labels.body.labels[0]).toMatchObject({ malicious: false, source: 'appeal' })
    const reversal = await eventually('the reversal webhook', async () => {
      for (const b of receiver.bodies.values())
        if (b?.action?.params?.event === 'reversal' || JSON.stringify(b).includes('"reversal"')) return b
      return undefined
    })
    expect(JSON.stringify(reversal)).toContain(farm.eventId)
    expect(receiver.badSignatures).toBe(0)
    const appeal = await api.call('GET', `/v1/appeals/${appealId}`)
    expect(appeal.body).toMatchObject({
      status: 'closed',
      decision: { verdict: 'no_violation', reason: 'overturned_error' },
    })
    expect((await api.call('GET', `/v1/appeals/${caseId}`)).status).toBe(404)
  })

  it('keeps PII entity ids as pseudonyms and finds cases by the raw id', async () => {
    const raw = 'someone.private@example.org'
    const opened = await api.call('POST', '/v1/cases', { entity: { type: 'email', id: raw } })
    expect(opened.status, JSON.stringify(opened.body)).toBe(201)
    expect(opened.body.case.entity.id).toMatch(/^p:/)
    expect(JSON.stringify(opened.body)).not.toContain(raw)
    const found = await api.call('GET', `/v1/cases?entity_type=email&entity_id=${encodeURIComponent(raw)}`)
    expect(found.body.cases.map((c: { id: string }) => c.id)).toEqual([opened.body.case.id])
    const bad = await api.call('POST', '/v1/cases', { entity: { type: 'planet', id: 'x' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('CASE_INVALID')
  })

  it('reports queue metrics on the API and /metrics, and documents every route', async () => {
    const opened = await api.call('POST', '/v1/cases', {
      entity: { type: 'device', id: 'manual-device' },
      priority: 5,
    })
    expect(opened.status).toBe(201)
    expect(opened.body.case.queue).toBe('devices')
    const queues = await api.call('GET', '/v1/review/queues')
    expect(queues.status).toBe(200)
    expect(queues.body).toMatchObject({
      defaultQueue: 'general',
      appealsQueue: 'appeals',
      claimTimeoutSeconds: 600,
    })
    expect(queues.body.queues.find((q: { queue: string }) => q.queue === 'devices')).toMatchObject({
      depth: 1,
    })
    expect(queues.body.reviewers.find((r: { reviewer: string }) => r.reviewer === 'alice')).toMatchObject({
      decided: 1,
    })
    const metrics = await api.call('GET', '/metrics')
    expect(metrics.body).toContain('bulwark_review_queue_depth{queue="devices"} 1')
    expect(metrics.body).toContain('bulwark_review_decisions{reviewer="carol"} 1')
    const doc = await api.call('GET', '/docs/json')
    for (const path of [
      '/v1/cases',
      '/v1/cases/{id}',
      '/v1/cases/{id}/claim',
      '/v1/cases/{id}/renew',
      '/v1/cases/{id}/release',
      '/v1/cases/{id}/decide',
      '/v1/appeals',
      '/v1/appeals/{id}',
      '/v1/review/queues',
      '/v1/review/queues/{name}/next',
    ])
      expect(Object.keys(doc.body.paths)).toContain(path)
  })
})

describe('bulwark cases and bulwark appeals (the operator CLI over HTTP)', () => {
  async function cli(command: typeof casesCommand, ...args: string[]) {
    const out: string[] = []
    const err: string[] = []
    const code = await command.run([...args, '--url', server.url, '--key', API_KEY], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      stdin: async () => '',
    })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('lists, claims, refuses a locked claim, decides and shows the queues', async () => {
    const list = await cli(casesCommand, 'list', '--entity', 'device:manual-device')
    expect(list.code, list.err).toBe(0)
    const [line] = list.out.split('\n')
    expect(line).toMatch(/^\S+ {2}review {2}devices {2}open {2}p5 {2}device:manual-device$/)
    const id = line!.split(' ')[0]!
    const claim = await cli(casesCommand, 'claim', id, '--reviewer', 'zoe')
    expect(claim.code, claim.err).toBe(0)
    expect(JSON.parse(claim.out).claim.reviewer).toBe('zoe')
    const locked = await cli(casesCommand, 'claim', id, '--reviewer', 'yan')
    expect(locked.code).toBe(1)
    expect(locked.err).toMatch(/^CASE_LOCKED: case '.+' is claimed by zoe until /)
    const decided = await cli(
      casesCommand,
      'decide',
      id,
      '--reviewer',
      'zoe',
      '--verdict',
      'no_violation',
      '--reason',
      'false_positive',
    )
    expect(decided.code, decided.err).toBe(0)
    expect(JSON.parse(decided.out)).toMatchObject({ status: 'closed', decision: { verdict: 'no_violation' } })
    expect((await cli(casesCommand, 'list', '--entity', 'device:manual-device')).out).toContain(
      'no_violation (false_positive) by zoe',
    )
    await cli(casesCommand, 'open', '--entity', 'device:next-device', '--queue', 'devices')
    const next = await cli(casesCommand, 'next', '--queue', 'devices', '--reviewer', 'yan')
    expect(next.code, next.err).toBe(0)
    expect(JSON.parse(next.out).case).toMatchObject({
      entity: { id: 'next-device' },
      claim: { reviewer: 'yan' },
    })
    const none = await cli(casesCommand, 'next', '--queue', 'devices', '--reviewer', 'yan')
    expect(JSON.parse(none.out)).toEqual({ case: null })
    const queues = await cli(casesCommand, 'queues')
    expect(JSON.parse(queues.out).queues.map((q: { queue: string }) => q.queue)).toContain('fake_accounts')
  })

  it('opens an appeal, and explains what is missing', async () => {
    const farm2 = await deviceFarm('farm2')
    const opened = await cli(
      appealsCommand,
      'open',
      '--entity',
      `user:${farm2.user}`,
      '--decision',
      farm2.eventId,
      '--statement',
      'not me',
    )
    expect(opened.code, opened.err).toBe(0)
    const appeal = JSON.parse(opened.out)
    expect(appeal).toMatchObject({ created: true, case: { kind: 'appeal', queue: 'appeals' } })
    const shown = await cli(appealsCommand, 'show', appeal.case.id)
    expect(JSON.parse(shown.out).status).toBe('open')
    const missing = await cli(
      appealsCommand,
      'open',
      '--entity',
      `user:${farm2.user}`,
      '--statement',
      'not me',
    )
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('--decision EVENT_ID is required')
    const badEntity = await cli(casesCommand, 'open', '--entity', 'nocolon')
    expect(badEntity.err).toContain('--entity TYPE:ID is required')
  })
})
