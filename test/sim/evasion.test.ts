/**
 * Evasion changes what the attackers send: at 0 campaigns announce themselves (hosting
 * addresses, script user agents, zero dwell, one device doing everything); at 1 the same
 * campaigns come from residential addresses with real user agents, human dwell and many devices.
 */

import { readFileSync } from 'node:fs'
import { isbot } from 'isbot'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, type Simulated, simulated } from './simulated.ts'

afterAll(cleanup)

/** The starter pack's datacenter sample (IPv4 lines), as [base, mask] pairs. */
const ranges = readFileSync('policies/starter/lists/datacenter.txt', 'utf8')
  .split('\n')
  .filter((l) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(l.trim()))
  .map((l) => {
    const [a, bits] = l.trim().split('/')
    const mask = bits === '0' ? 0 : (~0 << (32 - Number(bits))) >>> 0
    return [toInt(a!) & mask, mask] as const
  })
function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0)
}
const hosted = (ip: string) =>
  !ip.includes(':') && ranges.some(([base, mask]) => (toInt(ip) & mask) >>> 0 === base)

function stats(w: Simulated) {
  const bad = new Set(w.labels.filter((l) => l.malicious).map((l) => l.event_id))
  const mal = w.events.filter((e) => bad.has(e.id))
  const scraping = new Set(w.labels.filter((l) => l.area === 'scraping').map((l) => l.event_id))
  const pages = mal.filter((e) => scraping.has(e.id))
  return {
    obvious: mal.filter((e) => hosted(e.ip) || isbot(e.user_agent)).length / mal.length,
    zeroDwell: pages.filter((e) => e.watch_ms === 0).length / pages.length,
    devicesPerPage: new Set(pages.map((e) => e.device.id)).size / pages.length,
    malicious: mal.length,
  }
}

describe('evasion', () => {
  const low = stats(simulated({ seed: 9, users: 300, evasion: 0 }))
  const high = stats(simulated({ seed: 9, users: 300, evasion: 1 }))

  it('moves campaigns off hosting addresses and script user agents', () => {
    expect(low.malicious).toBeGreaterThan(100)
    expect(high.malicious).toBeGreaterThan(100)
    expect(low.obvious).toBeGreaterThan(0.5)
    expect(high.obvious).toBeLessThan(low.obvious / 2)
  })

  it('makes scrapers render and rotate clients', () => {
    expect(low.zeroDwell).toBeGreaterThan(0.9)
    expect(high.zeroDwell).toBeLessThan(0.2)
    expect(high.devicesPerPage).toBeGreaterThan(5 * low.devicesPerPage)
  })
})
