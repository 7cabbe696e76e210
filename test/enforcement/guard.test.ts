/**
 * The rule anomaly guard: the z-test on its own with a controlled clock, then on a server — a
 * synthetic jump in a rule's hit rate raises an alert, demotes the rule to shadow without a
 * pack reload (the decision trace and GET /v1/policy show it), is audited, and an operator
 * restores it. The guard's counts survive a restart (saved as enforcement state), so the
 * baseline from before it still counts.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { AnomalyGuard, readGuardState } from '../../src/enforcement/guard.ts'
import { tempDir } from '../server/harness.ts'
import { type Started, signup, startEnforcing } from './setup.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 0, 5, 10)
const types = new Set(['signup'])

/** `decisions` decisions at `at`, `hits` of them hits of rule r, spread evenly among them. */
function feed(g: AnomalyGuard, at: number, decisions: number, hits: number) {
  const alerts = []
  for (let i = 0; i < decisions; i++) {
    g.decision('signup', at)
    if (Math.floor(((i + 1) * hits) / decisions) > Math.floor((i * hits) / decisions)) {
      const a = g.hit('r', types, at)
      if (a) alerts.push(a)
    }
  }
  return alerts
}

describe('AnomalyGuard', () => {
  it('stays quiet at the baseline rate and alerts once on a significant jump', () => {
    const g = new AnomalyGuard({ minHits: 20, z: 4 })
    for (let h = 0; h < 5; h++) expect(feed(g, T0 + h * HOUR, 1000, 10)).toEqual([])
    // Same rate next hour: nothing.
    expect(feed(g, T0 + 5 * HOUR, 1000, 10)).toEqual([])
    // Ten times the rate: one alert, when the 20th hit makes it significant.
    const alerts = feed(g, T0 + 6 * HOUR, 1000, 100)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.rule).toBe('r')
    expect(alerts[0]!.hits).toBe(20)
    expect(alerts[0]!.z).toBeGreaterThanOrEqual(4)
  })

  it('needs a minimum of hits and a baseline before it can alert', () => {
    const noBaseline = new AnomalyGuard({ minHits: 20, z: 4 })
    expect(feed(noBaseline, T0, 100, 100)).toEqual([])
    const fewHits = new AnomalyGuard({ minHits: 20, z: 4 })
    feed(fewHits, T0, 1000, 0)
    expect(feed(fewHits, T0 + HOUR, 100, 19)).toEqual([])
  })

  it('does not alert on a rise the test does not find significant', () => {
    const g = new AnomalyGuard({ minHits: 20, z: 4 })
    feed(g, T0, 1000, 100)
    // 12% against a 10% baseline on 1000 decisions: z ≈ 2.1.
    expect(feed(g, T0 + HOUR, 1000, 120)).toEqual([])
  })
})

describe('AnomalyGuard state', () => {
  it('restores counts and alerts saved as JSON, so a baseline outlives the guard', () => {
    const before = new AnomalyGuard({ minHits: 20, z: 4 })
    for (let h = 0; h < 5; h++) feed(before, T0 + h * HOUR, 1000, 10)
    const saved = readGuardState(JSON.parse(JSON.stringify(before.state())))
    expect(saved).toBeDefined()
    const after = new AnomalyGuard({ minHits: 20, z: 4 })
    after.restore(saved!)
    const alerts = feed(after, T0 + 5 * HOUR, 1000, 100)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.baselineRate).toBeCloseTo((50 + 0.5) / 5000, 6)
    // A fresh guard with no saved state has no baseline and stays quiet on the same jump.
    expect(feed(new AnomalyGuard({ minHits: 20, z: 4 }), T0 + 5 * HOUR, 1000, 100)).toEqual([])
    // An hour already alerted stays alerted after a restore.
    const again = new AnomalyGuard({ minHits: 20, z: 4 })
    again.restore(readGuardState(JSON.parse(JSON.stringify(after.state())))!)
    expect(feed(again, T0 + 5 * HOUR, 1000, 100)).toEqual([])
  })

  it('refuses a saved state of the wrong shape', () => {
    const bad: unknown[] = [
      null,
      'x',
      { decisions: [], hits: [] },
      { decisions: [['signup', [[1, -1]]]], hits: [], alerted: [] },
      { decisions: [['signup', [[1.5, 2]]]], hits: [], alerted: [] },
      { decisions: [], hits: [[3, []]], alerted: [] },
      { decisions: [], hits: [], alerted: [['r', 'soon']] },
    ]
    for (const raw of bad) expect(readGuardState(raw), JSON.stringify(raw)).toBeUndefined()
    expect(readGuardState({ decisions: [['signup', [[0, 3]]]], hits: [], alerted: [['r', 0]] })).toBeDefined()
  })
})

