/**
 * `npm run docs`: regenerates the built-in function reference inside docs/policy-language.md.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { withReference } from '../src/lang/reference.ts'

const path = new URL('../docs/policy-language.md', import.meta.url)
const before = readFileSync(path, 'utf8')
const after = withReference(before)
if (after !== before) writeFileSync(path, after)
console.log(after === before ? 'docs/policy-language.md is up to date' : 'docs/policy-language.md updated')
