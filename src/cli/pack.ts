/**
 * Loading a pack for a command: read the directory, load it, and print every diagnostic when it
 * does not load (the caller exits 1).
 */

import { BulwarkError } from '../core/errors.ts'
import { formatDiagnostics } from '../lang/diagnostics.ts'
import { readPackDir } from '../policy/bundle.ts'
import { loadPack } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import type { Io } from './command.ts'

export function loadPackFrom(dir: string, io: Io): Pack | undefined {
  let files: ReturnType<typeof readPackDir>
  try {
    files = readPackDir(dir)
  } catch (e) {
    io.err(e instanceof BulwarkError ? e.message : `cannot read ${dir}: ${(e as Error).message}`)
    return undefined
  }
  const r = loadPack(files)
  if (r.ok) return r.pack
  io.err(formatDiagnostics(r.diagnostics))
  io.err(`\n${r.diagnostics.length} problem(s) in ${dir}`)
  return undefined
}
