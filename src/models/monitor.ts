/**
 * Watching served models: per model, score histograms on fixed buckets (champion and
 * challenger), PSI drift of the score and of each input against a reference window, missing-input
 * rates, latency and errors, and champion/challenger agreement (same side of the threshold).
 *
 * The reference window is the first `reference` rows a model version scores after it loads (a
 * new version — a promotion, a pack with a new file — starts a new one); the current window is
 * the latest `window` rows after it. PSI (see psi.ts) uses bucket edges from the reference; a
 * score or input PSI above the threshold (default 0.2) flags the model as drifting. The watches
 * live in memory; `snapshot()` / `restore()` carry them over a restart (the node saves them in
 * its data directory, service.ts), so a restart neither resets the counts nor takes a new
 * reference from traffic that may already have drifted. `render()` writes the Prometheus series
 * for GET /metrics.
 */

import { Counter, Histogram, Registry, renderGauges } from '../core/metrics.ts'
import { bucketCounts, psiOfCounts, referenceEdges } from './psi.ts'

/** Upper bounds of the fixed score buckets (scores above 1, raw outputs, land in +Inf). */
export const SCORE_BUCKETS = [
  0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1,
]

export interface WatchConfig {
  readonly reference: number
  readonly window: number
  readonly psiThreshold: number
  readonly threshold: number
}

/** One scored row as the monitor sees it. */
export interface ModelObservation {
  readonly champion: number
  /** The challenger's score, when it scored this row. */
  readonly challenger?: number
  readonly row: Float64Array
  readonly latencyUs: number
  readonly error: boolean
}

export interface DriftEntry {
  /** `score` or the input's name. */
  readonly of: string
  readonly psi: number | null
  readonly drifting: boolean
}

export interface MonitorReport {
  readonly model: string
  readonly version: string
  readonly challengerVersion?: string
  readonly rows: number
  readonly errors: number
  readonly latencyUs: { readonly mean: number | null; readonly max: number }
  readonly threshold: number
  readonly psiThreshold: number
  readonly reference: { readonly size: number; readonly filled: number }
  readonly window: { readonly size: number; readonly filled: number }
  readonly drifting: boolean
  readonly drift: readonly DriftEntry[]
  readonly missing: Readonly<Record<string, number>>
  readonly histogram: {
    readonly buckets: readonly number[]
    readonly champion: readonly number[]
    readonly challenger: readonly number[]
  }
  readonly agreement: { readonly compared: number; readonly agreed: number; readonly rate: number | null }
}

/** A ring as saved: its position and its values (float64, little-endian, base64). */
export interface RingSnapshot {
  readonly filled: number
  readonly next: number
  readonly data: string
}

/** Fixed-size ring of the latest values of `width` columns. */
class Ring {
  readonly data: Float64Array
  filled = 0
  private next = 0
  readonly size: number
  readonly width: number
  constructor(size: number, width: number) {
    this.size = size
    this.width = width
    this.data = new Float64Array(size * width)
  }
  snapshot(): RingSnapshot {
    const bytes = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength)
    return { filled: this.filled, next: this.next, data: bytes.toString('base64') }
  }
  /** Takes up a saved ring of the same size and width; false (and unchanged) if it is not one. */
  restore(s: RingSnapshot): boolean {
    const bytes = Buffer.from(s.data, 'base64')
    const whole = (n: unknown, max: number) =>
      Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= max
    if (bytes.length !== this.data.byteLength || !whole(s.filled, this.size) || !whole(s.next, this.size - 1))
      return false
    this.data.set(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)))
    this.filled = s.filled
    this.next = s.next
    return true
  }
  push(values: ArrayLike<number>): void {
    this.data.set(values as ArrayLike<number>, this.next * this.width)
    this.next = (this.next + 1) % this.size
    if (this.filled < this.size) this.filled++
  }
  column(j: number): Float64Array {
    const out = new Float64Array(this.filled)
    for (let i = 0; i < this.filled; i++) out[i] = this.data[i * this.width + j]!
    return out
  }
}

