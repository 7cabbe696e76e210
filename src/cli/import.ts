/**
 * `bulwark import --mapping MAP.yaml --input FILE… --out DIR`: turns a labelled dataset into
 * events + labels (or a list file) through a declarative mapping (src/datasets), and prints what
 * it wrote, how many rows failed (with their lines) and how fast it went.
 */

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { type ImportSummary, importDataset } from '../datasets/import.ts'
import { loadMapping } from '../datasets/mapping.ts'
import { type EventCheck, packEventCheck } from '../datasets/pack-check.ts'
import { formatDiagnostics } from '../lang/diagnostics.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { loadPackFrom } from './pack.ts'

function human(s: ImportSummary): string {
  const what = s.kind === 'list' ? 'list entries' : 'events'
  const lines = [
    `${s.rows} rows from ${s.inputs.map((i) => `${i.file} (${i.rows})`).join(', ')}: ${s.written} ${what} written, ${s.failed} rows failed`,
  ]
  if (s.kind === 'events') lines.push(`labels: ${s.malicious} malicious, ${s.benign} benign`)
  if (s.from) lines.push(`events from ${s.from} to ${s.to}`)
  if (s.undeclared.length)
    lines.push(`fields the pack does not declare (its engine drops them): ${s.undeclared.join(', ')}`)
  for (const p of s.problems) lines.push(`${p.file}:${p.line}: ${p.message}`)
  if (s.failed > s.problems.length) lines.push(`… and ${s.failed - s.problems.length} more failed rows`)
  lines.push(`wrote ${s.outputs.join(', ')}`)
  lines.push(`${s.elapsedMs} ms, ${s.rowsPerSecond} rows/s`)
  return lines.join('\n')
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Turn a labelled dataset into events and labels through a mapping',
  usage: `bulwark import --mapping MAP.yaml --input FILE [--input FILE]... --out DIR [--policy DIR] [--limit N] [--json]

  Reads each input (.csv, .tsv, .json or .jsonl; the mapping can set the format) and maps every
  row to one event and its label, as MAP.yaml says (docs/datasets.md). Writes DIR/events.jsonl,
  ready for \`bulwark replay\`, and DIR/labels.jsonl; a mapping of kind list writes
  DIR/lists/<name>.txt instead. Several inputs are read in order; the column _file holds each
  row's file name (e.g. to label by file), _line its line and _row its number across inputs.

  --policy DIR  check each event against the pack's event types as it is written: an event the
                pack would reject fails its row (by line), and undeclared fields are listed
  --limit N     stop after N rows
  --check       only validate the mapping (no --input or --out needed)
  --json        print the summary as one JSON object

  Rows that fail (a cell that does not convert, a repeated id, a malformed record) are counted
  and the first 20 reported by file and line; they do not fail the import.
  Exit 1 if the mapping has problems (each at MAP.yaml:line:col), an input lacks a column the
  mapping reads, the --policy pack does not load, or a file cannot be read or written.`,
  async run(args, io: Io) {
    const { values } = parseArgs({
      args,
      options: {
        mapping: { type: 'string' },
        input: { type: 'string', multiple: true },
        out: { type: 'string' },
        limit: { type: 'string' },
        policy: { type: 'string' },
        check: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    })
    const missing = missingFlags(values, values.check ? ['mapping'] : ['mapping', 'input', 'out'])
    if (missing) {
      io.err(usageError('import', missing, this.usage))
      return 1
    }
    const limit = values.limit === undefined ? undefined : Number(values.limit)
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      io.err(`--limit expects a positive integer, got '${values.limit}'`)
      return 1
    }
    let text: string
    try {
      text = readFileSync(values.mapping!, 'utf8')
    } catch (e) {
      io.err(`cannot read ${values.mapping}: ${(e as Error).message}`)
      return 1
    }
    const loaded = loadMapping(values.mapping!, text)
    if (!loaded.ok) {
      io.err(formatDiagnostics(loaded.diagnostics))
      io.err(`\n${loaded.diagnostics.length} problem(s) in ${values.mapping}`)
      return 1
    }
    if (values.check) {
      io.out(`${values.mapping}: ${loaded.mapping.kind} mapping — ok`)
      return 0
    }
    let check: EventCheck | undefined
    if (values.policy) {
      const pack = await loadPackFrom(values.policy, io)
      if (!pack) return 1
      check = packEventCheck(pack)
    }
    let result: Awaited<ReturnType<typeof importDataset>>
    try {
      result = await importDataset(loaded.mapping, {
        inputs: values.input!,
        out: values.out!,
        ...(limit !== undefined ? { limit } : {}),
        ...(check ? { check } : {}),
      })
    } catch (e) {
      io.err(`bulwark import: ${(e as Error).message}`)
      return 1
    }
    if (!result.ok) {
      io.err(formatDiagnostics(result.diagnostics))
      io.err(`\n${result.diagnostics.length} problem(s) in ${values.mapping}`)
      return 1
    }
    io.out(values.json ? JSON.stringify(result.summary) : human(result.summary))
    return 0
  },
}
