/**
 * The backtest worker (src/service/backtest-worker.ts) releases the models of the packs it loaded
 * before it answers — the parent terminates the thread on the answer, and a terminated thread does
 * not release native ONNX sessions. Real backtests through the service's entry point (runBacktest)
 * on a real node's stored events, with packs that carry a real ONNX model (an ASCII one, which a
 * pack can hold: test/models/text-onnx.ts), observed through the count every answer reports:
 * - a backtest that runs releases both packs' models before its report;
 * - a baseline that does not load (a `registry:` model: the worker has no registry) is refused,
 *   and the candidate's models, already loaded, are released before the refusal goes out.
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { type BacktestRequest, runBacktest, type ServerBacktestReport } from '../../src/service/backtest.ts'
import { BulwarkNode } from '../../src/service/node.ts'
import { textOnnxSource } from '../models/text-onnx.ts'
import { tempDir } from '../server/harness.ts'

const ONNX_FIXTURE = new URL('../fixtures/models/onnx-logistic.onnx', import.meta.url).pathname

/** A pack that embeds an ONNX model (loaded, not read by a rule) and reviews large payments. */
const SERVING: Record<string, string> = {
  'bulwark.yaml': `name: backtest-release\nentities: { user: actor.id }\nevents:\n  payment:\n    fields: { amount: double, velocity: double }\n`,
  'models/staged/model.yaml': `file: model.onnx\nformat: onnx\ninputs:\n  a: event.amount / 100.0\n  b: event.velocity\n`,
  'models/staged/model.onnx': textOnnxSource(),
  'rules/r.yaml': `rules:\n  - id: large\n    when: event.amount > 100.0\n    then: { outcome: review }\n`,
}
/** The candidate reviews from 50. */
const CANDIDATE = {
  ...SERVING,
  'rules/r.yaml': SERVING['rules/r.yaml']!.replace('> 100.0', '> 50.0'),
}
/** A pack whose model is the registry's champion of `risk`. */
const REGISTRY_PACK = {
  ...SERVING,
  'models/staged/model.yaml': `registry: risk\ninputs:\n  amount: event.amount\n  velocity_1h: event.velocity\n  email_score: '0.0'\n`,
}
delete (REGISTRY_PACK as Record<string, string>)['models/staged/model.onnx']

const dataDir = tempDir('bulwark-bt-release-')
let node: BulwarkNode

function writePack(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

interface Outcome {
  readonly report?: ServerBacktestReport
  readonly error?: { readonly code?: string; readonly details?: unknown }
  /** What the worker said it released, per answer the service received. */
  readonly released: number[]
}

/** Runs a backtest of CANDIDATE over every stored event; resolves with the outcome and the count. */
async function backtestOf(baseline?: string): Promise<Outcome> {
  const released: number[] = []
  const req: BacktestRequest = {
    candidate: { files: CANDIDATE },
    ...(baseline ? { baseline } : {}),
    from: 0,
    to: 8.64e15,
    limit: 1000,
    examples: 0,
  }
  const ctx = {
    repository: node.repository,
    serving: node.engine.pack,
    onModelsReleased: (n: number) => released.push(n),
  }
  const outcome = await runBacktest(ctx, req).then(
    (report) => ({ report }),
    (error: unknown) => ({ error: error as Outcome['error'] }),
  )
  return { ...outcome, released }
}

beforeAll(async () => {
  const policyDir = writePack(join(dataDir, 'pack'), SERVING)
  // The pack read back from disk holds the model byte for byte: it is valid UTF-8.
  expect(readPackDir(policyDir)['models/staged/model.onnx']).toBe(SERVING['models/staged/model.onnx'])
  node = await BulwarkNode.open({
    dataDir: join(dataDir, 'data'),
    policyDir,
    piiKey: 'backtest-release-pii-key-0123',
    snapshotEveryMs: 3_600_000,
  })
  // The serving pack loaded the embedded model as a real ONNX session.
  expect(node.engine.pack.modelStage?.owned.map((m) => m.format)).toEqual(['onnx'])
  const amounts = [20, 75, 150]
  for (const [i, amount] of amounts.entries())
    await node.decide({ type: 'payment', id: `p${i}`, actor: { id: `u${i}` }, amount, velocity: 1 })
})

afterAll(async () => {
  await node?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the backtest worker releases the models it loaded before it answers', () => {
  it('after a backtest that ran: both packs’ ONNX models, before the report', async () => {
    const { report, error, released } = await backtestOf()
    expect(error).toBeUndefined()
    // The backtest really ran over the stored events: one payment (75) flips to review.
    expect(report!.lines).toBe(3)
    expect(report!.decisions.compared).toBe(3)
    expect(report!.decisions.changed).toBe(1)
    // One model in each pack, both released by the worker before it posted the report.
    expect(released).toEqual([2])
  })

  it('after refusing a baseline that does not load: the candidate’s, before the refusal', async () => {
    // A stored version whose model comes from the registry, which the worker does not have.
    await node.models.register({
      name: 'risk',
      content: readFileSync(ONNX_FIXTURE),
      format: 'onnx',
      role: 'champion',
      actor: 'test',
    })
    const registryVersion = (await node.updatePolicy(REGISTRY_PACK, 'test')).version
    await node.updatePolicy(SERVING, 'test')

    const { report, error, released } = await backtestOf(registryVersion)
    expect(report).toBeUndefined()
    expect(error).toMatchObject({ code: 'BACKTEST_POLICY_REJECTED' })
    expect(JSON.stringify(error!.details)).toMatch(/registry, which is not available here/)
    // The candidate loaded (its ONNX model with it) before the baseline failed: released first.
    expect(released).toEqual([1])
  })
})
