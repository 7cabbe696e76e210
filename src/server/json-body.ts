/**
 * The JSON body parser. Fastify's default runs secure-json-parse on every body: JSON.parse plus
 * two regular-expression scans of the whole text for `__proto__` and `constructor` keys. Here a
 * body is handed to JSON.parse alone when its text cannot spell either key: it contains neither
 * word and no `\u` escape of a character either word is made of (`_` and the letters c, n, o, p,
 * r, s, t, u: codes 0x5f–0x75, so `\u005`–`\u007`; e.g. `"\u005f_proto__"`). Escapes of other
 * characters — accents, emoji, any non-ASCII text that Python's json.dumps escapes by default —
 * keep the fast path. Any other body
 * — suspicious, empty or malformed — goes to Fastify's default parser, so prototype poisoning is
 * refused and every error (code, status, message) is exactly Fastify's, as before. Body limits
 * are enforced before any parser runs.
 */

import type { FastifyInstance } from 'fastify'
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeep } from './json-depth.ts'

/** Whether JSON text could hold a `__proto__` or `constructor` key (then parsed with care). */
export function mayPoison(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || SPELLING_ESCAPE.test(text)
}

/** A `\u` escape of a character in 0x50–0x7f: the only escapes that can spell a forbidden key. */
const SPELLING_ESCAPE = /\\u00[5-7]/

export function registerJsonBody(app: FastifyInstance): void {
  const config = app.initialConfig
  const careful = app.getDefaultJsonParser(
    config.onProtoPoisoning ?? 'error',
    config.onConstructorPoisoning ?? 'error',
  )
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return done(tooDeep(), undefined)
    if (text.length === 0 || mayPoison(text)) return careful(req, text, done)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return careful(req, text, done)
    }
    done(null, parsed)
  })
}
