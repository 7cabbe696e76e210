/**
 * Review cases on a real node (real SQLite in a temporary directory) under a controlled clock:
 * opening is idempotent per decision and entity and merges into the entity's open case of a queue;
 * claims lock a case and time out; verdicts need a live claim and a reason code of the queue;
 * a verdict becomes ground-truth labels (visible in the label history and per-rule precision) and
 * asks enforcement to act or reverse; escalation climbs the queues; blind QA checks hide the first
 * verdict and report agreement; effects left pending by an outage are resumed; queue metrics.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ManualClock } from '../../src/core/clock.ts'
import { BulwarkError } from '../../src/core/errors.ts'
import type { BulwarkNode } from '../../src/service/node.ts'
import { blockedSignup, MINUTE, recordingEnforcement, reviewNode, useEnforcement } from './helpers.ts'

let node: BulwarkNode
let clock: ManualClock
const enforcement = recordingEnforcement()
let restore: () => void

beforeAll(async () => {
  ;({ node, clock } = await reviewNode())
  restore = useEnforcement(node, enforcement)
})
afterAll(async () => {
  restore()
  await node.close()
})

/** The error code a call fails with. */
async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f()
  } catch (e) {
    if (e instanceof BulwarkError) return e.code
    throw e
  }
  throw new Error('no error')
}

describe('opening cases', () => {
  it('routes, is idempotent per decision and entity, and merges into the open case of the queue', async () => {
    const a = await blockedSignup(node)
    const first = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    expect(first.created).toBe(true)
    expect(first.case).toMatchObject({
      queue: 'fake_accounts',
      rule: 'device-farm',
      area: 'fake_accounts',
      priority: 80,
    })
    const again = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    expect(again).toEqual({ case: first.case, created: false })
    // The same decision for another entity (the device) is another case, routed by rule first.
    const device = await node.review.openCase({
      entity: { type: 'device', id: a.device },
      decisionId: a.eventId,
      actor: 't',
    })
    expect(device.created).toBe(true)
    expect(device.case.id).not.toBe(first.case.id)
    // A later decision of the same user lands in the same open case, which keeps the higher priority.
    clock.advance(1000)
    const login = await node.decide({
      type: 'login',
      id: `login-${a.user}`,
      actor: { id: a.user },
      device: { id: a.device },
    })
    expect(login.decision.hits.map((h) => h.rule)).toContain('farm-device-login')
    const merged = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: login.decision.eventId,
      queue: 'fake_accounts',
      actor: 't',
    })
    expect(merged).toMatchObject({ created: false, case: { id: first.case.id, priority: 80 } })
    const view = await node.review.get(first.case.id)
    const evidence = view.evidence as {
      decisions: { event_id: string; features: object }[]
      linked_entities: unknown[]
    }
    expect(evidence.decisions.map((d) => d.event_id)).toEqual([a.eventId, login.decision.eventId])
    expect(evidence.decisions[0]!.features).toMatchObject({ signups_per_device_1h: 4 })
    expect(evidence.linked_entities).toEqual(expect.arrayContaining([{ type: 'device', id: a.device }]))
    expect((view.history as { action: string }[]).map((h) => h.action)).toEqual(['opened', 'merged'])
  })

  it('refuses a decision that is not stored or did not touch the entity', async () => {
    expect(
      await codeOf(() =>
        node.review.openCase({ entity: { type: 'user', id: 'x' }, decisionId: 'nope', actor: 't' }),
      ),
    ).toBe('CASE_INVALID')
    const a = await blockedSignup(node)
    expect(
      await codeOf(() =>
        node.review.openCase({
          entity: { type: 'user', id: 'someone-else' },
          decisionId: a.eventId,
          actor: 't',
        }),
      ),
    ).toBe('CASE_INVALID')
  })
})

