/**
 * `bulwark labels import FILE`: posts a labels.jsonl file (the format of src/eval/labels.ts, plus
 * optional source, time, entity and note) to a running server's POST /v1/labels in batches of
 * 1,000. The server takes a batch all or nothing; when it refuses one, the lines it names are
 * reported and the rest of that batch is posted again, so every good line is imported. Exit 1 when
 * any line has a problem or the server cannot be reached.
 */

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { type Command, type Io, positionalProblem, usageError } from './command.ts'
import { callServer, type ServerAnswer, ServerUnreachable } from './http.ts'

const BATCH = 1000
const MAX_SHOWN = 50

interface Line {
  readonly line: number
  readonly label: Record<string, unknown>
}

interface Problem {
  readonly line: number
  readonly message: string
}

interface Refusal {
  readonly index: number
  readonly field: string
  readonly message: string
}

/** The labels of a file by line number; lines that are not JSON objects are problems. */
function readLines(input: string, source: string): { lines: Line[]; problems: Problem[] } {
  const lines: Line[] = []
  const problems: Problem[] = []
  input.split('\n').forEach((raw, i) => {
    const text = raw.trim()
    if (text === '') return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` })
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ line: i + 1, message: 'a label must be a JSON object' })
      return
    }
    const label = value as Record<string, unknown>
    lines.push({ line: i + 1, label: label.source === undefined ? { ...label, source } : label })
  })
  return { lines, problems }
}

class ServerError extends Error {}

/** Posts one batch: the count stored, or the problems the server named (nothing stored then). */
async function post(
  url: string,
  key: string,
  batch: readonly Line[],
): Promise<{ stored: number } | { refused: Refusal[] }> {
  let answer: ServerAnswer
  try {
    answer = await callServer(url, key, 'POST', '/v1/labels', { labels: batch.map((l) => l.label) })
  } catch (e) {
    if (e instanceof ServerUnreachable) throw new ServerError(e.message)
    throw e
  }
  const body = (answer.body ?? {}) as {
    stored?: number
    error?: { code?: string; message?: string; details?: Refusal[] }
  }
  if (answer.ok && typeof body.stored === 'number') return { stored: body.stored }
  if (answer.status === 400 && body.error?.code === 'LABELS_INVALID' && Array.isArray(body.error.details))
    return { refused: body.error.details }
  const why = body.error ? `${body.error.code} ${body.error.message}` : answer.text.slice(0, 200)
  throw new ServerError(`${url}/v1/labels answered ${answer.status}: ${why}`)
}

/** Imports one batch; a refused batch is posted again without the lines the server named. */
async function importBatch(
  url: string,
  key: string,
  batch: readonly Line[],
  problems: Problem[],
): Promise<number> {
  const first = await post(url, key, batch)
  if ('stored' in first) return first.stored
  const bad = new Set<number>()
  for (const r of first.refused) {
    if (r.index < 0 || r.index >= batch.length) continue
    bad.add(r.index)
    problems.push({ line: batch[r.index]!.line, message: `${r.field ? `${r.field} ` : ''}${r.message}` })
  }
  const rest = batch.filter((_, i) => !bad.has(i))
  if (bad.size === 0 || rest.length === 0) {
    if (bad.size === 0)
      for (const l of batch) problems.push({ line: l.line, message: 'refused with its batch' })
    return 0
  }
  const again = await post(url, key, rest)
  if ('stored' in again) return again.stored
  for (const l of rest) problems.push({ line: l.line, message: 'refused with its batch' })
  return 0
}

export const labelsCommand: Command = {
  name: 'labels',
  summary: 'Import ground-truth labels into a running server',
  usage: `bulwark labels import FILE [--url URL] [--source S]

  Reads labels, one JSON object per line, from FILE (- for standard input):
    {"event_id": "evt-1", "malicious": true, "area": "spam", "campaign": "c1", "damage": 3}
  or with "entity": {"type": "user", "id": "u-1"} instead of "event_id"; optional "source",
  "time" (RFC 3339 or epoch ms, at most 24 hours ahead of the server's clock; default: when the
  server receives it) and "note". Posts them to the server's POST /v1/labels in batches of
  1,000, with the key in BULWARK_API_KEY.
  --url URL    the server (default http://127.0.0.1:8080)
  --source S   the source of lines that name none (default import)

  Prints how many lines were imported and each problem by line number. A line with a problem is
  not imported; the other lines are. Exit 1 if any line has a problem or the server cannot be
  reached (the batches posted before then stay imported).`,
  async run(args, io: Io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { url: { type: 'string' }, source: { type: 'string' } },
    })
    const [sub, ...rest] = positionals
    const problem =
      sub === undefined
        ? 'missing the subcommand (import FILE)'
        : sub !== 'import'
          ? `unknown subcommand '${sub}'`
          : positionalProblem(rest, ['FILE'])
    if (problem) {
      io.err(usageError('labels', problem, this.usage))
      return 1
    }
    const url = (values.url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
    const key = process.env.BULWARK_API_KEY
    if (!key) {
      io.err('bulwark labels: set BULWARK_API_KEY to the API key of the server')
      return 1
    }
    const file = rest[0]!
    let input: string
    try {
      input = file === '-' ? await io.stdin() : readFileSync(file, 'utf8')
    } catch (e) {
      io.err(`cannot read ${file}: ${(e as Error).message}`)
      return 1
    }
    const { lines, problems } = readLines(input, values.source ?? 'import')
    const total = lines.length + problems.length
    let imported = 0
    let failure: string | undefined
    for (let i = 0; i < lines.length && failure === undefined; i += BATCH) {
      try {
        imported += await importBatch(url, key, lines.slice(i, i + BATCH), problems)
      } catch (e) {
        if (!(e instanceof ServerError)) throw e
        failure = e.message
      }
    }
    problems.sort((a, b) => a.line - b.line)
    io.out(`imported ${imported} of ${total} labels from ${file}`)
    for (const p of problems.slice(0, MAX_SHOWN)) io.err(`line ${p.line}: ${p.message}`)
    if (problems.length > MAX_SHOWN) io.err(`… and ${problems.length - MAX_SHOWN} more problems`)
    if (failure !== undefined) io.err(`stopped: ${failure}`)
    return problems.length > 0 || failure !== undefined ? 1 : 0
  },
}
