/**
 * One evaluation run: replays parsed events with a pack (engine/replay.ts, the one replay loop)
 * and feeds every decision to an Evaluator. Callers can watch the decisions too (to write them
 * out, or to compare two packs in a backtest). No I/O.
 */

import type { Decision } from '../core/domain.ts'
import { type ParsedEvents, type ReplaySummary, replayEvents } from '../engine/replay.ts'
import type { Pack } from '../policy/pack.ts'
import { Evaluator } from './evaluator.ts'
import type { Labels } from './labels.ts'
import type { EvalReport } from './report.ts'

export interface EvalRun {
  readonly report: EvalReport
  readonly replay: ReplaySummary
}

export type DecisionSink = (
  decision: Decision,
  duplicate: boolean,
  event: Record<string, unknown>,
  time: number,
  line: number,
) => void

export async function evaluate(
  pack: Pack,
  events: ParsedEvents,
  labels: Labels,
  options: { onDecision?: DecisionSink; onProgress?: (done: number, total: number) => void } = {},
): Promise<EvalRun> {
  const evaluator = new Evaluator(pack, labels)
  const watch = options.onDecision
  const replay = await replayEvents(pack, events, {
    onDecision: watch
      ? (d, dup, e, t, line) => {
          evaluator.observe(d, dup, e, t)
          watch(d, dup, e, t, line)
        }
      : (d, dup, e, t) => evaluator.observe(d, dup, e, t),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return { report: evaluator.report(replay), replay }
}
