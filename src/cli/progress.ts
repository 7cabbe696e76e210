/**
 * A one-line progress bar for long offline runs (replay, eval, backtest), drawn on standard error
 * only when it is a terminal and the run's output is not JSON: a pipe or a log file gets no
 * carriage returns. Redrawn at most every 100 ms; the last call (done = total) ends the line.
 */

export type Progress = (done: number, total: number) => void

/** A bar on `stream`, prefixed with `label` when given (a backtest's two passes). */
export function progressBar(stream: { write(text: string): unknown }, label?: string): Progress {
  let last = 0
  const prefix = label ? `${label} ` : ''
  return (done, total) => {
    const now = Date.now()
    if (done < total && now - last < 100) return
    last = now
    const width = 30
    const filled = total ? Math.round((done / total) * width) : width
    const pct = total ? Math.floor((done / total) * 100) : 100
    stream.write(
      `\r${prefix}[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${pct}% ${done}/${total} events`,
    )
    if (done === total) stream.write('\n')
  }
}

/** The bar for a command's run on this process's standard error, or undefined where none belongs. */
export function terminalProgress(json: boolean | undefined, label?: string): Progress | undefined {
  return process.stderr.isTTY && !json ? progressBar(process.stderr, label) : undefined
}
