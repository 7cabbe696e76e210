/**
 * Loading a pack again (a `PUT /v1/policy`, a backtest's baseline) reuses the parse of every file
 * whose text is unchanged (src/policy/yaml.ts) and nothing else: each load reports its own
 * diagnostics, once, at the same places; a changed file is read as changed; and the result equals
 * a load that parsed everything afresh.
 */

import { describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'

const starter = readPackDir('policies/starter')

describe('loading a pack again', () => {
  it('gives the same pack, and reads a changed file as changed', () => {
    const first = loadPack(starter)
    const again = loadPack({ ...starter })
    if (!first.ok || !again.ok) throw new Error('the starter pack does not load')
    expect(again.pack.version).toBe(first.pack.version)
    expect(again.pack.rules.map((r) => r.id)).toEqual(first.pack.rules.map((r) => r.id))
    expect(again.pack.tests.length).toBe(first.pack.tests.length)

    const file = Object.keys(starter).find((p) => p.startsWith('rules/'))!
    const text = starter[file]!
    expect(text).toMatch(/description: /)
    const changed = loadPack({ ...starter, [file]: text.replace('description: ', 'description: Changed. ') })
    if (!changed.ok) throw new Error('the changed pack does not load')
    expect(changed.pack.version).not.toBe(first.pack.version)
    const described = (p: typeof first.pack) => p.rules.filter((r) => r.description?.startsWith('Changed. '))
    expect(described(first.pack)).toHaveLength(0)
    expect(described(changed.pack)).toHaveLength(1)
  })

  it('reports a broken file each time, once, at the same place', () => {
    const file = Object.keys(starter).find((p) => p.startsWith('rules/'))!
    const broken = { ...starter, [file]: `${starter[file]!}\n  - id: [unclosed\n` }
    const a = loadPack(broken)
    const b = loadPack({ ...broken })
    if (a.ok || b.ok) throw new Error('a broken pack loaded')
    expect(a.diagnostics.length).toBeGreaterThan(0)
    expect(b.diagnostics).toEqual(a.diagnostics)
    // And the good pack after it is clean again.
    expect(loadPack(starter).ok).toBe(true)
  })
})
