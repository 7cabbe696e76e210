/**
 * Every built-in is declared once with signature, cost, purity and documentation. These tests
 * hold the declarations, implementations, compiler special forms and docs together.
 */

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BUILTIN_AREAS, BUILTINS } from '../../src/lang/builtins/index.ts'
import { SPECIAL_FORMS } from '../../src/lang/compile/compiler.ts'
import { renderReference, withReference } from '../../src/lang/reference.ts'

const all = Object.values(BUILTIN_AREAS).flat()

describe('built-in declarations', () => {
  it('give every overload an implementation, except the compiler special forms', () => {
    const missing = all.flatMap((d) =>
      d.overloads.filter((o) => !o.impl && !SPECIAL_FORMS.has(d.name)).map((o) => o.id),
    )
    expect(missing).toEqual([])
  })

  it('list no special form that is not declared, or that also has implementations', () => {
    for (const name of SPECIAL_FORMS) {
      const d = BUILTINS.get(name)
      expect(d, name).toBeDefined()
      expect(
        d!.overloads.filter((o) => o.impl).map((o) => o.id),
        name,
      ).toEqual([])
    }
  })

  it('use unique overload ids and a positive cost', () => {
    const ids = all.flatMap((d) => d.overloads.map((o) => o.id))
    expect(new Set(ids).size).toBe(ids.length)
    for (const d of all) expect(d.cost, d.name).toBeGreaterThan(0)
  })

  it('document every function with a sentence', () => {
    for (const d of all) expect(d.doc.length, d.name).toBeGreaterThan(10)
  })

  it('appear in docs/policy-language.md exactly as generated', () => {
    const doc = readFileSync(new URL('../../docs/policy-language.md', import.meta.url), 'utf8')
    expect(withReference(doc), 'run `npm run docs` to regenerate the reference').toBe(doc)
    expect(doc).toContain(renderReference())
  })
})
