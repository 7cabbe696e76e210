/**
 * A backtest on the server, over its stored events (POST /v1/backtests): the events whose event
 * time is in a window replayed, in event-time order, through a candidate pack and a baseline pack
 * — features recomputed from scratch by each, exactly as `bulwark backtest` does it — with the
 * server's ground-truth labels in force as the labels, and the same report.
 *
 * The main thread only reads storage, a page of stored events (as their JSON text) and the
 * labels in force for that page at a time, handing each page to a worker thread
 * (backtest-worker.ts) and yielding to the event loop between pages; the worker loads the packs,
 * replays and compares. So a backtest of a million events keeps the decision path serving. One
 * backtest runs at a time per node (another is refused with BACKTEST_BUSY): it holds its events
 * in memory and takes a core.
 *
 * Labels: an event's own label in force, else the one in force for its acting entity (an entity
 * type whose id is `actor.id`), as GET /v1/rules/metrics counts them. An entity label's `damage`
 * is not spread over the entity's events (each counts 1): it measures the entity's harm, not an
 * event's.
 */

import type { Worker } from 'node:worker_threads'
import { BulwarkError } from '../core/errors.ts'
import { startTsWorker } from '../core/worker-boot.ts'
import type { BacktestReport } from '../eval/backtest.ts'
import type { Label } from '../eval/labels.ts'
import type { PackFiles } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import type { EventTimeCursor, Repository, TruthLabel, TruthSubject } from '../store/repository.ts'
import type { BacktestWorkerData, FromBacktestWorker, ToBacktestWorker } from './backtest-worker.ts'
import type { PiiReads } from './stored-replay.ts'
import { actingTypes } from './truth.ts'

export const DEFAULT_BACKTEST_LIMIT = 100_000
export const MAX_BACKTEST_LIMIT = 1_000_000
export const DEFAULT_EXAMPLES = 5
export const MAX_EXAMPLES = 100
/** Stored events read (and handed to the worker) per page, between two yields. */
const PAGE = 500
/** The latest time a Date can hold: "no upper bound". */
const END_OF_TIME = 8.64e15

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const FIELDS = new Set(['policy', 'version', 'baseline', 'since', 'until', 'limit', 'examples'])

/** A checked request. */
export interface BacktestRequest {
  /** The candidate: a pack's files, or a stored version. */
  readonly candidate: { readonly files: PackFiles } | { readonly version: string }
  /** A stored version; the serving pack when absent. */
  readonly baseline?: string
  readonly from: number
  readonly to: number
  readonly limit: number
  readonly examples: number
}

export interface BacktestProblem {
  readonly field: string
  readonly message: string
}

export interface ServerBacktestReport extends BacktestReport {
  /** The events replayed: first and last event time, how many, and whether the window held more. */
  readonly window: {
    readonly from: string | null
    readonly to: string | null
    readonly events: number
    readonly truncated: boolean
  }
  /** Replayed events labelled by their own label, and through their acting entity. */
  readonly labels: {
    readonly events: number
    readonly actors: number
    readonly actingEntityTypes: readonly string[]
  }
  /** What of each pack reads PII values, which stored events do not hold. */
  readonly pii: {
    readonly fields: readonly string[]
    readonly baseline: PiiReads
    readonly candidate: PiiReads
  }
  readonly caveats: readonly string[]
}

function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string' || !RFC3339.test(v)) return undefined
  const ms = Date.parse(v)
  return Number.isNaN(ms) ? undefined : ms
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max

/** Checks a request body; throws BACKTEST_INVALID naming every problem. */
export function readBacktestRequest(
  body: unknown,
  readFiles: (policy: unknown) => PackFiles,
): BacktestRequest {
  const problems: BacktestProblem[] = []
  const problem = (field: string, message: string) => problems.push({ field, message })
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problem('', 'the body must be a JSON object')
    throw invalid(problems)
  }
  const r = body as Record<string, unknown>
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) problem(k, 'is not a field of a backtest request')
  if ((r.policy === undefined) === (r.version === undefined))
    problem(r.policy === undefined ? 'policy' : 'version', 'give exactly one of policy and version')
  const version = (field: string) => {
    const v = r[field]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v === '' || v.length > 64) {
      problem(field, 'must be a pack version (GET /v1/policy/versions)')
      return undefined
    }
    return v
  }
  const candidateVersion = version('version')
  const baseline = version('baseline')
  const since = r.since === undefined ? 0 : timeOf(r.since)
  if (since === undefined) problem('since', 'must be an RFC 3339 time')
  const until = r.until === undefined ? END_OF_TIME : timeOf(r.until)
  if (until === undefined) problem('until', 'must be an RFC 3339 time')
  if (since !== undefined && until !== undefined && since >= until) problem('until', 'must be after since')
  if (r.limit !== undefined && !isInt(r.limit, 1, MAX_BACKTEST_LIMIT))
    problem('limit', `must be an integer from 1 to ${MAX_BACKTEST_LIMIT.toLocaleString('en')}`)
  if (r.examples !== undefined && !isInt(r.examples, 0, MAX_EXAMPLES))
    problem('examples', `must be an integer from 0 to ${MAX_EXAMPLES}`)
  if (problems.length) throw invalid(problems)
  // The bundle last: its own problems are POLICY_BUNDLE, as PUT /v1/policy reports them.
  const candidate = r.policy !== undefined ? { files: readFiles(r.policy) } : { version: candidateVersion! }
  return {
    candidate,
    ...(baseline !== undefined ? { baseline } : {}),
    from: since!,
    to: until!,
    limit: (r.limit as number | undefined) ?? DEFAULT_BACKTEST_LIMIT,
    examples: (r.examples as number | undefined) ?? DEFAULT_EXAMPLES,
  }
}

