/**
 * What human review needs from the rest of the node, as narrow interfaces: the serving pack, the
 * stored decisions and ground-truth labels, entity labels, the clock, and enforcement (apply a
 * verdict's actions, reverse what a decision caused). The node wires the real parts in
 * (service/node.ts); tests may wire their own. Review knows nothing about HTTP.
 */

import type { Clock } from '../core/clock.ts'
import type { ActionSpec } from '../policy/actions.ts'
import type { Pack } from '../policy/pack.ts'
import type { EntityRef, LabelRecord, Repository, TruthLabel } from '../store/repository.ts'

/** Why enforcement runs: the case (or appeal) whose verdict asked for it. */
export interface ReviewCause {
  readonly kind: 'review' | 'appeal'
  readonly id: string
  readonly decisionId?: string
}

/** The enforcement service's part that review calls (src/enforcement/service.ts). */
export interface ReviewEnforcement {
  applyActions(req: {
    entity: EntityRef
    actions: readonly ActionSpec[]
    cause: ReviewCause
    /** Deterministic ids, so that effects repeated after a crash insert nothing twice. */
    ids?: readonly string[]
  }): Promise<unknown>
  /** Reverses the list entries, labels and strikes the decision's actions caused; notifies the platform. */
  reverseDecision(
    decisionId: string,
    reason: string,
    cause: { kind: 'review' | 'appeal'; id: string },
  ): Promise<unknown>
  /** Strikes in force on an entity, when the enforcement service can tell (evidence only). */
  strikes?(entity: EntityRef): unknown
}

export interface ReviewContext {
  readonly clock: Clock
  readonly pack: () => Pack
  readonly repository: Pick<Repository, 'decision' | 'truthLabels'>
  /** Records ground-truth labels (stored form) and refreshes rule precision. */
  readonly recordTruth: (labels: readonly TruthLabel[]) => Promise<void>
  /** An entity id as stored (the pseudonym of a PII id). */
  readonly entityKey: (type: string, rawId: string) => string
  /** The rule-set labels of an entity (stored id) in force now. */
  readonly entityLabels: (type: string, storedId: string) => readonly LabelRecord[]
  /** Enforcement, when the node has it. */
  readonly enforcement: () => ReviewEnforcement | undefined
}
