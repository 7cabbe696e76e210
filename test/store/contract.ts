/**
 * The Repository contract as a test suite every implementation runs (SQLite now, PostgreSQL
 * later): `repositoryContract('sqlite file', () => open())` defines one describe() block. `open`
 * must return a fresh, empty repository each call; the suite migrates and closes it. Nothing
 * here depends on timing or on implementation details such as how writes are batched.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FeatureUpdate } from '../../src/features/types.ts'
import type {
  DecisionRecord,
  EntityRef,
  LabelOp,
  Repository,
  RuleQuality,
  StoredDecision,
  TruthLabel,
} from '../../src/store/repository.ts'
import { actionRetentionCases } from './action-retention.ts'
import { decisionRecord, HOUR, T0 } from './records.ts'

export { decisionRecord } from './records.ts'

function labelOp(
  op: 'set' | 'clear',
  entity: EntityRef,
  name: string,
  extra: Partial<LabelOp> = {},
): LabelOp {
  return { op, entity, name, source: 'api', time: T0, ...extra }
}

/** Labels and list entries come in no promised order; tests compare them sorted. */
function byKey<T extends { entity?: EntityRef; name?: string; list?: string; value?: string }>(
  items: T[],
): T[] {
  const key = (x: T) => [x.entity?.type, x.entity?.id, x.name, x.list, x.value].join('\u0000')
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

function truth(over: Partial<TruthLabel>): TruthLabel {
  return { malicious: true, source: 'review', time: T0, receivedAt: T0 + 1, ...over }
}

/** A decision with exactly these hits (`rule:mode`), acting entity actor:`actor`. */
function withHits(i: number, actor: string, hits: string[]): DecisionRecord {
  const base = decisionRecord(i)
  return {
    ...base,
    decision: {
      ...base.decision,
      hits: hits.map((h) => {
        const [rule, mode] = h.split(':') as [string, 'enforce' | 'shadow']
        return { rule, mode, outcome: 'block' as const, score: 10, reason: rule }
      }),
    },
    entities: [
      { type: 'actor', id: actor },
      { type: 'device', id: 'shared-device' },
    ],
  }
}

/** Rule quality as `rule:mode` → [hits, tp, fp], rules without hits absent. */
const qualityOf = (rows: RuleQuality[]) =>
  Object.fromEntries(rows.map((r) => [`${r.rule}:${r.mode}`, [r.hits, r.tp, r.fp]]))

/** What a StoredDecision must hold for a record, whatever seq it got. */
function expectStored(stored: StoredDecision, r: DecisionRecord): void {
  expect(stored).toEqual({
    seq: stored.seq,
    eventId: r.eventId,
    eventType: r.eventType,
    eventTime: r.eventTime,
    receivedAt: r.receivedAt,
    event: r.event,
    decision: r.decision,
  })
}

/** The updates of a page, flattened in order. */
const updatesOf = (page: { batches: readonly { updates: readonly FeatureUpdate[] }[] }) =>
  page.batches.flatMap((b) => b.updates)

export function repositoryContract(name: string, open: () => Promise<Repository>): void {
  describe(`Repository contract: ${name}`, () => {
    let repo: Repository
    let open_ = true

    beforeEach(async () => {
      repo = await open()
      await repo.migrate()
      open_ = true
    })

    afterEach(async () => {
      if (open_) await repo.close()
    })

    describe('schema', () => {
      it('migrate() is idempotent and keeps data', async () => {
        const stored = await repo.record(decisionRecord(1))
        await repo.migrate()
        expect(await repo.decision('evt-1')).toEqual(stored)
      })

      it('starts empty', async () => {
        expect(await repo.lastSeq()).toBe(0)
        expect(await repo.decision('nope')).toBeUndefined()
        expect(await repo.decisionsAfter(0, 10)).toEqual([])
        expect(await repo.decisionsForEntity({ type: 'actor', id: 'user-1' }, 10)).toEqual([])
        expect(await repo.featureUpdatesAfter(0, 10)).toEqual({ batches: [], lastSeq: 0 })
        expect(await repo.labels(T0)).toEqual([])
        expect(await repo.listEntries(T0)).toEqual([])
        expect(await repo.policyVersions(10)).toEqual([])
      })
    })

    describe('record and read back', () => {
      it('round-trips every field of the record, the decision included', async () => {
        const r = decisionRecord(3)
        const stored = await repo.record(r)
        expectStored(stored, r)
        expect(stored.seq).toBeGreaterThan(0)
        expect(await repo.decision(r.eventId)).toEqual(stored)
        const [read] = await repo.decisionsAfter(0, 10)
        expect(read).toEqual(stored)
        expect(read?.decision.hits).toEqual(r.decision.hits)
        expect(read?.decision.errors).toEqual(r.decision.errors)
        expect(read?.decision.skipped).toEqual(r.decision.skipped)
        expect(read?.decision.labels).toEqual(r.decision.labels)
        expect(read?.decision.latencyMs).toBe(0.25)
      })

      it('reads stored events by event time, in pages, as their JSON text', async () => {
        // Recorded out of event-time order; evt-3 and evt-30 share a time.
        for (const i of [5, 3, 1, 4, 2]) await repo.record(decisionRecord(i))
        await repo.record(decisionRecord(30, { eventTime: T0 + 3000 }))
        const ids = (rows: { eventId: string }[]) => rows.map((r) => r.eventId)
        const all = { from: 0, to: 8.64e15 }
        const rows = await repo.storedEvents(all, undefined, 100)
        expect(ids(rows)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-30', 'evt-4', 'evt-5'])
        expect(JSON.parse(rows[0]!.event)).toEqual(decisionRecord(1).event)
        expect(rows[0]).toMatchObject({ eventTime: T0 + 1000, actorId: 'user-1' })
        // [from, to): from inclusive, to exclusive.
        const window = { from: T0 + 2000, to: T0 + 5000 }
        expect(ids(await repo.storedEvents(window, undefined, 100))).toEqual([
          'evt-2',
          'evt-3',
          'evt-30',
          'evt-4',
        ])
        // Pages resume after (time, seq), through equal times.
        const page1 = await repo.storedEvents(window, undefined, 2)
        expect(ids(page1)).toEqual(['evt-2', 'evt-3'])
        const last = page1[1]!
        const page2 = await repo.storedEvents(window, { time: last.eventTime, seq: last.seq }, 2)
        expect(ids(page2)).toEqual(['evt-30', 'evt-4'])
        const end = page2[1]!
        expect(await repo.storedEvents(window, { time: end.eventTime, seq: end.seq }, 2)).toEqual([])
      })

      it('keeps records with no updates, label ops or entities', async () => {
        const r = decisionRecord(4, {
          featureUpdates: [],
          labelOps: [],
          entities: [],
          event: {},
        })
        const stored = await repo.record(r)
        expectStored(stored, r)
        expect(await repo.decision('evt-4')).toEqual(stored)
      })

      it('gives increasing seqs in commit order and reports the last one', async () => {
        const seqs: number[] = []
        for (let i = 0; i < 5; i++) seqs.push((await repo.record(decisionRecord(i))).seq)
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!)
        expect(await repo.lastSeq()).toBe(seqs.at(-1))
      })

      it('answers a repeated event id with the decision already stored', async () => {
        const first = await repo.record(decisionRecord(1))
        const again = decisionRecord(1, {
          eventType: 'login',
          decision: { ...decisionRecord(1).decision, outcome: 'review', score: 99 },
          featureUpdates: [{ id: 'other', key: 'k', time: T0 }],
          labelOps: [labelOp('set', { type: 'actor', id: 'user-1' }, 'should_not_exist')],
          entities: [{ type: 'ip', id: '198.51.100.1' }],
        })
        const second = await repo.record(again)
        expect(second).toEqual(first)
        expect(await repo.lastSeq()).toBe(first.seq)
        expect(await repo.decisionsAfter(0, 10)).toEqual([first])
        // Nothing else of the repeated record was applied.
        expect(updatesOf(await repo.featureUpdatesAfter(0, 100))).toEqual(decisionRecord(1).featureUpdates)
        expect(await repo.labels(T0)).toEqual([])
        expect(await repo.decisionsForEntity({ type: 'ip', id: '198.51.100.1' }, 10)).toEqual([])
      })

      it('answers repeated event ids recorded concurrently with one decision', async () => {
        const a = decisionRecord(7)
        const b = decisionRecord(7, { decision: { ...a.decision, outcome: 'review' } })
        const [x, y, z] = await Promise.all([repo.record(a), repo.record(b), repo.record(a)])
        expect(y).toEqual(x)
        expect(z).toEqual(x)
        expect(await repo.decisionsAfter(0, 10)).toHaveLength(1)
        expect((await repo.decision('evt-7'))?.seq).toBe(x?.seq)
      })

      it('resolves many concurrent records, each readable, with distinct increasing seqs', async () => {
        const records = Array.from({ length: 300 }, (_, i) => decisionRecord(i))
        const stored = await Promise.all(records.map((r) => repo.record(r)))
        for (let i = 0; i < stored.length; i++) expectStored(stored[i]!, records[i]!)
        expect(new Set(stored.map((s) => s.seq)).size).toBe(records.length)
        const all = await repo.decisionsAfter(0, 1000)
        expect(all).toHaveLength(records.length)
        for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq)
        expect(await repo.lastSeq()).toBe(all.at(-1)?.seq)
        const byId = new Map(all.map((s) => [s.eventId, s]))
        for (const s of stored) expect(byId.get(s.eventId)).toEqual(s)
        for (const r of records.slice(0, 20))
          expect((await repo.decision(r.eventId))?.eventId).toBe(r.eventId)
      })

      it('refuses a malformed record without harming the others recorded with it', async () => {
        const bad = { ...decisionRecord(2), eventTime: Number.NaN }
        const results = await Promise.allSettled([
          repo.record(decisionRecord(1)),
          repo.record(bad),
          repo.record(decisionRecord(3)),
        ])
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
        expect(await repo.decision('evt-2')).toBeUndefined()
        expect((await repo.decisionsAfter(0, 10)).map((d) => d.eventId)).toEqual(['evt-1', 'evt-3'])
      })
    })

    describe('decisionsForEntity', () => {
      it('returns the decisions that touched an entity, newest first, up to the limit', async () => {
        const device = { type: 'device', id: 'device-1' }
        const stored: StoredDecision[] = []
        for (let i = 0; i < 12; i++) stored.push(await repo.record(decisionRecord(i)))
        const touching = stored.filter((_, i) => i % 4 === 1).reverse()
        expect(await repo.decisionsForEntity(device, 100)).toEqual(touching)
        expect(await repo.decisionsForEntity(device, 2)).toEqual(touching.slice(0, 2))
        expect(await repo.decisionsForEntity({ type: 'actor', id: 'user-5' }, 10)).toEqual([stored[5]])
        expect(await repo.decisionsForEntity(device, 0)).toEqual([])
      })

      it('tells entity types apart and lists a decision once even if it names an entity twice', async () => {
        const twice = decisionRecord(1, {
          entities: [
            { type: 'actor', id: 'x' },
            { type: 'actor', id: 'x' },
            { type: 'device', id: 'x' },
          ],
        })
        const stored = await repo.record(twice)
        expect(await repo.decisionsForEntity({ type: 'actor', id: 'x' }, 10)).toEqual([stored])
        expect(await repo.decisionsForEntity({ type: 'device', id: 'x' }, 10)).toEqual([stored])
        expect(await repo.decisionsForEntity({ type: 'ip', id: 'x' }, 10)).toEqual([])
      })

      it('handles events touching many entities', async () => {
        const entities = Array.from({ length: 20 }, (_, i) => ({ type: 'tag', id: `t${i}` }))
        const stored = await repo.record(decisionRecord(1, { entities }))
        for (const e of entities) expect(await repo.decisionsForEntity(e, 10)).toEqual([stored])
      })
    })

    describe('decisionsAfter', () => {
      it('pages through every decision in commit order', async () => {
        const stored = await Promise.all(Array.from({ length: 23 }, (_, i) => repo.record(decisionRecord(i))))
        const expected = [...stored].sort((a, b) => a.seq - b.seq)
        const seen: StoredDecision[] = []
        let after = 0
        for (;;) {
          const page = await repo.decisionsAfter(after, 5)
          expect(page.length).toBeLessThanOrEqual(5)
          if (page.length === 0) break
          seen.push(...page)
          after = page.at(-1)!.seq
        }
        expect(seen).toEqual(expected)
        expect(await repo.decisionsAfter(expected[10]!.seq, 3)).toEqual(expected.slice(11, 14))
        expect(await repo.decisionsAfter(await repo.lastSeq(), 10)).toEqual([])
      })
    })

    describe('featureUpdatesAfter', () => {
      it('returns exactly the updates recorded after a seq, in commit order', async () => {
        const stored: StoredDecision[] = []
        const updates: FeatureUpdate[][] = []
        for (let i = 0; i < 10; i++) {
          const u: FeatureUpdate[] =
            i % 3 === 2
              ? []
              : [
                  { id: 'count#1', key: `k${i}`, time: T0 + i },
                  { id: 'sum#2', key: `k${i}`, time: T0 + i, value: i * 1.5 },
                  { id: 'distinct#3', key: `k${i}`, time: T0 + i, value: `v${i}` },
                ]
          updates.push(u)
          stored.push(await repo.record(decisionRecord(i, { featureUpdates: u })))
        }
        const all = await repo.featureUpdatesAfter(0, 1000)
        expect(updatesOf(all)).toEqual(updates.flat())
        expect(all.lastSeq).toBe(await repo.lastSeq())
        // One batch per decision that had updates, naming its event and seq.
        const withUpdates = stored.filter((_, i) => updates[i]!.length > 0)
        expect(all.batches.map((b) => [b.seq, b.eventId])).toEqual(withUpdates.map((d) => [d.seq, d.eventId]))
        const from4 = await repo.featureUpdatesAfter(stored[4]!.seq, 1000)
        expect(updatesOf(from4)).toEqual(updates.slice(5).flat())
        // An update without a value comes back without one (not null).
        expect('value' in all.batches[0]!.updates[0]!).toBe(false)
      })

      it('pages by whole decisions and never skips or repeats an update', async () => {
        const expected: FeatureUpdate[] = []
        for (let i = 0; i < 9; i++) {
          const n = (i % 3) + 1
          const u = Array.from({ length: n }, (_, j) => ({ id: `f${j}`, key: `e${i}`, time: T0 + i }))
          expected.push(...u)
          await repo.record(decisionRecord(i, { featureUpdates: u }))
        }
        const seen: FeatureUpdate[] = []
        let after = 0
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(50)
          const page = await repo.featureUpdatesAfter(after, 4)
          expect(page.lastSeq).toBeGreaterThanOrEqual(after)
          const updates = updatesOf(page)
          if (updates.length === 0) break
          expect(updates.length).toBeLessThanOrEqual(4)
          // Pages hold whole decisions: every page starts a decision's updates (f0).
          expect(updates[0]!.id).toBe('f0')
          seen.push(...updates)
          after = page.lastSeq
        }
        expect(seen).toEqual(expected)
      })

      it('returns a decision with more updates than the limit whole, so paging advances', async () => {
        const u = Array.from({ length: 6 }, (_, j) => ({ id: `f${j}`, key: 'k', time: T0 }))
        const stored = await repo.record(decisionRecord(1, { featureUpdates: u }))
        await repo.record(decisionRecord(2, { featureUpdates: u.slice(0, 1) }))
        const page = await repo.featureUpdatesAfter(0, 2)
        expect({ updates: updatesOf(page), lastSeq: page.lastSeq }).toEqual({
          updates: u,
          lastSeq: stored.seq,
        })
      })

      it('reports the last committed seq once drained, past decisions without updates', async () => {
        await repo.record(decisionRecord(1))
        await repo.record(decisionRecord(2, { featureUpdates: [] }))
        const last = await repo.record(decisionRecord(3, { featureUpdates: [] }))
        const page = await repo.featureUpdatesAfter(0, 100)
        expect(updatesOf(page)).toHaveLength(2)
        expect(page.lastSeq).toBe(last.seq)
        expect(await repo.featureUpdatesAfter(last.seq, 100)).toEqual({ batches: [], lastSeq: last.seq })
      })
    })

    describe('labels', () => {
      const device = { type: 'device', id: 'd-1' }
      const actor = { type: 'actor', id: 'u-1' }

      it('sets, reads, updates and clears labels', async () => {
        await repo.applyLabelOps([
          labelOp('set', device, 'farm_device', { expiresAt: T0 + HOUR, source: 'device-farm', time: T0 }),
          labelOp('set', actor, 'trusted', { source: 'reviewer:ann', time: T0 + 1 }),
        ])
        expect(byKey(await repo.labels(T0))).toEqual([
          { entity: actor, name: 'trusted', source: 'reviewer:ann', setAt: T0 + 1 },
          { entity: device, name: 'farm_device', expiresAt: T0 + HOUR, source: 'device-farm', setAt: T0 },
        ])
        const [trusted] = await repo.labelsFor(actor, T0)
        expect(trusted?.expiresAt).toBeUndefined()
        expect(trusted && 'expiresAt' in trusted).toBe(false)

        // Setting again replaces expiry, source and time (one label, not two).
        await repo.applyLabelOps([labelOp('set', device, 'farm_device', { source: 'api', time: T0 + 5 })])
        expect(await repo.labelsFor(device, T0 + 2 * HOUR)).toEqual([
          { entity: device, name: 'farm_device', source: 'api', setAt: T0 + 5 },
        ])

        await repo.applyLabelOps([labelOp('clear', device, 'farm_device')])
        expect(await repo.labelsFor(device, T0)).toEqual([])
        expect(await repo.labelsFor(actor, T0)).toHaveLength(1)
        // Clearing a label that is not there is not an error.
        await repo.applyLabelOps([labelOp('clear', device, 'never_set')])
      })

      it('hides labels from the moment they expire', async () => {
        await repo.applyLabelOps([labelOp('set', device, 'temp', { expiresAt: T0 + 1000 })])
        expect(await repo.labelsFor(device, T0 + 999)).toHaveLength(1)
        expect(await repo.labelsFor(device, T0 + 1000)).toEqual([])
        expect(await repo.labels(T0 + 1000)).toEqual([])
        expect(await repo.labels(T0)).toHaveLength(1)
      })

      it('keeps labels per entity type, id and name', async () => {
        await repo.applyLabelOps([
          labelOp('set', { type: 'device', id: 'x' }, 'a'),
          labelOp('set', { type: 'actor', id: 'x' }, 'a'),
          labelOp('set', { type: 'actor', id: 'x' }, 'b'),
        ])
        expect((await repo.labelsFor({ type: 'actor', id: 'x' }, T0)).map((l) => l.name).sort()).toEqual([
          'a',
          'b',
        ])
        expect(await repo.labelsFor({ type: 'device', id: 'x' }, T0)).toHaveLength(1)
        expect(await repo.labels(T0)).toHaveLength(3)
      })

      it('applies ops in order', async () => {
        await repo.applyLabelOps([labelOp('set', device, 'a'), labelOp('clear', device, 'a')])
        expect(await repo.labelsFor(device, T0)).toEqual([])
        await repo.applyLabelOps([labelOp('clear', device, 'b'), labelOp('set', device, 'b')])
        expect((await repo.labelsFor(device, T0)).map((l) => l.name)).toEqual(['b'])
      })

      it('applies the label ops of a decision with the decision', async () => {
        await repo.applyLabelOps([labelOp('set', actor, 'old')])
        await repo.record(
          decisionRecord(1, {
            labelOps: [
              labelOp('set', device, 'farm_device', {
                expiresAt: T0 + HOUR,
                source: 'device-farm',
                time: T0 + 7,
              }),
              labelOp('clear', actor, 'old', { source: 'device-farm' }),
            ],
          }),
        )
        expect(await repo.labels(T0)).toEqual([
          { entity: device, name: 'farm_device', expiresAt: T0 + HOUR, source: 'device-farm', setAt: T0 + 7 },
        ])
      })

      it('refuses malformed label ops', async () => {
        await expect(
          repo.applyLabelOps([{ ...labelOp('set', device, 'a'), time: Number.NaN }]),
        ).rejects.toThrow()
        expect(await repo.labels(T0)).toEqual([])
      })
    })

    describe('truth labels', () => {
      it('keeps every label of a subject, the one in force first, with its optional fields', async () => {
        await repo.addTruthLabels([
          truth({ eventId: 'evt-1', malicious: false, source: 'user_report', time: T0 }),
          truth({
            eventId: 'evt-1',
            area: 'spam',
            campaign: 'c-7',
            damage: 2.5,
            note: 'ünï ✓',
            source: 'review',
            time: T0 + 10,
          }),
          truth({ entity: { type: 'actor', id: 'user-1' }, source: 'chargeback', time: T0 + 5 }),
          truth({ eventId: 'evt-2', time: T0 }),
        ])
        expect(await repo.truthLabels({ eventId: 'evt-1' }, 10)).toEqual([
          truth({
            eventId: 'evt-1',
            area: 'spam',
            campaign: 'c-7',
            damage: 2.5,
            note: 'ünï ✓',
            source: 'review',
            time: T0 + 10,
          }),
          truth({ eventId: 'evt-1', malicious: false, source: 'user_report', time: T0 }),
        ])
        const [first] = await repo.truthLabels({ eventId: 'evt-2' }, 10)
        expect(first && ('area' in first || 'note' in first || 'entity' in first)).toBe(false)
        expect(await repo.truthLabels({ eventId: 'evt-1' }, 1)).toHaveLength(1)
        expect(await repo.truthLabels({ entity: { type: 'actor', id: 'user-1' } }, 10)).toEqual([
          truth({ entity: { type: 'actor', id: 'user-1' }, source: 'chargeback', time: T0 + 5 }),
        ])
        // An event id and an entity id that are the same text are different subjects.
        expect(await repo.truthLabels({ entity: { type: 'device', id: 'user-1' } }, 10)).toEqual([])
        expect(await repo.truthLabels({ eventId: 'user-1' }, 10)).toEqual([])
      })

      it('reads the labels in force of many subjects at once', async () => {
        await repo.addTruthLabels([
          truth({ eventId: 'e1', malicious: false, source: 'user_report', time: T0 }),
          truth({ eventId: 'e1', malicious: true, source: 'review', area: 'spam', time: T0 + 1 }),
          truth({ eventId: 'e2', malicious: false, source: 'review', time: T0 }),
          truth({ entity: { type: 'actor', id: 'u1' }, source: 'review', damage: 4, time: T0 }),
          truth({ entity: { type: 'device', id: 'u1' }, source: 'review', time: T0 }),
        ])
        const inForce = await repo.truthLabelsInForce([
          { eventId: 'e1' },
          { eventId: 'e2' },
          { eventId: 'e3' },
          { entity: { type: 'actor', id: 'u1' } },
          { entity: { type: 'actor', id: 'u2' } },
        ])
        const key = (l: TruthLabel) => l.eventId ?? `${l.entity?.type}/${l.entity?.id}`
        expect(inForce.map((l) => [key(l), l.malicious, l.source]).sort()).toEqual([
          ['actor/u1', true, 'review'],
          ['e1', true, 'review'],
          ['e2', false, 'review'],
        ])
        expect(inForce.find((l) => l.eventId === 'e1')?.area).toBe('spam')
        expect(inForce.find((l) => l.entity)?.damage).toBe(4)
        expect(await repo.truthLabelsInForce([])).toEqual([])
      })

      it('orders a tie in time by the order recorded', async () => {
        await repo.addTruthLabels([truth({ eventId: 'e', malicious: true, source: 'a' })])
        await repo.addTruthLabels([truth({ eventId: 'e', malicious: false, source: 'b' })])
        expect((await repo.truthLabels({ eventId: 'e' }, 10)).map((l) => l.source)).toEqual(['b', 'a'])
      })

      it('refuses a batch with a malformed label whole', async () => {
        await expect(
          repo.addTruthLabels([
            truth({ eventId: 'ok' }),
            truth({ eventId: 'both', entity: { type: 'actor', id: 'u' } }),
          ]),
        ).rejects.toThrow(/exactly one/)
        await expect(repo.addTruthLabels([truth({})])).rejects.toThrow(/exactly one/)
        await expect(
          repo.addTruthLabels([{ ...truth({ eventId: 'x' }), malicious: 'yes' as unknown as boolean }]),
        ).rejects.toThrow(/malicious/)
        expect(await repo.truthLabels({ eventId: 'ok' }, 10)).toEqual([])
      })
    })

    describe('rule quality', () => {
      const acting = ['actor']

      it('is empty without hits', async () => {
        expect(await repo.ruleQuality(acting)).toEqual([])
        await repo.record(withHits(1, 'u1', []))
        await repo.addTruthLabels([truth({ eventId: 'evt-1' })])
        expect(await repo.ruleQuality(acting)).toEqual([])
      })

      it('counts hits per rule and mode, and true and false positives among the labelled ones', async () => {
        await repo.record(withHits(1, 'u1', ['r1:enforce', 'r2:shadow']))
        await repo.record(withHits(2, 'u2', ['r1:enforce']))
        await repo.record(withHits(3, 'u3', ['r2:shadow', 'r3:enforce']))
        await repo.record(withHits(4, 'u4', ['r1:shadow']))
        await repo.record(withHits(5, 'u5', []))
        // A repeated event id adds no hits.
        await repo.record(withHits(1, 'u1', ['r1:enforce', 'r9:enforce']))
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({
          'r1:enforce': [2, 0, 0],
          'r1:shadow': [1, 0, 0],
          'r2:shadow': [2, 0, 0],
          'r3:enforce': [1, 0, 0],
        })
        await repo.addTruthLabels([
          truth({ eventId: 'evt-1', malicious: true }),
          truth({ eventId: 'evt-2', malicious: false }),
          // The acting entity of evt-3.
          truth({ entity: { type: 'actor', id: 'u3' }, malicious: true }),
          // Not an acting entity type: counts for nothing.
          truth({ entity: { type: 'device', id: 'shared-device' }, malicious: false }),
          // No such decision.
          truth({ eventId: 'evt-404', malicious: false }),
          truth({ eventId: 'evt-5', malicious: false }),
        ])
        const rows = await repo.ruleQuality(acting)
        expect(rows.find((r) => r.rule === 'r1' && r.mode === 'enforce')).toEqual({
          rule: 'r1',
          mode: 'enforce',
          hits: 2,
          tp: 1,
          fp: 1,
        })
        expect(qualityOf(rows)).toEqual({
          'r1:enforce': [2, 1, 1],
          'r1:shadow': [1, 0, 0],
          'r2:shadow': [2, 2, 0],
          'r3:enforce': [1, 1, 0],
        })
        // Without acting entity types, only the event labels count.
        expect(qualityOf(await repo.ruleQuality([]))).toEqual({
          'r1:enforce': [2, 1, 1],
          'r1:shadow': [1, 0, 0],
          'r2:shadow': [2, 1, 0],
          'r3:enforce': [1, 0, 0],
        })
        // With the device as an acting type too, the benign device labels evt-4 (and evt-3's actor
        // label still decides evt-3: one label per decision).
        const both = qualityOf(await repo.ruleQuality(['actor', 'device']))
        expect(both['r1:shadow']).toEqual([1, 0, 1])
        expect(both['r1:enforce']).toEqual([2, 1, 1])
      })

      it("prefers the event's label to its acting entity's", async () => {
        await repo.record(withHits(1, 'u1', ['r1:enforce']))
        await repo.record(withHits(2, 'u1', ['r1:enforce']))
        await repo.addTruthLabels([
          truth({ entity: { type: 'actor', id: 'u1' }, malicious: true }),
          truth({ eventId: 'evt-2', malicious: false }),
        ])
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({ 'r1:enforce': [2, 1, 1] })
      })

      it('uses the label in force: the latest by time, whatever order they arrive in', async () => {
        await repo.record(withHits(1, 'u1', ['r1:enforce']))
        await repo.record(withHits(2, 'u2', ['r1:enforce']))
        await repo.addTruthLabels([
          truth({ eventId: 'evt-1', malicious: false, time: T0 }),
          truth({ entity: { type: 'actor', id: 'u2' }, malicious: false, time: T0 }),
        ])
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({ 'r1:enforce': [2, 0, 2] })
        // A later verdict overrides; an earlier one arriving afterwards does not.
        await repo.addTruthLabels([truth({ eventId: 'evt-1', malicious: true, time: T0 + HOUR })])
        await repo.addTruthLabels([truth({ eventId: 'evt-1', malicious: false, time: T0 + 1 })])
        await repo.addTruthLabels([
          truth({ entity: { type: 'actor', id: 'u2' }, malicious: true, time: T0 + 2 }),
        ])
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({ 'r1:enforce': [2, 2, 0] })
        // The same time: the one recorded last.
        await repo.addTruthLabels([
          truth({ entity: { type: 'actor', id: 'u2' }, malicious: false, time: T0 + 2 }),
        ])
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({ 'r1:enforce': [2, 1, 1] })
        expect(await repo.truthLabels({ eventId: 'evt-1' }, 10)).toHaveLength(3)
      })

      it('counts decisions recorded after their labels', async () => {
        await repo.addTruthLabels([truth({ entity: { type: 'actor', id: 'late' }, malicious: true })])
        await repo.record(withHits(7, 'late', ['r1:shadow']))
        expect(qualityOf(await repo.ruleQuality(acting))).toEqual({ 'r1:shadow': [1, 1, 0] })
      })
    })

    describe('list entries', () => {
      const entry = (list: string, value: string, extra = {}) => ({
        list,
        value,
        source: 'api',
        addedAt: T0,
        ...extra,
      })

      it('adds, upserts, removes and lists entries', async () => {
        await repo.addListEntries([
          entry('blocked_ips', '203.0.113.7'),
          entry('blocked_ips', '198.51.100.0/24', { expiresAt: T0 + HOUR }),
          entry('vip', 'user-1'),
        ])
        expect(byKey(await repo.listEntries(T0))).toEqual([
          entry('blocked_ips', '198.51.100.0/24', { expiresAt: T0 + HOUR }),
          entry('blocked_ips', '203.0.113.7'),
          entry('vip', 'user-1'),
        ])
        await repo.addListEntries([
          entry('vip', 'user-1', { source: 'reviewer', addedAt: T0 + 9, expiresAt: T0 + 60 }),
        ])
        expect((await repo.listEntries(T0)).filter((e) => e.list === 'vip')).toEqual([
          entry('vip', 'user-1', { source: 'reviewer', addedAt: T0 + 9, expiresAt: T0 + 60 }),
        ])
        // The same value in another list is another entry.
        await repo.addListEntries([entry('vip', '203.0.113.7')])
        expect(await repo.removeListEntries('blocked_ips', ['203.0.113.7', 'not-there'])).toBe(1)
        expect(byKey(await repo.listEntries(T0)).map((e) => `${e.list}:${e.value}`)).toEqual([
          'blocked_ips:198.51.100.0/24',
          'vip:203.0.113.7',
          'vip:user-1',
        ])
        expect(await repo.removeListEntries('vip', [])).toBe(0)
        expect(await repo.removeListEntries('vip', ['user-1', '203.0.113.7'])).toBe(2)
      })

      it('hides entries from the moment they expire', async () => {
        await repo.addListEntries([entry('l', 'a', { expiresAt: T0 + 10 }), entry('l', 'b')])
        expect(byKey(await repo.listEntries(T0 + 9)).map((e) => e.value)).toEqual(['a', 'b'])
        expect((await repo.listEntries(T0 + 10)).map((e) => e.value)).toEqual(['b'])
        const [b] = await repo.listEntries(T0 + 10)
        expect(b && 'expiresAt' in b).toBe(false)
      })
    })

    describe('policy versions', () => {
      const version = (
        v: string,
        loadedAt: number,
        files: Record<string, string> = { 'rules/a.yaml': `# ${v}` },
      ) => ({
        version: v,
        name: 'starter',
        files,
        loadedAt,
        source: '/etc/bulwark/policies',
      })

      it('saves, lists newest first without files, and reads one back with its files', async () => {
        await repo.savePolicyVersion(version('v1', T0))
        await repo.savePolicyVersion(
          version('v3', T0 + 2000, { 'a.yaml': 'x: 1\n', 'tests/b.yaml': 'ünï ✓\n' }),
        )
        await repo.savePolicyVersion(version('v2', T0 + 1000))
        const listed = await repo.policyVersions(10)
        expect(listed.map((v) => v.version)).toEqual(['v3', 'v2', 'v1'])
        expect(listed[0]).toEqual({
          version: 'v3',
          name: 'starter',
          loadedAt: T0 + 2000,
          source: '/etc/bulwark/policies',
        })
        expect((await repo.policyVersions(2)).map((v) => v.version)).toEqual(['v3', 'v2'])
        expect(await repo.policyVersion('v3')).toEqual(
          version('v3', T0 + 2000, { 'a.yaml': 'x: 1\n', 'tests/b.yaml': 'ünï ✓\n' }),
        )
        expect(await repo.policyVersion('nope')).toBeUndefined()
      })

      it('keeps one record per version: saving it again replaces it', async () => {
        await repo.savePolicyVersion(version('v1', T0))
        await repo.savePolicyVersion({ ...version('v1', T0 + 5), source: 'api' })
        expect(await repo.policyVersions(10)).toEqual([
          { version: 'v1', name: 'starter', loadedAt: T0 + 5, source: 'api' },
        ])
      })
    })

    actionRetentionCases(() => repo)

    describe('close', () => {
      it('commits pending records before closing, then refuses writes', async () => {
        const pending = Array.from({ length: 50 }, (_, i) => repo.record(decisionRecord(i)))
        open_ = false
        await repo.close()
        const stored = await Promise.all(pending)
        expect(new Set(stored.map((s) => s.seq)).size).toBe(50)
        await expect(repo.record(decisionRecord(99))).rejects.toThrow(/closed/)
      })
    })
  })
}