const bucketOf = (score: number): number => {
  for (let i = 0; i < SCORE_BUCKETS.length; i++) if (score <= SCORE_BUCKETS[i]!) return i
  return SCORE_BUCKETS.length
}

/** A watch as saved across a restart (ModelWatch.snapshot). */
export interface WatchSnapshot {
  readonly model: string
  readonly version: string
  readonly challengerVersion: string | null
  readonly inputs: readonly string[]
  readonly rows: number
  readonly errors: number
  readonly latencySum: number
  readonly latencyMax: number
  readonly compared: number
  readonly agreed: number
  readonly missing: readonly number[]
  readonly champion: readonly number[]
  readonly challenger: readonly number[]
  readonly reference: RingSnapshot
  readonly current: RingSnapshot
}

const isCounts = (a: unknown, n: number): a is number[] =>
  Array.isArray(a) && a.length === n && a.every((x) => Number.isSafeInteger(x) && x >= 0)

/** The monitor of one model version. Column 0 of the windows is the score, then the inputs. */
export class ModelWatch {
  rows = 0
  errors = 0
  private latencySum = 0
  private latencyMax = 0
  private compared = 0
  private agreed = 0
  private readonly missing: number[]
  private readonly champion = new Array(SCORE_BUCKETS.length + 1).fill(0)
  private readonly challenger = new Array(SCORE_BUCKETS.length + 1).fill(0)
  private readonly reference: Ring
  private readonly current: Ring
  private readonly scratch: Float64Array
  private edges: number[][] | undefined
  readonly model: string
  readonly version: string
  readonly inputs: readonly string[]
  readonly config: WatchConfig
  readonly challengerVersion: string | undefined

  constructor(
    model: string,
    version: string,
    inputs: readonly string[],
    config: WatchConfig,
    challengerVersion?: string,
  ) {
    this.model = model
    this.version = version
    this.inputs = inputs
    this.config = config
    this.challengerVersion = challengerVersion
    this.missing = new Array(inputs.length).fill(0)
    this.reference = new Ring(config.reference, inputs.length + 1)
    this.current = new Ring(config.window, inputs.length + 1)
    this.scratch = new Float64Array(inputs.length + 1)
  }

  observe(o: ModelObservation): void {
    this.rows++
    if (o.error) this.errors++
    this.latencySum += o.latencyUs
    if (o.latencyUs > this.latencyMax) this.latencyMax = o.latencyUs
    for (let j = 0; j < this.inputs.length; j++) if (Number.isNaN(o.row[j]!)) this.missing[j]! += 1
    if (!Number.isNaN(o.champion)) this.champion[bucketOf(o.champion)]++
    if (o.challenger !== undefined) {
      if (!Number.isNaN(o.challenger)) this.challenger[bucketOf(o.challenger)]++
      if (!Number.isNaN(o.champion) && !Number.isNaN(o.challenger)) {
        this.compared++
        const t = this.config.threshold
        if (o.champion >= t === o.challenger >= t) this.agreed++
      }
    }
    this.scratch[0] = o.champion
    this.scratch.set(o.row.subarray(0, this.inputs.length), 1)
    if (this.reference.filled < this.reference.size) this.reference.push(this.scratch)
    else this.current.push(this.scratch)
  }

  snapshot(): WatchSnapshot {
    return {
      model: this.model,
      version: this.version,
      challengerVersion: this.challengerVersion ?? null,
      inputs: this.inputs,
      rows: this.rows,
      errors: this.errors,
      latencySum: this.latencySum,
      latencyMax: this.latencyMax,
      compared: this.compared,
      agreed: this.agreed,
      missing: [...this.missing],
      champion: [...this.champion],
      challenger: [...this.challenger],
      reference: this.reference.snapshot(),
      current: this.current.snapshot(),
    }
  }

