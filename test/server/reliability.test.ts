/**
 * Reliability under load, against real servers:
 * - kill -9 in the middle of traffic, then restart: every decision answered 200 is in the store,
 *   and the counters those decisions saw are restored (the next event sees one more);
 * - a broken pack uploaded while traffic flows is refused with diagnostics, a good one swaps in,
 *   and not one request fails in the meantime.
 */

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { childServer, client, inProcess, MINI_PACK, signup, tempDir } from './harness.ts'

const DEVICES = 20
const WORKERS = 16

describe('kill -9 under load', () => {
  it('keeps every acknowledged decision and the counters it saw', async () => {
    const dataDir = tempDir()
    const first = await childServer(dataDir)
    const api = client(first.url)
    const acknowledged: { id: string; device: string; count: number }[] = []
    let stop = false
    let sent = 0
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const device = `dev-${(w * 7 + i) % DEVICES}`
        const id = `k9-${w}-${i}`
        sent++
        try {
          const r = await api.call(
            'POST',
            '/v1/decide',
            signup({ id, device: { id: device }, actor: { id: `user-${w}-${i}` } }),
          )
          if (r.status === 200)
            acknowledged.push({ id, device, count: r.body.features.signups_per_device_1h })
        } catch {
          return // the server is gone
        }
      }
    }
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w))
    while (acknowledged.length < 400) await new Promise((r) => setTimeout(r, 10))
    await first.kill('SIGKILL')
    stop = true
    await Promise.all(workers)
    expect(acknowledged.length).toBeGreaterThanOrEqual(400)

    const second = await childServer(dataDir)
    try {
      const again = client(second.url)
      for (const a of acknowledged) {
        const r = await again.call('GET', `/v1/decisions/${a.id}`)
        expect(r.status, a.id).toBe(200)
        expect(r.body.features.signups_per_device_1h).toBe(a.count)
      }
      // Each device's counter is at least what its last acknowledged decision saw.
      for (let d = 0; d < DEVICES; d++) {
        const device = `dev-${d}`
        const seen = acknowledged.filter((a) => a.device === device).map((a) => a.count)
        if (seen.length === 0) continue
        const next = await again.call('POST', '/v1/decide', signup({ device: { id: device } }))
        expect(next.body.features.signups_per_device_1h).toBeGreaterThanOrEqual(Math.max(...seen) + 1)
        expect(next.body.features.signups_per_device_1h).toBeLessThanOrEqual(sent + 1)
      }
    } finally {
      await second.kill('SIGTERM')
    }
  }, 120_000)
})

describe('policy upload under load', () => {
  it('refuses a broken pack and swaps a good one without a single failed request', async () => {
    const server = await inProcess()
    const api = client(server.url)
    const files = Object.fromEntries(
      execFileSync('find', ['.', '-type', 'f'], { cwd: MINI_PACK, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((p) => [p.slice(2), readFileSync(join(MINI_PACK, p), 'utf8')]),
    )
    const statuses = new Map<number, number>()
    const versions = new Set<string>()
    let stop = false
    const worker = async () => {
      while (!stop) {
        const r = await api.call('POST', '/v1/decide', signup())
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
        if (r.status === 200) versions.add(r.body.policyVersion)
      }
    }
    try {
      const workers = Array.from({ length: 8 }, worker)
      await new Promise((r) => setTimeout(r, 200))
      const broken = {
        ...files,
        'rules/fake.yaml': `${files['rules/fake.yaml']}\n  - id: oops\n    when: event.nope > 1\n    then: { outcome: block }\n`,
      }
      const rejected = await api.call('PUT', '/v1/policy', { files: broken })
      expect(rejected.status).toBe(422)
      expect(rejected.body.error.details.text).toContain('rules/fake.yaml')
      await new Promise((r) => setTimeout(r, 200))
      const good = {
        ...files,
        'rules/fake.yaml': files['rules/fake.yaml']!.replace('score: 80', 'score: 85'),
      }
      const swapped = await api.call('PUT', '/v1/policy', { files: good })
      expect(swapped.status).toBe(200)
      await new Promise((r) => setTimeout(r, 200))
      stop = true
      await Promise.all(workers)
      expect([...statuses.keys()]).toEqual([200])
      expect(statuses.get(200)).toBeGreaterThan(50)
      expect(versions).toContain(swapped.body.version)
      expect(versions.size).toBe(2)
    } finally {
      stop = true
      await server.stop()
    }
  }, 60_000)
})
