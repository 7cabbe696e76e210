/**
 * A training table read from a CSV/TSV file (straight from the RFC 4180 parser, src/datasets/csv.ts)
 * or a JSON Lines file (src/datasets/read.ts): the 0/1 label, the numeric feature columns and, optionally, one text column.
 *
 * Column inference, for every column that is not the label or the text column (or only those
 * named by `features`): a cell that is empty, `null` or `NaN` is missing; `true`/`false` are 1/0;
 * a column is numeric when every other cell is a finite decimal number. Columns that are not
 * numeric (ids, categories) are left out and listed, as are columns with fewer than two distinct
 * values; a column named in `features` that is not numeric is an error. Values are stored as
 * 32-bit floats, as XGBoost does, so split thresholds written to a model compare exactly like
 * the values the trainer saw. The label must be 0/1 or true/false; a row with an empty label is
 * skipped and counted, any other value is an error naming the line.
 */

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { BulwarkError } from '../../core/errors.ts'
import { CsvParser, type CsvRecord } from '../../datasets/csv.ts'
import { formatOf, readInput } from '../../datasets/read.ts'

export interface TableOptions {
  readonly label: string
  readonly text?: string
  /** A time column (RFC 3339 or epoch ms) read into `times`, for a split by time. */
  readonly time?: string
  /** Only these columns, in this order; otherwise every numeric column in file order. */
  readonly features?: readonly string[]
}

