/**
 * A two-day world is valid traffic for the starter pack: every event is accepted by the replay
 * engine (0 rejected), uses only the pack's event types (all 17 appear) and declared fields, has
 * a unique id and an RFC 3339 time in order; labels line up 1:1 with events in the format
 * src/eval/labels.ts reads; every area has malicious events with damage.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { replay } from '../../src/engine/replay.ts'
import { AREAS, parseLabels } from '../../src/eval/labels.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { cleanup, simulated } from './simulated.ts'

afterAll(cleanup)

const loaded = loadPack(readPackDir('policies/starter'))
if (!loaded.ok) throw new Error('the starter pack does not load')
const pack = loaded.pack

describe('a simulated world against the starter pack', () => {
  const w = simulated({ seed: 5, days: 2, users: 400 })

  it('every event is accepted, with no undeclared field dropped', async () => {
    let ignored = 0
    const summary = await replay(pack, w.eventsText, {
      onDecision: (d) => {
        ignored += d.ignoredFields.length
      },
    })
    expect(summary.problems).toEqual([])
    expect(summary.rejected).toBe(0)
    expect(summary.duplicates).toBe(0)
    expect(summary.decided).toBe(w.events.length)
    expect(ignored).toBe(0)
  }, 60_000)

  it('uses all 17 event types of the pack and nothing else', () => {
    const types = new Set(w.events.map((e) => e.type))
    expect([...types].sort()).toEqual([...pack.eventTypes.keys()].sort())
    expect(types.size).toBe(17)
  })

  it('has unique opaque ids and RFC 3339 times in order', () => {
    expect(new Set(w.events.map((e) => e.id)).size).toBe(w.events.length)
    const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
    const bad = w.events.filter((e, i) => !rfc3339.test(e.time) || (i > 0 && e.time < w.events[i - 1]!.time))
    expect(bad).toEqual([])
  })

  it('has one label per event, same order, parsed cleanly by src/eval/labels.ts', () => {
    expect(w.labels.map((l) => l.event_id)).toEqual(w.events.map((e) => e.id))
    const parsed = parseLabels(w.labelsText)
    expect(parsed.problems).toEqual([])
    expect(parsed.byEvent.size).toBe(w.events.length)
    for (const l of w.labels) {
      if (!l.malicious) expect(Object.keys(l)).toEqual(['event_id', 'malicious'])
      else {
        expect(AREAS).toContain(l.area)
        expect(typeof l.campaign).toBe('string')
        expect(l.damage).toBeGreaterThanOrEqual(0)
      }
    }
  })

  it('every area has malicious events that do damage, and the manifest counts them', () => {
    for (const area of AREAS) {
      const mine = w.labels.filter((l) => l.malicious && l.area === area)
      expect(mine.length, area).toBeGreaterThan(0)
      const damage = mine.reduce((s, l) => s + l.damage!, 0)
      expect(damage, area).toBeGreaterThan(0)
      expect(w.manifest.areas[area]!.events).toBe(mine.length)
      expect(w.manifest.areas[area]!.campaigns.length).toBeGreaterThan(0)
    }
    // Every campaign id belongs to exactly one area, the one the manifest gives it.
    for (const l of w.labels)
      if (l.malicious) expect(w.manifest.campaigns[l.campaign!]?.area, l.campaign).toBe(l.area)
    const malicious = w.labels.filter((l) => l.malicious).length
    expect(w.manifest.malicious.events).toBe(malicious)
    expect(w.manifest.benign.events).toBe(w.events.length - malicious)
    expect(w.manifest.events).toBe(w.events.length)
  })
})
