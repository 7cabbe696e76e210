/**
 * Nothing in events.jsonl gives the truth away: no campaign id, area or label word anywhere in
 * the events, and benign and malicious actors (logged-in and guests), devices and events share
 * one opaque id shape.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { AREAS } from '../../src/eval/labels.ts'
import { cleanup, simulated } from './simulated.ts'

afterAll(cleanup)

describe('ground truth stays out of the events', () => {
  const w = simulated({ seed: 3, days: 1, users: 300 })
  const malicious = new Set(w.labels.filter((l) => l.malicious).map((l) => l.event_id))

  it('no campaign id, area name or label key appears in the events', () => {
    const campaigns = Object.keys(w.manifest.campaigns)
    expect(campaigns.length).toBeGreaterThan(10)
    for (const c of campaigns) expect(w.eventsText.includes(c), c).toBe(false)
    // "spam" is also a report reason the pack declares; every other area name must be absent.
    for (const a of AREAS.filter((a) => a !== 'spam')) expect(w.eventsText.includes(`"${a}"`), a).toBe(false)
    // (`campaign` is a declared promo_redeem field: the promotion's name, never a campaign id.)
    for (const word of ['"malicious"', '"area"', '"damage"', '"truth"'])
      expect(w.eventsText.includes(word), word).toBe(false)
  })

  it('no event was pulled onto a scheduler slice boundary (a timing artefact would be a tell)', () => {
    const onBoundary = w.events.filter((e) => Date.parse(e.time) % 600_000 === 0)
    expect(onBoundary).toEqual([])
  })

  it('benign and malicious events use the same opaque id shapes', () => {
    const shapes = (pick: (e: Record<string, any>) => string | undefined, mal: boolean) =>
      new Set(
        w.events
          .filter((e) => malicious.has(e.id) === mal)
          .map(pick)
          .filter((x): x is string => x !== undefined)
          .map((id) => id.replace(/[0-9a-z]/g, 'x')),
      )
    expect(malicious.size).toBeGreaterThan(100)
    for (const pick of [(e: any) => e.id, (e: any) => e.actor.id, (e: any) => e.device?.id]) {
      const benign = shapes(pick, false)
      const bad = shapes(pick, true)
      expect([...bad].every((s) => benign.has(s))).toBe(true)
    }
  })
})

const ENVELOPE = new Set(['id', 'time', 'type', 'actor', 'device', 'ip', 'user_agent', 'session'])

describe('event shapes', () => {
  const w = simulated({ seed: 4, days: 1, users: 1500 })
  const malicious = new Set(w.labels.filter((l) => l.malicious).map((l) => l.event_id))

  // Rare benign traits (an emulator, a link in a post) need not occur in every event type of a
  // small world, so fields are compared over the whole stream, and per type for the envelope
  // (actor, device, ip, user_agent, session): no client kind gives itself away by what it sends.
  it('every field malicious events use, benign events use too', () => {
    const keys = (mal: boolean) => {
      const out = new Map<string, Set<string>>()
      for (const e of w.events) {
        if (malicious.has(e.id) !== mal) continue
        const s = out.get(e.type) ?? new Set<string>()
        for (const k of Object.keys(e)) if (ENVELOPE.has(k)) s.add(k)
        out.set(e.type, s)
        const all = out.get('*') ?? new Set<string>()
        for (const k of Object.keys(e.actor)) all.add(`actor.${k}`)
        for (const k of Object.keys(e.device ?? {})) all.add(`device.${k}`)
        for (const k of Object.keys(e)) all.add(k)
        out.set('*', all)
      }
      return out
    }
    const benign = keys(false)
    const missing: string[] = []
    for (const [type, ks] of keys(true))
      for (const k of ks) if (!benign.get(type)?.has(k)) missing.push(`${type}: ${k}`)
    expect(missing).toEqual([])
  })
})
