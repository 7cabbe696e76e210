/**
 * Input checks every repository runs before queueing a write. A group commit is all or nothing,
 * so a malformed record must be refused on its own, up front, rather than fail the transaction
 * it would share with other requests. The checks are cheap: typeof tests, no allocation.
 */

import { BulwarkError } from '../core/errors.ts'
import type {
  DecisionRecord,
  EntityRef,
  LabelOp,
  ListEntry,
  PolicyVersionRecord,
  TruthLabel,
} from './repository.ts'

function invalid(detail: string): never {
  throw new BulwarkError('INVALID_ARGUMENT', { detail })
}

function text(value: unknown, what: string): void {
  if (typeof value !== 'string') invalid(`${what} must be a string`)
}

function time(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${what} must be a finite number`)
}

function optionalTime(value: unknown, what: string): void {
  if (value !== undefined) time(value, what)
}

function entity(e: EntityRef, what: string): void {
  if (typeof e !== 'object' || e === null) invalid(`${what} must be an entity reference`)
  text(e.type, `${what}.type`)
  text(e.id, `${what}.id`)
}

export function checkLabelOp(op: LabelOp): void {
  if (op.op !== 'set' && op.op !== 'clear') invalid(`label op must be 'set' or 'clear', not ${String(op.op)}`)
  entity(op.entity, 'label entity')
  text(op.name, 'label name')
  text(op.source, 'label source')
  time(op.time, 'label time')
  optionalTime(op.expiresAt, 'label expiresAt')
}

function optionalText(value: unknown, what: string): void {
  if (value !== undefined) text(value, what)
}

export function checkTruthLabel(l: TruthLabel): void {
  if (typeof l !== 'object' || l === null) invalid('a truth label must be an object')
  if ((l.eventId === undefined) === (l.entity === undefined))
    invalid('a truth label names exactly one of eventId and entity')
  optionalText(l.eventId, 'truth label eventId')
  if (l.entity !== undefined) entity(l.entity, 'truth label entity')
  if (typeof l.malicious !== 'boolean') invalid('truth label malicious must be a boolean')
  optionalText(l.area, 'truth label area')
  optionalText(l.campaign, 'truth label campaign')
  optionalTime(l.damage, 'truth label damage')
  text(l.source, 'truth label source')
  time(l.time, 'truth label time')
  optionalText(l.note, 'truth label note')
  time(l.receivedAt, 'truth label receivedAt')
}

export function checkRecord(r: DecisionRecord): void {
  text(r.eventId, 'eventId')
  text(r.eventType, 'eventType')
  time(r.eventTime, 'eventTime')
  time(r.receivedAt, 'receivedAt')
  const d = r.decision
  if (typeof d !== 'object' || d === null) invalid('decision must be an object')
  text(d.outcome, 'decision.outcome')
  time(d.score, 'decision.score')
  text(d.policyVersion, 'decision.policyVersion')
  for (let i = 0; i < r.entities.length; i++) entity(r.entities[i]!, 'entity')
  for (let i = 0; i < r.labelOps.length; i++) checkLabelOp(r.labelOps[i]!)
}

export function checkListEntry(e: ListEntry): void {
  text(e.list, 'list')
  text(e.value, 'list value')
  text(e.source, 'list entry source')
  time(e.addedAt, 'list entry addedAt')
  optionalTime(e.expiresAt, 'list entry expiresAt')
}

export function checkListRemoval(list: string, values: readonly string[]): void {
  text(list, 'list')
  for (let i = 0; i < values.length; i++) text(values[i], 'list value')
}

export function checkPolicyVersion(v: PolicyVersionRecord): void {
  text(v.version, 'policy version')
  text(v.name, 'policy name')
  text(v.source, 'policy source')
  time(v.loadedAt, 'policy loadedAt')
  if (typeof v.files !== 'object' || v.files === null) invalid('policy files must be an object')
}

/** A positive whole page size; anything else reads nothing. */
export function pageSize(limit: number): number {
  return Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : 0
}
