/**
 * The write-ahead journal on its own: appends made in one loop turn share one write and sync,
 * every line is read back in order by the next process, and segments roll over at their size and
 * go once applied.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Journal } from '../../src/store/journal.ts'

const dirs: string[] = []
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bulwark-journal-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('journal', () => {
  it('makes every append of a loop turn durable and reads the lines back in order', async () => {
    const d = dir()
    const chunks: { lines: number; seq: number }[] = []
    const journal = new Journal(d, {
      onDurable: (chunk, seq) => chunks.push({ lines: chunk.toString('utf8').split('\n').length - 1, seq }),
    })
    journal.start()
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(`{"n":${i}}`, i + 1)))
    await journal.append('{"n":"last"}', 51)
    await journal.settled()
    journal.close(false)

    // The 50 appends of one turn went to the disk together, the last one on its own.
    expect(chunks).toEqual([
      { lines: 50, seq: 50 },
      { lines: 1, seq: 51 },
    ])
    const next = new Journal(d)
    const lines = [...next.replay()].map((l) => l.line)
    expect(lines).toEqual([...Array.from({ length: 50 }, (_, i) => `{"n":${i}}`), '{"n":"last"}'])
  })

  it('rolls over to a new segment once one is full, and trims segments already applied', async () => {
    const d = dir()
    const journal = new Journal(d, { segmentBytes: 100 })
    journal.start()
    for (let i = 1; i <= 6; i++) await journal.append(`{"line":${i},"pad":"${'x'.repeat(30)}"}`, i)
    expect(journal.segmentCount).toBeGreaterThan(1)
    journal.trim(6)
    expect(journal.segmentCount).toBe(1)
    journal.close(false)
  })
})
