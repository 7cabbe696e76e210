/**
 * Enforcement's vocabulary: the action specs a pack (or a reviewer) asks for, the records the
 * outbox keeps, their statuses, and what executing one can come to. Pure types and constants.
 */

import type { ActionCause, ActionRow } from '../store/actions.ts'

export type { ActionKind, ActionSpec, LadderPlan, LadderStep } from '../policy/actions.ts'
export { ACTION_KINDS } from '../policy/actions.ts'
export type { ActionCause } from '../store/actions.ts'

/** An action as stored in the outbox (store/actions.ts). */
export type ActionRecord = ActionRow

/**
 * Where an action stands. `pending` waits for (another) attempt; `done` was carried out; `dead`
 * failed for good (replayable); recorded without being carried out: `capped` (the rule's daily
 * cap was reached), `dry_run` (its kind is in dry-run mode), `suppressed` (the kill switch was
 * on), `skipped` (nowhere to deliver, e.g. no destination configured); `reversed` was undone (or
 * cancelled before it ran) by a reversal.
 */
export const ACTION_STATUSES = [
  'pending',
  'done',
  'dead',
  'capped',
  'dry_run',
  'suppressed',
  'skipped',
  'reversed',
] as const
export type ActionStatus = (typeof ACTION_STATUSES)[number]

/** What an executor reports. */
export type ExecutionResult =
  | { readonly ok: true }
  /** Failed; `retry` false: retrying cannot help (e.g. a 4xx from the receiver). */
  | { readonly ok: false; readonly retry: boolean; readonly error: string }
  /** Nothing to do it with (no destination): recorded as skipped, never an error. */
  | { readonly skipped: string }

/** Carries out one action; returning nothing is success, throwing a retryable failure. */
// biome-ignore lint/suspicious/noConfusingVoidType: an `async (a) => { … }` executor returns Promise<void>
export type Executor = (action: ActionRecord) => Promise<ExecutionResult | undefined | void>

/** What caused applyActions. */
export interface ApplyCause extends ActionCause {
  readonly kind: 'decision' | 'review' | 'appeal' | 'api'
}
