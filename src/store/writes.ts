/**
 * The writes a repository applies to SQLite, as entries (what SqliteWriter applies) and as
 * journal lines (what the journal holds). On disk, record() builds the line straight from the
 * record (its JSON stringified once; the decision's text comes with the record when the engine
 * has it, as it reuses the same text for the HTTP reply); the ingest worker and recovery parse
 * lines back into entries. In memory, entries are built and applied directly.
 *
 * Journal lines are JSON arrays led by the seq and the kind; a decision line splices in the JSON
 * the database stores, so nothing is stringified twice, led by the lengths (UTF-16 code units) of
 * its four parts so that a reader slices event, decision and updates out without parsing them:
 *
 *   [seq, "decision", [metaLength, eventLength, decisionLength, updatesLength],
 *         {eventId, eventType, eventTime, receivedAt, outcome, score, policyVersion,
 *          entities, labelOps, updateCount, hits}, event, decision, updates | null]
 *
 * Lines written before the lengths ([seq, "decision", meta, event, decision, updates]) are still
 * read (recovery of an older journal), by parsing them whole.
 *   [seq, "labels", LabelOp[]]   [seq, "truth", TruthLabel[]]   [seq, "list-add", ListEntry[]]
 *
 * `hits` ([rule, mode] pairs) came later: for a line without it they are read from the decision.
 *   [seq, "list-remove", {list, values}]   [seq, "policy", PolicyVersionRecord]
 *
 * A decision that emits actions carries them in its metadata (`actions`: ActionRow[]), so the
 * decision and its outbox rows are one durable write; later changes to actions, the enforcement
 * audit and state are `[seq, "enforcement", EnforcementWrite]` (store/actions.ts).
 */

import { BulwarkError } from '../core/errors.ts'
import type { ActionRow, EnforcementWrite } from './actions.ts'
import type {
  DecisionRecord,
  EntityRef,
  LabelOp,
  ListEntry,
  PolicyVersionRecord,
  TruthLabel,
} from './repository.ts'

/** A rule hit as the store indexes it: [rule, mode]. */
export type HitRef = readonly [rule: string, mode: string]

export interface DecisionMeta {
  readonly eventId: string
  readonly eventType: string
  readonly eventTime: number
  readonly receivedAt: number
  readonly outcome: string
  readonly score: number
  readonly policyVersion: string
  readonly entities: readonly EntityRef[]
  readonly labelOps: readonly LabelOp[]
  readonly updateCount: number
  readonly hits: readonly HitRef[]
  readonly actions?: readonly ActionRow[]
}

export interface DecisionEntry {
  readonly kind: 'decision'
  readonly seq: number
  readonly meta: DecisionMeta
  /** JSON text of the stored event, the decision and the feature updates (null: none). */
  readonly event: string
  readonly decision: string
  readonly updates: string | null
}

export type OtherEntry =
  | { readonly kind: 'labels'; readonly seq: number; readonly ops: readonly LabelOp[] }
  | { readonly kind: 'truth'; readonly seq: number; readonly labels: readonly TruthLabel[] }
  | { readonly kind: 'list-add'; readonly seq: number; readonly entries: readonly ListEntry[] }
  | {
      readonly kind: 'list-remove'
      readonly seq: number
      readonly list: string
      readonly values: readonly string[]
    }
  | { readonly kind: 'policy'; readonly seq: number; readonly version: PolicyVersionRecord }
  | { readonly kind: 'enforcement'; readonly seq: number; readonly write: EnforcementWrite }

export type WriteEntry = DecisionEntry | OtherEntry

function decisionMeta(r: DecisionRecord): DecisionMeta {
  const d = r.decision
  return {
    eventId: r.eventId,
    eventType: r.eventType,
    eventTime: r.eventTime,
    receivedAt: r.receivedAt,
    outcome: d.outcome,
    score: d.score,
    policyVersion: d.policyVersion,
    entities: r.entities,
    labelOps: r.labelOps,
    updateCount: r.featureUpdates.length,
    hits: hitRefs(r.decision.hits),
    ...(r.actions?.length ? { actions: r.actions } : {}),
  }
}

function hitRefs(hits: unknown): HitRef[] {
  if (!Array.isArray(hits)) return []
  return hits.map((h: { rule: string; mode: string }) => [h.rule, h.mode] as const)
}

export function decisionEntry(r: DecisionRecord, seq: number): DecisionEntry {
  return {
    kind: 'decision',
    seq,
    meta: decisionMeta(r),
    event: JSON.stringify(r.event),
    decision: r.decisionJson ?? JSON.stringify(r.decision),
    updates: r.featureUpdates.length > 0 ? JSON.stringify(r.featureUpdates) : null,
  }
}

/** A decision's journal line straight from the record (the same text as journalLine of its entry). */
export function decisionLine(r: DecisionRecord, seq: number): string {
  const updates = r.featureUpdates.length > 0 ? JSON.stringify(r.featureUpdates) : 'null'
  return decisionText(
    seq,
    JSON.stringify(decisionMeta(r)),
    JSON.stringify(r.event),
    r.decisionJson ?? JSON.stringify(r.decision),
    updates,
  )
}

