/**
 * The worker thread of a server backtest (service/backtest.ts), so that replaying up to a million
 * events through two packs never stalls the event loop that serves decisions. It loads both packs
 * from their files (a bad pack is answered with its diagnostics at once), receives the stored
 * events as JSON-lines chunks with their labels while the main thread still reads storage, then
 * runs the very backtest `bulwark backtest` runs (eval/backtest.ts) on the stored-events variants
 * of the packs (stored-replay.ts) and posts the report back. Every answer comes after the models
 * of the packs loaded so far are released, and says how many were (`released`).
 */

import { parentPort, workerData } from 'node:worker_threads'
import { type ParsedEvents, parseEvents } from '../engine/replay.ts'
import { backtest } from '../eval/backtest.ts'
import type { Label, Labels } from '../eval/labels.ts'
import { diagnosticsDetails } from '../lang/diagnostics.ts'
import { loadPackWithModels } from '../models/attach.ts'
import type { PackFiles } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import { type PiiReads, storedEventsPack } from './stored-replay.ts'

export interface BacktestWorkerData {
  readonly candidate: PackFiles
  readonly baseline: PackFiles
  readonly examples: number
}

export type ToBacktestWorker =
  | { readonly op: 'events'; readonly chunk: Uint8Array; readonly labels: readonly [string, Label][] }
  | { readonly op: 'run' }

export type FromBacktestWorker =
  | {
      readonly op: 'rejected'
      readonly which: 'candidate' | 'baseline'
      readonly diagnostics: readonly {
        code: string
        message: string
        file: string
        line: number
        col: number
      }[]
      readonly text: string
      /** Model sessions of packs already loaded, released before this answer. */
      readonly released: number
    }
  | { readonly op: 'loaded'; readonly candidate: string; readonly baseline: string }
  | {
      readonly op: 'done'
      readonly report: Awaited<ReturnType<typeof backtest>>
      readonly pii: { readonly baseline: PiiReads; readonly candidate: PiiReads; readonly fields: string[] }
      /** Model sessions of both packs, released before this answer. */
      readonly released: number
    }
  | { readonly op: 'failed'; readonly message: string; readonly released: number }

const port = parentPort!
const data = workerData as BacktestWorkerData

/**
 * Releases the packs' models (their native ONNX sessions): the parent terminates this thread
 * once it has an answer, and a terminated thread does not release them. Resolves with how many
 * models were released, which every answer reports.
 */
async function release(packs: readonly Pack[]): Promise<number> {
  await Promise.all(packs.map((p) => p.modelStage?.retire())).catch(() => {})
  return packs.reduce((n, p) => n + (p.modelStage?.isReleased ? p.modelStage.owned.length : 0), 0)
}

/**
 * A pack with its models (a `registry:` model cannot load here: the worker has no registry). A
 * pack that does not load is answered with its diagnostics, after the packs `loaded` before it
 * (never used now) are released.
 */
async function load(
  which: 'candidate' | 'baseline',
  files: PackFiles,
  loaded: readonly Pack[] = [],
): Promise<Pack | undefined> {
  const r = await loadPackWithModels(files)
  if (r.ok) return r.pack
  const released = await release(loaded)
  port.postMessage({
    op: 'rejected',
    which,
    ...diagnosticsDetails(r.diagnostics),
    released,
  } satisfies FromBacktestWorker)
  return undefined
}

/** The PII fields of the packs' event types, by path (`ip`, `device.id`), sorted. */
function piiPaths(packs: readonly Pack[]): string[] {
  const out = new Set<string>()
  for (const p of packs) for (const t of p.eventTypes.values()) for (const path of t.pii) out.add(path)
  return [...out].sort()
}

const candidate = await load('candidate', data.candidate)
const baseline = candidate && (await load('baseline', data.baseline, [candidate]))
if (candidate && baseline) {
  port.postMessage({
    op: 'loaded',
    candidate: candidate.version,
    baseline: baseline.version,
  } satisfies FromBacktestWorker)
  const events: ParsedEvents = { events: [], lines: 0, problems: [], rejected: 0 }
  const byEvent = new Map<string, Label>()
  port.on('message', (m: ToBacktestWorker) => {
    if (m.op === 'events') {
      // Lines are numbered on from the previous chunk's. The events read their lines when
      // replayed (a getter): they are pushed as they are, never copied.
      const page = parseEvents(m.chunk, events.lines)
      for (const e of page.events) events.events.push(e)
      for (const p of page.problems) if (events.problems.length < 20) events.problems.push(p)
      ;(events as { lines: number }).lines += page.lines
      ;(events as { rejected: number }).rejected += page.rejected
      for (const [id, label] of m.labels) byEvent.set(id, label)
      return
    }
    const b = storedEventsPack(baseline)
    const c = storedEventsPack(candidate)
    const labels: Labels = { byEvent, lines: byEvent.size, rejected: 0, problems: [] }
    // The packs' models are released before the answer goes out (release()).
    backtest(c.pack, b.pack, events, labels, data.examples).then(
      async (report) => {
        const released = await release([candidate, baseline])
        port.postMessage({
          op: 'done',
          report,
          pii: { baseline: b.reads, candidate: c.reads, fields: piiPaths([baseline, candidate]) },
          released,
        } satisfies FromBacktestWorker)
      },
      async (e: unknown) => {
        const released = await release([candidate, baseline])
        port.postMessage({
          op: 'failed',
          message: (e as Error)?.message ?? String(e),
          released,
        } satisfies FromBacktestWorker)
      },
    )
  })
}
