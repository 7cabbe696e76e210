/**
 * Writes training rows as CSV (RFC 4180: a header, then one record per row; a cell holding a
 * comma, a quote or a line break is quoted with doubled quotes; missing is empty) or JSON Lines
 * (one object per row with every column, missing as null), chosen by the file's extension.
 * Rows go through the import's buffered Output, so a failed run never leaves a partial file.
 */

import { extname } from 'node:path'
import { BulwarkError } from '../../core/errors.ts'
import { Output } from '../output.ts'
import type { Cell } from './row.ts'

export type RowFormat = 'csv' | 'jsonl'

export function rowFormatOf(path: string): RowFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  throw new BulwarkError('DATASET_INVALID', { detail: `--out must end in .csv or .jsonl, got '${path}'` })
}

function csvCell(c: Cell): string {
  if (c === undefined) return ''
  const s = String(c)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export class RowWriter {
  private readonly output: Output
  private readonly format: RowFormat
  private readonly columns: readonly string[]
  rows = 0

  constructor(path: string, columns: readonly string[]) {
    this.columns = columns
    this.format = rowFormatOf(path)
    this.output = new Output(path)
    if (this.format === 'csv') this.output.line(columns.map(csvCell).join(','))
  }

  /** Buffers one row (written by the next `flush` or `commit`). */
  add(cells: readonly Cell[]): void {
    this.rows++
    if (this.format === 'csv') this.output.line(cells.map(csvCell).join(','))
    else {
      const o: Record<string, string | number | null> = {}
      for (let i = 0; i < this.columns.length; i++) o[this.columns[i]!] = cells[i] ?? null
      this.output.line(JSON.stringify(o))
    }
  }

  /** Writes the buffered rows once about a megabyte has collected. */
  flush(): Promise<void> {
    return this.output.flush()
  }

  commit(): Promise<void> {
    return this.output.commit()
  }

  discard(): Promise<void> {
    return this.output.discard()
  }
}
