/**
 * The model step of a decision, between features and rules. Fixed at load (attach.ts): per event
 * type, the models to score — those a rule reads, plus every shadow model and every model with a
 * challenger — each with a plan that fills the model's row from the compiled input expressions
 * in the model's own input order. Synchronous models reuse one row and output buffer each;
 * asynchronous ones (ONNX) get their own per call, since calls interleave.
 *
 * An input that errors, is absent or is not a number is NaN (missing) for the model and counted;
 * a model that throws scores NaN and is counted as an error. Nothing here throws into a decision.
 * What rules read: `models.NAME` = {score, scores, served} (see pack.ts).
 *
 * A stage owns the models it was built with (scored or not) and releases their native sessions
 * when it is retired after a pack swap — only once the asynchronous scorings it has in flight
 * have drained, so no session is released under a running inference (retire()).
 */

import type { ModelScore } from '../core/domain.ts'
import { fnv1a } from '../core/ids.ts'
import { IpAddress } from '../core/net/ip.ts'
import type { Frame } from '../lang/compile/node.ts'
import type { EntityPlan } from '../policy/pack.ts'
import type { Model } from './model.ts'
import type { ModelMonitor, ModelWatch } from './monitor.ts'
import type { ModelDecl } from './pack.ts'

/** A model file as loaded, with the content hash that is its version. */
export interface LoadedModel {
  readonly model: Model
  readonly version: string
}

export interface ScoredModel {
  readonly decl: ModelDecl
  readonly champion: LoadedModel
  readonly challenger?: LoadedModel
  /** How the challenger shares the traffic: scored on `sample` of events, served to `canary`% of entities. */
  readonly split: { readonly sample: number; readonly canary: number }
  /** For each model input (model order), the index of its input expression in decl.inputs. */
  readonly columns: readonly number[]
  /** The entity whose stable hash picks the rollout and canary shares. */
  readonly entity?: EntityPlan
  readonly async: boolean
  readonly watch?: ModelWatch
  readonly row: Float64Array
  readonly out: Float64Array
  readonly challengerOut: Float64Array
}

/** What a pack serves under a model name, for the API: versions, source, whether it is scored. */
export interface ServingInfo {
  readonly source: 'file' | 'registry'
  readonly mode: 'enforce' | 'shadow'
  readonly version: string
  readonly challenger?: string
  /** Scored on some event type (a rule reads it, it is in shadow, or it has a challenger). */
  readonly scored: boolean
}

export interface ModelRun {
  /** The `models` variable of the frame. */
  readonly values: Readonly<Record<string, unknown>>
  readonly traces: readonly ModelScore[]
}

const NOT_SERVED = Object.freeze({ score: Number.NaN, scores: Object.freeze([]), served: false })

/** The share (0–100) an id falls into for a salt, stable across processes (fnv1a). */
const share = (salt: string, id: string): number => (fnv1a(`${salt}\u001f${id}`) % 10_000) / 100

const finite = (x: number): number | null => (Number.isNaN(x) ? null : x)

export class ModelStage {
  /** Models scored per event type, in name order. */
  readonly byType: ReadonlyMap<string, readonly ScoredModel[]>
  /** Whether a scored model can only score asynchronously. */
  readonly async: boolean
  private readonly base: Readonly<Record<string, unknown>>
  private readonly monitor: ModelMonitor | undefined
  /** Every declared model as loaded, by name. */
  readonly serving: ReadonlyMap<string, ServingInfo>
  /** Per scored model, its trace's `inputs` with every input name (in model order) set to null. */
  private readonly inputTemplates: ReadonlyMap<ScoredModel, Readonly<Record<string, null>>>
  /** Every model this stage loaded, scored or not: what retire() releases. */
  readonly owned: readonly Model[]
  /** Asynchronous scorings running now (each may be awaiting a native inference). */
  private scoring = 0
  /** Set by retire(): releases the models once `scoring` is zero. */
  private retirement: { readonly keep: ReadonlySet<Model>; readonly done: () => void } | undefined
  private retired: Promise<void> | undefined
  /** The models were released: scoring reports an error instead of touching a released session. */
  private released = false

  constructor(
    byType: ReadonlyMap<string, readonly ScoredModel[]>,
    declared: readonly string[],
    monitor: ModelMonitor | undefined,
    serving: ReadonlyMap<string, ServingInfo> = new Map(),
    owned: readonly Model[] = [],
  ) {
    this.byType = byType
    this.serving = serving
    this.owned = owned
    this.async = [...byType.values()].some((ms) => ms.some((m) => m.async))
    this.base = Object.freeze(Object.fromEntries(declared.map((n) => [n, NOT_SERVED])))
    this.monitor = monitor
    this.inputTemplates = new Map(
      [...byType.values()]
        .flat()
        .map((m) => [m, Object.fromEntries(m.champion.model.inputs.map((n) => [n, null]))]),
    )
  }

