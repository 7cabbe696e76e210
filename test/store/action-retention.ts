/**
 * The action retention part of the Repository contract (pruneActions, see ActionPrune in
 * src/store/actions.ts): which finished actions go and which stay — never pending ones, done
 * strikes while a ladder can count them, done list entries and labels while their effect stands
 * — the batch limit, journal order, and bad bounds refused. Called inside repositoryContract.
 */

import { describe, expect, it } from 'vitest'
import type { ActionPrune, ActionRow } from '../../src/store/actions.ts'
import type { Repository } from '../../src/store/repository.ts'
import { T0 } from './records.ts'

const DAY = 86_400_000
/** "Now" of every case: 100 days after T0; retention 30 days, ladders' longest decay 60 days. */
const NOW = T0 + 100 * DAY
const BOUNDS: ActionPrune = {
  finishedBefore: NOW - 30 * DAY,
  strikesBefore: NOW - 60 * DAY,
  now: NOW,
  limit: 1000,
}

/** An action created at `day` (days after T0), last changed `finishedDay` (default: the same). */
function action(
  id: string,
  kind: string,
  status: string,
  day: number,
  params: Record<string, unknown> = {},
  finishedDay = day,
): ActionRow {
  return {
    id,
    kind,
    status,
    entity: { type: 'user', id: 'u1' },
    rules: ['r1'],
    cause: { kind: 'decision', id: `evt-${id}`, decisionId: `evt-${id}` },
    params,
    attempts: status === 'pending' ? 0 : 1,
    nextAttemptAt: T0 + finishedDay * DAY,
    createdAt: T0 + day * DAY,
    updatedAt: T0 + finishedDay * DAY,
  }
}

/** Which of `ids` are still stored. */
async function kept(repo: Repository, ids: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const id of ids) if (await repo.action(id)) out.push(id)
  return out
}

