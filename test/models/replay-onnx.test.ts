/**
 * Offline replay (and so `bulwark replay`, `eval`, `backtest` and the server's backtests) of a
 * pack whose rule reads an ONNX model: ONNX scores only asynchronously, so the replay must await
 * each decision rather than take the synchronous path — every event decided, in event-time order,
 * with the model's score, and the packs' models released afterwards by whoever loaded them.
 */

import { afterAll, describe, expect, it } from 'vitest'
import type { Decision } from '../../src/core/domain.ts'
import { replay } from '../../src/engine/replay.ts'
import { loadPackWithModels } from '../../src/models/attach.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { textOnnxSource } from './text-onnx.ts'

/** score = sigmoid(amount / 100 + velocity): above 0.9 once amount / 100 + velocity > 2.2. */
const FILES: Record<string, string> = {
  'bulwark.yaml': `name: replay-onnx\nentities: { user: actor.id }\nevents:\n  payment:\n    fields: { amount: double, velocity: double }\n`,
  'models/risk/model.yaml': `file: model.onnx\nformat: onnx\ninputs:\n  a: event.amount / 100.0\n  b: event.velocity\n`,
  'models/risk/model.onnx': textOnnxSource(),
  'rules/r.yaml': `rules:\n  - id: risky\n    when: models.risk.score > 0.9\n    then: { outcome: review }\n`,
}

const event = (i: number, amount: number, velocity: number) =>
  JSON.stringify({
    type: 'payment',
    id: `p${i}`,
    time: new Date(Date.UTC(2026, 2, 1, 0, 0, i)).toISOString(),
    actor: { id: `u${i % 2}` },
    amount,
    velocity,
  })

describe('replay with an ONNX model', () => {
  let pack: Pack
  afterAll(async () => {
    await pack?.modelStage?.retire()
  })

  it('decides every event, awaiting the model, in event-time order', async () => {
    const r = await loadPackWithModels(FILES)
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics))
    pack = r.pack
    expect(pack.modelStage?.async).toBe(true)
    // Out of order in the file: the replay sorts by time.
    const lines = [event(3, 300, 1), event(1, 100, 0.5), event(2, 50, 2), event(4, 10, 0)]
    const decisions: Decision[] = []
    const summary = await replay(pack, `${lines.join('\n')}\n`, { onDecision: (d) => decisions.push(d) })
    expect(summary.problems).toEqual([])
    expect(summary.decided).toBe(4)
    expect(decisions.map((d) => d.eventId)).toEqual(['p1', 'p2', 'p3', 'p4'])
    // a + b = 1.5 (0.82), 2.5 (0.92), 4 (0.98), 0.1 (0.52)
    expect(decisions.map((d) => d.outcome)).toEqual(['allow', 'review', 'review', 'allow'])
    const score = (d: Decision) => d.models?.find((m) => m.model === 'risk')?.score
    expect(score(decisions[1]!)).toBeCloseTo(1 / (1 + Math.exp(-2.5)), 5)
    expect(decisions[1]!.models?.[0]?.inputs).toEqual({ a: 0.5, b: 2 })
  })
})
