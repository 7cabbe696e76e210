/**
 * What a policy change does to the measured outcome: two evaluation reports over the same events
 * and labels (baseline, candidate), diffed metric by metric — overall and per area. A change is
 * candidate − baseline, null when either side had nothing to measure.
 */

import type { EvalReport } from './report.ts'

export interface MetricChange {
  readonly baseline: number | null
  readonly candidate: number | null
  readonly change: number | null
}

const METRICS = [
  'precision',
  'recall',
  'damage_prevented',
  'benign_friction',
  'benign_user_friction',
] as const
export type ComparedMetric = (typeof METRICS)[number]

export interface MetricsDiff {
  readonly overall: Readonly<Record<'recall' | 'damage_prevented' | 'benign_friction', MetricChange>>
  readonly areas: Readonly<Record<string, Readonly<Record<ComparedMetric, MetricChange>>>>
}

export function change(baseline: number | null, candidate: number | null): MetricChange {
  return {
    baseline,
    candidate,
    change: baseline === null || candidate === null ? null : Math.round((candidate - baseline) * 1e6) / 1e6,
  }
}

export function diffReports(baseline: EvalReport, candidate: EvalReport): MetricsDiff {
  const areas: Record<string, Record<ComparedMetric, MetricChange>> = {}
  for (const name of new Set([...Object.keys(baseline.areas), ...Object.keys(candidate.areas)])) {
    const b = baseline.areas[name]
    const c = candidate.areas[name]
    areas[name] = Object.fromEntries(
      METRICS.map((m) => [m, change(b?.[m] ?? null, c?.[m] ?? null)]),
    ) as Record<ComparedMetric, MetricChange>
  }
  return {
    overall: {
      recall: change(baseline.recall, candidate.recall),
      damage_prevented: change(baseline.damage_prevented, candidate.damage_prevented),
      benign_friction: change(baseline.benign_friction, candidate.benign_friction),
    },
    areas,
  }
}
