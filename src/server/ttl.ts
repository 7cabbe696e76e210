/**
 * Times to live given to the API (`ttl: "30d"` on a label or list entries) as milliseconds,
 * bounded so that now + ttl is still a date: an entry "expiring" in 10^20 days used to be stored,
 * and every later read that presents its expiry failed with a 500.
 */

import { BulwarkError } from '../core/errors.ts'
import { parseSpan } from '../policy/features.ts'

/** The longest time to live: 100 years. */
export const MAX_TTL_DAYS = 36_500
const MAX_TTL_MS = MAX_TTL_DAYS * 24 * 3600 * 1000

/** The time to live in milliseconds; undefined when none is given. */
export function ttlOf(text: string | undefined): number | undefined {
  if (!text) return undefined
  const ms = parseSpan(text)
  if (ms === undefined || ms > MAX_TTL_MS)
    throw new BulwarkError('INVALID_ARGUMENT', {
      detail: `ttl must be a span of at most ${MAX_TTL_DAYS}d (e.g. 30d, 12h); got '${text.slice(0, 40)}'`,
    })
  return ms
}