  /** Whether events of this type need the asynchronous path. */
  asyncFor(type: string): boolean {
    return this.byType.get(type)?.some((m) => m.async) ?? false
  }

  scoreSync(event: Record<string, unknown>, frame: Frame): ModelRun {
    const models = this.byType.get(event.type as string)
    if (!models) return { values: this.base, traces: NONE }
    const values: Record<string, unknown> = { ...this.base }
    const traces: ModelScore[] = []
    for (const m of models) {
      const t0 = performance.now()
      const missing = this.fillRow(m, m.row, frame)
      const text = this.text(m, frame)
      const err = predictSync(m.champion.model, m.row, text, m.out)
      const sampled = this.challengerScored(m, event)
      const cErr =
        sampled && m.challenger
          ? challengerError(predictSync(m.challenger.model, m.row, text, m.challengerOut))
          : undefined
      this.finish(
        m,
        event,
        values,
        traces,
        m.row,
        m.out,
        sampled ? m.challengerOut : undefined,
        missing,
        t0,
        err ?? cErr,
      )
    }
    return { values, traces }
  }

  /** Asynchronous scorings in flight (retire() waits for them to drain). */
  get scoringInFlight(): number {
    return this.scoring
  }

  /** Whether retire() has released the models. */
  get isReleased(): boolean {
    return this.released
  }

  /**
   * Releases the models of a stage a pack swap replaced, except those `next` also owns (a model
   * object shared by both packs stays open). Decisions that started on the old pack may still be
   * awaiting an inference: the release waits until the in-flight count drains to zero. Resolves
   * once released; idempotent.
   */
  retire(next?: ModelStage): Promise<void> {
    if (this.retired) return this.retired
    const keep = new Set(next?.owned ?? [])
    this.retired = new Promise<void>((resolve) => {
      this.retirement = {
        keep,
        done: () => {
          this.released = true
          const closing = this.owned.filter((m) => !keep.has(m)).map((m) => m.close().catch(() => {}))
          void Promise.all(closing).then(() => resolve())
        },
      }
    })
    if (this.scoring === 0) this.releaseNow()
    return this.retired
  }

  private releaseNow(): void {
    const r = this.retirement
    this.retirement = undefined
    r?.done()
  }

  async scoreAsync(event: Record<string, unknown>, frame: Frame): Promise<ModelRun> {
    const models = this.byType.get(event.type as string)
    if (!models) return { values: this.base, traces: NONE }
    this.scoring++
    try {
      return await this.scoreAsyncCounted(event, frame, models)
    } finally {
      if (--this.scoring === 0 && this.retirement) this.releaseNow()
    }
  }

  private async scoreAsyncCounted(
    event: Record<string, unknown>,
    frame: Frame,
    models: readonly ScoredModel[],
  ): Promise<ModelRun> {
    const values: Record<string, unknown> = { ...this.base }
    const traces: ModelScore[] = []
    for (const m of models) {
      const t0 = performance.now()
      // Other decisions run while this one waits: it cannot share the plan's buffers.
      const row = new Float64Array(m.row.length)
      const out = new Float64Array(m.out.length)
      const cOut = new Float64Array(m.challengerOut.length)
      const missing = this.fillRow(m, row, frame)
      const text = this.text(m, frame)
      const sampled = this.challengerScored(m, event)
      // Released (a decision that began on a replaced pack after its stage drained; not possible
      // with a synchronous feature store): an error, never a call into a released session.
      const [err, cErr] = this.released
        ? [releasedError(out), undefined]
        : await Promise.all([
            predictAny(m.champion.model, row, text, out),
            sampled && m.challenger
              ? predictAny(m.challenger.model, row, text, cOut).then(challengerError)
              : undefined,
          ])
      this.finish(m, event, values, traces, row, out, sampled ? cOut : undefined, missing, t0, err ?? cErr)
    }
    return { values, traces }
  }

  /** Fills the row from the input expressions; returns how many inputs are missing. */
  private fillRow(m: ScoredModel, row: Float64Array, frame: Frame): number {
    let missing = 0
    const inputs = m.decl.inputs
    for (let i = 0; i < m.columns.length; i++) {
      const x = inputs[m.columns[i]!]!.read(frame)
      if (Number.isNaN(x)) missing++
      row[i] = x
    }
    return missing
  }

