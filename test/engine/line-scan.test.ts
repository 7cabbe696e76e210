/**
 * The replay's first-pass scanner (engine/line-scan.ts): on every line it accepts it reads the
 * same top-level `time` and `id` as JSON.parse would, and it declines (undefined) whatever it
 * cannot read for sure, so the replay parses those lines instead.
 */

import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/core/random.ts'
import { scanTimeAndId } from '../../src/engine/line-scan.ts'
import { replay } from '../../src/engine/replay.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'

const scan = (line: string) => {
  const bytes = Buffer.from(line, 'utf8')
  return scanTimeAndId(bytes, 0, bytes.length)
}

/** What JSON.parse says of the line's top-level time and id, in the scanner's terms. */
const parsed = (line: string) => {
  const v = JSON.parse(line) as { time?: unknown; id?: unknown }
  return {
    time: typeof v.time === 'string' || typeof v.time === 'number' ? v.time : null,
    id: typeof v.id === 'string' ? v.id : null,
  }
}

describe('scanTimeAndId', () => {
  it('reads the top-level time and id, not nested ones', () => {
    const line = JSON.stringify({
      type: 'post',
      actor: { id: 'u1', time: 'nested', tags: [{ id: 'x' }, '}', '{'] },
      text: 'a "quoted" {brace} [bracket], and a backslash \\ too',
      id: 'e1',
      n: -1.5e3,
      ok: true,
      none: null,
      time: '2026-01-01T00:00:00.000Z',
    })
    expect(scan(line)).toEqual({ time: '2026-01-01T00:00:00.000Z', id: 'e1' })
    expect(scan(line)).toEqual(parsed(line))
  })

  it('reads epoch-millisecond times, whitespace, missing ids and the last of duplicate keys', () => {
    expect(scan(' { "time" : 1767225600000 , "id" : "a" } ')).toEqual({ time: 1767225600000, id: 'a' })
    expect(scan('{"time":"t1","time":"t2"}')).toEqual({ time: 't2', id: null })
    expect(scan('{"id":7,"time":{"a":1}}')).toEqual({ time: null, id: null })
    expect(scan('{}')).toEqual({ time: null, id: null })
    expect(scan('{"id":"é☃","time":"2026"}')).toEqual({ time: '2026', id: 'é☃' })
  })

  it('declines what it cannot read for sure', () => {
    for (const line of [
      '[1,2]',
      '"text"',
      'not json',
      '',
      '{"time":"a\\"b"}', // an escape in the value
      '{"ti\\u006de":"2026-01-01T00:00:00Z"}', // an escaped key that spells time
      '{"time":"2026"', // unterminated
      '{"time":"2026"} trailing',
      '{"a":[1,2}',
      '{"a" 1}',
    ])
      expect(scan(line), line).toBeUndefined()
  })

  it('agrees with JSON.parse on thousands of random events', () => {
    const r = seededRandom(7)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
    const text = () => pick(['plain', 'with "quotes"', 'back\\slash', '{ [ } ]', 'ünïcødé ☃', ''])
    const value = (depth: number): unknown => {
      const k = Math.floor(r() * (depth > 2 ? 4 : 6))
      if (k === 0) return text()
      if (k === 1) return Math.round(r() * 1e6) / 100
      if (k === 2) return pick([true, false, null])
      if (k === 3) return -Math.floor(r() * 100)
      if (k === 4) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1))
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, () => [
          pick(['id', 'time', 'x', 'y z']),
          value(depth + 1),
        ]),
      )
    }
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const event: Record<string, unknown> = {}
      for (let f = 0; f < 6; f++) event[pick(['type', 'actor', 'a', 'b', 'id', 'time'])] = value(0)
      if (r() < 0.5) event.time = new Date(1767225600000 + i * 1000).toISOString()
      if (r() < 0.5) event.id = `e${i}`
      const line = r() < 0.3 ? JSON.stringify(event, null, 1).replaceAll('\n', ' ') : JSON.stringify(event)
      const s = scan(line)
      if (s === undefined) continue
      accepted++
      expect(s, line).toEqual(parsed(line))
    }
    // Only values with escapes are declined; most lines are read.
    expect(accepted).toBeGreaterThan(1000)
  })
})

describe('replay of bytes', () => {
  const loaded = loadPack(readPackDir('test/fixtures/packs/mini'))
  if (!loaded.ok) throw new Error('the mini pack does not load')
  const signup = (id: string, minutes: number) =>
    JSON.stringify({
      type: 'signup',
      id,
      time: new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString(),
      actor: { id: `u-${id}` },
      device: { id: 'd' },
      ip: '1.2.3.4',
      email: `${id}@example.com`,
    })

  it('reports a line that scans but is not JSON when its turn comes, and decides the rest', async () => {
    const input = [
      signup('b', 1),
      '{"type":"signup","time":"2026-01-01T00:00:30Z","actor":{"id":"u"},"bad":tru}',
      'not json',
      signup('a', 0),
      signup('a', 2),
    ].join('\n')
    const seen: string[] = []
    const summary = await replay(loaded.pack, Buffer.from(input), {
      onDecision: (d, dup) => seen.push(`${d.eventId}${dup ? '*' : ''}`),
    })
    expect(seen).toEqual(['a', 'b', 'a*'])
    expect(summary).toMatchObject({ lines: 5, decided: 2, duplicates: 1, rejected: 2 })
    expect(summary.problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'INVALID_JSON'],
      [2, 'INVALID_JSON'],
    ])
  })
})
