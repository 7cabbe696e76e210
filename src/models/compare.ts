/**
 * Champion against challenger on ground truth: the stored decisions that scored a model, joined
 * with the labels in force (the event's own label, else a label on one of its entities — the
 * same rule as rule precision, see store/sqlite-quality.ts), and for each side the precision and
 * recall at the model's threshold (score ≥ threshold calls the event malicious) and ROC AUC.
 * The challenger is measured on the decisions where it scored (its sample), the champion on all;
 * both on the shared rows too, so the comparison is like for like.
 */

import type Database from 'better-sqlite3'
import { rocAuc } from './metrics.ts'

export interface SideMetrics {
  readonly labelled: number
  readonly positives: number
  readonly precision: number | null
  readonly recall: number | null
  readonly auc: number | null
}

export interface Comparison {
  readonly threshold: number
  readonly champion: SideMetrics
  readonly challenger: SideMetrics
  /** Both sides on the rows where both scored. */
  readonly shared: { readonly rows: number; readonly champion: SideMetrics; readonly challenger: SideMetrics }
}

const LABELLED = `
  WITH scored AS (
    SELECT d.seq, d.event_id,
           json_extract(m.value, '$.score') AS champion,
           json_extract(m.value, '$.challenger.score') AS challenger
    FROM decisions d, json_each(d.decision, '$.models') m
    WHERE json_extract(m.value, '$.model') = ?
    ORDER BY d.seq DESC LIMIT ?
  ),
  labelled AS (
    SELECT s.seq, s.champion, s.challenger, t.malicious, 0 AS rank
    FROM scored s JOIN truth_latest t ON t.kind = 'event' AND t.subject_type = '' AND t.subject_id = s.event_id
    UNION ALL
    SELECT s.seq, s.champion, s.challenger, t.malicious, 1 AS rank
    FROM scored s JOIN decision_entities e ON e.seq = s.seq
    JOIN truth_latest t ON t.kind = 'entity' AND t.subject_type = e.entity_type AND t.subject_id = e.entity_id
  )
  SELECT champion, challenger, malicious, min(rank) AS rank FROM labelled GROUP BY seq`

const nullable = (x: number) => (Number.isFinite(x) ? x : null)

export function sideMetrics(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
): SideMetrics {
  let tp = 0
  let fp = 0
  let positives = 0
  for (let i = 0; i < scores.length; i++) {
    const called = scores[i]! >= threshold
    if (labels[i] === 1) positives++
    if (called && labels[i] === 1) tp++
    else if (called) fp++
  }
  return {
    labelled: scores.length,
    positives,
    precision: tp + fp ? tp / (tp + fp) : null,
    recall: positives ? tp / positives : null,
    auc: nullable(rocAuc(scores, labels)),
  }
}

/** Compares a model's champion and challenger on the latest `limit` decisions that scored it. */
export function compareOnLabels(
  db: Database.Database,
  model: string,
  threshold: number,
  limit = 100_000,
): Comparison {
  const rows = db.prepare(LABELLED).all(model, limit) as {
    champion: number | null
    challenger: number | null
    malicious: number
  }[]
  const pick = (f: (r: (typeof rows)[number]) => boolean, side: 'champion' | 'challenger') => {
    const chosen = rows.filter(f)
    return sideMetrics(
      chosen.map((r) => r[side]!),
      chosen.map((r) => r.malicious),
      threshold,
    )
  }
  const both = (r: (typeof rows)[number]) => r.champion !== null && r.challenger !== null
  return {
    threshold,
    champion: pick((r) => r.champion !== null, 'champion'),
    challenger: pick((r) => r.challenger !== null, 'challenger'),
    shared: {
      rows: rows.filter(both).length,
      champion: pick(both, 'champion'),
      challenger: pick(both, 'challenger'),
    },
  }
}
