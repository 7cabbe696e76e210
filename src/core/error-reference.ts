/**
 * Renders docs/errors.md from the error registry, so the list of codes cannot drift from the code:
 * every code with its HTTP status and message template, grouped under the registry's section
 * comments (`// ── policy packs ───`). The sections exist only in the source text, so the caller
 * passes the text of errors.ts; this module does no I/O. `npm run docs` writes the file and a
 * test fails when it is stale.
 */

import { ERRORS, type ErrorCode } from './errors.ts'

export interface ErrorSection {
  readonly title: string
  readonly codes: readonly ErrorCode[]
}

const SECTION = /^\s*\/\/\s*─+\s*(.+?)\s*─*\s*$/
const ENTRY = /^ {2}([A-Z][A-Z0-9_]*):/

/**
 * The registry's sections, in source order, from the text of errors.ts. Throws when a code of the
 * registry is missing from the text or listed before any section, so the rendering stays whole.
 */
export function errorSections(source: string): ErrorSection[] {
  const start = source.indexOf('export const ERRORS')
  const end = source.indexOf('} as const', start)
  if (start < 0 || end < 0) throw new Error('errors.ts: cannot find the ERRORS registry')
  const sections: { title: string; codes: ErrorCode[] }[] = []
  for (const line of source.slice(start, end).split('\n')) {
    const section = SECTION.exec(line)
    if (section) {
      sections.push({ title: section[1]!, codes: [] })
      continue
    }
    const entry = ENTRY.exec(line)
    if (!entry) continue
    const code = entry[1]!
    if (!Object.hasOwn(ERRORS, code)) continue
    const current = sections.at(-1)
    if (!current) throw new Error(`errors.ts: ${code} comes before the first section comment`)
    current.codes.push(code as ErrorCode)
  }
  const listed = new Set(sections.flatMap((s) => s.codes))
  const missing = Object.keys(ERRORS).filter((c) => !listed.has(c as ErrorCode))
  if (missing.length) throw new Error(`errors.ts: codes outside the sections: ${missing.join(', ')}`)
  return sections.filter((s) => s.codes.length > 0)
}

const cell = (text: string) => text.replace(/\|/g, '\\|')
const heading = (title: string) => title.charAt(0).toUpperCase() + title.slice(1)

/** The whole of docs/errors.md. */
export function renderErrorReference(source: string): string {
  const out = [
    '<!-- generated from src/core/errors.ts by `npm run docs`; do not edit -->',
    '',
    '# Error codes',
    '',
    'Every error Bulwark reports has a stable UPPER_SNAKE code that never changes meaning once',
    'released, a message template and the HTTP status the API answers it with. An API error is',
    'always JSON: `{"error": {"code": "…", "message": "…", "details": …}}`, with `details` present',
    'when there is more to say (the problems of an invalid event, the diagnostics of a refused',
    "policy pack). In a message template, `{name}` stands for a value filled in from the error's",
    'context.',
    '',
    'Not every code reaches a client as an HTTP error. Compile-time (`CEL_…`) and policy pack',
    '(`POLICY_…`) codes are load diagnostics: `bulwark check` prints them as `file:line:col`, and',
    '`PUT /v1/policy` returns them inside a 422 `POLICY_REJECTED` error, under',
    '`details.diagnostics[].code`. Evaluation codes (`EVAL_…`) are error values: the rule (or',
    'feature) does not match, the decision lists the error under `errors` and is answered as usual,',
    'and `bulwark_rule_errors_total` counts it. See [api.md](api.md) for the error body and',
    '[policy-language.md](policy-language.md#11-diagnostics-and-error-codes) for what the language',
    'codes mean and how to fix them.',
    '',
  ]
  for (const s of errorSections(source)) {
    out.push(`## ${heading(s.title)}`, '', '| code | HTTP status | message template |', '|---|---|---|')
    for (const code of s.codes) {
      const spec = ERRORS[code]
      out.push(`| \`${code}\` | ${spec.status} | \`${cell(spec.message)}\` |`)
    }
    out.push('')
  }
  return out.join('\n')
}
