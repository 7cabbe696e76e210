/**
 * Retention of finished actions. The outbox keeps a row per action; once an action is finished
 * (done, dead, capped, dry_run, suppressed, skipped or reversed — never pending) and its last
 * change is older than the retention (`retention.actions` in the enforcement config, default 30
 * days, at least 1 day), the node's maintenance timer deletes it, in batches. Rows something
 * still reads are kept past that:
 *
 * - a done strike while any ladder of the serving pack could still count it (its longest decay):
 *   ladder standing is summed from stored strikes;
 * - a done list_add or label (set) while its effect stands — until its TTL runs out, or for good
 *   when it has none — so an appeal's or a verdict's reversal can still undo it.
 *
 * What else reads actions needs no more than the retention: today's cap counts (rows of the
 * current UTC day, hence the 1-day floor). Rows with derived ids — ladder step actions, reversal
 * notices, a verdict's on_violation actions — are inserted once (a strike runs once; a repeated
 * reversal finds nothing new to reverse; verdict effects are retried only while pending, every
 * minute), so deleting them later never lets a repeat insert them again.
 */

import { BulwarkError } from '../core/errors.ts'
import { parseSpan } from '../policy/features.ts'
import type { Pack } from '../policy/pack.ts'
import type { ActionPrune } from '../store/actions.ts'

const DAY = 86_400_000

export interface ActionRetention {
  /** How long a finished action is kept after its last change, in ms; undefined: for good. */
  readonly actionsMs: number | undefined
}

export const DEFAULT_ACTION_RETENTION: ActionRetention = { actionsMs: 30 * DAY }
export const MIN_ACTION_RETENTION_MS = DAY

/** Actions one retention batch deletes (one journal line, one ingest transaction). */
export const PRUNE_BATCH = 1000
/** Batches one maintenance run deletes at most; a larger backlog goes over the next runs. */
export const PRUNE_BATCHES_PER_RUN = 50

function invalid(where: string, detail: string): never {
  throw new BulwarkError('ENFORCEMENT_CONFIG', { where, detail })
}

/** Reads `retention: { actions: 30d | off }` of the enforcement config. */
export function readRetention(raw: unknown, where: string): ActionRetention {
  if (raw === undefined || raw === null) return DEFAULT_ACTION_RETENTION
  if (typeof raw !== 'object' || Array.isArray(raw))
    invalid(where, 'must be a mapping, e.g. { actions: 30d }')
  const { actions, ...rest } = raw as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length) invalid(where, `unknown key '${unknown[0]}' (known: actions)`)
  if (actions === undefined) return DEFAULT_ACTION_RETENTION
  if (actions === 'off' || actions === false) return { actionsMs: undefined }
  const ms = typeof actions === 'string' ? parseSpan(actions) : undefined
  if (ms === undefined)
    invalid(`${where}.actions`, `'${String(actions)}' is not a duration like 30d or 12h, nor off`)
  if (ms < MIN_ACTION_RETENTION_MS)
    invalid(`${where}.actions`, `'${actions}' is shorter than 1d (daily caps count the day's actions)`)
  return { actionsMs: ms }
}

/** The longest decay of the pack's ladders (0 without ladders): how long a strike can count. */
export function longestDecayMs(pack: Pack): number {
  let longest = 0
  for (const l of pack.enforcement?.ladders.values() ?? []) longest = Math.max(longest, l.decayMs)
  return longest
}

/** What one retention batch may delete at `now` under `retentionMs` with the serving pack. */
export function pruneBounds(now: number, retentionMs: number, pack: Pack, limit = PRUNE_BATCH): ActionPrune {
  const finishedBefore = now - retentionMs
  return {
    finishedBefore,
    strikesBefore: Math.min(finishedBefore, now - longestDecayMs(pack)),
    now,
    limit,
  }
}