  /**
   * Takes up a saved watch of this same model version (same inputs, same window sizes); returns
   * false, and stays fresh, when the snapshot is of something else or damaged.
   */
  restore(s: WatchSnapshot): boolean {
    const buckets = SCORE_BUCKETS.length + 1
    const same =
      s.model === this.model &&
      s.version === this.version &&
      (s.challengerVersion ?? undefined) === this.challengerVersion &&
      Array.isArray(s.inputs) &&
      s.inputs.length === this.inputs.length &&
      s.inputs.every((n, j) => n === this.inputs[j])
    const counts = [s.rows, s.errors, s.compared, s.agreed]
    const numbers = [s.latencySum, s.latencyMax]
    if (
      !same ||
      !counts.every((n) => Number.isSafeInteger(n) && n >= 0) ||
      !numbers.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) ||
      !isCounts(s.missing, this.inputs.length) ||
      !isCounts(s.champion, buckets) ||
      !isCounts(s.challenger, buckets) ||
      typeof s.reference !== 'object' ||
      typeof s.current !== 'object' ||
      s.reference === null ||
      s.current === null
    )
      return false
    const reference = new Ring(this.reference.size, this.reference.width)
    const current = new Ring(this.current.size, this.current.width)
    if (!reference.restore(s.reference) || !current.restore(s.current)) return false
    this.reference.restore(s.reference)
    this.current.restore(s.current)
    this.rows = s.rows
    this.errors = s.errors
    this.latencySum = s.latencySum
    this.latencyMax = s.latencyMax
    this.compared = s.compared
    this.agreed = s.agreed
    for (let j = 0; j < this.missing.length; j++) this.missing[j] = s.missing[j]!
    for (let i = 0; i < buckets; i++) {
      this.champion[i] = s.champion[i]!
      this.challenger[i] = s.challenger[i]!
    }
    return true
  }

  /** PSI of the score and each input, once the reference window is full (else null). */
  drift(): DriftEntry[] {
    const names = ['score', ...this.inputs]
    const ready = this.reference.filled === this.reference.size && this.current.filled > 0
    if (ready && !this.edges) this.edges = names.map((_, j) => referenceEdges(this.reference.column(j)))
    return names.map((of, j) => {
      if (!ready) return { of, psi: null, drifting: false }
      const edges = this.edges![j]!
      const value = psiOfCounts(
        bucketCounts(this.reference.column(j), edges),
        bucketCounts(this.current.column(j), edges),
      )
      const psi = Number.isNaN(value) ? null : value
      return { of, psi, drifting: psi !== null && psi > this.config.psiThreshold }
    })
  }

  report(): MonitorReport {
    const drift = this.drift()
    return {
      model: this.model,
      version: this.version,
      ...(this.challengerVersion ? { challengerVersion: this.challengerVersion } : {}),
      rows: this.rows,
      errors: this.errors,
      latencyUs: { mean: this.rows ? this.latencySum / this.rows : null, max: this.latencyMax },
      threshold: this.config.threshold,
      psiThreshold: this.config.psiThreshold,
      reference: { size: this.reference.size, filled: this.reference.filled },
      window: { size: this.current.size, filled: this.current.filled },
      drifting: drift.some((d) => d.drifting),
      drift,
      missing: Object.fromEntries(
        this.inputs.map((n, j) => [n, this.rows ? this.missing[j]! / this.rows : 0]),
      ),
      histogram: { buckets: SCORE_BUCKETS, champion: [...this.champion], challenger: [...this.challenger] },
      agreement: {
        compared: this.compared,
        agreed: this.agreed,
        rate: this.compared ? this.agreed / this.compared : null,
      },
    }
  }
}

