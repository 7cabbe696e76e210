/**
 * `bulwark backtest --policy NEW --baseline OLD --events FILE`: both packs replay the same events
 * (each recomputing its features in event-time order); the decisions that flip are counted by
 * outcome pair, rule and area with example event ids and, given labels, the metrics are compared
 * per area (src/eval/backtest.ts).
 */

import { backtest } from '../eval/backtest.ts'
import { backtestText } from '../eval/backtest-text.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { flags, readEvents, readLabels } from './eval-input.ts'
import { loadPackFrom } from './pack.ts'
import { terminalProgress } from './progress.ts'

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Compare a candidate pack with a baseline over the same recorded events',
  usage: `bulwark backtest --policy NEW --baseline OLD --events FILE.jsonl [--labels FILE.jsonl] [--json] [--examples N]

  Replays the events (one JSON object per line, each with a time; - for standard input) with the
  candidate pack NEW and the baseline pack OLD, each on a fresh in-memory engine in event-time
  order, and compares the two decisions of every event: how many flip and which way, by outcome
  pair (allow→block, block→allow, …), by rule (rules whose enforced hit differs) and by area of
  those rules, with example event ids. The rules that differ between the packs are listed.

  --labels FILE    also evaluate both packs against ground truth and show the change in
                   precision, recall, damage prevented and benign friction per area
  --examples N     example event ids per count (default 5)
  --json           print the result as one JSON object, the last line of standard output
  On a terminal, without --json, a progress bar for each replay runs on standard error.
  Exit 1 if a flag is wrong, a pack does not load or a file cannot be read.`,
  async run(args, io: Io) {
    const values = flags(
      'backtest',
      this.usage,
      args,
      {
        policy: { type: 'string' },
        baseline: { type: 'string' },
        events: { type: 'string' },
        labels: { type: 'string' },
        json: { type: 'boolean' },
        examples: { type: 'string' },
      },
      io,
    )
    if (!values) return 1
    const missing = missingFlags(values, ['policy', 'baseline', 'events'])
    if (missing) {
      io.err(usageError('backtest', missing, this.usage))
      return 1
    }
    const examples = values.examples === undefined ? 5 : Number(values.examples)
    if (!Number.isInteger(examples) || examples < 0) {
      io.err(`bulwark backtest: --examples must be a whole number ≥ 0, got '${values.examples}'`)
      return 1
    }
    if (values.events === '-' && values.labels === '-') {
      io.err('bulwark backtest: only one of --events and --labels can be standard input')
      return 1
    }
    const candidate = await loadPackFrom(values.policy!, io)
    if (!candidate) return 1
    const baseline = await loadPackFrom(values.baseline!, io)
    if (!baseline) return 1
    const events = await readEvents(values.events!, io)
    if (!events) return 1
    const labels = values.labels ? await readLabels(values.labels, io) : undefined
    if (values.labels && !labels) return 1
    const report = await backtest(candidate, baseline, events, labels, examples, (pass) =>
      terminalProgress(values.json, pass),
    )
    if (values.json) io.out(JSON.stringify(report))
    else io.out(backtestText(report))
    return 0
  },
}
