/**
 * Small policy packs for engine and node tests, written to a temporary directory and loaded the
 * way the server loads them (readPackDir, then loadPack), with the diagnostics in the error when
 * a pack does not load.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import type { Pack } from '../../src/policy/pack.ts'

export interface PackDirs {
  /** Writes the files into a new directory and returns its path. */
  write(files: Readonly<Record<string, string>>): string
  /** Writes the files and loads them from disk. */
  load(files: Readonly<Record<string, string>>): Pack
  /** A fresh empty directory (for data directories). */
  dir(name: string): string
  cleanup(): void
}

export function packDirs(prefix: string): PackDirs {
  const root = mkdtempSync(join(tmpdir(), `bulwark-${prefix}-`))
  let n = 0
  const write = (files: Readonly<Record<string, string>>) => {
    const dir = join(root, `pack-${n++}`)
    for (const [path, text] of Object.entries(files)) {
      const full = join(dir, path)
      mkdirSync(dirname(full), { recursive: true })
      writeFileSync(full, text)
    }
    return dir
  }
  return {
    write,
    load(files) {
      const r = loadPack(readPackDir(write(files)))
      if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
      return r.pack
    },
    dir(name) {
      const dir = join(root, `${name}-${n++}`)
      mkdirSync(dir, { recursive: true })
      return dir
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true })
    },
  }
}
