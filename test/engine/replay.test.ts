/**
 * Offline replay (engine/replay.ts): events are decided in event-time order whatever their order
 * in the file, windows follow event time, repeated ids are answered as duplicates, and bad lines
 * are reported by line number without stopping the replay.
 */

import { describe, expect, it } from 'vitest'
import type { Decision } from '../../src/core/domain.ts'
import { replay } from '../../src/engine/replay.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'

const loaded = loadPack(readPackDir('test/fixtures/packs/mini'))
if (!loaded.ok) throw new Error('the mini pack does not load')
const pack = loaded.pack

const T0 = Date.UTC(2026, 0, 1)
const signup = (id: string, minutes: number, device: string) =>
  JSON.stringify({
    type: 'signup',
    id,
    time: new Date(T0 + minutes * 60_000).toISOString(),
    actor: { id: `u-${id}` },
    device: { id: device },
    ip: '1.2.3.4',
    email: `${id}@example.com`,
  })

describe('replay', () => {
  it('decides in event-time order, with windows on event time', async () => {
    // Written newest first; four signups on one device within an hour make the fourth a farm.
    const lines = [
      signup('d', 30, 'dev'),
      signup('c', 20, 'dev'),
      signup('b', 10, 'dev'),
      signup('a', 0, 'dev'),
    ]
    const seen: Decision[] = []
    const summary = await replay(pack, lines.join('\n'), { onDecision: (d) => seen.push(d) })
    expect(seen.map((d) => d.eventId)).toEqual(['a', 'b', 'c', 'd'])
    expect(seen.map((d) => d.features.signups_per_device_1h)).toEqual([1, 2, 3, 4])
    expect(seen.map((d) => d.outcome)).toEqual(['allow', 'allow', 'allow', 'block'])
    expect(summary).toMatchObject({
      lines: 4,
      decided: 4,
      duplicates: 0,
      rejected: 0,
      outcomes: { allow: 3, block: 1 },
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 30 * 60_000).toISOString(),
    })
    expect(summary.rules['device-farm']).toEqual({ enforced: 1, shadow: 0, errors: 0 })
  })

  it('lets windows slide: the same signups spread over hours are not a farm', async () => {
    const lines = [0, 70, 140, 210].map((m, i) => signup(`s${i}`, m, 'dev'))
    const seen: Decision[] = []
    await replay(pack, lines.join('\n'), { onDecision: (d) => seen.push(d) })
    expect(seen.map((d) => d.features.signups_per_device_1h)).toEqual([1, 1, 1, 1])
  })

  it('keeps file order for equal times and answers a repeated id as a duplicate', async () => {
    const lines = [signup('x', 5, 'd1'), signup('y', 5, 'd1'), signup('x', 6, 'd1')]
    const seen: [string, boolean][] = []
    const summary = await replay(pack, lines.join('\n'), {
      onDecision: (d, dup) => seen.push([d.eventId, dup]),
    })
    expect(seen).toEqual([
      ['x', false],
      ['y', false],
      ['x', true],
    ])
    expect(summary).toMatchObject({ decided: 2, duplicates: 1 })
  })

  it('reports bad lines by number and carries on', async () => {
    const input = [
      signup('ok1', 0, 'd'),
      'not json',
      '[1, 2]',
      JSON.stringify({ type: 'signup', actor: { id: 'u' } }),
      JSON.stringify({ type: 'signup', time: new Date(T0).toISOString(), actor: { id: 'u' } }),
      '',
      signup('ok2', 1, 'd'),
    ].join('\n')
    const summary = await replay(pack, input)
    expect(summary.lines).toBe(6)
    expect(summary.decided).toBe(2)
    expect(summary.rejected).toBe(4)
    expect(summary.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'INVALID_JSON'],
      [3, 'EVENT_INVALID'],
      [4, 'EVENT_INVALID'],
      [5, 'EVENT_INVALID'],
    ])
    expect(summary.problems[2]!.message).toMatch(/time is required/)
    expect(summary.problems[3]!.message).toMatch(/device/)
  })

  it('summarises an empty stream', async () => {
    const summary = await replay(pack, '\n\n')
    expect(summary).toMatchObject({ lines: 0, decided: 0, rejected: 0, from: null, to: null, outcomes: {} })
  })
})
