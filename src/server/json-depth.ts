/**
 * How deeply a JSON body may nest arrays and objects. JSON.parse takes any depth, but much of
 * what a body goes through afterwards recurses (JSON.stringify when an event batch is written to
 * the inbox or a model card to the registry, schema checks, copies): a body nested some thousands
 * of levels deep overflowed the stack there, a 500. No request of the API needs more than a few
 * levels, so a body nested deeper than MAX_JSON_DEPTH is refused before it is parsed.
 */

import { BulwarkError } from '../core/errors.ts'

export const MAX_JSON_DEPTH = 64

/**
 * Whether JSON text opens more than `max` arrays or objects inside one another (brackets inside
 * strings do not count). One pass over the characters; the text need not be valid JSON.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  // Depth d needs d opening brackets: a text with at most `max` of them (most bodies, counted
  // with native indexOf jumps) cannot exceed it, and skips the character-by-character scan.
  if (text.length <= max || !opensMoreThan(text, max)) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // a backslash escapes the next character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

function opensMoreThan(text: string, max: number): boolean {
  let count = 0
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > max) return true
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > max) return true
  return false
}

/** The 400 INVALID_JSON for a body nested too deeply. */
export function tooDeep(): BulwarkError {
  return new BulwarkError('INVALID_JSON', {
    detail: `arrays and objects are nested more than ${MAX_JSON_DEPTH} levels deep`,
  })
}
