/**
 * Offline training rows: replay recorded events through a pack (engine/replay.ts, the loop
 * `bulwark eval` uses: event-time order, a fresh in-memory engine whose clock follows the events)
 * and write one row per decided event with the features its decision saw — point-in-time by
 * construction, since a feature value is taken from the decision at the moment it was made — and
 * the label of labels.jsonl (row.ts has the columns). Repeated event ids and rejected lines give
 * no row.
 */

import { type ParsedEvents, type ReplaySummary, replayEvents } from '../../engine/replay.ts'
import type { Labels } from '../../eval/labels.ts'
import type { Pack } from '../../policy/pack.ts'
import {
  columnNames,
  eventColumns,
  eventFieldColumns,
  newEventFields,
  type RowColumns,
  rowCells,
} from './row.ts'
import { RowWriter } from './write.ts'

export interface DatasetSummary {
  readonly rows: number
  readonly labelled: number
  readonly malicious: number
  readonly columns: readonly string[]
}

/** The feature names of a pack: declared, then derived. */
export function packFeatureNames(pack: Pack): string[] {
  return [...pack.features.map((f) => f.name), ...pack.derived.map((d) => d.name)]
}

export async function offlineDataset(
  pack: Pack,
  events: ParsedEvents,
  labels: Labels,
  out: string,
): Promise<{ summary: DatasetSummary; replay: ReplaySummary }> {
  const found = newEventFields()
  for (const e of events.events) eventColumns(e.event, found)
  const columns: RowColumns = {
    features: packFeatureNames(pack),
    timeFeatures: new Set(
      [...pack.features, ...pack.derived].filter((f) => f.type.kind === 'timestamp').map((f) => f.name),
    ),
    ...eventFieldColumns(found),
  }
  const names = columnNames(columns)
  const writer = new RowWriter(out, names)
  let labelled = 0
  let malicious = 0
  try {
    const replay = await replayEvents(pack, events, {
      onDecision: (decision, duplicate, event, time) => {
        if (duplicate) return
        const label = labels.byEvent.get(decision.eventId)
        if (label) {
          labelled++
          if (label.malicious) malicious++
        }
        writer.add(
          rowCells(columns, decision.eventId, time, decision.eventType, event, decision.features, label),
        )
      },
    })
    await writer.commit()
    return { summary: { rows: writer.rows, labelled, malicious, columns: names }, replay }
  } catch (e) {
    await writer.discard()
    throw e
  }
}
