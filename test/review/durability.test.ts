/**
 * Review state is durable and claims are exclusive across connections: cases, claims, verdicts and
 * histories survive a restart of the node on the same data directory; a verdict whose effects
 * could not run before the node stopped has them run after it restarts; and two review stores on
 * one database (as two processes would have) cannot both hold a claim on one case. A server killed
 * with SIGKILL right after answering keeps every case, claim and verdict it acknowledged.
 */

import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import type { BulwarkError } from '../../src/core/errors.ts'
import { Review } from '../../src/review/service.ts'
import { BulwarkNode } from '../../src/service/node.ts'
import { childServer, client, tempDir } from '../server/harness.ts'
import {
  blockedSignup,
  packWithoutReviewAction,
  recordingEnforcement,
  reviewNode,
  T0,
  useEnforcement,
} from './helpers.ts'

const open: BulwarkNode[] = []
/** Puts the real enforcement services back before the nodes close (they stop its outbox). */
const restores: (() => void)[] = []
afterAll(async () => {
  for (const restore of restores) restore()
  for (const n of open) await n.close()
})

async function reopen(dir: string, policyDir: string, clock: ManualClock): Promise<BulwarkNode> {
  const node = await BulwarkNode.open({
    dataDir: dir,
    policyDir,
    piiKey: 'review-test-pii-key-0123456789',
    clock,
    snapshotEveryMs: 3_600_000,
    maintenanceEveryMs: 3_600_000,
  })
  open.push(node)
  return node
}

describe('review state across a restart', () => {
  it('keeps cases, claims, verdicts and history, and runs effects left pending', async () => {
    const pack = packWithoutReviewAction()
    const first = await reviewNode(pack)
    const { node, clock, dir } = first
    const down = recordingEnforcement()
    const restore = useEnforcement(node, down)
    const a = await blockedSignup(node)
    const b = await blockedSignup(node)
    const held = await node.review.openCase({
      entity: { type: 'user', id: a.user },
      decisionId: a.eventId,
      actor: 't',
    })
    node.review.claim(held.case.id, 'alice')
    const decided = await node.review.openCase({
      entity: { type: 'user', id: b.user },
      decisionId: b.eventId,
      actor: 't',
    })
    node.review.claim(decided.case.id, 'alice')
    down.failNext = true
    const closed = await node.review.decide(decided.case.id, 'alice', {
      verdict: 'no_violation',
      reason: 'real_user',
    })
    expect(closed.effectsPending).toBe(true)
    restore()
    await node.close()

    const again = await reopen(dir, pack, clock)
    const up = recordingEnforcement()
    restores.push(useEnforcement(again, up))
    expect(again.review.row(held.case.id)).toMatchObject({
      status: 'open',
      claimedBy: 'alice',
      queue: 'fake_accounts',
    })
    await expect(async () => again.review.claim(held.case.id, 'bob')).rejects.toMatchObject({
      code: 'CASE_LOCKED',
    })
    expect(again.review.row(decided.case.id)).toMatchObject({
      status: 'closed',
      verdict: 'no_violation',
      effectsPending: true,
    })
    expect(await again.review.resumeEffects()).toBe(1)
    expect(up.calls).toEqual([
      {
        op: 'reverse',
        args: [b.eventId, 'review found no violation: real_user', { kind: 'review', id: decided.case.id }],
      },
    ])
    expect(again.review.row(decided.case.id)!.effectsPending).toBe(false)
    expect((await again.labelHistory({ eventId: b.eventId }, 10))[0]).toMatchObject({
      malicious: false,
      source: 'review',
    })
    const history = ((await again.review.get(decided.case.id)).history as { action: string }[]).map(
      (h) => h.action,
    )
    expect(history).toEqual(['opened', 'claimed', 'decided', 'effects_failed', 'effects_done'])
  })
})

describe('claims across connections', () => {
  it('two review stores on one database cannot both hold a claim', async () => {
    const { node, dir } = await reviewNode()
    open.push(node)
    const clock = new ManualClock(T0)
    const other = new Review(
      {
        clock,
        pack: () => node.engine.pack,
        repository: node.repository,
        recordTruth: async () => {},
        entityKey: (_t, id) => id,
        entityLabels: () => [],
        enforcement: () => undefined,
      },
      join(dir, 'review.db'),
    )
    try {
      const { case: c } = await node.review.openCase({ entity: { type: 'user', id: 'shared' }, actor: 't' })
      expect(other.claim(c.id, 'bob').claimedBy).toBe('bob')
      let code = ''
      try {
        node.review.claim(c.id, 'alice')
      } catch (e) {
        code = (e as BulwarkError).code
      }
      expect(code).toBe('CASE_LOCKED')
      expect(node.review.row(c.id)!.claimedBy).toBe('bob')
    } finally {
      other.close()
    }
  })
})

describe('a crash (kill -9) of a real server', () => {
  it('loses no acknowledged case, claim or verdict', async () => {
    const dataDir = tempDir('bulwark-review-crash-')
    const pack = packWithoutReviewAction()
    const first = await childServer(dataDir, pack)
    const api = client(first.url)
    const opened = await api.call('POST', '/v1/cases', {
      entity: { type: 'user', id: 'crash-user' },
      priority: 70,
    })
    expect(opened.status).toBe(201)
    const decided = await api.call('POST', '/v1/cases', { entity: { type: 'device', id: 'crash-device' } })
    const id = opened.body.case.id
    const other = decided.body.case.id
    expect((await api.call('POST', `/v1/cases/${id}/claim`, { reviewer: 'alice' })).status).toBe(200)
    expect((await api.call('POST', `/v1/cases/${other}/claim`, { reviewer: 'alice' })).status).toBe(200)
    const verdict = await api.call('POST', `/v1/cases/${other}/decide`, {
      reviewer: 'alice',
      verdict: 'no_violation',
      reason: 'false_positive',
    })
    expect(verdict.status).toBe(200)
    await first.kill('SIGKILL')

    const second = await childServer(dataDir, pack)
    try {
      const again = client(second.url)
      const bob = await again.call('POST', `/v1/cases/${id}/claim`, { reviewer: 'bob' })
      expect(bob.status).toBe(409)
      expect(bob.body.error.code).toBe('CASE_LOCKED')
      const closed = await again.call('GET', `/v1/cases/${other}`)
      expect(closed.body).toMatchObject({
        status: 'closed',
        decision: { verdict: 'no_violation', reviewer: 'alice' },
      })
      const history = closed.body.history.map((h: { action: string }) => h.action)
      expect(history.slice(0, 3)).toEqual(['opened', 'claimed', 'decided'])
    } finally {
      await second.kill('SIGTERM')
    }
  }, 90_000)
})
