/**
 * The `bulwark` command line: dispatches to one command per file, with `--help` everywhere.
 */

import { actionsCommand } from './actions.ts'
import { backtestCommand } from './backtest.ts'
import { appealsCommand, casesCommand } from './cases.ts'
import { checkCommand } from './check.ts'
import { type Command, type Io, processIo } from './command.ts'
import { datasetCommand } from './dataset.ts'
import { decideCommand } from './decide.ts'
import { evalCommand } from './eval.ts'
import { exprCommand } from './expr.ts'
import { importCommand } from './import.ts'
import { labelsCommand } from './labels.ts'
import { modelsCommand } from './models.ts'
import { replayCommand } from './replay.ts'
import { serveCommand } from './serve.ts'
import { simulateCommand } from './simulate.ts'
import { testCommand } from './test.ts'
import { trainCommand } from './train.ts'

export const COMMANDS: readonly Command[] = [
  serveCommand,
  checkCommand,
  testCommand,
  decideCommand,
  replayCommand,
  simulateCommand,
  evalCommand,
  backtestCommand,
  importCommand,
  labelsCommand,
  casesCommand,
  appealsCommand,
  actionsCommand,
  datasetCommand,
  trainCommand,
  modelsCommand,
  exprCommand,
]

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'bulwark — real-time risk control for trust & safety teams',
    '',
    'Usage: bulwark <command> [options]   (bulwark <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n')
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview())
    return name ? 0 : 1
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.err(`unknown command '${name}'\n\n${overview()}`)
    return 1
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (e) {
    io.err(`bulwark ${name}: ${(e as Error).message}`)
    return 1
  }
}
