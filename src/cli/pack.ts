/**
 * Loading a pack for a command: read the directory, load it with its models (src/models/attach.ts;
 * a `registry:` model reads the registry of --data-dir when the command has one, else fails to
 * load), and print every diagnostic when it does not load (the caller exits 1).
 */

import { BulwarkError } from '../core/errors.ts'
import { formatDiagnostics } from '../lang/diagnostics.ts'
import { loadPackWithModels } from '../models/attach.ts'
import { readPackDir } from '../policy/bundle.ts'
import type { LoadOptions } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import type { Io } from './command.ts'

export async function loadPackFrom(
  dir: string,
  io: Io,
  options: LoadOptions = {},
): Promise<Pack | undefined> {
  let files: ReturnType<typeof readPackDir>
  try {
    files = readPackDir(dir)
  } catch (e) {
    io.err(e instanceof BulwarkError ? e.message : `cannot read ${dir}: ${(e as Error).message}`)
    return undefined
  }
  const r = await loadPackWithModels(files, { pack: options })
  if (r.ok) return r.pack
  io.err(formatDiagnostics(r.diagnostics))
  io.err(`\n${r.diagnostics.length} problem(s) in ${dir}`)
  return undefined
}
