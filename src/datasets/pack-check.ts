/**
 * `bulwark import --policy DIR`: each event built from a row is validated against the pack's
 * event types as the engine would (policy/events.ts), so a row whose event the pack would reject
 * fails at import time, by its line, instead of at replay. Fields the event type does not
 * declare are not errors (the engine drops them) but are collected and reported once.
 */

import { validateEvent } from '../policy/events.ts'
import type { Pack } from '../policy/pack.ts'

/** Checks one event: a problem (the row fails), and the top-level fields the pack would drop. */
export type EventCheck = (event: Record<string, unknown>) => {
  readonly problem?: string
  readonly dropped?: readonly string[]
}

export function packEventCheck(pack: Pack): EventCheck {
  return (event) => {
    const r = validateEvent(pack.eventTypes, event, 0, () => 'unused')
    if (!r.ok) {
      const shown = r.problems.slice(0, 3).map((p) => (p.path ? `${p.path} ${p.message}` : p.message))
      const more = r.problems.length > 3 ? ` (and ${r.problems.length - 3} more)` : ''
      return { problem: `pack ${pack.name} rejects the event: ${shown.join('; ')}${more}` }
    }
    return r.dropped.length ? { dropped: r.dropped } : {}
  }
}
