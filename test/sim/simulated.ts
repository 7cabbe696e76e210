/**
 * Small simulated worlds for the simulator's tests: runs `runSimulation` into a temporary
 * directory and reads the three files back (raw text and parsed lines).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runSimulation, type SimulateOptions } from '../../src/sim/run.ts'
import type { Manifest } from '../../src/sim/write.ts'

export interface Simulated {
  readonly dir: string
  readonly manifest: Manifest
  readonly eventsText: string
  readonly labelsText: string
  readonly manifestText: string
  readonly events: Record<string, any>[]
  readonly labels: {
    event_id: string
    malicious: boolean
    area?: string
    campaign?: string
    damage?: number
  }[]
}

const dirs: string[] = []

export const START = Date.UTC(2026, 0, 5)

export function simulated(options: Partial<SimulateOptions> = {}): Simulated {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-sim-'))
  dirs.push(dir)
  const manifest = runSimulation({
    seed: 1,
    start: START,
    days: 1,
    users: 300,
    evasion: 0.3,
    intensity: 1,
    ...options,
    out: dir,
  })
  const read = (name: string) => readFileSync(join(dir, name), 'utf8')
  const eventsText = read('events.jsonl')
  const labelsText = read('labels.jsonl')
  const lines = (text: string) =>
    text
      ? text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l))
      : []
  return {
    dir,
    manifest,
    eventsText,
    labelsText,
    manifestText: read('manifest.json'),
    events: lines(eventsText),
    labels: lines(labelsText),
  }
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
}
