/**
 * Small seeded datasets for the training tests, written as CSV into a temporary directory, and
 * the options a test run trains with (defaults, small enough to be quick).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { seededRandom } from '../../src/core/random.ts'
import { DEFAULT_TRAIN, type TrainOptions } from '../../src/models/train/run.ts'

/** A temporary directory removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bulwark-${prefix}-`))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export type Row = Record<string, string | number | boolean | null>

export function writeCsv(path: string, rows: readonly Row[]): string {
  const names = Object.keys(rows[0]!)
  const cell = (v: Row[string]) => {
    if (v === null) return ''
    const s = String(v)
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  writeFileSync(
    path,
    `${[names.join(','), ...rows.map((r) => names.map((n) => cell(r[n]!)).join(','))].join('\n')}\n`,
  )
  return path
}

/** y = 1 when x1·x2 > 0 (a checkerboard no linear model can draw), 3% of labels flipped. */
export function checkerboard(n: number, seed: number): Row[] {
  const r = seededRandom(seed)
  return Array.from({ length: n }, (_, i) => {
    const x1 = r() * 2 - 1
    const x2 = r() * 2 - 1
    const y = (x1 * x2 > 0 ? 1 : 0) ^ (r() < 0.03 ? 1 : 0)
    return { id: `row-${i}`, x1, x2, noise: r(), flag: r() < 0.5, label: y }
  })
}

export function options(data: string, out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { ...DEFAULT_TRAIN, data, out, type: 'gbdt', label: 'label', ...extra }
}
