/**
 * Pack swaps release the replaced pack's model sessions (ModelStage.retire, hooked in
 * Engine.usePack): a real ONNX session is disposed after the swap, never while a decision that
 * began on the old pack is still awaiting its inference, and a model object both packs own stays
 * open; a registry change swaps and releases the same way; a decision that reaches scoring only
 * after its pack's release (possible with an asynchronous feature store) gets an error, not a
 * call into the released session.
 */

import { readFileSync, rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src/engine/engine.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { LabelStore } from '../../src/features/labels.ts'
import { ListRegistry } from '../../src/features/lists.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureStore } from '../../src/features/types.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { loadPackWithModels } from '../../src/models/attach.ts'
import { loadModel } from '../../src/models/load.ts'
import type { Model } from '../../src/models/model.ts'
import { ModelOps } from '../../src/models/service.ts'
import { ModelStage } from '../../src/models/stage.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { Pseudonymiser } from '../../src/privacy/pseudonymise.ts'
import { tempDir } from '../server/harness.ts'

const clock = { now: () => Date.parse('2026-03-01T00:00:00Z') }
const FIXTURE = new URL('../fixtures/models/onnx-logistic.onnx', import.meta.url).pathname
const ROW = { amount: 120, velocity_1h: 3, email_score: 0.2 }

const FILES = {
  'bulwark.yaml': `name: onnx-swap\nentities: { user: actor.id }\nevents:\n  payment:\n    fields: { amount: double, velocity_1h: double, email_score: double }\n`,
  'models/risk/model.yaml': `registry: risk\ninputs:\n  amount: event.amount\n  velocity_1h: event.velocity_1h\n  email_score: event.email_score\n`,
  'rules/r.yaml': `rules:\n  - id: risky\n    when: models.risk.score > 0.28\n    then: { outcome: review }\n`,
}

/** A real ONNX model whose close() is counted and whose inferences can be held at a gate. */
interface Probe {
  readonly model: Model
  closes: number
  /** Inferences that reached the real session. */
  runs: number
  /** Inferences waiting at the gate. */
  held: number
  gate: Promise<void>
  open: () => void
}

async function probe(gated: boolean): Promise<Probe> {
  const real = await loadModel(FIXTURE, 'onnx')
  let open = () => {}
  const p: Probe = {
    model: real,
    closes: 0,
    runs: 0,
    held: 0,
    gate: gated ? new Promise<void>((r) => (open = r)) : Promise.resolve(),
    open: () => open(),
  }
  p.open = () => open()
  const model: Model = {
    ...real,
    predictAsync: async (row, text, out) => {
      p.held++
      await p.gate
      p.held--
      p.runs++
      await real.predictAsync(row, text, out)
    },
    close: async () => {
      p.closes++
      await real.close()
    },
  }
  return Object.assign(p, { model })
}

async function packWith(p: Probe): Promise<Pack> {
  const r = await loadPackWithModels(FILES, {
    registry: { served: () => ({ champion: { path: FIXTURE, version: 'v1', format: 'onnx' } }) },
    loadFile: async () => p.model,
  })
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
  return r.pack
}

const pay = (id: string) => ({ type: 'payment', id, actor: { id: 'u1' }, ...ROW })

/** Lets pending promise callbacks (and native completions) run. */
const settle = () => new Promise((r) => setTimeout(r, 5))

describe('releasing model sessions on a pack swap', () => {
  it("closes the old pack's ONNX session after the swap; the new pack scores", async () => {
    const first = await probe(false)
    const second = await probe(false)
    const old = await packWith(first)
    const engine = memoryEngine(old, clock)
    const before = (await engine.decide(pay('e1'))).decision.models![0]!.score!
    expect(before).toBeGreaterThan(0)

    engine.usePack(await packWith(second))
    // Nothing was scoring: the swap itself started the release.
    expect(first.closes).toBe(1)
    await old.modelStage!.retire() // the engine's retirement, already under way: wait for it
    expect(old.modelStage!.isReleased).toBe(true)
    // The old session is really gone: onnxruntime refuses to run it.
    await expect(
      first.model.predictAsync(new Float64Array(3), undefined, new Float64Array(1)),
    ).rejects.toThrow(/disposed/)
    // The new pack's session is untouched and scores the same row the same way.
    const after = (await engine.decide(pay('e2'))).decision.models![0]!
    expect(after.score).toBeCloseTo(before, 6)
    expect(after.error).toBeUndefined()
    expect(second.closes).toBe(0)
    await engine.pack.modelStage!.retire()
    expect(second.closes).toBe(1)
  })

  it('lets an inference in flight on the old pack finish before the session is released', async () => {
    const first = await probe(true)
    const second = await probe(false)
    const old = await packWith(first)
    const engine = memoryEngine(old, clock)
    const pending = engine.decide(pay('slow'))
    await settle()
    expect(first.held).toBe(1)
    expect(old.modelStage!.scoringInFlight).toBe(1)

    engine.usePack(await packWith(second))
    await settle()
    // Swapped, but the old session still serves the decision awaiting it.
    expect(engine.pack.modelStage).not.toBe(old.modelStage)
    expect(first.closes).toBe(0)
    expect(old.modelStage!.isReleased).toBe(false)
    // Decisions started now use the new pack.
    expect((await engine.decide(pay('new'))).decision.models![0]!.error).toBeUndefined()
    expect(second.runs).toBe(1)

    first.open()
    const { decision } = await pending
    // The held inference ran on the real old session, after the swap, and succeeded.
    expect(first.runs).toBe(1)
    expect(decision.models![0]!.error).toBeUndefined()
    expect(decision.models![0]!.score).toBeGreaterThan(0)
    // Drained: the release the swap scheduled has run.
    expect(first.closes).toBe(1)
    await old.modelStage!.retire()
    expect(old.modelStage!.scoringInFlight).toBe(0)
    await engine.pack.modelStage!.retire()
  })

  it('never closes a model object the new stage also owns, and retires once', async () => {
    const closed: string[] = []
    const fake = (name: string): Model => ({
      format: 'logreg',
      inputs: ['x'],
      textInput: false,
      outputSize: 1,
      predictAsync: async () => {},
      close: async () => {
        closed.push(name)
      },
    })
    const shared = fake('shared')
    const mine = fake('old-only')
    const oldStage = new ModelStage(new Map(), [], undefined, new Map(), [shared, mine])
    const newStage = new ModelStage(new Map(), [], undefined, new Map(), [shared, fake('new-only')])
    const a = oldStage.retire(newStage)
    const b = oldStage.retire(newStage)
    expect(b).toBe(a)
    await a
    expect(closed).toEqual(['old-only'])
  })

  it('does not retire a stage the new pack keeps serving', async () => {
    const p = await probe(false)
    const pack = await packWith(p)
    const engine = memoryEngine(pack, clock)
    // A pack that differs only outside its models (same stage object) leaves the sessions open.
    engine.usePack({ ...pack, version: 'other' })
    await settle()
    expect(p.closes).toBe(0)
    expect((await engine.decide(pay('same'))).decision.models![0]!.error).toBeUndefined()
    await pack.modelStage!.retire()
    expect(p.closes).toBe(1)
  })

  it("a registry change swaps the pack and releases the replaced pack's ONNX session", async () => {
    const dir = tempDir('bulwark-swap-')
    const ops = new ModelOps(dir, clock.now)
    afterAll(() => {
      ops.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const onnx = readFileSync(FIXTURE)
    await ops.register({ name: 'risk', content: onnx, format: 'onnx', role: 'champion', actor: 't' })
    const r = await loadPackWithModels(FILES, ops.attachOptions())
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    const engine = memoryEngine(r.pack, clock)
    ops.serve({ pack: () => engine.pack, use: (p) => engine.usePack(p) })
    const oldStage = r.pack.modelStage!
    const oldSession = oldStage.owned[0]!
    const before = (await engine.decide(pay('r1'))).decision.models![0]!

    // A logistic regression challenger over the same inputs: the pack is reloaded and swapped.
    const challenger = JSON.stringify({
      format: 'bulwark-logreg',
      version: 1,
      bias: 0,
      features: ['amount', 'velocity_1h', 'email_score'].map((name) => ({ name, weight: 0.001 })),
    })
    await ops.register({ name: 'risk', content: Buffer.from(challenger), role: 'challenger', actor: 't' })
    expect(engine.pack.modelStage).not.toBe(oldStage)
    // Released by the swap itself (nothing was scoring); waiting only lets the release finish.
    expect(oldStage.isReleased).toBe(true)
    await oldStage.retire()
    await expect(
      oldSession.predictAsync(new Float64Array(3), undefined, new Float64Array(1)),
    ).rejects.toThrow(/disposed/)
    // The new pack loaded its own session of the same champion, and scores with it.
    const after = (await engine.decide(pay('r2'))).decision.models![0]!
    expect(after.error).toBeUndefined()
    expect(after.score).toBeCloseTo(before.score!, 6)
    expect(after.challenger?.score).toBeTypeOf('number')
    await engine.pack.modelStage!.retire()
  })

  it('scores a decision that began on a released pack as an error, never on the released session', async () => {
    // An asynchronous feature store (a remote one, say) lets a swap fall between a decision's
    // start and its scoring; with the in-process store the two are one synchronous run.
    const first = await probe(false)
    const old = await packWith(first)
    const memory = new MemoryFeatureStore()
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    const features: FeatureStore = {
      apply: async (batch) => {
        await held
        return memory.apply(batch)
      },
      replay: (u, s) => memory.replay(u, s),
      size: () => memory.size(),
      expire: (now) => memory.expire(now),
      close: () => memory.close(),
    }
    const engine = new Engine({
      pack: old,
      features,
      labels: new LabelStore(),
      lists: new ListRegistry(),
      pseudonymiser: new Pseudonymiser('k'.repeat(32)),
      clock,
    })
    const pending = engine.decide(pay('late'))
    engine.usePack(await packWith(await probe(false)))
    expect(first.closes).toBe(1)
    release()
    const { decision } = await pending
    expect(decision.policyVersion).toBe(old.version)
    expect(decision.models![0]!.error).toMatch(/released: its pack was replaced/)
    expect(decision.models![0]!.score).toBeNull()
    expect(first.runs).toBe(0)
    await engine.pack.modelStage!.retire()
  })
})
