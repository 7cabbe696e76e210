/**
 * `bulwark import`, the work: streams each input's rows through a compiled mapping and writes
 * OUT/events.jsonl + OUT/labels.jsonl (kind events) or OUT/lists/<name>.txt (kind list). A row
 * that fails — a cell that does not convert, an empty required cell, a label expression error, a
 * repeated event id, a malformed record — is counted and reported by file and line (the first
 * 20), never fatal. Columns the mapping reads but an input lacks stop the import with
 * diagnostics at their place in the mapping.
 */

import { mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Diagnostic } from '../lang/diagnostics.ts'
import { Invalid } from './convert.ts'
import type { Mapping } from './mapping.ts'
import { Output } from './output.ts'
import type { EventCheck } from './pack-check.ts'
import { formatOf, readInput } from './read.ts'
import { rowEvent } from './row-event.ts'

export interface ImportProblem {
  readonly file: string
  readonly line: number
  readonly message: string
}

export interface ImportSummary {
  readonly mapping: string
  readonly kind: 'events' | 'list'
  readonly inputs: readonly { readonly file: string; readonly rows: number }[]
  /** Rows read (records that were not rows count as failed rows too). */
  readonly rows: number
  /** Events (or list entries) written. */
  readonly written: number
  readonly failed: number
  readonly malicious: number
  readonly benign: number
  /** The first 20 failed rows. */
  readonly problems: readonly ImportProblem[]
  /** Top-level event fields the --policy pack does not declare (its engine drops them). */
  readonly undeclared: readonly string[]
  readonly outputs: readonly string[]
  readonly from: string | null
  readonly to: string | null
  readonly elapsedMs: number
  readonly rowsPerSecond: number
}

export type ImportResult =
  | { readonly ok: true; readonly summary: ImportSummary }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

export interface ImportOptions {
  readonly inputs: readonly string[]
  readonly out: string
  /** Stop after this many rows in all. */
  readonly limit?: number
  /** Validates each event (pack-check.ts); a problem fails the row. */
  readonly check?: EventCheck
}

const MAX_PROBLEMS = 20

export async function importDataset(mapping: Mapping, options: ImportOptions): Promise<ImportResult> {
  const started = performance.now()
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const problems: ImportProblem[] = []
  let failed = 0
  const fail = (file: string, line: number, message: string) => {
    failed++
    if (problems.length < MAX_PROBLEMS) problems.push({ file, line, message })
  }
  const isList = mapping.kind === 'list'
  const listName = mapping.list?.name ?? ''
  mkdirSync(isList ? join(options.out, 'lists') : options.out, { recursive: true })
  const events = isList ? undefined : new Output(join(options.out, 'events.jsonl'))
  const labels = isList ? undefined : new Output(join(options.out, 'labels.jsonl'))
  const entries = new Set<string>()
  const ids = new Map<string, string>()
  const undeclared = new Set<string>()
  const inputs: { file: string; rows: number }[] = []
  let rows = 0
  let written = 0
  let malicious = 0
  let from = Number.POSITIVE_INFINITY
  let to = Number.NEGATIVE_INFINITY

  let ok = false
  try {
    for (const path of options.inputs) {
      if (rows >= limit) break
      const file = basename(path)
      const counted = { file: path, rows: 0 }
      inputs.push(counted)
      const checkHeader =
        formatOf(path, mapping.input) !== 'json' && formatOf(path, mapping.input) !== 'jsonl'
      for await (const batch of readInput(path, mapping.input)) {
        for (const item of batch) {
          if (rows >= limit) break
          if (item.kind === 'header') {
            const missing = checkHeader ? mapping.checkColumns(item.names, file) : []
            if (missing.length) return { ok: false, diagnostics: missing }
            continue
          }
          rows++
          counted.rows++
          if (item.kind === 'problem') {
            fail(path, item.line, item.message)
            continue
          }
          const row = item.cells
          row._file = file
          row._line = String(item.line)
          row._row = String(rows)
          if (isList) {
            const v = mapping.list!.value(row)
            if (v instanceof Invalid) fail(path, item.line, v.message)
            else if (v !== undefined && v !== '') entries.add(String(v))
            continue
          }
          const built = rowEvent(mapping, row)
          if (built instanceof Invalid) {
            fail(path, item.line, built.message)
            continue
          }
          const checked = options.check?.(built.event)
          if (checked?.problem) {
            fail(path, item.line, checked.problem)
            continue
          }
          for (const f of checked?.dropped ?? []) undeclared.add(f)
          const first = ids.get(built.id)
          if (first !== undefined) {
            fail(path, item.line, `event id '${built.id}' repeats the row at ${first}`)
            continue
          }
          ids.set(built.id, `${file}:${item.line}`)
          events!.line(JSON.stringify(built.event))
          labels!.line(JSON.stringify({ event_id: built.id, ...built.label }))
          written++
          if (built.label.malicious) malicious++
          if (built.ms < from) from = built.ms
          if (built.ms > to) to = built.ms
        }
        await events?.flush()
        await labels?.flush()
        if (rows >= limit) break // stops reading the file
      }
    }
    ok = true
  } finally {
    for (const out of [events, labels]) await (ok ? out?.commit() : out?.discard())
  }
  const outputs = isList ? [join(options.out, 'lists', `${listName}.txt`)] : [events!.path, labels!.path]
  if (isList) {
    const list = new Output(outputs[0]!)
    list.line(
      `# ${listName}: ${entries.size} entries written by bulwark import (mapping ${basename(mapping.file.path)})`,
    )
    for (const e of entries) list.line(e)
    await list.commit()
    written = entries.size
  }
  const elapsedMs = Math.round(performance.now() - started)
  return {
    ok: true,
    summary: {
      mapping: mapping.file.path,
      kind: mapping.kind,
      inputs,
      rows,
      written,
      failed,
      malicious,
      benign: isList ? 0 : written - malicious,
      problems,
      undeclared: [...undeclared].sort(),
      outputs,
      from: written && !isList ? new Date(from).toISOString() : null,
      to: written && !isList ? new Date(to).toISOString() : null,
      elapsedMs,
      rowsPerSecond: Math.round(rows / Math.max(elapsedMs / 1000, 0.001)),
    },
  }
}
