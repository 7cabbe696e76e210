/**
 * Entity labels in memory (src/features/labels.ts): set, replace in place, clear, expiry as of a
 * time, records in the order labels were first set, and expire() dropping what has expired.
 */

import { describe, expect, it } from 'vitest'
import { LabelStore } from '../../src/features/labels.ts'
import type { LabelOp } from '../../src/store/repository.ts'

const device = (id: string) => ({ type: 'device', id })
const set = (id: string, name: string, time: number, expiresAt?: number, source = 'rule-a'): LabelOp => ({
  op: 'set',
  entity: device(id),
  name,
  ...(expiresAt !== undefined ? { expiresAt } : {}),
  source,
  time,
})

describe('LabelStore', () => {
  it('answers the labels in force at a time, none for unknown entities or types', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'farm', 100, 1_000))
    s.apply(set('d1', 'trusted', 100))
    expect(s.active('device', 'd1', 500)).toEqual(['farm', 'trusted'])
    expect(s.active('device', 'd1', 1_000)).toEqual(['trusted'])
    expect(s.active('device', 'd2', 500)).toEqual([])
    expect(s.active('user', 'd1', 500)).toEqual([])
  })

  it('answers an empty list once every label has expired', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'farm', 100, 200))
    expect(s.active('device', 'd1', 150)).toEqual(['farm'])
    expect(s.active('device', 'd1', 200)).toEqual([])
    expect(s.records('device', 'd1', 200)).toEqual([])
  })

  it('replaces a label set again in its place, keeping the order labels were first set', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'a', 1))
    s.apply(set('d1', 'b', 2, 50))
    s.apply(set('d1', 'c', 3))
    s.apply(set('d1', 'b', 4, undefined, 'rule-b'))
    expect(s.active('device', 'd1', 100)).toEqual(['a', 'b', 'c'])
    expect(s.records('device', 'd1', 100)).toEqual([
      { entity: device('d1'), name: 'a', source: 'rule-a', setAt: 1 },
      { entity: device('d1'), name: 'b', source: 'rule-b', setAt: 4 },
      { entity: device('d1'), name: 'c', source: 'rule-a', setAt: 3 },
    ])
  })

  it('records carry expiresAt only when the label expires', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'farm', 10, 99))
    s.apply(set('d1', 'trusted', 11))
    const records = s.records('device', 'd1', 20)
    expect(records[0]).toEqual({
      entity: device('d1'),
      name: 'farm',
      expiresAt: 99,
      source: 'rule-a',
      setAt: 10,
    })
    expect(Object.hasOwn(records[1]!, 'expiresAt')).toBe(false)
  })

  it('clears one label, and forgets an entity left without labels', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'a', 1))
    s.apply(set('d1', 'b', 1))
    s.apply({ op: 'clear', entity: device('d1'), name: 'a', source: 'api', time: 2 })
    expect(s.active('device', 'd1', 3)).toEqual(['b'])
    s.apply({ op: 'clear', entity: device('d1'), name: 'missing', source: 'api', time: 2 })
    s.apply({ op: 'clear', entity: device('d9'), name: 'a', source: 'api', time: 2 })
    s.apply({ op: 'clear', entity: device('d1'), name: 'b', source: 'api', time: 2 })
    expect(s.active('device', 'd1', 3)).toEqual([])
    // Set again after the entity was forgotten.
    s.apply(set('d1', 'c', 4))
    expect(s.active('device', 'd1', 5)).toEqual(['c'])
  })

  it('expire() drops expired labels, counts them, and keeps the rest in order', () => {
    const s = new LabelStore()
    s.apply(set('d1', 'a', 1, 10))
    s.apply(set('d1', 'b', 1))
    s.apply(set('d1', 'c', 1, 30))
    s.apply(set('d2', 'a', 1, 10))
    expect(s.expire(10)).toBe(2)
    expect(s.active('device', 'd1', 0)).toEqual(['b', 'c'])
    expect(s.records('device', 'd2', 0)).toEqual([])
    expect(s.expire(10)).toBe(0)
    expect(s.expire(30)).toBe(1)
    expect(s.active('device', 'd1', 0)).toEqual(['b'])
  })

  it('load() takes stored records', () => {
    const s = new LabelStore()
    s.load([
      { entity: device('d1'), name: 'farm', expiresAt: 500, source: 'rule-a', setAt: 100 },
      { entity: { type: 'user', id: 'u1' }, name: 'trusted', source: 'api', setAt: 100 },
    ])
    expect(s.active('device', 'd1', 200)).toEqual(['farm'])
    expect(s.active('user', 'u1', 200)).toEqual(['trusted'])
  })

  it('expireInSlices() drops what expire() drops, while labels keep being set between slices', async () => {
    const fill = () => {
      const s = new LabelStore()
      for (let i = 0; i < 500; i++) {
        s.apply(set(`d${i}`, 'farm', 1, i % 3 === 0 ? undefined : 10 + (i % 50)))
        if (i % 4 === 0) s.apply(set(`d${i}`, 'trusted', 1, 100))
      }
      return s
    }
    const once = fill()
    const sliced = fill()
    const gone = once.expire(40)
    expect(gone).toBeGreaterThan(0)
    const pass = sliced.expireInSlices(40, 7)
    // A second pass while one is under way does nothing.
    expect(await sliced.expireInSlices(40, 7)).toBe(0)
    // Set meanwhile (in force after the pass's time): kept.
    sliced.apply(set('late', 'farm', 41, 1_000))
    expect(await pass).toBe(gone)
    for (let i = 0; i < 500; i++)
      expect(sliced.records('device', `d${i}`, 0)).toEqual(once.records('device', `d${i}`, 0))
    expect(sliced.active('device', 'late', 50)).toEqual(['farm'])
  })
})
