/**
 * Retention of finished actions on a real server with a controlled clock: the maintenance timer
 * deletes finished rows past `retention.actions`, keeps pending ones (however old), a strike
 * while its ladder still counts it (the standing does not change) and a list entry's action
 * while the entry stands, and counts what it deleted on /metrics. Also the config and the bounds.
 */

import { createServer, type Server } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { enforcementConfig } from '../../src/enforcement/config.ts'
import { longestDecayMs, pruneBounds, readRetention } from '../../src/enforcement/retention.ts'
import { loadPackWithModels } from '../../src/models/attach.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, client, PII_KEY, tempDir } from '../server/harness.ts'
import { eventually } from './receiver.ts'
import { ENFORCE_PACK, signup } from './setup.ts'

const DAY = 86_400_000

describe('retention settings', () => {
  it('defaults to 30 days, reads a duration or off, and refuses the rest', () => {
    expect(enforcementConfig(undefined).retention.actionsMs).toBe(30 * DAY)
    expect(enforcementConfig({ retention: { actions: '90d' } }).retention.actionsMs).toBe(90 * DAY)
    expect(readRetention({ actions: 'off' }, 'r').actionsMs).toBeUndefined()
    expect(readRetention({}, 'r').actionsMs).toBe(30 * DAY)
    const code = (raw: unknown) => {
      try {
        readRetention(raw, 'config: retention')
        return 'accepted'
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`
      }
    }
    expect(code({ actions: '12h' })).toMatch(/^ENFORCEMENT_CONFIG: .*retention\.actions.*shorter than 1d/)
    expect(code({ actions: 'soon' })).toMatch(/^ENFORCEMENT_CONFIG: .*'soon' is not a duration/)
    expect(code({ actions: 30 })).toMatch(/^ENFORCEMENT_CONFIG: /)
    expect(code({ decisions: '30d' })).toMatch(/unknown key 'decisions'/)
    expect(code('30d')).toMatch(/must be a mapping/)
  })

  it("keeps strikes for the serving pack's longest ladder decay when it is longer", async () => {
    const r = await loadPackWithModels(readPackDir(ENFORCE_PACK))
    if (!r.ok) throw new Error('the enforcement test pack does not load')
    expect(longestDecayMs(r.pack)).toBe(30 * DAY)
    const now = 1000 * DAY
    expect(pruneBounds(now, 2 * DAY, r.pack)).toEqual({
      finishedBefore: now - 2 * DAY,
      strikesBefore: now - 30 * DAY,
      now,
      limit: 1000,
    })
    expect(pruneBounds(now, 90 * DAY, r.pack).strikesBefore).toBe(now - 90 * DAY)
  })
})

describe('retention on a server', () => {
  let server: RunningServer | undefined
  let refusing: Server | undefined
  afterAll(async () => {
    await server?.stop()
    refusing?.close()
  })

  it('deletes finished actions past retention on the maintenance timer, keeping what is still needed', async () => {
    // A destination that always answers 503: its webhook stays pending (retried later).
    refusing = createServer((_, res) => res.writeHead(503).end())
    await new Promise<void>((r) => refusing!.listen(0, '127.0.0.1', r))
    const port = (refusing.address() as { port: number }).port
    const clock = new ManualClock(Date.UTC(2026, 2, 1))
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: tempDir('bulwark-retention-'),
      policyDir: ENFORCE_PACK,
      apiKey: API_KEY,
      piiKey: PII_KEY,
      clock,
      snapshotEveryMs: 3_600_000,
      maintenanceEveryMs: 20,
      enforcement: enforcementConfig({
        destinations: { default: { url: `http://127.0.0.1:${port}/`, secret: 's'.repeat(16) } },
        // A retry waits an hour of the manual clock: the failed webhook stays pending.
        outbox: { max_attempts: 100, base_delay_ms: 3_600_000, max_delay_ms: 3_600_000, poll_ms: 20 },
        retention: { actions: '1d' },
      }),
    })
    const api = client(server.url)
    const node = server.node
    const all = async () => (await api.call('GET', '/v1/actions?limit=1000')).body.actions as any[]
    const byKind = async () =>
      (await all()).map((a: any) => `${a.kind}:${a.status}`).sort((a: string, b: string) => (a < b ? -1 : 1))

    // high-risk: label (1d TTL), list entry (30d TTL), webhook (to the refusing destination);
    // medium-risk: a strike (ladder decay 30d); burst: a throttle (done at once).
    for (const risk of [95, 60, 42]) {
      const r = await api.call('POST', '/v1/decide', signup(risk, 'keeper'))
      expect(r.status).toBe(200)
    }
    await eventually(async () => {
      const acts = await all()
      return acts.length === 5 && acts.filter((a) => a.status === 'pending').length === 1
    }, 'every action but the webhook finished')
    expect(await byKind()).toEqual([
      'label:done',
      'list_add:done',
      'strike:done',
      'throttle:done',
      'webhook:pending',
    ])
    const standing = async () => (await api.call('GET', '/v1/entities/user/keeper')).body.ladders
    expect(await standing()).toEqual([{ ladder: 'abuse', strikes: 1, step: 'warned', nextStepAt: 3 }])
    // The kill switch holds the pending webhook: it waits, untouched, however old it gets.
    await node.enforcement.updateSettings({ killSwitch: true }, 'test')

    clock.advance(2 * DAY)
    // The label's TTL ran out and the throttle left nothing behind: both go. The list entry
    // (30d) still stands, the strike still counts, the webhook is pending: they stay.
    await eventually(async () => (await all()).length === 3, 'the first prune')
    expect(await byKind()).toEqual(['list_add:done', 'strike:done', 'webhook:pending'])
    expect(await standing()).toEqual([{ ladder: 'abuse', strikes: 1, step: 'warned', nextStepAt: 3 }])

    clock.advance(29 * DAY)
    // Day 31: the entry expired and the strike decayed; the pending webhook still waits.
    await eventually(async () => (await all()).length === 1, 'the second prune')
    expect(await byKind()).toEqual(['webhook:pending'])
    const metrics = (await api.call('GET', '/metrics')).body as string
    expect(metrics).toContain('bulwark_actions_pruned_total 4')
    expect(metrics).toMatch(/bulwark_actions\{kind="webhook",status="pending"\} 1/)
  })
})
