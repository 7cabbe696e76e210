/**
 * `bulwark` help: the overview (no command, --help, an unknown command), `--help` on every
 * command (`-h` after its argument for check), and the usage check prints when its directory is
 * missing. The top-level behaviours and check's run the real process (about a second of start-up
 * each, started together); every other command's `--help` runs through the same `main()` in
 * process, so adding commands does not add processes.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { lines, type Run, runAll } from './run.ts'

const COMMANDS = [
  'serve',
  'check',
  'test',
  'decide',
  'replay',
  'simulate',
  'eval',
  'backtest',
  'import',
  'labels',
  'cases',
  'appeals',
  'actions',
  'dataset',
  'train',
  'models',
  'expr',
] as const

let r: Record<string, Run>

/** `bulwark ...args` through main() in this process, its output captured. */
async function inProcess(args: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`
    },
    stdin: async () => '',
  })
  return { code, stdout, stderr }
}

beforeAll(async () => {
  r = await runAll({
    none: [[]],
    help: [['--help']],
    unknown: [['frobnicate']],
    checkBare: [['check']],
    // `-h` after the command's argument, for check.
    'help:check': [['check', 'policies/starter', '-h']],
  })
  for (const c of COMMANDS) if (c !== 'check') r[`help:${c}`] = await inProcess([c, '--help'])
}, 60_000)

/** The overview's command table: `name  summary` lines after "Commands:". */
function commandTable(overview: string): string[] {
  const all = lines(overview)
  return all.slice(all.indexOf('Commands:') + 1).map((l) => l.trim().split(/\s{2,}/)[0]!)
}

describe('bulwark (top level)', () => {
  it('--help prints the overview with every command and exits 0', () => {
    const run = r.help!
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(lines(run.stdout)[0]).toBe('bulwark — real-time risk control for trust & safety teams')
    expect(run.stdout).toContain(
      'Usage: bulwark <command> [options]   (bulwark <command> --help for details)',
    )
    expect(commandTable(run.stdout)).toEqual([...COMMANDS])
    // Names are padded to the longest command name (8 characters: simulate, backtest).
    expect(r.help!.stdout).toMatch(/^ {2}check {2,}Validate and type-check a policy pack$/m)
  })

  it('no command prints the overview but exits 1', () => {
    expect(r.none!.code).toBe(1)
    expect(r.none!.stdout).toBe(r.help!.stdout)
  })

  it('an unknown command is an error naming it, followed by the overview, on stderr', () => {
    expect(r.unknown!.code).toBe(1)
    expect(r.unknown!.stdout).toBe('')
    expect(r.unknown!.stderr).toBe(`unknown command 'frobnicate'\n\n${r.help!.stdout}`)
  })
})

describe('bulwark <command> --help', () => {
  it.each(COMMANDS)('%s --help (or -h) prints its usage on stdout and exits 0', (name) => {
    const run = r[`help:${name}`]!
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const [first, blank, ...body] = lines(run.stdout)
    expect(first).toMatch(new RegExp(`^bulwark ${name}( |$)`))
    expect(blank).toBe('')
    expect(body.length).toBeGreaterThan(0)
    expect(body.every((l) => l === '' || l.startsWith('  '))).toBe(true)
  })

  it('each usage is different and documents the options the command takes', () => {
    const usage = (c: string) => r[`help:${c}`]!.stdout
    expect(new Set(COMMANDS.map(usage)).size).toBe(COMMANDS.length)
    expect(lines(usage('check'))[0]).toBe('bulwark check DIR')
    expect(lines(usage('test'))[0]).toBe('bulwark test DIR [--filter TEXT]')
    expect(lines(usage('decide'))[0]).toBe('bulwark decide --policy DIR [FILE]')
    expect(lines(usage('expr'))[0]).toBe('bulwark expr EXPR [--var name=JSON]... [--now RFC3339]')
    expect(usage('serve')).toContain('--port N')
    expect(usage('replay')).toContain('--events FILE.jsonl')
  })

  it('check -h after its argument prints the usage instead of checking the pack', () => {
    expect(r['help:check']!.code).toBe(0)
    expect(r['help:check']!.stdout).not.toContain('— ok')
    expect(lines(r['help:check']!.stdout)[0]).toBe('bulwark check DIR')
  })

  it('check without its directory says so, then prints the usage on stderr, and exits 1', () => {
    expect(r.checkBare!.code).toBe(1)
    expect(r.checkBare!.stdout).toBe('')
    expect(r.checkBare!.stderr).toBe(
      `bulwark check: missing the pack directory DIR\n\n${r['help:check']!.stdout}`,
    )
  })
})
