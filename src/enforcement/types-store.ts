/** The storage shapes enforcement reads and writes, re-exported for this module's files. */

export type { ActionCause, ActionRow, ActionUpdate, AuditRow, EnforcementWrite } from '../store/actions.ts'
export type { EntityRef } from '../store/repository.ts'
