/**
 * Benign newcomers in live rooms: accounts under 3 days old join streams, chat and send small
 * gifts, and the campus orientation sends a handful of students into one stream from the campus
 * address within minutes. The behaviour draws from its own random stream, so with it switched
 * off the world is the same, event for event: the extra events are benign live-room events of
 * young accounts and nothing else moves.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, type Simulated, simulated } from './simulated.ts'

afterAll(cleanup)

const THREE_DAYS = 3 * 86_400_000
const LIVE = new Set(['live_join', 'live_comment', 'live_gift'])

/** An event without its id (event ids are numbered over the whole file, so they shift). */
const body = (e: Record<string, any>): string => JSON.stringify({ ...e, id: undefined })
const ageAt = (e: Record<string, any>): number => Date.parse(e.time) - Date.parse(e.actor.created_at)

/** The events of `on` that are not in `off`, matching `off` as a subsequence (all must match). */
function added(on: Simulated, off: Simulated): { event: Record<string, any>; malicious: boolean }[] {
  const extra: { event: Record<string, any>; malicious: boolean }[] = []
  let j = 0
  for (let i = 0; i < on.events.length; i++) {
    const e = on.events[i]!
    const label = on.labels[i]!
    const o = off.events[j]
    if (o && body(o) === body(e)) {
      expect({ ...label, event_id: '' }).toEqual({ ...off.labels[j]!, event_id: '' })
      j++
    } else extra.push({ event: e, malicious: label.malicious })
  }
  expect(j).toBe(off.events.length)
  return extra
}

describe('newcomers in live rooms', () => {
  const options = { seed: 4, users: 2000, days: 2 }
  const on = simulated(options)
  const off = simulated({ ...options, newcomersInLive: false })
  let extraOnce: ReturnType<typeof added> | undefined
  const extraEvents = () => {
    extraOnce ??= added(on, off)
    return extraOnce
  }

  it('the world without them has no benign account under 3 days old in a live room', () => {
    const young = off.events.filter(
      (e, i) => LIVE.has(e.type) && !off.labels[i]!.malicious && ageAt(e) < THREE_DAYS,
    )
    expect(young).toEqual([])
  })

  it('adds only benign joins, chat and gifts by accounts under 3 days old, and changes nothing else', () => {
    const extra = extraEvents()
    const count = (type: string) => extra.filter((x) => x.event.type === type).length
    expect(count('live_join')).toBeGreaterThanOrEqual(5)
    expect(count('live_comment')).toBeGreaterThanOrEqual(3)
    expect(count('live_gift')).toBeGreaterThanOrEqual(1)
    for (const { event, malicious } of extra) {
      expect(malicious).toBe(false)
      expect(LIVE.has(event.type)).toBe(true)
      expect(ageAt(event)).toBeGreaterThanOrEqual(0)
      expect(ageAt(event)).toBeLessThan(THREE_DAYS)
    }
    for (const { event } of extra.filter((x) => x.event.type === 'live_gift'))
      expect(event.coins).toBeLessThanOrEqual(30)
    expect(on.manifest.malicious).toEqual(off.manifest.malicious)
    expect(on.manifest.areas).toEqual(off.manifest.areas)
    expect(on.manifest.benign.users).toBe(off.manifest.benign.users)
    expect(on.manifest.benign.events - off.manifest.benign.events).toBe(extra.length)
  })

  it('chat and joins come from the newcomer’s own session, in rooms that established viewers are in', () => {
    const extra = extraEvents().map((x) => x.event)
    const sessions = new Map<string, Record<string, any>>()
    for (const e of off.events) if (e.session) sessions.set(e.session.id, e)
    const establishedRooms = new Set(off.events.filter((e) => e.type === 'live_join').map((e) => e.room.id))
    for (const e of extra) {
      const signedUp = sessions.get(e.session.id)
      expect(signedUp?.actor.id).toBe(e.actor.id)
      expect(signedUp?.device.id).toBe(e.device.id)
      expect(establishedRooms.has(e.room.id)).toBe(true)
    }
  })

  it('the campus orientation sends a handful of students into one stream from the campus address within minutes', () => {
    const extra = extraEvents().map((x) => x.event)
    const campusIps = new Set(
      on.events.filter((e) => e.type === 'signup' && /^student\./.test(e.email_domain)).map((e) => e.ip),
    )
    expect(campusIps.size).toBe(1)
    const [campus] = campusIps
    const joins = extra.filter((e) => e.type === 'live_join' && e.ip === campus)
    const byRoom = new Map<string, number[]>()
    for (const j of joins) byRoom.set(j.room.id, [...(byRoom.get(j.room.id) ?? []), Date.parse(j.time)])
    const party = [...byRoom.values()].sort((a, b) => b.length - a.length)[0] ?? []
    expect(party.length).toBeGreaterThanOrEqual(3)
    expect(party.length).toBeLessThanOrEqual(8)
    expect(Math.max(...party) - Math.min(...party)).toBeLessThan(30 * 60_000)
  })
})
