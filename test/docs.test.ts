/**
 * Generated documentation stays in step with the code: docs/errors.md is exactly what
 * `npm run docs` renders from the error registry, and lists every code once under its section.
 */

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorSections, renderErrorReference } from '../src/core/error-reference.ts'
import { ERRORS } from '../src/core/errors.ts'

const registry = readFileSync(new URL('../src/core/errors.ts', import.meta.url), 'utf8')

describe('docs/errors.md', () => {
  it('groups every registry code under exactly one section comment', () => {
    const sections = errorSections(registry)
    const codes = sections.flatMap((s) => s.codes)
    expect([...codes].sort()).toEqual(Object.keys(ERRORS).sort())
    expect(sections.map((s) => s.title)).toContain('policy packs')
  })

  it('refuses a registry whose codes come before any section comment', () => {
    const unsectioned = registry.replace(/^\s*\/\/ ─+.*$/gm, '')
    expect(() => errorSections(unsectioned)).toThrow(/before the first section comment/)
  })

  it('is exactly as generated', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
    expect(doc, 'run `npm run docs` to regenerate docs/errors.md').toBe(renderErrorReference(registry))
    for (const [code, spec] of Object.entries(ERRORS))
      expect(doc).toContain(`| \`${code}\` | ${spec.status} |`)
  })
})
