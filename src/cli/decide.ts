/**
 * `bulwark decide --policy DIR [FILE|-]`: decides one event (JSON) with a pack, in memory,
 * and prints the decision with its trace. Nothing is stored.
 */

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { systemClock } from '../core/clock.ts'
import { BulwarkError } from '../core/errors.ts'
import { memoryEngine } from '../engine/pack-tests.ts'
import { type Command, missingFlags, usageError } from './command.ts'
import { loadPackFrom } from './pack.ts'

export const decideCommand: Command = {
  name: 'decide',
  summary: 'Decide one event with a policy pack (nothing stored)',
  usage: `bulwark decide --policy DIR [FILE]

  Reads one event as JSON from FILE (or standard input), decides it with the pack in DIR on a
  fresh in-memory engine, and prints the decision (outcome, score, reasons, rule hits, feature
  values, pack version). Exit 1 if the pack does not load or the event is invalid.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { policy: { type: 'string' } },
    })
    const missing = missingFlags(values, ['policy'])
    if (missing) {
      io.err(usageError('decide', missing, this.usage))
      return 1
    }
    const pack = await loadPackFrom(values.policy!, io)
    if (!pack) return 1
    const text =
      positionals[0] && positionals[0] !== '-' ? readFileSync(positionals[0], 'utf8') : await io.stdin()
    let event: unknown
    try {
      event = JSON.parse(text)
    } catch (e) {
      io.err(`the event is not valid JSON: ${(e as Error).message}`)
      return 1
    }
    try {
      const { decision } = await memoryEngine(pack, systemClock).decide(event)
      io.out(JSON.stringify(decision, null, 2))
      return 0
    } catch (e) {
      if (e instanceof BulwarkError) {
        io.err(`${e.code}: ${e.message}`)
        if (Array.isArray(e.details))
          for (const d of e.details as { path: string; message: string }[])
            io.err(`  ${d.path || 'event'}: ${d.message}`)
        return 1
      }
      throw e
    }
  },
}