describe('claims', () => {
  it('lock a case until they time out; renew, release, and a verdict needs a live claim', async () => {
    const a = await blockedSignup(node)
    const { case: c } = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    const claimed = node.review.claim(c.id, 'alice')
    expect(claimed.claimExpiresAt).toBe(clock.now() + 10 * MINUTE)
    expect(await codeOf(() => node.review.claim(c.id, 'bob'))).toBe('CASE_LOCKED')
    clock.advance(9 * MINUTE)
    expect(await codeOf(() => node.review.claim(c.id, 'bob'))).toBe('CASE_LOCKED')
    expect(node.review.renew(c.id, 'alice').claimExpiresAt).toBe(clock.now() + 10 * MINUTE)
    clock.advance(9 * MINUTE)
    expect(await codeOf(() => node.review.claim(c.id, 'bob'))).toBe('CASE_LOCKED')
    clock.advance(1 * MINUTE)
    // Exactly at expiry the claim no longer holds: bob takes the case over.
    expect(node.review.claim(c.id, 'bob').claimedBy).toBe('bob')
    expect(
      await codeOf(() =>
        node.review.decide(c.id, 'alice', { verdict: 'violation', reason: 'farm_confirmed' }),
      ),
    ).toBe('CASE_LOCKED')
    expect(await codeOf(() => node.review.renew(c.id, 'alice'))).toBe('CASE_LOCKED')
    expect(node.review.release(c.id, 'bob').claimedBy).toBeUndefined()
    expect(
      await codeOf(() =>
        node.review.decide(c.id, 'alice', { verdict: 'violation', reason: 'farm_confirmed' }),
      ),
    ).toBe('CASE_NOT_CLAIMED')
    node.review.claim(c.id, 'alice')
    clock.advance(10 * MINUTE)
    expect(
      await codeOf(() =>
        node.review.decide(c.id, 'alice', { verdict: 'violation', reason: 'farm_confirmed' }),
      ),
    ).toBe('CASE_NOT_CLAIMED')
    const history = (
      (await node.review.get(c.id)).history as { action: string; actor: string; detail?: object }[]
    ).map((h) => `${h.action}:${h.actor}`)
    expect(history).toEqual([
      'opened:t',
      'claimed:alice',
      'renewed:alice',
      'claimed:bob',
      'released:bob',
      'claimed:alice',
    ])
    expect(await codeOf(() => node.review.claim('no-such-case', 'alice'))).toBe('CASE_NOT_FOUND')
  })
})

describe('verdicts', () => {
  it('need a reason code of the queue; a violation labels decisions and entity and applies on_violation', async () => {
    const a = await blockedSignup(node)
    const { case: c } = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    node.review.claim(c.id, 'alice')
    expect(
      await codeOf(() =>
        node.review.decide(c.id, 'alice', { verdict: 'violation', reason: 'confirmed_abuse' }),
      ),
    ).toBe('REVIEW_REASON_INVALID')
    expect(
      await codeOf(() => node.review.decide(c.id, 'alice', { verdict: 'maybe', reason: 'farm_confirmed' })),
    ).toBe('CASE_INVALID')
    const before = (await node.ruleMetrics()).rules.find((r) => r.rule === 'device-farm')!.enforce
    enforcement.calls.length = 0
    const decided = await node.review.decide(c.id, 'alice', {
      verdict: 'violation',
      reason: 'farm_confirmed',
      note: 'same device',
    })
    expect(decided).toMatchObject({
      status: 'closed',
      verdict: 'violation',
      reason: 'farm_confirmed',
      decidedBy: 'alice',
    })
    expect(decided.effectsPending).toBe(false)
    const eventLabels = await node.labelHistory({ eventId: a.eventId }, 10)
    expect(eventLabels[0]).toMatchObject({ malicious: true, source: 'review', area: 'fake_accounts' })
    const userLabels = await node.labelHistory({ entityType: 'user', entityId: a.user }, 10)
    expect(userLabels[0]).toMatchObject({ malicious: true, source: 'review' })
    const after = (await node.ruleMetrics()).rules.find((r) => r.rule === 'device-farm')!.enforce
    expect(after.tp).toBe(before.tp + 1)
    expect(enforcement.calls).toEqual([
      {
        op: 'apply',
        args: [
          {
            entity: { type: 'user', id: a.user },
            actions: [{ kind: 'label', entity: 'user', name: 'trusted', clear: true }],
            cause: { kind: 'review', id: c.id, decisionId: a.eventId },
            ids: [`${c.id}.violation.0`],
          },
        ],
      },
    ])
    expect(await codeOf(() => node.review.claim(c.id, 'bob'))).toBe('CASE_CLOSED')
  })

  it('no_violation reverses what the case decisions enforced and records benign labels', async () => {
    const a = await blockedSignup(node)
    const { case: c } = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    node.review.claim(c.id, 'carol')
    enforcement.calls.length = 0
    await node.review.decide(c.id, 'carol', { verdict: 'no_violation', reason: 'real_user' })
    expect(enforcement.calls).toEqual([
      {
        op: 'reverse',
        args: [a.eventId, 'review found no violation: real_user', { kind: 'review', id: c.id }],
      },
    ])
    expect((await node.labelHistory({ eventId: a.eventId }, 10))[0]).toMatchObject({
      malicious: false,
      source: 'review',
    })
  })

  it('escalate moves the case up the queues, unclaimed, until there is no higher queue', async () => {
    const opened = await node.review.openCase({
      entity: { type: 'user', id: 'escalated-user' },
      actor: 'api',
    })
    const id = opened.case.id
    expect(opened.case.queue).toBe('general')
    node.review.claim(id, 'alice')
    const up = await node.review.decide(id, 'alice', { verdict: 'escalate', reason: 'other' })
    expect(up).toMatchObject({ queue: 'senior', status: 'open', dueAt: clock.now() + 8 * 3_600_000 })
    expect(up.claimedBy).toBeUndefined()
    node.review.claim(id, 'bob')
    expect((await node.review.decide(id, 'bob', { verdict: 'escalate', reason: 'other' })).queue).toBe(
      'appeals',
    )
    node.review.claim(id, 'carol')
    expect(
      await codeOf(() => node.review.decide(id, 'carol', { verdict: 'escalate', reason: 'upheld' })),
    ).toBe('CASE_CANNOT_ESCALATE')
  })
})

