/**
 * Entity labels in memory (e.g. device d-1 is a farm_device until a date), read by rules as
 * labels.<entity>.<name>. The durable copy lives in the repository; this store is loaded from it
 * at startup and kept in step by the engine after each durable write.
 */

import type { LabelOp, LabelRecord } from '../store/repository.ts'

export class LabelStore {
  private readonly byEntity = new Map<
    string,
    Map<string, { expiresAt?: number; source: string; setAt: number }>
  >()

  private static key(type: string, id: string): string {
    return `${type}\u001f${id}`
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
    const key = LabelStore.key(op.entity.type, op.entity.id)
    let labels = this.byEntity.get(key)
    if (op.op === 'clear') {
      labels?.delete(op.name)
      if (labels?.size === 0) this.byEntity.delete(key)
      return
    }
    if (!labels) {
      labels = new Map()
      this.byEntity.set(key, labels)
    }
    labels.set(op.name, {
      ...(op.expiresAt !== undefined ? { expiresAt: op.expiresAt } : {}),
      source: op.source,
      setAt: op.time,
    })
  }

  /** Names of the entity's labels in force at `now`. */
  active(type: string, id: string, now: number): string[] {
    const labels = this.byEntity.get(LabelStore.key(type, id))
    if (!labels) return []
    const out: string[] = []
    for (const [name, l] of labels) if (l.expiresAt === undefined || l.expiresAt > now) out.push(name)
    return out
  }

  /** Full records of an entity's labels in force at `now`. */
  records(type: string, id: string, now: number): LabelRecord[] {
    const labels = this.byEntity.get(LabelStore.key(type, id))
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
    for (const [key, labels] of this.byEntity) {
      for (const [name, l] of labels) {
        if (l.expiresAt !== undefined && l.expiresAt <= now) {
          labels.delete(name)
          n++
        }
      }
      if (labels.size === 0) this.byEntity.delete(key)
    }
    return n
  }
}
