/**
 * Reading a dataset file as rows of named text cells, streamed in batches: CSV/TSV through the
 * RFC 4180 parser (csv.ts) with a header or given column names, JSON Lines one object per line,
 * JSON an array of objects. Nested objects flatten to dotted names (`user.id`), other values to
 * text (null → ''). Rows are plain objects (fast to build and read; a `__proto__` name cannot be a
 * column). A record that cannot be a row (wrong field count, bad quoting, bad JSON) comes
 * out as a problem with its line (for a JSON array, the item's number).
 */

import { createReadStream, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { CsvParser, type CsvRecord } from './csv.ts'
import type { InputFormat, InputOptions } from './mapping.ts'

export type Cells = Record<string, string>

export type Item =
  | { readonly kind: 'header'; readonly names: readonly string[] }
  | { readonly kind: 'row'; readonly line: number; readonly cells: Cells }
  | { readonly kind: 'problem'; readonly line: number; readonly message: string }

export function formatOf(path: string, input: InputOptions): InputFormat {
  if (input.format) return input.format
  const ext = extname(path).toLowerCase()
  if (ext === '.tsv' || ext === '.tab') return 'tsv'
  if (ext === '.json') return 'json'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  return 'csv'
}

/** The rows of one file, in batches (one per chunk read). */
export async function* readInput(path: string, input: InputOptions): AsyncGenerator<Item[]> {
  const format = formatOf(path, input)
  if (format === 'json') yield readJsonArray(path)
  else if (format === 'jsonl') yield* readJsonLines(path)
  else yield* readDelimited(path, input, format)
}

async function* readDelimited(
  path: string,
  input: InputOptions,
  format: 'csv' | 'tsv',
): AsyncGenerator<Item[]> {
  const parser = new CsvParser({
    delimiter: input.delimiter ?? (format === 'tsv' ? '\t' : ','),
    quote: input.quote ?? (format === 'tsv' ? '' : '"'),
  })
  let names: readonly string[] | undefined = input.header === false ? input.columns : undefined
  let batch: Item[] = names ? [{ kind: 'header', names }] : []
  const emit = (r: CsvRecord) => {
    if (r.problem) batch.push({ kind: 'problem', line: r.line, message: r.problem })
    else if (!names) {
      names = input.columns ?? r.fields.map((f, i) => f.trim() || `column_${i + 1}`)
      batch.push({ kind: 'header', names })
    } else if (r.fields.length !== names.length)
      batch.push({
        kind: 'problem',
        line: r.line,
        message: `expected ${names.length} fields, found ${r.fields.length}`,
      })
    else {
      const cells: Cells = {}
      for (let i = 0; i < names.length; i++) cells[names[i]!] = r.fields[i]!
      batch.push({ kind: 'row', line: r.line, cells })
    }
  }
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    parser.push(chunk as string, emit)
    yield batch
    batch = []
  }
  parser.end(emit)
  if (!names) batch.push({ kind: 'header', names: [] })
  yield batch
}

async function* readJsonLines(path: string): AsyncGenerator<Item[]> {
  let rest = ''
  let line = 0
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const parts = (rest + (chunk as string)).split('\n')
    rest = parts.pop()!
    yield parts.map((text) => jsonItem(text, ++line)).filter((i): i is Item => i !== undefined)
  }
  const last = jsonItem(rest, ++line)
  yield last ? [last] : []
}

function jsonItem(text: string, line: number): Item | undefined {
  const t = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim()
  if (t === '') return undefined
  try {
    return objectItem(JSON.parse(t), line)
  } catch (e) {
    return { kind: 'problem', line, message: `invalid JSON: ${(e as Error).message}` }
  }
}

function readJsonArray(path: string): Item[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return [{ kind: 'problem', line: 1, message: `invalid JSON: ${(e as Error).message}` }]
  }
  if (!Array.isArray(value))
    return [{ kind: 'problem', line: 1, message: 'a .json input must hold an array of objects' }]
  return value.map((v, i) => objectItem(v, i + 1))
}

function objectItem(value: unknown, line: number): Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'problem', line, message: 'expected a JSON object' }
  const cells: Cells = {}
  flatten(value as Record<string, unknown>, '', cells)
  return { kind: 'row', line, cells }
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Cells): void {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix + k
    if (v === null || v === undefined) out[name] = ''
    else if (typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, `${name}.`, out)
    else out[name] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
}
