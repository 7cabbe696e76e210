/**
 * Entity labels in memory (e.g. device d-1 is a farm_device until a date), read by rules as
 * labels.<entity>.<name>. The durable copy lives in the repository; this store is loaded from it
 * at startup and kept in step by the engine after each durable write.
 */

import type { LabelOp, LabelRecord } from '../store/repository.ts'

const NONE: readonly string[] = Object.freeze([])

/** One label of an entity. */
interface Label {
  readonly name: string
  readonly expiresAt: number | undefined
  readonly source: string
  readonly setAt: number
}

/**
 * An entity's labels in the order they were first set, as a small array: an entity carries a
 * handful at most, and a decision reads every entity's labels, so a scan of a few elements beats
 * iterating a Map (and its entry pairs) per read.
 */
type EntityLabels = Label[]

function indexOf(labels: EntityLabels, name: string): number {
  for (let i = 0; i < labels.length; i++) if (labels[i]!.name === name) return i
  return -1
}

export class LabelStore {
  /** entity type → entity id → labels (nested, so lookups build no key strings). */
  private readonly byType = new Map<string, Map<string, EntityLabels>>()
  /** An expireInSlices() pass is under way. */
  private expiring = false

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
      if (labels === undefined) return
      const at = indexOf(labels, op.name)
      if (at >= 0) labels.splice(at, 1)
      if (labels.length === 0) ids!.delete(id)
      return
    }
    if (!ids) {
      ids = new Map()
      this.byType.set(type, ids)
    }
    const label: Label = { name: op.name, expiresAt: op.expiresAt, source: op.source, setAt: op.time }
    const labels = ids.get(id)
    if (!labels) {
      ids.set(id, [label])
      return
    }
    // Setting a label again replaces it in its place (as Map.set did: the order is first set).
    const at = indexOf(labels, op.name)
    if (at >= 0) labels[at] = label
    else labels.push(label)
  }

  /** Names of the entity's labels in force at `now`. */
  active(type: string, id: string, now: number): readonly string[] {
    const labels = this.labelsOf(type, id)
    if (!labels) return NONE
    let out: string[] | undefined
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!
      if (l.expiresAt !== undefined && l.expiresAt <= now) continue
      if (out === undefined) out = [l.name]
      else out.push(l.name)
    }
    return out ?? NONE
  }

  /** Full records of an entity's labels in force at `now`. */
  records(type: string, id: string, now: number): LabelRecord[] {
    const labels = this.labelsOf(type, id)
    if (!labels) return []
    return labels
      .filter((l) => l.expiresAt === undefined || l.expiresAt > now)
      .map((l) => ({
        entity: { type, id },
        name: l.name,
        ...(l.expiresAt !== undefined ? { expiresAt: l.expiresAt } : {}),
        source: l.source,
        setAt: l.setAt,
      }))
  }

  /** Drops expired labels; returns how many. */
  expire(now: number): number {
    let n = 0
    for (const ids of this.byType.values())
      for (const [id, labels] of ids) n += dropExpired(ids, id, labels, now)
    return n
  }

  /**
   * expire() a slice of entities per turn of the event loop, for a server: at a million labelled
   * entities one pass held the loop for 70–120 ms. Reads already ignore expired labels, so the
   * pass only frees memory and may take its time. One at a time (a call meanwhile resolves 0).
   */
  async expireInSlices(now: number, slice = SLICE_ENTITIES): Promise<number> {
    if (this.expiring) return 0
    this.expiring = true
    let n = 0
    let visited = 0
    try {
      for (const ids of [...this.byType.values()]) {
        // A Map's iterator stays valid across turns, deletions and additions included.
        for (const [id, labels] of ids) {
          n += dropExpired(ids, id, labels, now)
          if (++visited % slice === 0) await new Promise<void>((resolve) => setImmediate(resolve))
        }
      }
    } finally {
      this.expiring = false
    }
    return n
  }
}

/** Entities expireInSlices() visits per turn of the event loop. */
const SLICE_ENTITIES = 5_000

/** Drops an entity's expired labels (and the entity once it has none); returns how many went. */
function dropExpired(ids: Map<string, EntityLabels>, id: string, labels: EntityLabels, now: number): number {
  let kept = 0
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    if (l.expiresAt === undefined || l.expiresAt > now) labels[kept++] = l
  }
  const gone = labels.length - kept
  labels.length = kept
  if (kept === 0) ids.delete(id)
  return gone
}
