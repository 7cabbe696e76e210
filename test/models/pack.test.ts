/**
 * Models declared in a pack (models/NAME/model.yaml): rules read models.NAME.score with full
 * type-checking (an unknown model name is a checker error with a suggestion); a model.yaml with a
 * bad input expression, a model file that is missing or does not load, or inputs that do not
 * cover the model's inputs fail the whole load with a file:line:col diagnostic; a real XGBoost
 * JSON model loads and scores through the pack.
 */

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { loadPackWithModels } from '../../src/models/attach.ts'
import { loadPack } from '../../src/policy/load.ts'
import { loadLinear } from './linear-model.ts'

const MANIFEST = `name: model-tests
entities: { user: actor.id }
events:
  payment:
    fields:
      amount: double
      country: int
      note: string
`

const base = (model: string, rules = '', extra: Record<string, string> = {}) => ({
  'bulwark.yaml': MANIFEST,
  'features/pay.yaml': `features:
  payments_1h:
    count: { on: payment, by: actor.id, window: 1h }
`,
  'models/fraud/model.yaml': model,
  'models/fraud/model.json': JSON.stringify({ weights: { amount: 0.01, velocity: 0.5 } }),
  ...(rules ? { 'rules/r.yaml': rules } : {}),
  ...extra,
})

const GOOD = `file: model.json
inputs:
  amount: event.amount
  velocity: features.payments_1h
`

async function problems(files: Record<string, string>): Promise<string> {
  const r = await loadPackWithModels(files, { loadFile: loadLinear })
  if (r.ok) return ''
  return formatDiagnostics(r.diagnostics)
}

describe('models in a pack', () => {
  it('loads a model and lets rules read models.NAME.score', async () => {
    const r = await loadPackWithModels(
      base(GOOD, `rules:\n  - id: risky\n    when: models.fraud.score > 0.9\n    then: { outcome: block }\n`),
      { loadFile: loadLinear },
    )
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.pack.models?.map((m) => m.name)).toEqual(['fraud'])
    expect(r.pack.modelStage?.byType.get('payment')?.map((m) => m.decl.name)).toEqual(['fraud'])
  })

  it('reports an unknown model name in a rule with a suggestion', () => {
    const r = loadPack(
      base(GOOD, `rules:\n  - id: risky\n    when: models.fruad.score > 0.9\n    then: { outcome: block }\n`),
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    const text = formatDiagnostics(r.diagnostics)
    expect(text).toMatch(/rules\/r\.yaml:3:\d+: CEL_UNKNOWN_FIELD .*'fruad'.*did you mean 'fraud'/)
  })

  it('type-checks scores: a string comparison with a score is an error', () => {
    const r = loadPack(
      base(
        GOOD,
        `rules:\n  - id: risky\n    when: models.fraud.score == "high"\n    then: { outcome: block }\n`,
      ),
    )
    expect(r.ok).toBe(false)
  })

  it('places a bad input expression at its line and column', async () => {
    const text = await problems(
      base(`file: model.json\ninputs:\n  amount: event.amout\n  velocity: features.payments_1h\n`),
    )
    expect(text).toMatch(/models\/fraud\/model\.yaml:3:\d+: CEL_UNKNOWN_FIELD .*amout.*did you mean 'amount'/)
  })

  it('refuses a string-typed input', async () => {
    const text = await problems(
      base(`file: model.json\ninputs:\n  amount: event.note\n  velocity: features.payments_1h\n`),
    )
    expect(text).toMatch(
      /models\/fraud\/model\.yaml:3:\d+: POLICY_INVALID model input 'amount' must be int, double or bool/,
    )
  })

  it('fails the load when the model file is missing from the pack', async () => {
    const files = base(
      `file: nothere.json\ninputs:\n  amount: event.amount\n  velocity: features.payments_1h\n`,
    )
    const text = await problems(files)
    expect(text).toMatch(
      /models\/fraud\/model\.yaml:1:7: POLICY_INVALID model file 'models\/fraud\/nothere\.json' is not in the pack/,
    )
  })

  it('fails the load when the model file does not load', async () => {
    const files = { ...base(GOOD), 'models/fraud/model.json': '{"nothing": 1}' }
    expect(await problems(files)).toMatch(
      /model\.yaml:1:7: POLICY_INVALID model file 'models\/fraud\/model\.json' does not load: not a test model/,
    )
  })

  it('fails the load when the inputs do not cover the model, or name inputs it lacks', async () => {
    const text = await problems(
      base(`file: model.json\ninputs:\n  amount: event.amount\n  speed: features.payments_1h\n`),
    )
    expect(text).toMatch(
      /model\.yaml:4:10: POLICY_INVALID 'speed' is not an input of the model \(its inputs: amount, velocity\)/,
    )
    expect(text).toMatch(
      /model\.yaml:3:3: POLICY_INVALID the model's inputs 'velocity' have no expression under inputs/,
    )
  })

  it('refuses a file outside the pack and an unknown key with a schema diagnostic', async () => {
    expect(await problems(base(`file: ../../../x.json\ninputs: { amount: event.amount }\n`))).toMatch(
      /model\.yaml:1:7: POLICY_INVALID model file '\.\.\/\.\.\/\.\.\/x\.json' must be a file inside the pack/,
    )
    expect(await problems(base(`${GOOD}mdoe: shadow\n`))).toMatch(
      /model\.yaml:5:1: POLICY_SCHEMA .*unknown key 'mdoe'.*did you mean 'mode'/,
    )
  })

  it('does not cascade a broken model.yaml into errors in the rules that read the model', async () => {
    const text = await problems(
      base(
        `${GOOD}mode: sometimes\n`,
        `rules:\n  - id: risky\n    when: models.fraud.score > 0.9\n    then: { outcome: block }\n`,
      ),
    )
    expect(text).toMatch(/model\.yaml:5:7: POLICY_SCHEMA mode: must be one of enforce, shadow/)
    expect(text).not.toMatch(/rules\/r\.yaml/)
  })

  it('loads a real XGBoost JSON model with the default loader and scores it as the library does', async () => {
    const xgb = readFileSync(new URL('../fixtures/models/xgb-binary.json', import.meta.url), 'utf8')
    const expected = JSON.parse(
      readFileSync(new URL('../fixtures/models/xgb-binary.expected.json', import.meta.url), 'utf8'),
    )
    const files = {
      'bulwark.yaml': `name: xgb
entities: { user: actor.id }
events:
  payment:
    fields: { amount: double, account_age_days: double, velocity_1h: double, email_score: double, country: double }
`,
      'models/xgb/model.yaml': `file: model.json
format: xgboost-json
mode: shadow
inputs:
  amount: event.amount
  account_age_days: event.account_age_days
  velocity_1h: event.velocity_1h
  email_score: event.email_score
  country: event.country
`,
      'models/xgb/model.json': xgb,
    }
    const r = await loadPackWithModels(files)
    expect(r.ok ? '' : formatDiagnostics(r.diagnostics)).toBe('')
    if (!r.ok) return
    const { memoryEngine } = await import('../../src/engine/pack-tests.ts')
    const engine = memoryEngine(r.pack, { now: () => Date.parse('2026-03-01T00:00:00Z') })
    const row = expected.rows[0]
    const { decision } = await engine.decide({ type: 'payment', actor: { id: 'u1' }, ...row })
    const want = expected.predictions?.[0] ?? expected.expected?.[0]
    const got = decision.models![0]!.score!
    expect(Math.abs(got - (Array.isArray(want) ? want[0] : want))).toBeLessThan(1e-6)
  })
})
