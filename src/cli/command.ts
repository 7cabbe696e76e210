/**
 * What every CLI command provides: a name, a one-line summary, usage text, and `run`, which
 * returns the process exit code. Commands write to the streams they are given, so tests can
 * capture them.
 */

export interface Io {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** Reads standard input completely (for commands that accept `-`). */
  readonly stdin: () => Promise<string>
}

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  run(args: string[], io: Io): Promise<number>
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  stdin: async () => {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}

/**
 * What a command prints on standard error (and exits 1) when it is run without what it needs:
 * `bulwark NAME: PROBLEM`, a blank line, then its usage — the problem first, so nobody has to
 * find it by comparing the usage with what they typed.
 */
export function usageError(name: string, problem: string, usage: string): string {
  return `bulwark ${name}: ${problem}\n\n${usage}`
}

/** `missing --a, --b` for the required flags not given (absent or empty), or undefined. */
export function missingFlags(
  values: Readonly<Record<string, unknown>>,
  required: readonly string[],
): string | undefined {
  const missing = required.filter((k) => {
    const v = values[k]
    return v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
  })
  return missing.length ? `missing ${missing.map((k) => `--${k}`).join(', ')}` : undefined
}

/** `missing NAME` or `unexpected argument 'X'` when the positionals are not exactly `names`. */
export function positionalProblem(
  positionals: readonly string[],
  names: readonly string[],
): string | undefined {
  if (positionals.length < names.length) return `missing ${names.slice(positionals.length).join(' ')}`
  if (positionals.length > names.length) return `unexpected argument '${positionals[names.length]}'`
  return undefined
}
