/**
 * Helpers for dataset import tests: a temporary directory for inputs and outputs, loading a
 * mapping from text (failing with its diagnostics), and the starter pack for replays.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { loadMapping, type Mapping } from '../../src/datasets/mapping.ts'
import { replay } from '../../src/engine/replay.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import type { Pack } from '../../src/policy/pack.ts'

export interface Scratch {
  readonly root: string
  /** Writes a file under the root (making its directories) and returns its path. */
  file(name: string, text: string): string
  read(name: string): string
  cleanup(): void
}

export function scratch(prefix: string): Scratch {
  const root = mkdtempSync(join(tmpdir(), `bulwark-${prefix}-`))
  return {
    root,
    file(name, text) {
      const path = join(root, name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text)
      return path
    },
    read: (name) => readFileSync(join(root, name), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
}

export function mapping(text: string, path = 'map.yaml'): Mapping {
  const r = loadMapping(path, text)
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
  return r.mapping
}

let starter: Pack | undefined

export function starterPack(): Pack {
  if (!starter) {
    const r = loadPack(readPackDir('policies/starter'))
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    starter = r.pack
  }
  return starter
}

/** Replays events.jsonl text with the starter pack. */
export const replayStarter = (events: string) => replay(starterPack(), events)
