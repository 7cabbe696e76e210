/**
 * The repository contract: where Bulwark keeps events, decisions, feature updates, entity
 * labels, list entries and policy versions. The embedded implementation is SQLite; a PostgreSQL
 * one follows the same contract and passes the same test suite (test/store/contract.ts).
 *
 * Durability: `record` resolves only once the decision is on stable storage. Writes are
 * group-committed — everything recorded while a sync is in flight goes in the next one — so one
 * fsync serves many decisions, and writes apply in the order they were issued. A read sees every
 * write whose promise has resolved.
 *
 * Sequence numbers increase in commit order; they need not be dense and are never reused. A
 * repeated eventId resolves with the decision stored first and applies none of the repeat's
 * updates, label ops or entities. `migrate()` comes before anything else; `close()` may be
 * called twice. Expiry is exclusive: an entry whose expiresAt <= now has expired.
 */

import type { Decision } from '../core/domain.ts'
import type { FeatureUpdate } from '../features/types.ts'
import type { ActionPrune, ActionRow, EnforcementWrite } from './actions.ts'

/** An entity an event touches, e.g. { type: 'device', id: 'd-123' } (pseudonymised if PII). */
export interface EntityRef {
  readonly type: string
  readonly id: string
}

export interface LabelOp {
  readonly op: 'set' | 'clear'
  readonly entity: EntityRef
  readonly name: string
  /** Expiry in ms since the epoch; absent for no expiry (set only). */
  readonly expiresAt?: number
  /** Who set it: a rule id, 'api', a reviewer. */
  readonly source: string
  readonly time: number
}

export interface DecisionRecord {
  readonly eventId: string
  readonly eventType: string
  /** Event time, ms since the epoch. */
  readonly eventTime: number
  readonly receivedAt: number
  /** The event as stored: PII fields already replaced by pseudonyms. */
  readonly event: Readonly<Record<string, unknown>>
  /** The decision, with the feature values it used (`decision.features`). */
  readonly decision: Decision
  /** `JSON.stringify(decision)` when the caller has it already (then not stringified again). */
  readonly decisionJson?: string
  readonly featureUpdates: readonly FeatureUpdate[]
  readonly labelOps: readonly LabelOp[]
  readonly entities: readonly EntityRef[]
  /** Actions the decision emits: stored in the same durable write (store/actions.ts). */
  readonly actions?: readonly ActionRow[]
}

export interface StoredDecision {
  /** Commit order, increasing. */
  readonly seq: number
  readonly eventId: string
  readonly eventType: string
  readonly eventTime: number
  readonly receivedAt: number
  readonly event: Record<string, unknown>
  readonly decision: Decision
}

/**
 * A stored event as its JSON text (PII fields already pseudonyms), for replays that re-decide
 * stored events (server backtests): no JSON is parsed on the way out.
 */
export interface StoredEventText {
  readonly seq: number
  readonly eventId: string
  /** Event time, ms since the epoch. */
  readonly eventTime: number
  /** `actor.id` as stored, when it is a string. */
  readonly actorId?: string
  /** The event as stored, JSON. */
  readonly event: string
}

/** Where a page of storedEvents resumes: after this event time and seq. */
export interface EventTimeCursor {
  readonly time: number
  readonly seq: number
}

/** The feature updates of one recorded decision. */
export interface FeatureUpdateBatch {
  readonly seq: number
  readonly eventId: string
  readonly updates: readonly FeatureUpdate[]
}

export interface LabelRecord {
  readonly entity: EntityRef
  readonly name: string
  readonly expiresAt?: number
  readonly source: string
  readonly setAt: number
}

export interface ListEntry {
  readonly list: string
  readonly value: string
  /** Expiry in ms since the epoch, or absent. */
  readonly expiresAt?: number
  readonly source: string
  readonly addedAt: number
}

export interface PolicyVersionRecord {
  readonly version: string
  readonly name: string
  /** The pack's files, path → content. */
  readonly files: Readonly<Record<string, string>>
  readonly loadedAt: number
  /** Where it came from: a directory path, 'api', … */
  readonly source: string
}

/**
 * Ground truth about an event or an entity: a reviewer's verdict, a chargeback, a user report, a
 * line of a labels file. Exactly one of `eventId` and `entity` is set; an entity id is stored as
 * decisions store it (pseudonymised when PII). Labels are kept as history; for a subject, the
 * one in force is the latest by `time`, and on a tie the one recorded last.
 */
export interface TruthLabel {
  readonly eventId?: string
  readonly entity?: EntityRef
  readonly malicious: boolean
  readonly area?: string
  readonly campaign?: string
  /** Units of harm (malicious subjects). */
  readonly damage?: number
  /** Where the verdict came from: review, chargeback, user_report, import, … */
  readonly source: string
  /** When the verdict was reached, ms since the epoch. */
  readonly time: number
  readonly note?: string
  /** When Bulwark received it, ms since the epoch. */
  readonly receivedAt: number
}

