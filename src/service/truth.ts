/**
 * Ground-truth labels as the API takes them, and rule quality as the API and /metrics show it.
 *
 * - readLabels: a batch of labels in the API's form (`event_id` or `entity`, `malicious`, …)
 *   checked completely — every problem with its index and field, or none stored — and turned into
 *   repository records, entity ids pseudonymised exactly as decisions store them.
 * - RuleMetricsCache: per rule and mode, hits, labelled hits, true and false positives and
 *   precision, computed by the repository (SQL over the stored hits and the labels in force) at
 *   most once per `maxAgeMs`; recording labels makes the next read compute afresh.
 */

import { BulwarkError } from '../core/errors.ts'
import type { Pack } from '../policy/pack.ts'
import type { Repository, RuleQuality, TruthLabel } from '../store/repository.ts'

/** Most labels in one request. */
export const MAX_LABELS = 10_000
/** Longest event id, entity id, area, campaign and source. */
const MAX_TEXT = 256
const MAX_NOTE = 2000
const FIELDS = new Set([
  'event_id',
  'entity',
  'malicious',
  'area',
  'campaign',
  'damage',
  'source',
  'time',
  'note',
])
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

export interface LabelProblem {
  readonly index: number
  readonly field: string
  readonly message: string
}

/** What the labels of a batch are checked against: the pack's entity types and their keys. */
export interface LabelContext {
  readonly pack: Pack
  /** The entity id as stored (a pseudonym when the entity is PII). */
  readonly entityKey: (type: string, id: string) => string
  readonly now: number
}

function text(
  r: Record<string, unknown>,
  field: string,
  max: number,
  problem: (f: string, m: string) => void,
) {
  const v = r[field]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '' || v.length > max) {
    problem(field, `must be a non-empty string of at most ${max} characters`)
    return undefined
  }
  return v
}

/** The largest epoch milliseconds a Date holds (+275760-09-13). */
const MAX_DATE_MS = 8.64e15

function timeOf(v: unknown): number | undefined {
  // At most the last date JavaScript can represent: a later one is stored but cannot be presented.
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 && v <= MAX_DATE_MS ? v : undefined
  if (typeof v !== 'string' || !RFC3339.test(v)) return undefined
  const ms = Date.parse(v)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * How far a label's time may be ahead of the server's clock: a label records a verdict already
 * reached, so a later time is a mistake (a wrong year, microseconds taken for milliseconds), not a
 * plan. A day of slack covers clock skew and time zones written wrongly.
 */
export const MAX_LABEL_LEAD_MS = 24 * 3600 * 1000

function futureTimeMessage(time: number, now: number): string {
  return `is ${new Date(time).toISOString()}, more than 24 hours after the server's clock (${new Date(now).toISOString()}): a label records a verdict already reached`
}

/** One label in the API's form, or its problems (pushed to `problems`). */
function readLabel(raw: unknown, index: number, ctx: LabelContext, problems: LabelProblem[]) {
  const before = problems.length
  const problem = (field: string, message: string) => problems.push({ index, field, message })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problem('', 'a label must be a JSON object')
    return undefined
  }
  const r = raw as Record<string, unknown>
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) problem(k, 'is not a field of a label')
  const eventId = text(r, 'event_id', MAX_TEXT, problem)
  let entity: { type: string; id: string } | undefined
  if (r.entity !== undefined) {
    const e = r.entity as Record<string, unknown>
    if (typeof e !== 'object' || e === null || Array.isArray(e)) problem('entity', 'must be {"type", "id"}')
    else {
      for (const k of Object.keys(e))
        if (k !== 'type' && k !== 'id') problem(`entity.${k}`, 'is not a field of an entity')
      const declared = ctx.pack.entities
      if (typeof e.type !== 'string' || !declared.has(e.type))
        problem(
          'entity.type',
          `must be an entity type of the pack (${[...declared.keys()].join(', ') || 'none declared'})`,
        )
      if (typeof e.id !== 'string' || e.id === '' || e.id.length > MAX_TEXT)
        problem('entity.id', `must be a non-empty string of at most ${MAX_TEXT} characters`)
      else if (typeof e.type === 'string' && declared.has(e.type))
        entity = { type: e.type, id: ctx.entityKey(e.type, e.id) }
    }
  }
  if ((r.event_id === undefined) === (r.entity === undefined))
    problem(r.event_id === undefined ? 'event_id' : 'entity', 'give exactly one of event_id and entity')
  if (typeof r.malicious !== 'boolean') problem('malicious', 'is required: true or false')
  const area = text(r, 'area', MAX_TEXT, problem)
  const campaign = text(r, 'campaign', MAX_TEXT, problem)
  if (r.damage !== undefined && (typeof r.damage !== 'number' || !Number.isFinite(r.damage) || r.damage < 0))
    problem('damage', 'must be a number ≥ 0')
  if (r.source === undefined) problem('source', 'is required (review, chargeback, user_report, import, …)')
  const source = text(r, 'source', MAX_TEXT, problem)
  const time = r.time === undefined ? ctx.now : timeOf(r.time)
  if (time === undefined) problem('time', 'must be an RFC 3339 time or epoch milliseconds')
  else if (time > ctx.now + MAX_LABEL_LEAD_MS) problem('time', futureTimeMessage(time, ctx.now))
  const note = text(r, 'note', MAX_NOTE, problem)
  if (problems.length > before) return undefined
  const label: TruthLabel = {
    ...(eventId !== undefined ? { eventId } : { entity: entity! }),
    malicious: r.malicious as boolean,
    ...(area !== undefined ? { area } : {}),
    ...(campaign !== undefined ? { campaign } : {}),
    ...(r.damage !== undefined ? { damage: r.damage as number } : {}),
    source: source!,
    time: time!,
    ...(note !== undefined ? { note } : {}),
    receivedAt: ctx.now,
  }
  return label
}