  private text(m: ScoredModel, frame: Frame): string | undefined {
    if (!m.decl.text) return undefined
    const v = m.decl.text.evaluateFrame(frame)
    return typeof v === 'string' ? v : undefined
  }

  private challengerScored(m: ScoredModel, event: Record<string, unknown>): boolean {
    const c = m.split
    if (!m.challenger) return false
    if (c.canary > 0 && this.inCanary(m, event)) return true
    return c.sample >= 1 || share(`${m.decl.name}:sample`, String(event.id)) < c.sample * 100
  }

  private entityId(m: ScoredModel, event: Record<string, unknown>): string | undefined {
    const raw = m.entity ? m.entity.get(event) : (event.actor as { id?: unknown } | undefined)?.id
    if (raw === undefined || raw === null) return undefined
    return raw instanceof IpAddress ? raw.toString() : String(raw)
  }

  private inCanary(m: ScoredModel, event: Record<string, unknown>): boolean {
    const id = this.entityId(m, event)
    return id !== undefined && share(`${m.decl.name}:canary`, id) < m.split.canary
  }

  private inRollout(m: ScoredModel, event: Record<string, unknown>): boolean {
    const r = m.decl.rollout
    if (!r || r.percent >= 100) return true
    const id = this.entityId(m, event)
    return id !== undefined && share(`${m.decl.name}:rollout`, id) < r.percent
  }

  private finish(
    m: ScoredModel,
    event: Record<string, unknown>,
    values: Record<string, unknown>,
    traces: ModelScore[],
    row: Float64Array,
    out: Float64Array,
    challengerOut: Float64Array | undefined,
    missing: number,
    t0: number,
    error: string | undefined,
  ): void {
    const champion = pick(m, out)
    const challenger = challengerOut ? pick(m, challengerOut) : undefined
    const canary = challengerOut !== undefined && m.split.canary > 0 && this.inCanary(m, event)
    const served: ModelScore['served'] =
      m.decl.mode === 'shadow' || !this.inRollout(m, event) ? 'none' : canary ? 'challenger' : 'champion'
    if (served !== 'none') {
      const from = served === 'challenger' ? challengerOut! : out
      values[m.decl.name] = {
        score: served === 'challenger' ? challenger! : champion,
        scores: Array.from(from),
        served: true,
      }
    }
    const latencyUs = Math.round((performance.now() - t0) * 1e6) / 1000
    // A copy of the model's template has every key already: the stores below add no properties.
    const inputs: Record<string, number | null> = { ...this.inputTemplates.get(m) }
    const names = m.champion.model.inputs
    for (let i = 0; i < names.length; i++) inputs[names[i]!] = finite(row[i]!)
    traces.push({
      model: m.decl.name,
      version: m.champion.version,
      mode: m.decl.mode,
      served,
      score: finite(champion),
      ...(challenger !== undefined
        ? { challenger: { version: m.challenger!.version, score: finite(challenger) } }
        : {}),
      inputs,
      missing,
      latencyUs,
      ...(error ? { error } : {}),
    })
    if (m.watch && this.monitor)
      this.monitor.observe(m.watch, {
        champion,
        ...(challenger !== undefined ? { challenger } : {}),
        row,
        latencyUs,
        error: error !== undefined,
      })
  }
}

function releasedError(out: Float64Array): string {
  out.fill(Number.NaN)
  return 'the model was released: its pack was replaced'
}

const challengerError = (e: string | undefined) => (e === undefined ? undefined : `challenger: ${e}`)

/** The score the output transform picks from a model's outputs. */
function pick(m: ScoredModel, out: Float64Array): number {
  const o = m.decl.output
  return o.kind === 'class' ? out[o.index]! : out[0]!
}

function predictSync(
  model: Model,
  row: Float64Array,
  text: string | undefined,
  out: Float64Array,
): string | undefined {
  try {
    model.predict!(row, text, out)
    return undefined
  } catch (e) {
    out.fill(Number.NaN)
    return (e as Error).message ?? String(e)
  }
}

async function predictAny(
  model: Model,
  row: Float64Array,
  text: string | undefined,
  out: Float64Array,
): Promise<string | undefined> {
  if (model.predict) return predictSync(model, row, text, out)
  try {
    await model.predictAsync(row, text, out)
    return undefined
  } catch (e) {
    out.fill(Number.NaN)
    return (e as Error).message ?? String(e)
  }
}

const NONE: readonly never[] = Object.freeze([])
