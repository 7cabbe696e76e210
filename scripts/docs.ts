/**
 * `npm run docs`: regenerates the documentation that is derived from the code — the built-in
 * function reference inside docs/policy-language.md, and docs/errors.md from the error registry.
 * Tests fail when either is stale.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { renderErrorReference } from '../src/core/error-reference.ts'
import { withReference } from '../src/lang/reference.ts'

function update(name: string, render: (before: string) => string): void {
  const path = new URL(`../${name}`, import.meta.url)
  const before = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const after = render(before)
  if (after !== before) writeFileSync(path, after)
  console.log(after === before ? `${name} is up to date` : `${name} updated`)
}

update('docs/policy-language.md', withReference)
const registry = readFileSync(new URL('../src/core/errors.ts', import.meta.url), 'utf8')
update('docs/errors.md', () => renderErrorReference(registry))
