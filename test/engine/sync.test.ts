/**
 * Engine.decideSync (src/engine/engine.ts), the path offline replay takes: on an engine with
 * nothing durable and a synchronous feature store it gives the very decisions decide() gives,
 * duplicates and labels included; on any other engine it refuses, and decide() waits as before.
 */

import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import type { Decision } from '../../src/core/domain.ts'
import { BulwarkError } from '../../src/core/errors.ts'
import { Engine } from '../../src/engine/engine.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { LabelStore } from '../../src/features/labels.ts'
import { ListRegistry } from '../../src/features/lists.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureStore } from '../../src/features/types.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { Pseudonymiser } from '../../src/privacy/pseudonymise.ts'

const loaded = loadPack(readPackDir('test/fixtures/packs/mini'))
if (!loaded.ok) throw new Error('the mini pack does not load')
const pack = loaded.pack

const T0 = Date.UTC(2026, 0, 1)
const events = Array.from({ length: 60 }, (_, i) => ({
  type: 'signup',
  // Every seventh event repeats an earlier id.
  id: i % 7 === 6 ? `e${i - 3}` : `e${i}`,
  time: new Date(T0 + i * 20_000).toISOString(),
  actor: { id: `u${i % 5}` },
  device: { id: `dev${i % 3}` },
  ip: `203.0.113.${i % 4}`,
  email: `user${i % 6}@example.com`,
  extra: 'undeclared',
}))

const withoutLatency = ({ latencyMs: _, ...rest }: Decision) => rest

describe('decideSync', () => {
  it('decides exactly as decide() does, duplicates and labels included', async () => {
    const clockA = new ManualClock(T0)
    const clockB = new ManualClock(T0)
    const a = memoryEngine(pack, clockA)
    const b = memoryEngine(pack, clockB)
    expect(a.synchronous).toBe(true)
    let duplicates = 0
    let hits = 0
    for (const e of events) {
      const t = Date.parse(e.time)
      clockA.set(t)
      clockB.set(t)
      const viaPromise = await a.decide(e)
      const direct = b.decideSync(e)
      expect(direct.duplicate).toBe(viaPromise.duplicate)
      expect(withoutLatency(direct.decision)).toEqual(withoutLatency(viaPromise.decision))
      if (direct.duplicate) duplicates++
      hits += direct.decision.hits.length
    }
    expect(duplicates).toBeGreaterThan(0)
    expect(hits).toBeGreaterThan(0)
  })

  it('throws the same validation error as decide()', async () => {
    const engine = memoryEngine(pack, new ManualClock(T0))
    const bad = { type: 'signup', id: 'x', actor: {} }
    expect(() => engine.decideSync(bad)).toThrow(BulwarkError)
    await expect(engine.decide(bad)).rejects.toThrow(BulwarkError)
  })

  it('is refused by an engine whose feature store answers asynchronously', async () => {
    const inner = new MemoryFeatureStore()
    const store: FeatureStore = {
      apply: (batch) => inner.apply(batch),
      replay: (updates, specs) => inner.replay(updates, specs),
      size: () => inner.size(),
      expire: (now) => inner.expire(now),
      close: () => inner.close(),
    }
    const engine = new Engine({
      pack,
      features: store,
      labels: new LabelStore(),
      lists: new ListRegistry(),
      pseudonymiser: new Pseudonymiser('sync-test-key-0123456789'),
      clock: new ManualClock(T0),
    })
    expect(engine.synchronous).toBe(false)
    expect(() => engine.decideSync(events[0])).toThrow(/decideSync/)
    const { decision, duplicate } = await engine.decide(events[0])
    expect(duplicate).toBe(false)
    expect(decision.eventId).toBe('e0')
    expect((await engine.decide(events[0])).duplicate).toBe(true)
  })
})
