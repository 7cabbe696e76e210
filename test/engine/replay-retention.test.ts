/**
 * Offline replay forgets what the live server forgets (engine/replay.ts): `bulwark serve` drops
 * first_seen/last_seen keys idle past their retention on its maintenance timer, so replay does
 * the same in event time — an account back after its retention is new again, one back sooner is
 * not. Repeated event ids found while reading are answered with their first decision, however
 * far apart, and replaying the same lines in any order gives the same decisions.
 */

import { afterAll, describe, expect, it } from 'vitest'
import type { Decision } from '../../src/core/domain.ts'
import { replay } from '../../src/engine/replay.ts'
import { packDirs } from './pack-dir.ts'

const dirs = packDirs('replay-retention')
afterAll(() => dirs.cleanup())

const pack = dirs.load({
  'bulwark.yaml': `name: retention
entities:
  user: actor.id
events:
  post:
    fields:
      text: string
`,
  'features/seen.yaml': `features:
  first_post:
    first_seen: { on: post, by: actor.id, retention: 1d }
  last_post:
    last_seen: { on: post, by: actor.id, retention: 1d }
`,
  'rules/new.yaml': `rules:
  - id: first-post-ever
    description: The account's first post within the retention.
    on: post
    when: features.first_post == now
    then: { outcome: review, reason: first post }
`,
})

const T0 = Date.UTC(2026, 0, 1)
const HOUR = 3_600_000
const post = (id: string, user: string, hours: number) =>
  JSON.stringify({
    type: 'post',
    id,
    time: new Date(T0 + hours * HOUR).toISOString(),
    actor: { id: user },
    text: 'hi',
  })

/** RFC 3339 as decisions print timestamps (no zero milliseconds). */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

async function decide(lines: string[]): Promise<Decision[]> {
  const seen: Decision[] = []
  await replay(pack, lines.join('\n'), { onDecision: (d) => seen.push(d) })
  return seen
}

describe('replay retention', () => {
  it('forgets first_seen and last_seen keys idle past their retention, in event time', async () => {
    const seen = await decide([
      post('a1', 'alice', 0),
      post('a2', 'alice', 12), // back within a day: remembered
      post('a3', 'alice', 12 + 30), // idle 30 hours > 1 day: forgotten, new again
      post('b1', 'bob', 1),
    ])
    const byId = new Map(seen.map((d) => [d.eventId, d]))
    expect(byId.get('a1')!.outcome).toBe('review')
    expect(byId.get('a2')!.outcome).toBe('allow')
    expect(byId.get('a2')!.features.first_post).toBe(rfc3339(T0))
    expect(byId.get('a3')!.outcome).toBe('review')
    expect(byId.get('a3')!.features.first_post).toBe(rfc3339(T0 + 42 * HOUR))
    expect(byId.get('b1')!.outcome).toBe('review')
  })

  it('keeps keys active within the retention however long the stream runs', async () => {
    // A post every 20 hours for ten days: never idle a full day, so never new again.
    const lines = Array.from({ length: 12 }, (_, i) => post(`c${i}`, 'carol', i * 20))
    const seen = await decide(lines)
    expect(seen.map((d) => d.outcome)).toEqual(['review', ...new Array(11).fill('allow')])
    expect(seen.at(-1)!.features.first_post).toBe(rfc3339(T0))
  })

  it('answers a repeated id with its first decision, even far apart, in any line order', async () => {
    const lines = [post('x1', 'dan', 0), post('x2', 'dan', 1), post('x1', 'dan', 5)]
    const inOrder = await decide(lines)
    expect(inOrder.map((d) => d.eventId)).toEqual(['x1', 'x2', 'x1'])
    expect(inOrder[2]).toBe(inOrder[0])
    const reversed = await decide([...lines].reverse())
    expect(reversed.map((d) => [d.eventId, d.outcome])).toEqual(inOrder.map((d) => [d.eventId, d.outcome]))
  })
})
