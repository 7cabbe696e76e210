/**
 * Policy packs written to temporary directories, for tests that load packs the way `bulwark
 * check` and the server do (from disk). One root per test file; every pack gets its own
 * directory below it, and `cleanup()` removes them all.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Lines of a YAML file, joined with a final newline: line N of the file is argument N. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`

export interface TempPacks {
  readonly root: string
  /** Writes `files` (path → text or bytes) into a new directory and returns its path. */
  write(files: Readonly<Record<string, string | Uint8Array>>): string
  cleanup(): void
}

export function tempPacks(prefix: string): TempPacks {
  const root = mkdtempSync(join(tmpdir(), `bulwark-${prefix}-`))
  let n = 0
  return {
    root,
    write(files) {
      const dir = join(root, `pack-${n++}`)
      mkdirSync(dir, { recursive: true })
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path)
        mkdirSync(dirname(full), { recursive: true })
        writeFileSync(full, content)
      }
      return dir
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true })
    },
  }
}
