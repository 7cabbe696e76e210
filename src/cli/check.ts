/**
 * `bulwark check DIR`: loads a policy pack and reports every problem (exit 1) or a summary.
 */

import { type Command, usageError } from './command.ts'
import { loadPackFrom } from './pack.ts'

export const checkCommand: Command = {
  name: 'check',
  summary: 'Validate and type-check a policy pack',
  usage: `bulwark check DIR

  Loads the policy pack in DIR exactly as the server would: YAML, schemas, event types, lists,
  features and every rule expression. Prints each problem as file:line:col with the source
  line, and exits 1 if there is any; otherwise prints a summary and exits 0.`,
  async run(args, io) {
    const dir = args.find((a) => !a.startsWith('-'))
    if (!dir) {
      io.err(usageError('check', 'missing the pack directory DIR', this.usage))
      return 1
    }
    const pack = await loadPackFrom(dir, io)
    if (!pack) return 1
    const modes: Record<string, number> = {}
    for (const r of pack.rules) modes[r.mode] = (modes[r.mode] ?? 0) + 1
    io.out(
      `${pack.name} ${pack.version}: ${pack.eventTypes.size} event types, ${pack.features.length + pack.derived.length} features, ${pack.lists.size} lists, ` +
        `${pack.rules.length} rules (${Object.entries(modes)
          .map(([m, n]) => `${n} ${m}`)
          .join(', ')}), ${pack.tests.length} tests — ok`,
    )
    return 0
  },
}