/** The length-prefixed decision line (see the module comment). */
function decisionText(seq: number, meta: string, event: string, decision: string, updates: string): string {
  return `[${seq}${DECISION_HEAD}${meta.length},${event.length},${decision.length},${updates.length}],${meta},${event},${decision},${updates}]`
}

/** What follows the seq in a length-prefixed decision line, up to the first length. */
const DECISION_HEAD = ',"decision",['

export function journalLine(e: WriteEntry): string {
  switch (e.kind) {
    case 'decision':
      return decisionText(e.seq, JSON.stringify(e.meta), e.event, e.decision, e.updates ?? 'null')
    case 'labels':
      return JSON.stringify([e.seq, e.kind, e.ops])
    case 'truth':
      return JSON.stringify([e.seq, e.kind, e.labels])
    case 'list-add':
      return JSON.stringify([e.seq, e.kind, e.entries])
    case 'list-remove':
      return JSON.stringify([e.seq, e.kind, { list: e.list, values: e.values }])
    case 'policy':
      return JSON.stringify([e.seq, e.kind, e.version])
    case 'enforcement':
      return JSON.stringify([e.seq, e.kind, e.write])
  }
}

function damaged(where: string, detail: string): never {
  throw new BulwarkError('STORAGE_JOURNAL', { where, detail })
}

function object(v: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null) damaged(where, `${what} is not an object`)
  return v as Record<string, unknown>
}

/**
 * Reads a length-prefixed decision line by slicing its parts (only the metadata is parsed);
 * undefined for any other line. Lengths that do not fit the line stop recovery with its place.
 */
function parseDecisionLine(line: string, where: string): DecisionEntry | undefined {
  const comma = line.indexOf(',')
  if (comma < 2 || line.charCodeAt(0) !== 0x5b || !line.startsWith(DECISION_HEAD, comma)) return undefined
  const seq = Number(line.slice(1, comma))
  const lengthsStart = comma + DECISION_HEAD.length
  const lengthsEnd = line.indexOf(']', lengthsStart)
  const lengths = line
    .slice(lengthsStart, lengthsEnd < 0 ? lengthsStart : lengthsEnd)
    .split(',')
    .map(Number)
  if (!Number.isInteger(seq) || lengths.length !== 4 || !lengths.every((n) => Number.isInteger(n) && n > 0)) {
    damaged(where, 'the decision line has no valid seq and part lengths')
  }
  const parts: string[] = []
  let at = lengthsEnd + 1
  for (const length of lengths) {
    if (line.charCodeAt(at) !== 0x2c) damaged(where, 'the decision line does not match its part lengths')
    parts.push(line.slice(at + 1, at + 1 + length))
    at += 1 + length
  }
  if (at !== line.length - 1 || line.charCodeAt(at) !== 0x5d) {
    damaged(where, 'the decision line does not match its part lengths')
  }
  let meta: unknown
  try {
    meta = JSON.parse(parts[0]!)
  } catch (err) {
    damaged(where, err instanceof Error ? err.message : String(err))
  }
  return {
    kind: 'decision',
    seq,
    meta: object(meta, where, 'the decision metadata') as unknown as DecisionMeta,
    event: parts[1]!,
    decision: parts[2]!,
    updates: parts[3] === 'null' ? null : parts[3]!,
  }
}

/** Reads a journal line back; anything this module did not write stops recovery with its place. */
export function parseJournalLine(line: string, where: string): WriteEntry {
  const decision = parseDecisionLine(line, where)
  if (decision !== undefined) return decision
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (err) {
    damaged(where, err instanceof Error ? err.message : String(err))
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'string') {
    damaged(where, 'expected [seq, kind, …]')
  }
  const seq = parsed[0] as number
  const kind = parsed[1] as string
  const payload = parsed[2]
  switch (kind) {
    case 'decision': {
      // A line written before the part lengths (parseDecisionLine reads the current ones).
      const meta = object(payload, where, 'the decision metadata') as unknown as DecisionMeta
      const decision = object(parsed[4], where, 'the decision')
      return {
        kind,
        seq,
        meta: Array.isArray(meta.hits) ? meta : { ...meta, hits: hitRefs(decision.hits) },
        event: JSON.stringify(parsed[3]),
        decision: JSON.stringify(parsed[4]),
        updates: parsed[5] === null || parsed[5] === undefined ? null : JSON.stringify(parsed[5]),
      }
    }
    case 'labels':
      if (!Array.isArray(payload)) damaged(where, 'label ops are not a list')
      return { kind, seq, ops: payload as LabelOp[] }
    case 'truth':
      if (!Array.isArray(payload)) damaged(where, 'truth labels are not a list')
      return { kind, seq, labels: payload as TruthLabel[] }
    case 'list-add':
      if (!Array.isArray(payload)) damaged(where, 'list entries are not a list')
      return { kind, seq, entries: payload as ListEntry[] }
    case 'list-remove': {
      const { list, values } = object(payload, where, 'the removal') as { list: string; values: string[] }
      return { kind, seq, list, values }
    }
    case 'policy':
      return {
        kind,
        seq,
        version: object(payload, where, 'the policy version') as unknown as PolicyVersionRecord,
      }
    case 'enforcement':
      return { kind, seq, write: object(payload, where, 'the enforcement write') as EnforcementWrite }
    default:
      return damaged(where, `unknown line kind '${kind}'`)
  }
}
