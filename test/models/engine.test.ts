/**
 * The model step of decide(): rows assembled by the load-time plan (missing or failing inputs
 * are NaN, counted, never a crash), scores in the decision trace with the input vector the model
 * saw, rules reading models.NAME.score, shadow models and challengers never changing the
 * outcome, challenger agreement and canary serving by stable entity hash, asynchronous-only
 * models on the asynchronous path, and the monitor fed by every scored row.
 */

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { loadPackWithModels } from '../../src/models/attach.ts'
import { ModelMonitor } from '../../src/models/monitor.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { loadLinear } from './linear-model.ts'

const clock = { now: () => Date.parse('2026-03-01T00:00:00Z') }

const MANIFEST = `name: model-engine
entities: { user: actor.id }
events:
  payment:
    fields:
      amount: double
      ratio: double
  login:
    fields: {}
`

const RULES = `rules:
  - id: model-says-fraud
    on: payment
    when: models.fraud.score > 0.9
    then: { outcome: block, score: 50 }
`

async function pack(
  model: string,
  extra: Record<string, string> = {},
  monitor?: ModelMonitor,
): Promise<Pack> {
  const r = await loadPackWithModels(
    {
      'bulwark.yaml': MANIFEST,
      'features/f.yaml': `features:\n  logins_1h:\n    count: { on: login, by: actor.id, window: 1h }\n`,
      'rules/r.yaml': RULES,
      'models/fraud/model.yaml': model,
      'models/fraud/model.json': JSON.stringify({ weights: { amount: 0.01, ratio: 1, logins: 1 } }),
      ...extra,
    },
    { loadFile: loadLinear, ...(monitor ? { monitor } : {}) },
  )
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
  return r.pack
}

const INPUTS = `inputs:
  amount: event.amount
  ratio: 10.0 / event.ratio
  logins: features.logins_1h
`

const pay = (id: string, amount: number, ratio: number, actor = 'u1') => ({
  type: 'payment',
  id,
  actor: { id: actor },
  amount,
  ratio,
})

