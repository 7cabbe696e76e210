/**
 * Feature-state recovery. The in-memory store is snapshotted to the data directory now and
 * then; each snapshot records the last committed decision (seq) it includes and the events whose
 * updates it holds although their decisions were not yet durable. Recovery loads the snapshot,
 * then replays every feature update recorded after that seq — skipping those events, whose
 * updates the snapshot already has — so the counters come back exactly as the decisions saw them.
 */

import { existsSync } from 'node:fs'
import { MemoryFeatureStore } from '../features/memory.ts'
import { readSnapshotFile, writeFileAtomic } from '../features/snapshot.ts'
import type { FeatureSpec } from '../features/types.ts'
import type { Repository } from '../store/repository.ts'

const MAGIC = 'BWSNAP1\n'

interface Header {
  readonly seq: number
  readonly unrecorded: readonly string[]
  readonly takenAt: number
}

/** A repository whose committed seq can be read in the same turn as the memory state. */
export interface SyncSeq {
  recordedSeq(): number
}

export async function saveFeatureSnapshot(
  store: MemoryFeatureStore,
  repository: SyncSeq,
  unrecorded: () => readonly string[],
  path: string,
): Promise<Header> {
  // Begun in one synchronous stretch: commits happen whole within a turn of the event loop, so
  // the state, the committed seq and the not-yet-durable events all describe the same instant.
  // The store writes that instant's state in slices while decisions go on (memory.ts).
  const taking = store.snapshotInSlices()
  const header: Header = { seq: repository.recordedSeq(), unrecorded: unrecorded(), takenAt: Date.now() }
  const body = await taking
  const head = Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8')
  await writeFileAtomic(path, [head, ...body])
  return header
}

export interface Recovery {
  readonly store: MemoryFeatureStore
  /** Whether a feature snapshot was loaded (else every recorded update was replayed). */
  readonly fromSnapshot: boolean
  /** Seq the snapshot covered (0 without one). */
  readonly snapshotSeq: number
  /** Decisions whose updates were replayed on top of the snapshot. */
  readonly replayedDecisions: number
  readonly replayedUpdates: number
}

export async function recoverFeatures(
  path: string,
  repository: Repository,
  specs: ReadonlyMap<string, FeatureSpec>,
  options: ConstructorParameters<typeof MemoryFeatureStore>[0] = {},
): Promise<Recovery> {
  const store = new MemoryFeatureStore(options)
  let header: Header = { seq: 0, unrecorded: [], takenAt: 0 }
  let fromSnapshot = false
  if (existsSync(path)) {
    const data = await readSnapshotFile(path)
    const text = data.subarray(0, Math.min(data.length, 1 << 20)).toString('latin1')
    if (text.startsWith(MAGIC)) {
      const end = text.indexOf('\n', MAGIC.length)
      header = JSON.parse(text.slice(MAGIC.length, end)) as Header
      store.restoreSnapshot(data.subarray(end + 1))
      fromSnapshot = true
    }
  }
  const skip = new Set(header.unrecorded)
  let after = header.seq
  let replayedDecisions = 0
  let replayedUpdates = 0
  for (;;) {
    const page = await repository.featureUpdatesAfter(after, 10_000)
    for (const batch of page.batches) {
      if (skip.has(batch.eventId)) continue
      store.replay(batch.updates, specs)
      replayedDecisions++
      replayedUpdates += batch.updates.length
    }
    if (page.lastSeq === after || page.batches.length === 0) break
    after = page.lastSeq
  }
  return { store, fromSnapshot, snapshotSeq: header.seq, replayedDecisions, replayedUpdates }
}
