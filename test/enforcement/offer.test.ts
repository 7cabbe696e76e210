/**
 * The outbox's hand-off from memory: rows recorded durably are offered to the outbox, which starts
 * the pending ones at once without reading storage (a read waits for the ingest worker); rows in
 * another status are not run; an offer while the kill switch is on leaves the row to storage, where
 * the next read finds it; a row offered again while in flight runs once. On a server: actions
 * enqueued again under the same ids (a ladder step or verdict effect repeated) are not offered —
 * their insert was ignored — and are not carried out twice.
 */

import { describe, expect, it } from 'vitest'
import { Outbox } from '../../src/enforcement/outbox.ts'
import type { Executor } from '../../src/enforcement/types.ts'
import type { ActionRow, ActionUpdate } from '../../src/store/actions.ts'
import { eventually, SECRET, startReceiver } from './receiver.ts'
import { startEnforcing } from './setup.ts'

function row(id: string, status: string): ActionRow {
  return {
    id,
    kind: 'webhook',
    status,
    entity: { type: 'user', id: 'u1' },
    rules: ['r1'],
    cause: { kind: 'decision', id: 'e1', decisionId: 'e1' },
    params: { destination: 'default', event: 'action' },
    attempts: 0,
    nextAttemptAt: 0,
    createdAt: 0,
    updatedAt: 0,
  }
}

/** An outbox over fake storage that counts its reads; polls only when told to (pollMs is long). */
function setup(stored: ActionRow[]) {
  let reads = 0
  let paused = false
  const updates: ActionUpdate[] = []
  const ran: string[] = []
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const webhook: Executor = async (a) => {
    ran.push(a.id)
    await gate
  }
  const outbox = new Outbox({
    timing: () => ({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, pollMs: 3_600_000 }),
    now: () => 1000,
    paused: () => paused,
    due: async (now) => {
      reads++
      return stored.filter((r) => r.status === 'pending' && r.nextAttemptAt <= now)
    },
    executor: (kind) => (kind === 'webhook' ? webhook : undefined),
    update: async (u) => {
      updates.push(u)
      const i = stored.findIndex((r) => r.id === u.id)
      if (i >= 0) stored[i] = { ...stored[i]!, ...u }
    },
  })
  return {
    outbox,
    updates,
    ran,
    release,
    reads: () => reads,
    pause: (on: boolean) => {
      paused = on
    },
  }
}

describe('outbox offer', () => {
  it('runs offered pending rows at once, without a storage read, and only once', async () => {
    const stored: ActionRow[] = []
    const t = setup(stored)
    t.outbox.start()
    await eventually(() => t.reads() === 1, 'the first read at start')
    const pending = row('A1', 'pending')
    stored.push(pending, row('A2', 'skipped'), row('A3', 'done'))
    t.outbox.offer([pending, row('A2', 'skipped'), row('A3', 'done')])
    // Offered again while in flight (e.g. a read racing the offer): not started twice.
    t.outbox.offer([pending])
    expect(t.ran).toEqual(['A1'])
    expect(t.outbox.inFlight).toBe(1)
    t.release()
    await eventually(() => t.updates.length === 1, 'the status written')
    expect(t.updates[0]).toMatchObject({ id: 'A1', status: 'done', attempts: 1 })
    expect(t.reads()).toBe(1)
    await t.outbox.stop()
  })

  it('leaves an offered row to storage while the kill switch is on; the next read runs it', async () => {
    const stored: ActionRow[] = []
    const t = setup(stored)
    t.release()
    t.pause(true)
    t.outbox.start()
    const pending = row('B1', 'pending')
    stored.push(pending)
    t.outbox.offer([pending])
    expect(t.ran).toEqual([])
    t.pause(false)
    t.outbox.kick()
    await eventually(() => t.updates.length === 1, 'the row read from storage and run')
    expect(t.ran).toEqual(['B1'])
    expect(t.updates[0]).toMatchObject({ id: 'B1', status: 'done' })
    await t.outbox.stop()
  })
})

describe('repeated ids on a server', () => {
  it('does not carry out again an action enqueued twice under the same id', async () => {
    const rec = await startReceiver()
    const s = await startEnforcing({ receiverUrl: rec.url, secret: SECRET })
    try {
      const enforcement = s.server.node.enforcement
      const outbox = (enforcement as unknown as { outbox: Outbox }).outbox
      const enqueue = (id: string) =>
        enforcement.applyActions({
          entity: { type: 'user', id: 'repeat-1' },
          actions: [{ kind: 'webhook', destination: 'default' }],
          cause: { kind: 'api', id: 'offer-test' },
          ids: [id],
        })
      await enqueue('fixed-1')
      await eventually(async () => (await enforcement.action('fixed-1')).status === 'done', 'fixed-1 done')
      await enqueue('fixed-1')
      // Not handed to the outbox from memory: the stored row is done.
      expect(outbox.inFlight).toBe(0)
      // The next read that finds a pending row (fixed-2) would have found fixed-1 were it pending.
      await enqueue('fixed-2')
      await eventually(async () => (await enforcement.action('fixed-2')).status === 'done', 'fixed-2 done')
      expect(rec.deliveries.get('fixed-1')).toBe(1)
      expect(rec.deliveries.get('fixed-2')).toBe(1)
    } finally {
      await s.stop()
      await rec.close()
    }
  })
})