/** Every model's watch, kept across pack reloads (a new version of a model replaces its watch). */
export class ModelMonitor {
  private readonly watches = new Map<string, ModelWatch>()
  /** Saved watches not yet taken up, by model: each is taken by its version's first watch(). */
  private readonly saved = new Map<string, WatchSnapshot>()
  private readonly registry = new Registry()
  readonly scores = this.registry.add(
    new Histogram(
      'bulwark_model_score',
      'Model scores by model and role (champion, challenger).',
      SCORE_BUCKETS,
    ),
  )
  readonly latency = this.registry.add(
    new Histogram(
      'bulwark_model_seconds',
      'Time to assemble a row and score it, by model, in seconds.',
      [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005],
    ),
  )
  readonly missing = this.registry.add(
    new Counter(
      'bulwark_model_missing_inputs_total',
      'Model inputs missing (absent or failed), by model and input.',
    ),
  )
  readonly errors = this.registry.add(
    new Counter('bulwark_model_errors_total', 'Model scoring failures, by model.'),
  )

  /** The watch of a model version, created (replacing an older version's) on first use. */
  watch(
    model: string,
    version: string,
    inputs: readonly string[],
    config: WatchConfig,
    challengerVersion?: string,
  ): ModelWatch {
    const w = this.watches.get(model)
    if (w && w.version === version && w.challengerVersion === challengerVersion) return w
    const fresh = new ModelWatch(model, version, inputs, config, challengerVersion)
    const saved = this.saved.get(model)
    if (saved) {
      this.saved.delete(model)
      fresh.restore(saved)
    }
    this.watches.set(model, fresh)
    return fresh
  }

  /** Every watch, to be saved (watches taken up from a snapshot are saved again). */
  snapshot(): WatchSnapshot[] {
    const out = [...this.watches.values()].map((w) => w.snapshot())
    for (const [model, s] of this.saved) if (!this.watches.has(model)) out.push(s)
    return out
  }

  /** Saved watches for the next watch() of each model (used only if the version matches). */
  restore(snapshots: readonly WatchSnapshot[]): void {
    for (const s of snapshots) if (s && typeof s.model === 'string') this.saved.set(s.model, s)
  }

  observe(watch: ModelWatch, o: ModelObservation): void {
    watch.observe(o)
    const model = watch.model
    if (!Number.isNaN(o.champion)) this.scores.observe(o.champion, { model, role: 'champion' })
    if (o.challenger !== undefined && !Number.isNaN(o.challenger))
      this.scores.observe(o.challenger, { model, role: 'challenger' })
    this.latency.observe(o.latencyUs / 1e6, { model })
    if (o.error) this.errors.inc({ model })
    for (let j = 0; j < watch.inputs.length; j++)
      if (Number.isNaN(o.row[j]!)) this.missing.inc({ model, input: watch.inputs[j]! })
  }

  report(model: string): MonitorReport | undefined {
    return this.watches.get(model)?.report()
  }

  models(): string[] {
    return [...this.watches.keys()].sort()
  }

  render(): string {
    const psi: { labels: Record<string, string>; value: number }[] = []
    const drifting: { labels: Record<string, string>; value: number }[] = []
    const agreement: { labels: Record<string, string>; value: number }[] = []
    for (const w of this.watches.values()) {
      const drift = w.drift()
      for (const d of drift)
        if (d.psi !== null) psi.push({ labels: { model: w.model, of: d.of }, value: d.psi })
      drifting.push({ labels: { model: w.model }, value: drift.some((d) => d.drifting) ? 1 : 0 })
      const a = w.report().agreement
      if (a.rate !== null) agreement.push({ labels: { model: w.model }, value: a.rate })
    }
    return [
      this.registry.render().trimEnd(),
      renderGauges('bulwark_model_psi', 'PSI of a model score or input against its reference window.', psi),
      renderGauges(
        'bulwark_model_drifting',
        '1 when a model score or input PSI is above its threshold.',
        drifting,
      ),
      renderGauges(
        'bulwark_model_agreement',
        'Share of rows where champion and challenger agree.',
        agreement,
      ),
    ].join('\n')
  }
}