/** What truthLabels reads: the labels of one event, or of one entity. */
export type TruthSubject = { readonly eventId: string } | { readonly entity: EntityRef }

/**
 * One rule in one mode over every stored decision: `hits`, and among them those whose decision
 * is labelled — `tp` by a malicious label, `fp` by a benign one. A decision is labelled by the
 * label in force for its event, else by the one in force for an entity of one of the acting
 * entity types it touched (see ruleQuality).
 */
export interface RuleQuality {
  readonly rule: string
  readonly mode: 'enforce' | 'shadow'
  readonly hits: number
  readonly tp: number
  readonly fp: number
}

export interface Repository {
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>

  /** Durably records one decision with its event, features, updates and label changes. */
  record(r: DecisionRecord): Promise<StoredDecision>
  /** The decision recorded for an event id, if any. */
  decision(eventId: string): Promise<StoredDecision | undefined>
  /** The most recent decisions of events that touched an entity, newest first. */
  decisionsForEntity(entity: EntityRef, limit: number): Promise<StoredDecision[]>
  /** Decisions in commit order after `afterSeq`, at most `limit` (for replay and export). */
  decisionsAfter(afterSeq: number, limit: number): Promise<StoredDecision[]>
  /**
   * Stored events whose event time is in [from, to), in event-time order (then commit order),
   * after `after` when given, at most `limit`: pages of a replay over a window of event time.
   */
  storedEvents(
    window: { readonly from: number; readonly to: number },
    after: EventTimeCursor | undefined,
    limit: number,
  ): Promise<StoredEventText[]>
  /**
   * Feature updates recorded after `afterSeq`, one batch per decision in commit order. A page
   * holds at most `limit` updates but never splits a decision (one larger than `limit` comes
   * whole, so paging always advances). `lastSeq` is where to resume; when the page reaches the
   * end it is the highest committed seq, decisions without updates included.
   */
  featureUpdatesAfter(
    afterSeq: number,
    limit: number,
  ): Promise<{ batches: FeatureUpdateBatch[]; lastSeq: number }>
  /** Highest seq committed so far (0 when empty). */
  lastSeq(): Promise<number>
  /**
   * Resolves once the database holds every write acknowledged so far: for readers of the database
   * through a connection of their own (the model registry's comparison on labels), since a write
   * is acknowledged once journalled and applied a little later.
   */
  settled(): Promise<void>

  /** Applies label changes made outside a decision (API, reviewers). */
  applyLabelOps(ops: readonly LabelOp[]): Promise<void>
  /** Labels not expired at `now`. */
  labels(now: number): Promise<LabelRecord[]>
  labelsFor(entity: EntityRef, now: number): Promise<LabelRecord[]>

  /** Durably records ground-truth labels, all or none (each is checked first). */
  addTruthLabels(labels: readonly TruthLabel[]): Promise<void>
  /** The labels of an event or an entity, the one in force first (latest time, then latest recorded), at most `limit`. */
  truthLabels(subject: TruthSubject, limit: number): Promise<TruthLabel[]>
  /** The label in force of each subject that has one (subjects without a label are left out). */
  truthLabelsInForce(subjects: readonly TruthSubject[]): Promise<TruthLabel[]>
  /**
   * Per rule and mode with at least one hit: hits, true and false positives. Entity labels count
   * only for entities of `actingTypes` (the entity type(s) of the actor), and only for decisions
   * whose event has no label in force.
   */
  ruleQuality(actingTypes: readonly string[]): Promise<RuleQuality[]>

  addListEntries(entries: readonly ListEntry[]): Promise<void>
  removeListEntries(list: string, values: readonly string[]): Promise<number>
  /** Entries added through the API, not expired at `now`. */
  listEntries(now: number): Promise<ListEntry[]>

  savePolicyVersion(v: PolicyVersionRecord): Promise<void>
  policyVersions(limit: number): Promise<Omit<PolicyVersionRecord, 'files'>[]>
  policyVersion(version: string): Promise<PolicyVersionRecord | undefined>

  /**
   * Enforcement rows (outbox, audit, state) changed outside a decision, in journal order.
   * `promptly` for a write someone is waiting on (an API call): applied at once rather than with
   * the next batch of decisions.
   */
  enforcementWrite(w: EnforcementWrite, promptly?: boolean): Promise<void>
  /** One action as stored. */
  action(id: string): Promise<ActionRow | undefined>
  /** Retention: deletes up to `p.limit` finished actions (see ActionPrune); resolves with how many. */
  pruneActions(p: ActionPrune): Promise<number>

  /** Flushes pending writes and releases the storage. */
  close(): Promise<void>
}
