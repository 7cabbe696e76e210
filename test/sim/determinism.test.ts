/**
 * Reproducibility: the same seed and parameters give byte-identical events, labels and
 * manifest; another seed gives another world; `events` stops at exactly that many events.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, simulated } from './simulated.ts'

afterAll(cleanup)

describe('simulate determinism', () => {
  const a = simulated({ seed: 11 })
  const b = simulated({ seed: 11 })
  const c = simulated({ seed: 12 })

  it('the same seed gives byte-identical files', () => {
    expect(a.eventsText.length).toBeGreaterThan(10_000)
    expect(b.eventsText).toBe(a.eventsText)
    expect(b.labelsText).toBe(a.labelsText)
    expect(b.manifestText).toBe(a.manifestText)
  })

  it('another seed gives different traffic and different ids', () => {
    expect(c.eventsText).not.toBe(a.eventsText)
    expect(c.events[0]!.id).not.toBe(a.events[0]!.id)
    const actorsA = new Set(a.events.map((e) => e.actor.id))
    expect(c.events.filter((e) => actorsA.has(e.actor.id)).length).toBeLessThan(c.events.length / 100)
  })

  it('--events N writes exactly N events and labels, a prefix of the longer run', () => {
    const d = simulated({ seed: 11, days: undefined, events: 500 })
    expect(d.events).toHaveLength(500)
    expect(d.labels).toHaveLength(500)
    expect(d.manifest.events).toBe(500)
    expect(d.eventsText.split('\n')[499]).toBe(a.eventsText.split('\n')[499])
  })
})
