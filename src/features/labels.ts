/**
 * Entity labels in memory (e.g. device d-1 is a farm_device until a date), read by rules as
 * labels.<entity>.<name>. The durable copy lives in the repository; this store is loaded from it
 * at startup and kept in step by the engine after each durable write.
 */

import type { LabelOp, LabelRecord } from '../store/repository.ts'

const NONE: readonly string[] = Object.freeze([])

type EntityLabels = Map<string, { expiresAt?: number; source: string; setAt: number }>

export class LabelStore {
  /** entity type → entity id → label name → label (nested, so lookups build no key strings). */
  private readonly byType = new Map<string, Map<string, EntityLabels>>()

  private labelsOf(type: string, id: string): EntityLabels | undefined {
    return this.byType.get(type)?.get(id)
  }

  load(records: Iterable<LabelRecord>): void {
    for (const r of records) {
      this.apply({
        op: 'set',
        entity: r.entity,
        name: r.name,
        ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
        source: r.source,
        time: r.setAt,
      })
    }
  }

  apply(op: LabelOp): void {
    const { type, id } = op.entity
    let ids = this.byType.get(type)
    if (op.op === 'clear') {
      const labels = ids?.get(id)
      labels?.delete(op.name)
      if (labels?.size === 0) ids!.delete(id)
      return
    }
    if (!ids) {
      ids = new Map()
      this.byType.set(type, ids)
    }
    let labels = ids.get(id)
    if (!labels) {
      labels = new Map()
      ids.set(id, labels)
    }
    labels.set(op.name, {
      ...(op.expiresAt !== undefined ? { expiresAt: op.expiresAt } : {}),
      source: op.source,
      setAt: op.time,
    })
  }

  /** Names of the entity's labels in force at `now`. */
  active(type: string, id: string, now: number): readonly string[] {
    const labels = this.labelsOf(type, id)
    if (!labels) return NONE
    const out: string[] = []
    for (const [name, l] of labels) if (l.expiresAt === undefined || l.expiresAt > now) out.push(name)
    return out
  }

  /** Full records of an entity's labels in force at `now`. */
  records(type: string, id: string, now: number): LabelRecord[] {
    const labels = this.labelsOf(type, id)
    if (!labels) return []
    return [...labels]
      .filter(([, l]) => l.expiresAt === undefined || l.expiresAt > now)
      .map(([name, l]) => ({
        entity: { type, id },
        name,
        ...(l.expiresAt !== undefined ? { expiresAt: l.expiresAt } : {}),
        source: l.source,
        setAt: l.setAt,
      }))
  }

  /** Drops expired labels; returns how many. */
  expire(now: number): number {
    let n = 0
    for (const ids of this.byType.values()) {
      for (const [id, labels] of ids) {
        for (const [name, l] of labels) {
          if (l.expiresAt !== undefined && l.expiresAt <= now) {
            labels.delete(name)
            n++
          }
        }
        if (labels.size === 0) ids.delete(id)
      }
    }
    return n
  }
}