describe('reviewer QA', () => {
  it('re-queues a closed case blind to another reviewer and reports agreement per queue and reviewer', async () => {
    const a = await blockedSignup(node)
    const { case: c } = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    node.review.claim(c.id, 'dave')
    await node.review.decide(c.id, 'dave', { verdict: 'violation', reason: 'farm_confirmed' })
    const qa = node.review.list({
      kind: 'qa',
      status: 'open',
      entity: { type: 'user', id: a.user },
      limit: 10,
    })
    expect(qa).toHaveLength(1)
    const check = qa[0]!
    expect(check).toMatchObject({ queue: 'fake_accounts', originCase: c.id, excludedReviewer: 'dave' })
    expect(await codeOf(() => node.review.claim(check.id, 'dave'))).toBe('CASE_REVIEWER_CONFLICT')
    // Blind: nothing of the first verdict, its labels or its case shows.
    const view = JSON.stringify(await node.review.get(check.id))
    expect(view).not.toContain(c.id)
    expect(view).not.toContain('farm_confirmed')
    expect(view).not.toContain('"source":"review"')
    expect(JSON.parse(view)).toMatchObject({ qa: { blind: true } })
    expect(JSON.parse(view).evidence.decisions.map((d: { event_id: string }) => d.event_id)).toEqual([
      a.eventId,
    ])
    const labelsBefore = (await node.labelHistory({ eventId: a.eventId }, 100)).length
    enforcement.calls.length = 0
    node.review.claim(check.id, 'erin')
    const closed = await node.review.decide(check.id, 'erin', {
      verdict: 'no_violation',
      reason: 'real_user',
    })
    expect(closed.qaAgrees).toBe(false)
    // A QA check measures reviewers: it neither labels nor enforces, and is not itself re-checked.
    expect((await node.labelHistory({ eventId: a.eventId }, 100)).length).toBe(labelsBefore)
    expect(enforcement.calls).toEqual([])
    expect(node.review.list({ kind: 'qa', entity: { type: 'user', id: a.user }, limit: 10 })).toHaveLength(1)
    expect(JSON.parse(JSON.stringify(await node.review.get(check.id)))).toMatchObject({
      qa: { blind: false, of_case: c.id, reviewer_checked: 'dave', agrees: false },
    })
    const dave = node.review.reviewers().find((r) => r.reviewer === 'dave')!
    expect(dave.qa).toEqual({ checked: 1, agreed: 0, agreement: 0 })
    // A second check that agrees.
    const b = await blockedSignup(node)
    const second = await node.review.openCase({
      entity: { type: 'user', id: b.user },
      decisionId: b.eventId,
      actor: 't',
    })
    node.review.claim(second.case.id, 'dave')
    await node.review.decide(second.case.id, 'dave', { verdict: 'violation', reason: 'farm_confirmed' })
    const check2 = node.review.list({
      kind: 'qa',
      status: 'open',
      entity: { type: 'user', id: b.user },
      limit: 1,
    })[0]!
    node.review.claim(check2.id, 'erin')
    expect(
      (await node.review.decide(check2.id, 'erin', { verdict: 'violation', reason: 'needs_specialist' }))
        .qaAgrees,
    ).toBe(true)
    expect(node.review.reviewers().find((r) => r.reviewer === 'dave')!.qa).toEqual({
      checked: 2,
      agreed: 1,
      agreement: 0.5,
    })
    expect(node.review.queues().find((q) => q.queue === 'fake_accounts')!.qa).toMatchObject({
      checked: 2,
      agreed: 1,
    })
  })
})

