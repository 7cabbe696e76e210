/**
 * The progress bar of long offline runs (src/cli/progress.ts): what it draws, that it redraws at
 * most every 100 ms (the clock is stubbed, so the test does not depend on the machine's speed),
 * that the last call always draws and ends the line, and the label of a backtest's pass.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import { progressBar, terminalProgress } from '../../src/cli/progress.ts'

afterEach(() => vi.restoreAllMocks())

function recorder() {
  const written: string[] = []
  return { written, stream: { write: (text: string) => written.push(text) } }
}

describe('progressBar', () => {
  it('draws a bar with the share and the counts, redrawing at most every 100 ms', () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const { written, stream } = recorder()
    const bar = progressBar(stream)
    bar(1024, 4096)
    now += 50
    bar(2048, 4096) // within 100 ms: not drawn
    now += 60
    bar(3072, 4096)
    expect(written).toEqual([
      `\r[${'='.repeat(8)}${' '.repeat(22)}] 25% 1024/4096 events`,
      `\r[${'='.repeat(23)}${' '.repeat(7)}] 75% 3072/4096 events`,
    ])
  })

  it('always draws the last call and ends the line; a label leads the bar', () => {
    vi.spyOn(Date, 'now').mockReturnValue(5_000)
    const { written, stream } = recorder()
    const bar = progressBar(stream, 'candidate')
    bar(10, 20)
    bar(20, 20) // same instant, but the last: drawn
    expect(written.slice(-2)).toEqual([`\rcandidate [${'='.repeat(30)}] 100% 20/20 events`, '\n'])
    expect(written).toHaveLength(3)
  })

  it('an empty run is complete', () => {
    const { written, stream } = recorder()
    progressBar(stream)(0, 0)
    expect(written).toEqual([`\r[${'='.repeat(30)}] 100% 0/0 events`, '\n'])
  })
})

describe('terminalProgress', () => {
  it('gives no bar when the output is JSON or standard error is not a terminal', () => {
    expect(terminalProgress(true)).toBeUndefined()
    const tty = process.stderr.isTTY
    try {
      Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true })
      expect(terminalProgress(false)).toBeUndefined()
      Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
      expect(terminalProgress(false)).toBeTypeOf('function')
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
    }
  })
})
