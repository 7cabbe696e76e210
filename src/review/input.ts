/**
 * Checks of what reviewers and users send (the API's snake_case form): reviewer ids, verdicts,
 * new cases and appeals. Every problem is a CASE_INVALID or APPEAL_INVALID naming the field; entity
 * ids are turned into their stored form (pseudonyms for PII) here, so nothing raw goes further.
 */

import { BulwarkError } from '../core/errors.ts'
import type { Pack } from '../policy/pack.ts'
import type { EntityRef } from '../store/repository.ts'
import { VERDICTS, type Verdict } from './store.ts'

const REVIEWER = /^[A-Za-z0-9._@+-]{1,128}$/
const MAX_TEXT = 256
const MAX_NOTE = 2000
const MAX_STATEMENT = 5000

export function reviewerOf(v: unknown): string {
  if (typeof v !== 'string' || !REVIEWER.test(v))
    throw new BulwarkError('CASE_INVALID', {
      detail:
        'name the reviewer (body field `reviewer` or header Bulwark-Reviewer): 1 to 128 letters, digits, . _ @ + -',
    })
  return v
}

export function verdictOf(v: unknown): Verdict {
  if (typeof v !== 'string' || !VERDICTS.includes(v as Verdict))
    throw new BulwarkError('CASE_INVALID', { detail: `verdict must be one of ${VERDICTS.join(', ')}` })
  return v as Verdict
}

export function optionalText(
  v: unknown,
  field: string,
  max = MAX_NOTE,
  code: 'CASE_INVALID' | 'APPEAL_INVALID' = 'CASE_INVALID',
) {
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '' || v.length > max)
    throw new BulwarkError(code, {
      detail: `${field} must be a non-empty string of at most ${max} characters`,
    })
  return v
}

/** An entity `{type, id}` with a raw id, as stored. */
export function entityOf(
  v: unknown,
  pack: Pack,
  entityKey: (type: string, id: string) => string,
  code: 'CASE_INVALID' | 'APPEAL_INVALID' = 'CASE_INVALID',
): EntityRef {
  const e = v as Record<string, unknown> | null
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    throw new BulwarkError(code, { detail: 'entity must be {"type", "id"}' })
  if (typeof e.type !== 'string' || !pack.entities.has(e.type))
    throw new BulwarkError(code, {
      detail: `entity.type must be an entity type of the pack (${[...pack.entities.keys()].join(', ')})`,
    })
  if (typeof e.id !== 'string' || e.id === '' || e.id.length > MAX_TEXT)
    throw new BulwarkError(code, {
      detail: `entity.id must be a non-empty string of at most ${MAX_TEXT} characters`,
    })
  return { type: e.type, id: entityKey(e.type, e.id) }
}

export interface NewCaseInput {
  readonly entity: EntityRef
  readonly decisionId?: string
  readonly queue?: string
  readonly priority?: number
  readonly note?: string
}

export function newCaseOf(
  body: Record<string, unknown>,
  pack: Pack,
  entityKey: (type: string, id: string) => string,
): NewCaseInput {
  const decisionId = optionalText(body.decision_id, 'decision_id', MAX_TEXT)
  const queue = optionalText(body.queue, 'queue', MAX_TEXT)
  if (queue !== undefined && !pack.review.queues.has(queue))
    throw new BulwarkError('CASE_INVALID', {
      detail: `unknown queue '${queue}' (declared: ${[...pack.review.queues.keys()].join(', ')})`,
    })
  const p = body.priority
  if (p !== undefined && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100))
    throw new BulwarkError('CASE_INVALID', { detail: 'priority must be an integer from 0 to 100' })
  const note = optionalText(body.note, 'note')
  return {
    entity: entityOf(body.entity, pack, entityKey),
    ...(decisionId !== undefined ? { decisionId } : {}),
    ...(queue !== undefined ? { queue } : {}),
    ...(p !== undefined ? { priority: p as number } : {}),
    ...(note !== undefined ? { note } : {}),
  }
}

export interface AppealInput {
  readonly entity: EntityRef
  readonly decisionId: string
  readonly statement: string
}

export function appealOf(
  body: Record<string, unknown>,
  pack: Pack,
  entityKey: (type: string, id: string) => string,
): AppealInput {
  const decisionId = optionalText(body.decision_id, 'decision_id', MAX_TEXT, 'APPEAL_INVALID')
  if (decisionId === undefined)
    throw new BulwarkError('APPEAL_INVALID', { detail: 'decision_id is required' })
  const statement = optionalText(body.statement, 'statement', MAX_STATEMENT, 'APPEAL_INVALID')
  if (statement === undefined)
    throw new BulwarkError('APPEAL_INVALID', { detail: "statement (the user's words) is required" })
  return { entity: entityOf(body.entity, pack, entityKey, 'APPEAL_INVALID'), decisionId, statement }
}
