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
