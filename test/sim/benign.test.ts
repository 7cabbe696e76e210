/**
 * The benign population looks like real traffic: many unrelated users behind one address
 * (carrier NAT, offices), phones changing address between sessions, mobile and desktop clients,
 * heavy-tailed activity, a diurnal cycle, and genuine viral spikes (many established accounts
 * viewing and following one ordinary post within the hour). Without campaigns nothing is malicious.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, simulated } from './simulated.ts'

afterAll(cleanup)

const HOUR = 3_600_000

describe('the benign population', () => {
  const w = simulated({ seed: 21, days: 1, users: 1000, intensity: 0 })
  const time = (e: Record<string, any>) => Date.parse(e.time)

  it('without campaigns, every event is benign', () => {
    expect(w.labels.every((l) => !l.malicious)).toBe(true)
    expect(Object.keys(w.manifest.campaigns)).toEqual([])
  })

  it('shares addresses: many benign accounts behind one IP', () => {
    const actorsByIp = new Map<string, Set<string>>()
    for (const e of w.events) {
      const s = actorsByIp.get(e.ip) ?? new Set<string>()
      actorsByIp.set(e.ip, s.add(e.actor.id))
    }
    const sizes = [...actorsByIp.values()].map((s) => s.size).sort((a, b) => b - a)
    expect(sizes[0]).toBeGreaterThanOrEqual(12)
    expect(sizes.filter((n) => n >= 5).length).toBeGreaterThanOrEqual(10)
  })

  it('has phones that change address, several platforms and heavy-tailed activity', () => {
    const ipsByDevice = new Map<string, Set<string>>()
    const perActor = new Map<string, number>()
    const platforms = new Set<string>()
    for (const e of w.events) {
      platforms.add(e.device.platform)
      perActor.set(e.actor.id, (perActor.get(e.actor.id) ?? 0) + 1)
      const s = ipsByDevice.get(e.device.id) ?? new Set<string>()
      ipsByDevice.set(e.device.id, s.add(e.ip))
    }
    expect([...platforms].sort()).toEqual(['android', 'desktop', 'ios', 'web'])
    expect([...ipsByDevice.values()].filter((s) => s.size >= 3).length).toBeGreaterThan(20)
    const counts = [...perActor.values()].sort((a, b) => a - b)
    const median = counts[Math.floor(counts.length / 2)]!
    expect(counts.at(-1)!).toBeGreaterThan(10 * median)
  })

  it('follows a diurnal cycle', () => {
    const byHour = new Array(24).fill(0)
    for (const e of w.events) byHour[new Date(e.time).getUTCHours()]++
    expect(Math.max(...byHour)).toBeGreaterThan(1.5 * Math.min(...byHour))
  })

  it('has genuine viral spikes: one ordinary post viewed and followed fast by many accounts', () => {
    const spike = w.manifest.benign.viral[0]!
    expect(spike).toBeDefined()
    const t0 = Date.parse(spike.start)
    const views = w.events.filter((e) => e.type === 'view' && e.content.id === spike.content)
    const during = views.filter((e) => time(e) >= t0 && time(e) < t0 + 2 * HOUR)
    const before = views.filter((e) => time(e) >= t0 - 2 * HOUR && time(e) < t0)
    expect(new Set(during.map((e) => e.actor.id)).size).toBeGreaterThanOrEqual(40)
    expect(during.length).toBeGreaterThan(5 * Math.max(1, before.length))
    const follows = w.events.filter(
      (e) => e.type === 'follow' && e.target.id === spike.author && time(e) >= t0 && time(e) < t0 + 2 * HOUR,
    )
    expect(follows.length).toBeGreaterThanOrEqual(3)
    expect(follows.every((e) => t0 - Date.parse(e.actor.created_at) > 2 * 86_400_000)).toBe(true)
  })
})
