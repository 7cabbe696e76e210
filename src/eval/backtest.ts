/**
 * A backtest: the baseline and the candidate pack each replay the same parsed events (features
 * recomputed in event-time order by each), their decision streams are compared (compare.ts) and,
 * given labels, both are evaluated and the metrics diffed (diff.ts). No I/O.
 */

import type { ParsedEvents } from '../engine/replay.ts'
import type { Pack } from '../policy/pack.ts'
import { type Comparison, compareDecisions, type DecisionDigest, digestOf } from './compare.ts'
import { diffReports, type MetricsDiff } from './diff.ts'
import { type Labels, parseLabels } from './labels.ts'
import { type RuleChanges, ruleChanges } from './rule-changes.ts'
import { evaluate } from './run.ts'

export interface BacktestReport {
  readonly baseline: { readonly name: string; readonly version: string }
  readonly candidate: { readonly name: string; readonly version: string }
  /** Lines read, and those each pack rejected (by validation against its event types). */
  readonly lines: number
  readonly rejected: { readonly baseline: number; readonly candidate: number }
  readonly rules: RuleChanges
  readonly decisions: Comparison
  /** With labels: precision, recall, damage prevented and friction per area, before and after. */
  readonly metrics: MetricsDiff | null
}

export async function backtest(
  candidate: Pack,
  baseline: Pack,
  events: ParsedEvents,
  labels: Labels | undefined,
  examples = 5,
  /** The progress callback, if any, for each of the two replays (baseline first). */
  progressOf?: (pass: 'baseline' | 'candidate') => ((done: number, total: number) => void) | undefined,
): Promise<BacktestReport> {
  // Events are keyed by their id, or by their line when they have none.
  const run = async (pack: Pack, pass: 'baseline' | 'candidate') => {
    const digests: DecisionDigest[] = []
    const onProgress = progressOf?.(pass)
    const result = await evaluate(pack, events, labels ?? parseLabels(''), {
      onDecision: (d, duplicate, event, _time, line) => {
        if (!duplicate) digests.push(digestOf(typeof event.id === 'string' ? event.id : `line ${line}`, d))
      },
      ...(onProgress ? { onProgress } : {}),
    })
    return { digests, ...result }
  }
  const before = await run(baseline, 'baseline')
  const after = await run(candidate, 'candidate')
  const areas = new Map<string, string | undefined>()
  for (const r of baseline.rules) areas.set(r.id, r.area)
  for (const r of candidate.rules) areas.set(r.id, r.area)
  return {
    baseline: { name: baseline.name, version: baseline.version },
    candidate: { name: candidate.name, version: candidate.version },
    lines: events.lines,
    rejected: { baseline: before.replay.rejected, candidate: after.replay.rejected },
    rules: ruleChanges(baseline, candidate),
    decisions: compareDecisions(before.digests, after.digests, areas, examples),
    metrics: labels ? diffReports(before.report, after.report) : null,
  }
}