export function actionRetentionCases(repo: () => Repository): void {
  describe('action retention (pruneActions)', () => {
    it('deletes finished actions past retention that left nothing to undo, never pending ones', async () => {
      const r = repo()
      const old = [
        action('webhook-done', 'webhook', 'done', 10),
        action('webhook-dead', 'webhook', 'dead', 10),
        action('capped', 'list_add', 'capped', 10, { list: 'l' }),
        action('dry-run', 'label', 'dry_run', 10, { name: 'x' }),
        action('suppressed', 'strike', 'suppressed', 10, { ladder: 'abuse', weight: 1 }),
        action('skipped', 'webhook', 'skipped', 10),
        action('reversed', 'list_add', 'reversed', 10, { list: 'l', value: 'v' }),
        action('label-clear', 'label', 'done', 10, { name: 'x', clear: true }),
        action('review-done', 'review', 'done', 10, { queue: 'q' }),
        action('throttle', 'throttle', 'done', 10, { retryAfterS: 5 }),
      ]
      const stay = [
        action('pending-old', 'webhook', 'pending', 1),
        action('pending-retry', 'list_add', 'pending', 5, { list: 'l', value: 'v' }),
        action('webhook-recent', 'webhook', 'done', 75),
        // Created long ago, finished within the retention (e.g. after many retries): kept.
        action('dead-late', 'webhook', 'dead', 10, {}, 80),
      ]
      await r.enforcementWrite({ insert: [...old, ...stay] })
      expect(await r.pruneActions(BOUNDS)).toBe(old.length)
      expect(
        await kept(
          r,
          [...old, ...stay].map((a) => a.id),
        ),
      ).toEqual(stay.map((a) => a.id))
      expect(await r.pruneActions(BOUNDS)).toBe(0)
    })

    it('keeps a done strike while a ladder can still count it', async () => {
      const r = repo()
      const strike = { ladder: 'abuse', weight: 1 }
      await r.enforcementWrite({
        insert: [
          action('strike-ancient', 'strike', 'done', 20, strike),
          // Finished past the retention, but given within the longest decay: still counts.
          action('strike-in-force', 'strike', 'done', 50, strike),
          action('strike-dead', 'strike', 'dead', 50, strike),
        ],
      })
      expect(await r.pruneActions(BOUNDS)).toBe(2)
      expect(await kept(r, ['strike-ancient', 'strike-in-force', 'strike-dead'])).toEqual(['strike-in-force'])
    })

    it('keeps a done list entry or label while its effect stands (a reversal may undo it)', async () => {
      const r = repo()
      await r.enforcementWrite({
        insert: [
          action('list-expired', 'list_add', 'done', 10, { list: 'l', value: 'a', ttlMs: 30 * DAY }),
          action('list-running', 'list_add', 'done', 10, { list: 'l', value: 'b', ttlMs: 120 * DAY }),
          action('list-permanent', 'list_add', 'done', 10, { list: 'l', value: 'c' }),
          action('label-expired', 'label', 'done', 10, { name: 'x', clear: false, ttlMs: DAY }),
          action('label-permanent', 'label', 'done', 10, { name: 'x', clear: false }),
        ],
      })
      expect(await r.pruneActions(BOUNDS)).toBe(2)
      expect(
        await kept(r, ['list-expired', 'list-running', 'list-permanent', 'label-expired', 'label-permanent']),
      ).toEqual(['list-running', 'list-permanent', 'label-permanent'])
      // Once reversed, nothing is left to undo: retention takes it.
      await r.enforcementWrite({
        update: [
          { id: 'list-permanent', status: 'reversed', attempts: 1, nextAttemptAt: T0, updatedAt: T0 + DAY },
        ],
      })
      expect(await r.pruneActions(BOUNDS)).toBe(1)
      expect(await r.action('list-permanent')).toBeUndefined()
    })

    it('deletes at most `limit` per call, oldest finished first, and the rest on the next calls', async () => {
      const r = repo()
      const rows = Array.from({ length: 25 }, (_, i) =>
        action(`a${String(i).padStart(2, '0')}`, 'webhook', 'done', i),
      )
      const strikes = Array.from({ length: 5 }, (_, i) =>
        action(`s${i}`, 'strike', 'done', i, { ladder: 'abuse', weight: 1 }),
      )
      await r.enforcementWrite({ insert: [...rows, ...strikes] })
      expect(await r.pruneActions({ ...BOUNDS, limit: 10 })).toBe(10)
      expect(await kept(r, ['a09', 'a10'])).toEqual(['a10'])
      expect(await r.pruneActions({ ...BOUNDS, limit: 10 })).toBe(10)
      // The last batch spans both kinds: 5 webhooks, then strikes up to the limit.
      expect(await r.pruneActions({ ...BOUNDS, limit: 7 })).toBe(7)
      expect(await r.pruneActions({ ...BOUNDS, limit: 7 })).toBe(3)
      expect(await r.pruneActions({ ...BOUNDS, limit: 7 })).toBe(0)
    })

    it('applies in order with the status changes written before it', async () => {
      const r = repo()
      await r.enforcementWrite({ insert: [action('p', 'webhook', 'pending', 10)] })
      // Not awaited in between: the prune still sees the update recorded before it.
      const done = r.enforcementWrite({
        update: [{ id: 'p', status: 'done', attempts: 1, nextAttemptAt: T0, updatedAt: T0 + 11 * DAY }],
      })
      const pruned = r.pruneActions(BOUNDS)
      await done
      expect(await pruned).toBe(1)
      // And a replay recorded after an old row was read, before the prune, keeps it.
      await r.enforcementWrite({ insert: [action('d', 'webhook', 'dead', 10)] })
      const replay = r.enforcementWrite({
        update: [{ id: 'd', status: 'pending', attempts: 0, nextAttemptAt: NOW, updatedAt: NOW }],
      })
      const none = r.pruneActions(BOUNDS)
      await replay
      expect(await none).toBe(0)
      expect((await r.action('d'))?.status).toBe('pending')
    })

    it('refuses bounds that are not whole milliseconds and limits out of range', async () => {
      const r = repo()
      for (const bad of [
        { ...BOUNDS, limit: 0 },
        { ...BOUNDS, limit: 1.5 },
        { ...BOUNDS, limit: 1_000_000 },
        { ...BOUNDS, finishedBefore: Number.NaN },
        { ...BOUNDS, now: Number.POSITIVE_INFINITY },
      ])
        await expect(r.pruneActions(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    })
  })
}