export interface TrainingTable {
  readonly rows: number
  /** Feature names, in column order. */
  readonly names: readonly string[]
  /** Column-major values: columns[f][row], NaN for missing (float32 values held as doubles). */
  readonly columns: readonly Float64Array[]
  readonly labels: Uint8Array
  readonly text?: readonly string[]
  /** Per row, the time column in ms since the epoch (NaN when absent or unreadable). */
  readonly times?: Float64Array
  /** Columns left out, with why. */
  readonly ignored: readonly { readonly column: string; readonly reason: string }[]
  /** Rows skipped because their label was empty. */
  readonly unlabelled: number
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** A cell as a feature value: a number, NaN for missing, or undefined when it is not numeric. */
export function cellValue(cell: string | undefined): number | undefined {
  if (cell === undefined) return Number.NaN
  const t = cell.trim()
  if (t === '' || t === 'null' || t === 'NaN') return Number.NaN
  if (t === 'true') return 1
  if (t === 'false') return 0
  return NUMBER.test(t) ? Math.fround(Number(t)) : undefined
}

function labelValue(cell: string | undefined, line: number, label: string): number | undefined {
  const t = (cell ?? '').trim()
  if (t === '' || t === 'null') return undefined
  if (t === '1' || t === 'true' || t === '1.0') return 1
  if (t === '0' || t === 'false' || t === '0.0') return 0
  throw new BulwarkError('TRAIN_DATA_INVALID', {
    detail: `line ${line}: label '${label}' must be 0/1 or true/false, found '${t.slice(0, 40)}'`,
  })
}

/** One column as it is read: values parsed at once, the first cell that is not a number kept. */
interface ColumnReader {
  values: number[]
  notNumeric: string | undefined
}

export async function readTrainingTable(path: string, options: TableOptions): Promise<TrainingTable> {
  const raw = new Map<string, ColumnReader>()
  const labels: number[] = []
  const text: string[] = []
  let unlabelled = 0
  let seenText = false
  const times: number[] = []
  const firstProblems: string[] = []
  const column = (name: string, rows: number): ColumnReader => {
    let c = raw.get(name)
    if (!c) {
      c = { values: new Array<number>(rows).fill(Number.NaN), notNumeric: undefined }
      raw.set(name, c)
    }
    return c
  }
  /** Adds a row; `readers` (CSV: one per header column, fixed) saves looking columns up by name. */
  const addRow = (
    line: number,
    names: readonly string[],
    cellOf: (i: number) => string | undefined,
    readers?: readonly ColumnReader[],
  ) => {
    let y: number | undefined
    let t: string | undefined
    let time = Number.NaN
    for (let i = 0; i < names.length; i++) {
      if (names[i] === options.label) y = labelValue(cellOf(i), line, options.label)
      else if (names[i] === options.text) t = cellOf(i)
      if (names[i] === options.time) time = timeValue(cellOf(i))
    }
    if (y === undefined) {
      unlabelled++
      return
    }
    const row = labels.length
    labels.push(y)
    if (options.text !== undefined) {
      if (t !== undefined) seenText = true
      text.push(t ?? '')
    }
    times.push(time)
    for (let i = 0; i < names.length; i++) {
      if (names[i] === options.text) continue
      const c = readers ? readers[i]! : column(names[i]!, row)
      const cell = cellOf(i)
      const v = c.notNumeric === undefined ? cellValue(cell) : Number.NaN
      if (v === undefined) c.notNumeric = cell
      c.values[row] = v ?? Number.NaN
    }
    // Columns this row lacks (JSON Lines) are missing in it.
    if (!readers) for (const c of raw.values()) if (c.values.length <= row) c.values.push(Number.NaN)
  }
  try {
    const format = formatOf(path, {})
    if (format === 'csv' || format === 'tsv') {
      // Straight from the parser: no object per row.
      const parser = new CsvParser(format === 'tsv' ? { delimiter: '\t', quote: '' } : {})
      let header: string[] | undefined
      let readers: ColumnReader[] = []
      const emit = (r: CsvRecord) => {
        if (r.problem) firstProblems.push(`line ${r.line}: ${r.problem}`)
        else if (!header) {
          header = r.fields.map((f, i) => f.trim() || `column_${i + 1}`)
          readers = header.map((n) => column(n, 0))
        } else if (r.fields.length !== header.length)
          firstProblems.push(`line ${r.line}: expected ${header.length} fields, found ${r.fields.length}`)
        else addRow(r.line, header, (i) => r.fields[i], readers)
      }
      for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 }))
        parser.push(chunk as string, emit)
      parser.end(emit)
    } else {
      for await (const batch of readInput(path, {})) {
        for (const item of batch) {
          if (item.kind === 'header') for (const n of item.names) column(n, labels.length)
          else if (item.kind === 'problem') firstProblems.push(`line ${item.line}: ${item.message}`)
          else {
            const names = Object.keys(item.cells)
            addRow(item.line, names, (i) => item.cells[names[i]!])
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof BulwarkError) throw e
    throw new BulwarkError('TRAIN_DATA_INVALID', { detail: `cannot read ${path}: ${(e as Error).message}` })
  }
  if (firstProblems.length)
    throw new BulwarkError('TRAIN_DATA_INVALID', {
      detail: `${firstProblems.length} malformed record(s); first: ${firstProblems[0]}`,
    })
  if (!raw.has(options.label))
    throw new BulwarkError('TRAIN_DATA_INVALID', { detail: `no column '${options.label}' (the label)` })
  if (options.text !== undefined && !seenText && !raw.has(options.text))
    throw new BulwarkError('TRAIN_DATA_INVALID', { detail: `no column '${options.text}' (the text)` })
  if (options.time !== undefined && !raw.has(options.time))
    throw new BulwarkError('TRAIN_DATA_INVALID', { detail: `no column '${options.time}' (the time)` })
  const table = buildTable(raw, Uint8Array.from(labels), options, text, unlabelled)
  return options.time === undefined ? table : { ...table, times: Float64Array.from(times) }
}

function buildTable(
  raw: Map<string, ColumnReader>,
  labels: Uint8Array,
  options: TableOptions,
  text: string[],
  unlabelled: number,
): TrainingTable {
  const rows = labels.length
  const names: string[] = []
  const columns: Float64Array[] = []
  const ignored: { column: string; reason: string }[] = []
  const wanted = options.features ?? [...raw.keys()]
  for (const name of wanted) {
    if (name === options.label || name === options.text || (name === options.time && !options.features)) {
      if (options.features)
        throw new BulwarkError('TRAIN_DATA_INVALID', {
          detail: `'${name}' cannot be both a feature and the label or text`,
        })
      continue
    }
    const c = raw.get(name)
    if (!c) throw new BulwarkError('TRAIN_DATA_INVALID', { detail: `no column '${name}'` })
    if (c.notNumeric !== undefined) {
      if (options.features)
        throw new BulwarkError('TRAIN_DATA_INVALID', {
          detail: `feature '${name}' is not numeric (found '${c.notNumeric.slice(0, 40)}')`,
        })
      ignored.push({ column: name, reason: 'not numeric' })
      continue
    }
    const values = Float64Array.from(c.values)
    let first = Number.NaN
    let distinct = false
    for (let r = 0; r < rows && !distinct; r++) {
      const v = values[r]!
      if (Number.isNaN(v)) continue
      if (Number.isNaN(first)) first = v
      else if (v !== first) distinct = true
    }
    if (!distinct && !options.features) ignored.push({ column: name, reason: 'constant or empty' })
    else {
      names.push(name)
      columns.push(values)
    }
  }
  return {
    rows,
    names,
    columns,
    labels,
    ...(options.text !== undefined ? { text } : {}),
    ignored,
    unlabelled,
  }
}

/** A time cell: epoch milliseconds, or an RFC 3339 / ISO 8601 time; NaN otherwise. */
function timeValue(cell: string | undefined): number {
  const t = (cell ?? '').trim()
  if (t === '') return Number.NaN
  return /^\d+$/.test(t) ? Number(t) : Date.parse(t)
}

/** The SHA-256 of a file, hex. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
