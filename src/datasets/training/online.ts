/**
 * Online training rows: the decisions a node recorded (each holds the feature values it used,
 * so the rows are point-in-time correct) whose event time is in [since, until), joined with the
 * ground-truth label in force for their event — labels that usually arrive later (reviews,
 * chargebacks, `POST /v1/labels`). Same columns as offline (row.ts); feature columns are those the
 * decisions carry. Reads the repository twice in commit order, a page at a time: once to learn
 * the columns (a CSV header comes first), once to write.
 */

import type { Repository, StoredDecision } from '../../store/repository.ts'
import type { DatasetSummary } from './offline.ts'
import {
  columnNames,
  eventColumns,
  eventFieldColumns,
  isTimeValue,
  newEventFields,
  type RowColumns,
  type RowLabel,
  rowCells,
} from './row.ts'
import { RowWriter } from './write.ts'

const PAGE = 1000

async function forEachPage(
  repo: Repository,
  window: { readonly since: number; readonly until: number },
  visit: (page: StoredDecision[]) => Promise<void> | void,
): Promise<void> {
  let after = 0
  for (;;) {
    const page = await repo.decisionsAfter(after, PAGE)
    if (page.length === 0) return
    after = page[page.length - 1]!.seq
    const inWindow = page.filter((d) => d.eventTime >= window.since && d.eventTime < window.until)
    if (inWindow.length) await visit(inWindow)
  }
}

export async function onlineDataset(
  repo: Repository,
  window: { readonly since: number; readonly until: number },
  out: string,
): Promise<DatasetSummary> {
  const features = new Set<string>()
  const timeFeatures = new Set<string>()
  const found = newEventFields()
  await forEachPage(repo, window, (page) => {
    for (const d of page) {
      for (const f in d.decision.features) {
        features.add(f)
        if (isTimeValue(d.decision.features[f])) timeFeatures.add(f)
      }
      eventColumns(d.event, found)
    }
  })
  const columns: RowColumns = {
    features: [...features].sort(),
    timeFeatures,
    ...eventFieldColumns(found),
  }
  const names = columnNames(columns)
  const writer = new RowWriter(out, names)
  let labelled = 0
  let malicious = 0
  try {
    await forEachPage(repo, window, async (page) => {
      const truth = await repo.truthLabelsInForce(page.map((d) => ({ eventId: d.eventId })))
      const byEvent = new Map<string, RowLabel>()
      for (const t of truth)
        if (t.eventId !== undefined)
          byEvent.set(t.eventId, {
            malicious: t.malicious,
            ...(t.area !== undefined ? { area: t.area } : {}),
            ...(t.campaign !== undefined ? { campaign: t.campaign } : {}),
          })
      for (const d of page) {
        const label = byEvent.get(d.eventId)
        if (label) {
          labelled++
          if (label.malicious) malicious++
        }
        writer.add(
          rowCells(columns, d.eventId, d.eventTime, d.eventType, d.event, d.decision.features, label),
        )
      }
      await writer.flush()
    })
    await writer.commit()
  } catch (e) {
    await writer.discard()
    throw e
  }
  return { rows: writer.rows, labelled, malicious, columns: names }
}
