/**
 * The small parts on their own: signatures (and what a receiver must refuse), backoff bounds,
 * the outbox with fake storage (an action without an executor waits and is not lost; a
 * registered executor picks it up), configuration errors, and delivery results by HTTP status.
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { enforcementConfig } from '../../src/enforcement/config.ts'
import { backoffMs, Outbox } from '../../src/enforcement/outbox.ts'
import { signature, verifySignature } from '../../src/enforcement/signing.ts'
import type { ActionRecord, Executor } from '../../src/enforcement/types.ts'
import { deliver } from '../../src/enforcement/webhook.ts'
import type { ActionUpdate } from '../../src/store/actions.ts'
import { eventually } from './receiver.ts'

describe('signatures', () => {
  const secret = 'a-secret-of-sixteen+'
  const body = '{"id":"A1"}'
  it('verifies its own signature within the tolerance window only', () => {
    const header = signature(secret, body, 1_700_000_000)
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/)
    expect(verifySignature(secret, body, header, 1_700_000_100)).toBe(true)
    expect(verifySignature(secret, body, header, 1_700_000_400)).toBe(false)
    expect(verifySignature(secret, `${body} `, header, 1_700_000_000)).toBe(false)
    expect(verifySignature('another-secret-1234', body, header, 1_700_000_000)).toBe(false)
    expect(verifySignature(secret, body, undefined, 1_700_000_000)).toBe(false)
    expect(verifySignature(secret, body, 't=abc,v1=00', 1_700_000_000)).toBe(false)
  })
})

describe('backoff', () => {
  it('doubles up to the maximum, with half of it random', () => {
    const timing = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, pollMs: 10 }
    expect(backoffMs(1, timing, () => 0)).toBe(50)
    expect(backoffMs(1, timing, () => 1)).toBe(100)
    expect(backoffMs(3, timing, () => 1)).toBe(400)
    expect(backoffMs(10, timing, () => 0)).toBe(500)
    expect(backoffMs(10, timing, () => 1)).toBe(1000)
  })
})

describe('outbox', () => {
  it('keeps an action without an executor pending, then runs it once one is registered', async () => {
    let now = 1000
    const row: ActionRecord = {
      id: 'A1',
      kind: 'review',
      status: 'pending',
      entity: { type: 'user', id: 'u1' },
      rules: [],
      cause: { kind: 'api', id: 'x' },
      params: { queue: 'spam', priority: 1 },
      attempts: 0,
      nextAttemptAt: 0,
      createdAt: 0,
      updatedAt: 0,
    }
    let stored = row
    const updates: ActionUpdate[] = []
    const executors = new Map<string, Executor>()
    const outbox = new Outbox({
      timing: () => ({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, pollMs: 5 }),
      now: () => now,
      paused: () => false,
      due: async (t) => (stored.status === 'pending' && stored.nextAttemptAt <= t ? [stored] : []),
      executor: (k) => executors.get(k),
      update: async (u) => {
        updates.push(u)
        stored = { ...stored, ...u }
      },
    })
    outbox.start()
    await eventually(() => updates.length === 1, 'the first look')
    expect(updates[0]).toMatchObject({ status: 'pending', attempts: 0 })
    expect(updates[0]!.lastError).toContain("no executor registered for 'review'")
    const seen: string[] = []
    executors.set('review', async (a) => {
      seen.push(a.id)
    })
    now += 1000
    outbox.kick()
    await eventually(() => stored.status === 'done', 'the action done')
    await outbox.stop()
    expect(seen).toEqual(['A1'])
    expect(stored.attempts).toBe(1)
  })
})

describe('configuration', () => {
  it('builds the default destination from the environment and refuses bad settings', () => {
    const c = enforcementConfig(undefined, {
      BULWARK_WEBHOOK_URL: 'http://127.0.0.1:9/x',
      BULWARK_WEBHOOK_SECRET: 'sixteen-chars-min!',
    })
    expect(c.destinations.get('default')?.url).toBe('http://127.0.0.1:9/x')
    expect(() => enforcementConfig(undefined, { BULWARK_WEBHOOK_URL: 'http://x/' })).toThrow(/SECRET/)
    expect(() =>
      enforcementConfig({ destinations: { a: { url: 'ftp://x', secret: 'x'.repeat(16) } } }),
    ).toThrow(/ENFORCEMENT_CONFIG|http/)
    expect(() => enforcementConfig({ outbox: { max_attempts: -1 } })).toThrow(/max_attempts/)
    expect(() => enforcementConfig({ safety: { dry_run: ['bogus'] } })).toThrow(/bogus/)
  })
})

describe('delivery results', () => {
  it('treats 2xx as delivered, 408/429/5xx and network errors as retryable, other 4xx as final', async () => {
    let status = 200
    const server = createServer((_req, res) => res.writeHead(status).end())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    const dest = { name: 'd', url, secret: 'x'.repeat(16), timeoutMs: 2000 }
    const results: unknown[] = []
    for (const s of [204, 408, 429, 500, 404]) {
      status = s
      results.push(await deliver(dest, 'k', '{}', Date.now()))
    }
    await new Promise((r) => server.close(r))
    results.push(await deliver(dest, 'k', '{}', Date.now()))
    expect(results.map((r: any) => (r.ok ? 'ok' : r.retry ? 'retry' : 'final'))).toEqual([
      'ok',
      'retry',
      'retry',
      'retry',
      'final',
      'retry',
    ])
  })
})
