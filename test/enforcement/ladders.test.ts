/**
 * Escalation ladders with a controlled clock: strikes cross steps (the step's label is set, its
 * actions enqueued), the standing shows on GET /v1/entities, and strikes decay — each counts
 * for the ladder's `decay` after it was given. Also the pure step arithmetic.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { stepAt, stepsCrossed, strikesInForce } from '../../src/enforcement/ladders.ts'
import type { LadderPlan } from '../../src/enforcement/types.ts'
import { eventually } from './receiver.ts'
import { type Started, signup, startEnforcing } from './setup.ts'

const DAY = 86_400_000
const ladder: LadderPlan = {
  name: 'abuse',
  entity: 'user',
  decayMs: 30 * DAY,
  steps: [
    { at: 1, do: 'warned', actions: [] },
    { at: 3, do: 'limited', actions: [] },
    { at: 5, do: 'suspended', forMs: 7 * DAY, actions: [] },
  ],
}

describe('ladder arithmetic', () => {
  it('counts strikes in force for the decay window only', () => {
    const strikes = [
      { weight: 1, at: 0 },
      { weight: 2, at: 10 * DAY },
    ]
    expect(strikesInForce(ladder, strikes, 5 * DAY)).toBe(1)
    expect(strikesInForce(ladder, strikes, 20 * DAY)).toBe(3)
    expect(strikesInForce(ladder, strikes, 30 * DAY)).toBe(2)
    expect(strikesInForce(ladder, strikes, 40 * DAY)).toBe(0)
  })

  it('finds the step reached and the steps crossed', () => {
    expect(stepAt(ladder, 0)).toBeUndefined()
    expect(stepAt(ladder, 4)?.do).toBe('limited')
    expect(stepsCrossed(ladder, 2, 5).map((s) => s.do)).toEqual(['limited', 'suspended'])
    expect(stepsCrossed(ladder, 3, 4)).toEqual([])
  })
})

describe('ladders on a server', () => {
  let s: Started | undefined
  afterAll(async () => s?.stop())

  it('escalates with strikes, shows the step on the entity, and decays', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1))
    s = await startEnforcing({ clock })
    const api = s.api
    const strike = async () => {
      const e = signup(60, 'lad')
      const r = await api.call('POST', '/v1/decide', e)
      expect(r.body.outcome).toBe('challenge')
      await eventually(async () => {
        const acts = (await api.call('GET', '/v1/actions?limit=1000')).body.actions as any[]
        return acts.some((a) => a.cause.decisionId === e.id && a.kind === 'strike' && a.status === 'done')
      }, 'the strike')
      return e.id
    }
    const standing = async () => (await api.call('GET', '/v1/entities/user/lad')).body
    const labels = async () => (await standing()).labels.map((l: any) => l.name).sort()

    await strike()
    expect(await labels()).toEqual(['warned'])
    expect((await standing()).ladders).toEqual([
      { ladder: 'abuse', strikes: 1, step: 'warned', nextStepAt: 3 },
    ])
    clock.advance(10 * DAY)
    await strike()
    const third = await strike()
    expect(await labels()).toEqual(['limited', 'warned'])
    // The step's own action (a webhook) was enqueued; with no destination it is skipped.
    const acts = (await api.call('GET', '/v1/actions?limit=1000')).body.actions as any[]
    const stepAction = acts.find((a) => a.cause.kind === 'ladder')
    expect(stepAction).toMatchObject({ kind: 'webhook', status: 'skipped', params: { step: 'limited' } })
    expect(stepAction.lastError).toContain('no destination')
    expect((await standing()).ladders[0]).toMatchObject({ strikes: 3, step: 'limited' })

    // Reversing a decision removes its strike and the step it no longer reaches; a new strike
    // crosses the step again.
    const undone = await s.server.node.enforcement.reverseDecision(third, 'overturned', {
      kind: 'appeal',
      id: 'a1',
    })
    expect(undone.reversed).toEqual([expect.objectContaining({ kind: 'strike' })])
    expect((await standing()).ladders[0]).toMatchObject({ strikes: 2, step: 'warned' })
    expect(await labels()).toEqual(['warned'])
    await strike()
    expect(await labels()).toEqual(['limited', 'warned'])

    // The first strike decays 30 days after it was given; the other two 10 days later.
    clock.advance(21 * DAY)
    expect((await standing()).ladders[0]).toMatchObject({ strikes: 2, step: 'warned' })
    clock.advance(10 * DAY)
    expect((await standing()).ladders[0]).toMatchObject({ strikes: 0, step: null, nextStepAt: 1 })
  })
})