describe('the guard across a restart', () => {
  let s: Started | undefined
  afterAll(async () => s?.stop())

  it('keeps the baseline counted before the restart and demotes on a jump right after it', async () => {
    const clock = new ManualClock(T0)
    const dataDir = tempDir('bulwark-guard-restart-')
    s = await startEnforcing({ clock, dataDir })
    const decide = (risk: number) => s!.api.call('POST', '/v1/decide', signup(risk))
    for (let batch = 0; batch < 4; batch++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => decide(batch === 0 && i < 2 ? 95 : 10)))
    await s.stop()
    s = undefined

    clock.set(T0 + HOUR)
    s = await startEnforcing({ clock, dataDir })
    let last: any
    for (let i = 0; i < 25; i++) last = (await decide(95)).body
    expect(last.hits).toEqual([expect.objectContaining({ rule: 'high-risk', mode: 'shadow' })])
    const alerts = await s.api.call('GET', '/v1/enforcement/alerts')
    expect(alerts.body.alerts).toEqual([
      expect.objectContaining({ rule: 'high-risk', demoted: true, hits: 20, decisions: 20 }),
    ])
  })
})

describe('demotion on a server', () => {
  let s: Started | undefined
  afterAll(async () => s?.stop())

  it('demotes a jumping rule to shadow at run time, audited, and restores it on request', async () => {
    const clock = new ManualClock(T0)
    s = await startEnforcing({ clock })
    const decide = (risk: number) => s!.api.call('POST', '/v1/decide', signup(risk))
    // Baseline hour: 200 decisions, 2 hits of high-risk.
    for (let batch = 0; batch < 4; batch++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => decide(batch === 0 && i < 2 ? 95 : 10)))
    clock.set(T0 + HOUR)
    let last: any
    for (let i = 0; i < 25; i++) last = (await decide(95)).body
    // Demoted after the 20th hit: later hits are shadow, the outcome no longer block.
    expect(last.outcome).toBe('allow')
    expect(last.hits).toEqual([
      expect.objectContaining({
        rule: 'high-risk',
        mode: 'shadow',
        note: 'demoted to shadow by the anomaly guard',
      }),
    ])
    const policy = await s.api.call('GET', '/v1/policy')
    expect(policy.body.demotedRules).toEqual(['high-risk'])
    const alerts = await s.api.call('GET', '/v1/enforcement/alerts')
    expect(alerts.body.alerts).toEqual([
      expect.objectContaining({ rule: 'high-risk', demoted: true, hits: 20 }),
    ])
    const audit = await s.api.call('GET', '/v1/enforcement/audit')
    expect(audit.body.audit.map((a: any) => a.change)).toContain('demote_rule')
    const metrics = (await s.api.call('GET', '/metrics')).body as string
    expect(metrics).toContain('bulwark_guard_alerts_total{rule="high-risk",demoted="true"} 1')

    const restored = await s.api.call('PUT', '/v1/enforcement/settings', { demotedRules: [] })
    expect(restored.body.demotedRules).toEqual([])
    expect((await decide(95)).body.outcome).toBe('block')
    const refused = await s.api.call('PUT', '/v1/enforcement/settings', { demotedRules: ['medium-risk'] })
    expect(refused.status).toBe(400)
  })
})