function invalid(problems: BacktestProblem[]): BulwarkError {
  const p = problems[0]!
  return new BulwarkError(
    'BACKTEST_INVALID',
    { detail: `${problems.length} problem(s); first: ${p.field ? `${p.field} ` : ''}${p.message}` },
    problems,
  )
}

function evalLabel(l: TruthLabel, own: boolean): Label {
  return {
    malicious: l.malicious,
    ...(l.area !== undefined ? { area: l.area } : {}),
    ...(l.campaign !== undefined ? { campaign: l.campaign } : {}),
    ...(own && l.damage !== undefined ? { damage: l.damage } : {}),
  }
}

export interface BacktestContext {
  readonly repository: Repository
  /** The pack being served: the default baseline, and whose acting entity types label events. */
  readonly serving: Pack
  /** Receives the worker while it runs (so that closing the node can stop it). */
  readonly onWorker?: (worker: Worker | undefined) => void
  /** Told how many models the worker released before its last answer (tests observe it). */
  readonly onModelsReleased?: (models: number) => void
}

async function versionFiles(repository: Repository, version: string, which: string): Promise<PackFiles> {
  const stored = /^[0-9a-f]{12}$/.test(version) ? await repository.policyVersion(version) : undefined
  if (!stored) throw new BulwarkError('NOT_FOUND', { what: `${which} policy version ${version}` })
  return stored.files
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Runs a checked backtest request; see the module comment. */
export async function runBacktest(ctx: BacktestContext, req: BacktestRequest): Promise<ServerBacktestReport> {
  const repo = ctx.repository
  const candidate =
    'files' in req.candidate
      ? req.candidate.files
      : await versionFiles(repo, req.candidate.version, 'candidate')
  const baseline =
    req.baseline !== undefined ? await versionFiles(repo, req.baseline, 'baseline') : ctx.serving.files
  const acting = actingTypes(ctx.serving)

  const data: BacktestWorkerData = { candidate, baseline, examples: req.examples }
  const worker = startTsWorker(new URL('./backtest-worker.ts', import.meta.url), data)
  ctx.onWorker?.(worker)
  // The worker's answers: first whether the packs loaded, at the end the report.
  let settle: { resolve(m: FromBacktestWorker): void; reject(e: unknown): void } | undefined
  const next = () =>
    new Promise<FromBacktestWorker>((resolve, reject) => {
      settle = { resolve, reject }
    })
  const waiting: FromBacktestWorker[] = []
  let failure: unknown
  worker.on('message', (m: FromBacktestWorker) => {
    if (settle) {
      const s = settle
      settle = undefined
      s.resolve(m)
    } else waiting.push(m)
  })
  const fail = (e: unknown) => {
    failure ??= e
    settle?.reject(e)
    settle = undefined
  }
  worker.on('error', (e) => fail(e))
  worker.on('exit', (code) =>
    fail(new BulwarkError('INTERNAL', { detail: `the backtest worker exited (${code})` })),
  )
  const receive = (): Promise<FromBacktestWorker> => {
    const m = waiting.shift()
    if (m) return Promise.resolve(m)
    if (failure !== undefined) return Promise.reject(failure)
    return next()
  }

  try {
    const loaded = await receive()
    if (loaded.op === 'rejected') ctx.onModelsReleased?.(loaded.released)
    if (loaded.op === 'rejected')
      throw new BulwarkError(
        'BACKTEST_POLICY_REJECTED',
        { which: loaded.which, count: loaded.diagnostics.length },
        { diagnostics: loaded.diagnostics, text: loaded.text },
      )
    if (loaded.op !== 'loaded') throw unexpected(loaded)

    let after: EventTimeCursor | undefined
    let events = 0
    let first: number | undefined
    let last: number | undefined
    let ownLabels = 0
    let actorLabels = 0
    const window = { from: req.from, to: req.to }
    while (events < req.limit) {
      if (failure !== undefined) throw failure
      const rows = await repo.storedEvents(window, after, Math.min(PAGE, req.limit - events))
      if (rows.length === 0) break
      await yieldToLoop()
      const subjects: TruthSubject[] = rows.map((r) => ({ eventId: r.eventId }))
      for (const r of rows)
        if (r.actorId !== undefined)
          for (const type of acting) subjects.push({ entity: { type, id: r.actorId } })
      const inForce = await repo.truthLabelsInForce(subjects)
      const byEvent = new Map<string, TruthLabel>()
      const byActor = new Map<string, TruthLabel>()
      for (const l of inForce) {
        if (l.eventId !== undefined) byEvent.set(l.eventId, l)
        // Of several acting entity types, the first the pack declares.
        else if (l.entity && !byActor.has(l.entity.id)) byActor.set(l.entity.id, l)
      }
      const labels: [string, Label][] = []
      for (const r of rows) {
        const own = byEvent.get(r.eventId)
        const actor = own === undefined && r.actorId !== undefined ? byActor.get(r.actorId) : undefined
        if (own) {
          labels.push([r.eventId, evalLabel(own, true)])
          ownLabels++
        } else if (actor) {
          labels.push([r.eventId, evalLabel(actor, false)])
          actorLabels++
        }
      }
      const chunk = new TextEncoder().encode(rows.map((r) => r.event).join('\n'))
      worker.postMessage({ op: 'events', chunk, labels } satisfies ToBacktestWorker, [
        chunk.buffer as ArrayBuffer,
      ])
      events += rows.length
      first ??= rows[0]!.eventTime
      const end = rows[rows.length - 1]!
      last = end.eventTime
      after = { time: end.eventTime, seq: end.seq }
      await yieldToLoop()
    }
    const truncated = events === req.limit && (await repo.storedEvents(window, after, 1)).length > 0
    worker.postMessage({ op: 'run' } satisfies ToBacktestWorker)
    const done = await receive()
    if (done.op === 'done' || done.op === 'failed') ctx.onModelsReleased?.(done.released)
    if (done.op !== 'done') throw unexpected(done)
    const report: ServerBacktestReport = {
      ...done.report,
      window: {
        from: first !== undefined ? new Date(first).toISOString() : null,
        to: last !== undefined ? new Date(last).toISOString() : null,
        events,
        truncated,
      },
      labels: { events: ownLabels, actors: actorLabels, actingEntityTypes: acting },
      pii: done.pii,
      caveats: [],
    }
    return { ...report, caveats: caveats(report, req) }
  } finally {
    worker.removeAllListeners('exit')
    ctx.onWorker?.(undefined)
    await worker.terminate()
  }
}

function unexpected(m: FromBacktestWorker): BulwarkError {
  return new BulwarkError('INTERNAL', {
    detail: m.op === 'failed' ? `the backtest failed: ${m.message}` : `unexpected backtest message ${m.op}`,
  })
}

const names = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none')

/** What a reader must know before trusting the figures, in plain words. */
function caveats(r: ServerBacktestReport, req: BacktestRequest): string[] {
  const out: string[] = []
  const which = (b: readonly string[], c: readonly string[]) =>
    b.join() === c.join() ? `both packs: ${names(b)}` : `baseline: ${names(b)}; candidate: ${names(c)}`
  const rules = which(Object.keys(r.pii.baseline.rules), Object.keys(r.pii.candidate.rules))
  const features = which(Object.keys(r.pii.baseline.features), Object.keys(r.pii.candidate.features))
  const any = (x: PiiReads) => Object.keys(x.rules).length + Object.keys(x.features).length > 0
  if (any(r.pii.baseline) || any(r.pii.candidate))
    out.push(
      `Stored events hold pseudonyms, not the raw values, of the PII fields (${names(r.pii.fields)}). Where a rule or feature reads such a value, the read is an evaluation error (EVAL_PSEUDONYMISED): if the rest of the condition decides (false && …, true || …) the result is exact, otherwise the rule does not hit (a feature is not updated). Their results here are not comparable with live decisions. Rules — ${rules}. Features — ${features}.`,
    )
  const rollouts = [...new Set([...r.pii.baseline.rollouts, ...r.pii.candidate.rollouts])]
  if (rollouts.length)
    out.push(
      `Rules whose rollout share is drawn by a PII entity put other events in the share than live: ${names(rollouts)}.`,
    )
  const values = [...new Set([...r.pii.baseline.values, ...r.pii.candidate.values])]
  if (values.length)
    out.push(`Features that sum or compare a PII value are never updated on stored events: ${names(values)}.`)
  out.push(
    'Features and rule-set labels start empty at the first replayed event: windows reaching back before it count less than they did live.',
  )
  out.push(
    'Only the packs’ own list entries are in force: entries added through /v1/lists and entity labels set through the API are not replayed.',
  )
  if (r.window.truncated)
    out.push(
      `The window holds more than ${req.limit.toLocaleString('en')} events: only the first ${req.limit.toLocaleString('en')} by event time were replayed (up to window.to).`,
    )
  if (r.labels.events + r.labels.actors === 0)
    out.push('No replayed event is labelled (by its own label or its actor’s): metrics compare nothing.')
  return out
}