describe('the model step of a decision', () => {
  it('scores with the row the plan assembles and lets rules read the score', async () => {
    const engine = memoryEngine(await pack(`file: model.json\non: payment\n${INPUTS}`), clock)
    await engine.decide({ type: 'login', actor: { id: 'u1' } })
    const { decision } = await engine.decide(pay('e1', 500, 10))
    const m = decision.models![0]!
    expect(m.inputs).toEqual({ amount: 500, ratio: 1, logins: 1 })
    expect(m.score).toBeCloseTo(1 / (1 + Math.exp(-(5 + 1 + 1))), 12)
    expect(m.served).toBe('champion')
    expect(m.missing).toBe(0)
    expect(decision.outcome).toBe('block')
    expect(decision.hits.map((h) => h.rule)).toEqual(['model-says-fraud'])
    // Logins are not among the event types the model scores.
    const login = await engine.decide({ type: 'login', actor: { id: 'u2' } })
    expect(login.decision.models).toBeUndefined()
  })

  it('turns an erroring input into a missing value, counted, and still decides', async () => {
    const monitor = new ModelMonitor()
    const engine = memoryEngine(await pack(`file: model.json\non: payment\n${INPUTS}`, {}, monitor), clock)
    // No ratio: reading event.ratio fails, so that input is missing.
    const { decision } = await engine.decide({ type: 'payment', id: 'e2', actor: { id: 'u1' }, amount: 100 })
    const m = decision.models![0]!
    expect(m.inputs).toEqual({ amount: 100, ratio: null, logins: 0 })
    expect(m.missing).toBe(1)
    expect(m.score).toBeCloseTo(1 / (1 + Math.exp(-1)), 12)
    expect(decision.errors).toEqual([])
    const report = monitor.report('fraud')!
    expect(report.rows).toBe(1)
    expect(report.missing).toEqual({ amount: 0, ratio: 1, logins: 0 })
  })

  it('records a model that throws as an error with a null score; rules see no score', async () => {
    const monitor = new ModelMonitor()
    const p = await pack(
      `file: model.json\non: payment\n${INPUTS}`,
      {
        'models/fraud/model.json': JSON.stringify({
          weights: { amount: 1, ratio: 1, logins: 1 },
          fail: true,
        }),
      },
      monitor,
    )
    const { decision } = await memoryEngine(p, clock).decide(pay('e3', 900, 1))
    expect(decision.models![0]).toMatchObject({ score: null, error: 'model failed on purpose' })
    expect(decision.outcome).toBe('allow')
    expect(monitor.report('fraud')!.errors).toBe(1)
  })

  it('a shadow model is scored and traced but never changes the outcome', async () => {
    const enforced = memoryEngine(await pack(`file: model.json\non: payment\n${INPUTS}`), clock)
    const shadow = memoryEngine(await pack(`file: model.json\non: payment\nmode: shadow\n${INPUTS}`), clock)
    const a = (await enforced.decide(pay('e4', 900, 1))).decision
    const b = (await shadow.decide(pay('e4', 900, 1))).decision
    expect(a.outcome).toBe('block')
    expect(b.outcome).toBe('allow')
    expect(b.hits).toEqual([])
    expect(b.models![0]).toMatchObject({ mode: 'shadow', served: 'none', score: a.models![0]!.score })
  })

  it('scores a challenger beside the champion without changing decisions, and reports agreement', async () => {
    const monitor = new ModelMonitor()
    const challenger = {
      'models/fraud/next.json': JSON.stringify({ weights: { amount: 0.02, ratio: 1, logins: 1 }, bias: -8 }),
    }
    const withChallenger = memoryEngine(
      await pack(
        `file: model.json\non: payment\nchallenger: { file: next.json }\n${INPUTS}`,
        challenger,
        monitor,
      ),
      clock,
    )
    const alone = memoryEngine(await pack(`file: model.json\non: payment\n${INPUTS}`), clock)
    const amounts = [10, 50, 100, 200, 300, 400, 500, 600]
    for (const [i, amount] of amounts.entries()) {
      const a = (await withChallenger.decide(pay(`c${i}`, amount, 10))).decision
      const b = (await alone.decide(pay(`c${i}`, amount, 10))).decision
      expect(a.outcome).toBe(b.outcome)
      expect(a.score).toBe(b.score)
      expect(a.models![0]!.challenger?.score).not.toBeNull()
    }
    // champion z = 0.01a + 1; challenger z = 0.02a + 1 - 8: both ≥ 0.5 exactly when z ≥ 0.
    const agree = amounts.filter((a) => 0.01 * a + 1 >= 0 === 0.02 * a - 7 >= 0).length
    const report = monitor.report('fraud')!
    expect(report.agreement).toEqual({ compared: 8, agreed: agree, rate: agree / 8 })
    expect(report.histogram.challenger.reduce((x, y) => x + y, 0)).toBe(8)
  })

  it('scores the challenger on a stable sample of events, and serves it to a canary share of entities', async () => {
    const files = {
      'models/fraud/next.json': JSON.stringify({ weights: { amount: 0, ratio: 0, logins: 0 }, bias: 9 }),
    }
    const sampled = memoryEngine(
      await pack(
        `file: model.json\non: payment\nchallenger: { file: next.json, sample: 0.3 }\n${INPUTS}`,
        files,
      ),
      clock,
    )
    let scored = 0
    for (let i = 0; i < 400; i++)
      if ((await sampled.decide(pay(`s${i}`, 1, 10))).decision.models![0]!.challenger) scored++
    expect(scored).toBeGreaterThan(80)
    expect(scored).toBeLessThan(160)

    const p = await pack(
      `file: model.json\non: payment\nchallenger: { file: next.json, sample: 0, canary: 50 }\n${INPUTS}`,
      files,
    )
    const canary = memoryEngine(p, clock)
    const servedBy = new Map<string, string>()
    for (let i = 0; i < 200; i++) {
      const actor = `user-${i % 40}`
      const d = (await canary.decide(pay(`k${i}`, 1, 10, actor))).decision
      const served = d.models![0]!.served
      if (servedBy.has(actor)) expect(served).toBe(servedBy.get(actor))
      servedBy.set(actor, served)
      // The challenger scores above 0.9: the rule blocks exactly the canary entities.
      expect(d.outcome).toBe(served === 'challenger' ? 'block' : 'allow')
    }
    const share = [...servedBy.values()].filter((s) => s === 'challenger').length
    expect(share).toBeGreaterThan(8)
    expect(share).toBeLessThan(32)
  })

  it('serves a rollout share of entities; the rest read served: false', async () => {
    const engine = memoryEngine(
      await pack(`file: model.json\non: payment\nrollout: { percent: 50, by: user }\n${INPUTS}`),
      clock,
    )
    const served = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const d = (await engine.decide(pay(`r${i}`, 900, 1, `a${i}`))).decision
      if (d.models![0]!.served === 'champion') {
        served.add(`a${i}`)
        expect(d.outcome).toBe('block')
      } else expect(d.outcome).toBe('allow')
    }
    expect(served.size).toBeGreaterThan(10)
    expect(served.size).toBeLessThan(30)
  })

  it('awaits an asynchronous-only model and keeps synchronous packs synchronous', async () => {
    const asyncPack = await pack(`file: model.json\non: payment\n${INPUTS}`, {
      'models/fraud/model.json': JSON.stringify({
        weights: { amount: 0.01, ratio: 1, logins: 1 },
        async: true,
      }),
    })
    const engine = memoryEngine(asyncPack, clock)
    expect(engine.synchronous).toBe(false)
    const { decision } = await engine.decide(pay('a1', 900, 1))
    expect(decision.outcome).toBe('block')
    expect(() => engine.decideSync(pay('a2', 900, 1))).toThrow(/decideSync/)
    const syncEngine = memoryEngine(await pack(`file: model.json\non: payment\n${INPUTS}`), clock)
    expect(syncEngine.synchronous).toBe(true)
    expect(syncEngine.decideSync(pay('a3', 900, 1)).decision.outcome).toBe('block')
  })

  it('serves a real ONNX model from the registry on the asynchronous path', async () => {
    const fixture = new URL('../fixtures/models/onnx-logistic.onnx', import.meta.url).pathname
    const expected = JSON.parse(
      readFileSync(new URL('../fixtures/models/onnx-logistic.expected.json', import.meta.url), 'utf8'),
    )
    const r = await loadPackWithModels(
      {
        'bulwark.yaml': `name: onnx\nentities: { user: actor.id }\nevents:\n  payment:\n    fields: { amount: double, velocity_1h: double, email_score: double }\n`,
        'models/risk/model.yaml': `registry: risk\ninputs:\n  amount: event.amount\n  velocity_1h: event.velocity_1h\n  email_score: event.email_score\n`,
        'rules/r.yaml': `rules:\n  - id: risky\n    when: models.risk.score > 0.28\n    then: { outcome: review }\n`,
      },
      { registry: { served: () => ({ champion: { path: fixture, version: 'onnx-v1', format: 'onnx' } }) } },
    )
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    const engine = memoryEngine(r.pack, clock)
    expect(engine.synchronous).toBe(false)
    for (const [i, row] of (expected.rows as Record<string, number>[]).slice(0, 2).entries()) {
      const { decision } = await engine.decide({ type: 'payment', id: `o${i}`, actor: { id: 'u' }, ...row })
      const want = expected.predictions[i][0] as number
      expect(decision.models![0]!.version).toBe('onnx-v1')
      expect(Math.abs(decision.models![0]!.score! - want)).toBeLessThan(1e-6)
      expect(decision.outcome).toBe(want > 0.28 ? 'review' : 'allow')
    }
    await Promise.all([...r.pack.modelStage!.byType.values()].flat().map((m) => m.champion.model.close()))
  })

  it('does not score an enforce model that no rule reads', async () => {
    const r = await loadPackWithModels(
      {
        'bulwark.yaml': MANIFEST,
        'models/fraud/model.yaml': `file: model.json\non: payment\ninputs: { amount: event.amount }\n`,
        'models/fraud/model.json': JSON.stringify({ weights: { amount: 1 } }),
      },
      { loadFile: loadLinear },
    )
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    const { decision } = await memoryEngine(r.pack, clock).decide(pay('n1', 1, 1))
    expect(decision.models).toBeUndefined()
  })
})
