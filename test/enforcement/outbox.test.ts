/**
 * The outbox on a real in-process server with a real receiver: signed delivery with the body a
 * platform needs, list and label actions, dead-letter after retries or on a final 4xx, replay
 * (one and all), the kill switch, dry run, daily caps, throttle, a missing destination, and a
 * decision's reversal.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type Receiver, SECRET, startReceiver } from './receiver.ts'
import { type Started, signup, startEnforcing } from './setup.ts'

let rec: Receiver
let s: Started

beforeAll(async () => {
  rec = await startReceiver()
  s = await startEnforcing({ receiverUrl: rec.url, secret: SECRET, maxAttempts: 3 })
})

afterAll(async () => {
  await s?.stop()
  await rec?.close()
})

const actionsOf = async (eventId: string) =>
  ((await s.api.call('GET', '/v1/actions?limit=1000')).body.actions as any[]).filter(
    (a) => a.cause.decisionId === eventId,
  )

const settled = (eventId: string, statuses = ['done']) =>
  eventually(async () => {
    const acts = await actionsOf(eventId)
    return acts.length > 0 && acts.every((a) => statuses.includes(a.status))
  }, `the actions of ${eventId}`)

describe('delivery', () => {
  it('delivers a signed webhook once, adds the list entry and sets the label', async () => {
    const e = signup(95, 'alice')
    const r = await s.api.call('POST', '/v1/decide', e)
    expect(r.status).toBe(200)
    expect(r.body.outcome).toBe('block')
    await settled(e.id)
    const acts = await actionsOf(e.id)
    expect(acts.map((a) => a.kind).sort()).toEqual(['label', 'list_add', 'webhook'])
    const hook = acts.find((a) => a.kind === 'webhook')
    expect(rec.deliveries.get(hook.id)).toBe(1)
    expect(rec.badSignatures).toBe(0)
    const body = rec.bodies.get(hook.id)
    expect(body).toMatchObject({
      id: hook.id,
      type: 'action',
      decisionId: e.id,
      eventId: e.id,
      entity: { type: 'user', id: 'alice' },
      action: { kind: 'webhook', params: { outcome: 'block' } },
      rules: ['high-risk'],
    })
    const list = await s.api.call('GET', '/v1/lists/blocked_users')
    expect(list.body.added.map((x: any) => x.value)).toContain('alice')
    const entity = await s.api.call('GET', '/v1/entities/user/alice')
    expect(entity.body.labels.map((l: any) => l.name)).toContain('flagged')
  })

  it('answers a throttle at once with retryAfter and records it as done', async () => {
    const e = signup(42)
    const r = await s.api.call('POST', '/v1/decide', e)
    expect(r.body.retryAfter).toBe(30)
    const acts = await actionsOf(e.id)
    expect(acts).toMatchObject([{ kind: 'throttle', status: 'done' }])
  })
})

describe('dead letters and replay', () => {
  it('retries a 503 with backoff, dead-letters after max attempts, and replays one on request', async () => {
    rec.status = 503
    const e = signup(95)
    await s.api.call('POST', '/v1/decide', e)
    await eventually(
      async () => (await actionsOf(e.id)).some((a) => a.kind === 'webhook' && a.status === 'dead'),
      'dead',
    )
    const hook = (await actionsOf(e.id)).find((a) => a.kind === 'webhook')
    expect(hook.attempts).toBe(3)
    expect(hook.lastError).toContain('HTTP 503')
    const dead = await s.api.call('GET', '/v1/actions?status=dead')
    expect(dead.body.actions.map((a: any) => a.id)).toContain(hook.id)
    rec.status = undefined
    const replay = await s.api.call('POST', `/v1/actions/${hook.id}/replay`)
    expect(replay.status).toBe(200)
    await eventually(() => rec.deliveries.get(hook.id) === 1, 'the replayed delivery')
    await settled(e.id)
    const again = await s.api.call('POST', `/v1/actions/${hook.id}/replay`)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('ACTION_NOT_REPLAYABLE')
  })

  it('dead-letters a 400 at once (not retryable) and replays every dead action', async () => {
    rec.status = 400
    const events = [signup(95), signup(95)]
    for (const e of events) await s.api.call('POST', '/v1/decide', e)
    for (const e of events)
      await eventually(
        async () => (await actionsOf(e.id)).some((a) => a.kind === 'webhook' && a.status === 'dead'),
        'dead',
      )
    for (const e of events) expect((await actionsOf(e.id)).find((a) => a.kind === 'webhook').attempts).toBe(1)
    rec.status = undefined
    const r = await s.api.call('POST', '/v1/actions/replay')
    expect(r.body.replayed).toBeGreaterThanOrEqual(2)
    for (const e of events) await settled(e.id)
    const audit = await s.api.call('GET', '/v1/enforcement/audit')
    expect(audit.body.audit.map((a: any) => a.change)).toContain('replay')
    expect((await s.api.call('GET', '/v1/actions?status=dead')).body.actions).toEqual([])
  })
})

describe('safety switches', () => {
  it('records actions as suppressed under the kill switch, and audits the change', async () => {
    const on = await s.api.call('PUT', '/v1/enforcement/settings', { killSwitch: true })
    expect(on.body.killSwitch).toBe(true)
    const e = signup(95)
    await s.api.call('POST', '/v1/decide', e)
    const acts = await actionsOf(e.id)
    expect(acts.every((a) => a.status === 'suppressed')).toBe(true)
    expect(acts.some((a) => rec.deliveries.has(a.id))).toBe(false)
    await s.api.call('PUT', '/v1/enforcement/settings', { killSwitch: false })
    const audit = (await s.api.call('GET', '/v1/enforcement/audit')).body.audit
    expect(audit.filter((a: any) => a.change === 'settings').length).toBeGreaterThanOrEqual(2)
    // A suppressed action can still be sent on purpose.
    const hook = acts.find((a) => a.kind === 'webhook')
    await s.api.call('POST', `/v1/actions/${hook.id}/replay`)
    await eventually(() => rec.deliveries.get(hook.id) === 1, 'the replayed suppressed action')
  })

  it('records a kind in dry run as dry_run without executing it; other kinds still run', async () => {
    await s.api.call('PUT', '/v1/enforcement/settings', { dryRun: ['webhook'] })
    const e = signup(95, 'dry-user')
    await s.api.call('POST', '/v1/decide', e)
    await settled(e.id, ['done', 'dry_run'])
    const acts = await actionsOf(e.id)
    expect(acts.find((a) => a.kind === 'webhook').status).toBe('dry_run')
    expect(acts.find((a) => a.kind === 'label').status).toBe('done')
    expect(rec.deliveries.has(acts.find((a) => a.kind === 'webhook').id)).toBe(false)
    const bad = await s.api.call('PUT', '/v1/enforcement/settings', { dryRun: ['nuke'] })
    expect(bad.status).toBe(400)
    await s.api.call('PUT', '/v1/enforcement/settings', { dryRun: [] })
  })

  it("records a rule's actions beyond its daily cap as capped, and counts them", async () => {
    const events = [signup(33), signup(33), signup(33), signup(33)]
    for (const e of events) await s.api.call('POST', '/v1/decide', e)
    const statuses = []
    for (const e of events) statuses.push((await actionsOf(e.id))[0].status)
    expect(statuses.slice(2)).toEqual(['capped', 'capped'])
    expect(statuses.slice(0, 2).every((x) => x !== 'capped')).toBe(true)
    const metrics = (await s.api.call('GET', '/metrics')).body as string
    expect(metrics).toContain('bulwark_actions_capped_total{rule="capped-rule"} 2')
    expect(metrics).toMatch(/bulwark_actions\{kind="label",status="capped"\} 2/)
  })
})

describe('reversal', () => {
  it('undoes list entries and labels, notifies the platform once, and is idempotent', async () => {
    const e = signup(95, 'bob')
    await s.api.call('POST', '/v1/decide', e)
    await settled(e.id)
    const first = await s.server.node.enforcement.reverseDecision(e.id, 'appeal upheld', {
      kind: 'appeal',
      id: 'ap-1',
    })
    expect(first.reversed.map((r) => r.kind).sort()).toEqual(['label', 'list_add', 'webhook'])
    const list = await s.api.call('GET', '/v1/lists/blocked_users')
    expect(list.body.added.map((x: any) => x.value)).not.toContain('bob')
    const entity = await s.api.call('GET', '/v1/entities/user/bob')
    expect(entity.body.labels.map((l: any) => l.name)).not.toContain('flagged')
    const key = `${e.id}.reversal`
    await eventually(() => rec.deliveries.get(key) === 1, 'the reversal webhook')
    expect(rec.bodies.get(key)).toMatchObject({
      type: 'reversal',
      decisionId: e.id,
      action: { params: { reason: 'appeal upheld' } },
    })
    const second = await s.server.node.enforcement.reverseDecision(e.id, 'again', {
      kind: 'appeal',
      id: 'ap-1',
    })
    expect(second.reversed.length).toBe(3)
    const hooks = (await actionsOf(e.id)).filter((a) => a.params.event === 'reversal')
    expect(hooks.length).toBe(1)
  })
})