describe('effects and metrics', () => {
  it('keeps effects pending through an enforcement outage and resumes them', async () => {
    const a = await blockedSignup(node)
    const { case: c } = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    node.review.claim(c.id, 'alice')
    enforcement.failNext = true
    enforcement.calls.length = 0
    const decided = await node.review.decide(c.id, 'alice', { verdict: 'no_violation', reason: 'real_user' })
    expect(decided.effectsPending).toBe(true)
    expect(enforcement.calls).toEqual([])
    expect(await node.review.resumeEffects()).toBeGreaterThanOrEqual(1)
    expect(node.review.row(c.id)!.effectsPending).toBe(false)
    expect(enforcement.calls.map((x) => x.op)).toEqual(['reverse'])
    const actions = ((await node.review.get(c.id)).history as { action: string }[]).map((h) => h.action)
    expect(actions.slice(-3)).toEqual(['decided', 'effects_failed', 'effects_done'])
  })

  it('reports depth, oldest age, SLA breaches and throughput', async () => {
    const opened = await node.review.openCase({
      entity: { type: 'device', id: 'lonely-device' },
      actor: 'api',
    })
    expect(opened.case.queue).toBe('devices')
    const q = () => node.review.queues().find((x) => x.queue === 'devices')!
    expect(q()).toMatchObject({ depth: 1, slaBreachesOpen: 0, oldestAgeSeconds: 0, slaSeconds: 8 * 3600 })
    clock.advance(8 * 60 * MINUTE)
    expect(q()).toMatchObject({ depth: 1, slaBreachesOpen: 1, oldestAgeSeconds: 8 * 3600 })
    node.review.claim(opened.case.id, 'frank')
    await node.review.decide(opened.case.id, 'frank', { verdict: 'no_violation', reason: 'false_positive' })
    expect(q()).toMatchObject({
      depth: 0,
      slaBreachesOpen: 0,
      slaBreachesClosed: 1,
      decided24h: 1,
      oldestAgeSeconds: null,
    })
    expect(node.review.reviewers().find((r) => r.reviewer === 'frank')).toMatchObject({
      decided: 1,
      decided24h: 1,
    })
  })
})

describe('claiming the next case of a queue', () => {
  it('hands out the highest priority then the oldest claimable case, never the same one twice', async () => {
    const low = await node.review.openCase({
      entity: { type: 'user', id: 'next-low' },
      queue: 'urgent',
      priority: 10,
      actor: 't',
    })
    clock.advance(1000)
    const high = await node.review.openCase({
      entity: { type: 'user', id: 'next-high' },
      queue: 'urgent',
      priority: 90,
      actor: 't',
    })
    clock.advance(1000)
    const high2 = await node.review.openCase({
      entity: { type: 'user', id: 'next-high2' },
      queue: 'urgent',
      priority: 90,
      actor: 't',
    })
    expect(node.review.claimNext('urgent', 'alice')!.id).toBe(high.case.id)
    expect(node.review.claimNext('urgent', 'bob')!.id).toBe(high2.case.id)
    expect(node.review.claimNext('urgent', 'carol')!.id).toBe(low.case.id)
    expect(node.review.claimNext('urgent', 'dave')).toBeUndefined()
    // Once alice's claim expires, her case is next again.
    clock.advance(10 * MINUTE)
    expect(node.review.claimNext('urgent', 'dave')!.id).toBe(high.case.id)
    expect(await codeOf(() => node.review.claimNext('nowhere', 'dave'))).toBe('CASE_INVALID')
  })
})
