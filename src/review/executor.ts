/**
 * The outbox executor of a rule's `review` action (registered as `review` with the enforcement
 * service in service/node.ts): opens — or finds, or merges into — the case of the action's decision
 * and entity. A queue of `default` (what an action names when it names none) routes the case;
 * the action's priority (0…10) is scaled to the case's 0…100, and 0 (none given) takes the
 * decision's score. A decision that cannot be a case (it
 * did not touch the entity) fails for good rather than being retried.
 */

import { BulwarkError } from '../core/errors.ts'
import type { EntityRef } from '../store/repository.ts'
import type { Review } from './service.ts'

/** The parts of an outbox action record (store/actions.ts) the executor reads. */
export interface ReviewActionRecord {
  readonly entity: EntityRef
  readonly rules: readonly string[]
  readonly cause: { readonly kind: string; readonly id: string; readonly decisionId?: string }
  readonly params: Readonly<Record<string, unknown>>
}

export type ReviewExecution =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly error: string }

export function reviewExecutor(
  review: () => Review,
): (action: ReviewActionRecord) => Promise<ReviewExecution> {
  return async (action) => {
    const queue = typeof action.params.queue === 'string' ? action.params.queue : undefined
    const priority = typeof action.params.priority === 'number' ? action.params.priority : undefined
    const decisionId =
      action.cause.decisionId ?? (action.cause.kind === 'decision' ? action.cause.id : undefined)
    try {
      await review().openCase({
        entity: action.entity,
        ...(decisionId !== undefined ? { decisionId } : {}),
        ...(action.rules.length ? { rules: action.rules } : {}),
        ...(queue !== undefined ? { queue } : {}),
        // A rule's review priority is 0…10 (0: none given); cases rank 0…100.
        ...(priority !== undefined
          ? { priority: Math.max(0, Math.min(100, Math.round(priority * 10))) }
          : {}),
        actor: action.rules.length ? `rule:${action.rules[0]}` : `action:${action.cause.kind}`,
      })
      return { ok: true }
    } catch (e) {
      if (e instanceof BulwarkError && e.status < 500) return { ok: false, retry: false, error: e.message }
      throw e
    }
  }
}