/** Checks a whole batch; throws LABELS_INVALID naming every problem, so nothing is stored. */
export function readLabels(raw: readonly unknown[], ctx: LabelContext): TruthLabel[] {
  const problems: LabelProblem[] = []
  if (raw.length === 0 || raw.length > MAX_LABELS)
    problems.push({
      index: -1,
      field: 'labels',
      message: `must hold 1 to ${MAX_LABELS.toLocaleString('en')} labels, not ${raw.length}`,
    })
  const labels: TruthLabel[] = []
  if (raw.length <= MAX_LABELS)
    raw.forEach((r, i) => {
      const l = readLabel(r, i, ctx, problems)
      if (l) labels.push(l)
    })
  if (problems.length > 0) {
    const p = problems[0]!
    throw new BulwarkError(
      'LABELS_INVALID',
      {
        count: problems.length,
        first: p.index < 0 ? `${p.field} ${p.message}` : `labels[${p.index}].${p.field} ${p.message}`,
      },
      problems,
    )
  }
  return labels
}

/** A label as the API shows it (snake_case like the request, times in RFC 3339). */
export function presentLabel(l: TruthLabel): Record<string, unknown> {
  return {
    ...(l.eventId !== undefined ? { event_id: l.eventId } : { entity: l.entity }),
    malicious: l.malicious,
    ...(l.area !== undefined ? { area: l.area } : {}),
    ...(l.campaign !== undefined ? { campaign: l.campaign } : {}),
    ...(l.damage !== undefined ? { damage: l.damage } : {}),
    source: l.source,
    time: new Date(l.time).toISOString(),
    ...(l.note !== undefined ? { note: l.note } : {}),
    received_at: new Date(l.receivedAt).toISOString(),
  }
}

export interface ModeMetrics {
  readonly hits: number
  readonly labelledHits: number
  readonly tp: number
  readonly fp: number
  /** tp / (tp + fp); null while no hit is labelled. */
  readonly precision: number | null
}

export interface RuleMetrics {
  readonly rule: string
  /** The rule is in the pack being served (else only stored decisions know it). */
  readonly inPack: boolean
  readonly enforce: ModeMetrics
  readonly shadow: ModeMetrics
}

export interface RuleMetricsReport {
  /** When the figures were computed (they are at most `maxAgeSeconds` old). */
  readonly computedAt: string
  readonly maxAgeSeconds: number
  /** Entity types whose labels count for their decisions: those whose id is `actor.id`. */
  readonly actingEntityTypes: readonly string[]
  readonly rules: readonly RuleMetrics[]
}

/** The entity types that name the actor of an event. */
export function actingTypes(pack: Pack): string[] {
  return [...pack.entities.values()].filter((e) => e.path === 'actor.id').map((e) => e.name)
}

function modeMetrics(q: RuleQuality | undefined): ModeMetrics {
  const tp = q?.tp ?? 0
  const fp = q?.fp ?? 0
  return { hits: q?.hits ?? 0, labelledHits: tp + fp, tp, fp, precision: tp + fp > 0 ? tp / (tp + fp) : null }
}

/** Rule quality per rule of the pack and per rule with stored hits, sorted by rule id. */
export function ruleMetrics(pack: Pack, quality: readonly RuleQuality[], now: number, maxAgeMs: number) {
  const byRule = new Map<string, { enforce?: RuleQuality; shadow?: RuleQuality }>()
  for (const r of pack.rules) byRule.set(r.id, {})
  for (const q of quality) {
    const entry = byRule.get(q.rule) ?? {}
    entry[q.mode] = q
    byRule.set(q.rule, entry)
  }
  const inPack = new Set(pack.rules.map((r) => r.id))
  const rules: RuleMetrics[] = [...byRule.keys()].sort().map((rule) => ({
    rule,
    inPack: inPack.has(rule),
    enforce: modeMetrics(byRule.get(rule)!.enforce),
    shadow: modeMetrics(byRule.get(rule)!.shadow),
  }))
  return {
    computedAt: new Date(now).toISOString(),
    maxAgeSeconds: maxAgeMs / 1000,
    actingEntityTypes: actingTypes(pack),
    rules,
  } satisfies RuleMetricsReport
}

/** The report, recomputed at most once per `maxAgeMs` (and after labels are recorded). */
export class RuleMetricsCache {
  private cached: { at: number; report: Promise<RuleMetricsReport>; pack: Pack } | undefined
  private readonly repository: Repository
  private readonly maxAgeMs: number

  constructor(repository: Repository, maxAgeMs: number) {
    this.repository = repository
    this.maxAgeMs = maxAgeMs
  }

  /** Labels changed: the next read computes afresh. */
  invalidate(): void {
    this.cached = undefined
  }

  get(pack: Pack, now: number): Promise<RuleMetricsReport> {
    const c = this.cached
    if (c && c.pack === pack && now - c.at < this.maxAgeMs) return c.report
    const report = this.repository
      .ruleQuality(actingTypes(pack))
      .then((q) => ruleMetrics(pack, q, now, this.maxAgeMs))
    const entry = { at: now, report, pack }
    this.cached = entry
    report.catch(() => {
      if (this.cached === entry) this.cached = undefined
    })
    return report
  }
}
