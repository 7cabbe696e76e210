/**
 * `npm run bench:models`: microseconds per row for gradient-boosted-tree scoring. The same
 * synthetic XGBoost model (depth-6 trees over 32 features, seeded) is scored by Bulwark's
 * flat-typed-array evaluator (src/models/tree-ensemble.ts, loaded through the XGBoost JSON loader)
 * and, as a baseline in the same run, by a naive evaluator walking one JavaScript object per node.
 * 100 and 500 trees; 10,000 distinct rows with 5% missing values; median of 7 passes, timed in
 * process CPU time.
 * When Debian's python3-onnx is installed, the same trees are also exported to ONNX
 * (scripts/model-fixtures.py --xgboost-to-onnx: one TreeEnsembleRegressor) and scored row by row
 * by onnxruntime-node (one thread), as the decision path would call it. Every evaluator must agree
 * with Bulwark on every row before anything is timed.
 *
 * Then the cost a model adds to one decide(): the starter pack (or --policy DIR), and the same
 * pack plus the 100-tree model as `models/bench/model.yaml` (on every event type, enforced) and
 * one rule reading `models.bench.score`, each in its own in-process engine, decide the same event
 * mix (bench/event-mix.ts) in interleaved rounds — every block of events goes through each engine
 * in turn, the order rotating — and the difference of the median µs per decide (wall clock) is
 * reported. Two variants of the model: its 32 inputs read the event fields every type carries
 * (`decide_model_overhead_us`: the model's own work — row, scoring, trace, monitor), or the pack's
 * numeric features (`decide_model_features_overhead_us`: also computing those features for event
 * types whose rules do not read them).
 *
 * Last line: {"bulwark_us_100", "naive_us_100", "ort_us_100", "bulwark_us_500", "naive_us_500",
 * "ort_us_500", "speedup_100", "speedup_500", "ort_ratio_100", "ort_ratio_500",
 * "decide_p50_us", "decide_model_p50_us", "decide_model_features_p50_us",
 * "decide_model_features_overhead_us", "decide_model_overhead_us"}, where speedup is
 * naive / Bulwark and ort_ratio is Bulwark / onnxruntime (below 1: Bulwark is faster); the ort
 * fields are null without python3-onnx.
 */

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { systemClock } from '../src/core/clock.ts'
import { seededRandom as random } from '../src/core/random.ts'
import { memoryEngine } from '../src/engine/pack-tests.ts'
import { loadPackWithModels } from '../src/models/attach.ts'
import { loadOnnxModel } from '../src/models/onnx.ts'
import { xgboostFromJson } from '../src/models/xgboost.ts'
import { readPackDir } from '../src/policy/bundle.ts'
import type { PackFiles } from '../src/policy/load.ts'
import type { Pack } from '../src/policy/pack.ts'
import { eventMix } from './event-mix.ts'

const FEATURES = 32
const DEPTH = 6
const ROWS = 10_000
const SAMPLES = 7
const MISSING = 0.05
const DECIDE_ROUNDS = 10
const DECIDE_BLOCK = 2000

const { values: options } = parseArgs({
  options: { json: { type: 'boolean' }, policy: { type: 'string' } },
})

/** One full tree of the given depth in XGBoost's JSON layout (breadth-first node ids). */
function xgbTree(rand: () => number, id: number) {
  const internal = 2 ** DEPTH - 1
  const n = 2 ** (DEPTH + 1) - 1
  const tree = {
    id,
    tree_param: {
      num_nodes: String(n),
      num_feature: String(FEATURES),
      num_deleted: '0',
      size_leaf_vector: '0',
    },
    left_children: [] as number[],
    right_children: [] as number[],
    split_indices: [] as number[],
    split_conditions: [] as number[],
    default_left: [] as number[],
    split_type: [] as number[],
  }
  for (let i = 0; i < n; i++) {
    const leaf = i >= internal
    tree.left_children.push(leaf ? -1 : 2 * i + 1)
    tree.right_children.push(leaf ? -1 : 2 * i + 2)
    tree.split_indices.push(leaf ? 0 : Math.floor(rand() * FEATURES))
    tree.split_conditions.push(Math.fround(leaf ? (rand() - 0.5) * 0.2 : rand() * 2 - 1))
    tree.default_left.push(rand() < 0.5 ? 1 : 0)
    tree.split_type.push(0)
  }
  return tree
}

function xgbModel(trees: number) {
  const rand = random(trees)
  return {
    learner: {
      feature_names: Array.from({ length: FEATURES }, (_, i) => `f${i}`),
      learner_model_param: {
        base_score: '5E-1',
        num_class: '0',
        num_feature: String(FEATURES),
        num_target: '1',
      },
      objective: { name: 'binary:logistic' },
      gradient_booster: {
        name: 'gbtree',
        model: {
          tree_info: new Array(trees).fill(0),
          trees: Array.from({ length: trees }, (_, t) => xgbTree(rand, t)),
        },
      },
    },
  }
}

/** The baseline: one object per node, children by reference. */
interface NaiveNode {
  readonly feature: number
  readonly threshold: number
  readonly defaultLeft: boolean
  readonly left?: NaiveNode
  readonly right?: NaiveNode
  readonly leaf: number
}

function naiveTrees(model: ReturnType<typeof xgbModel>): NaiveNode[] {
  return model.learner.gradient_booster.model.trees.map((t) => {
    const build = (i: number): NaiveNode =>
      t.left_children[i] === -1
        ? { feature: -1, threshold: 0, defaultLeft: false, leaf: t.split_conditions[i]! }
        : {
            feature: t.split_indices[i]!,
            threshold: t.split_conditions[i]!,
            defaultLeft: t.default_left[i] === 1,
            left: build(t.left_children[i]!),
            right: build(t.right_children[i]!),
            leaf: 0,
          }
    return build(0)
  })
}

function naivePredict(trees: readonly NaiveNode[], row: Float64Array): number {
  let sum = 0
  for (const tree of trees) {
    let node = tree
    while (node.feature >= 0) {
      const v = row[node.feature]!
      const goLeft = Number.isNaN(v) ? node.defaultLeft : v < node.threshold
      node = (goLeft ? node.left : node.right)!
    }
    sum += node.leaf
  }
  return 1 / (1 + Math.exp(-sum))
}

function rows(): Float64Array[] {
  const rand = random(42)
  return Array.from({ length: ROWS }, () =>
    Float64Array.from({ length: FEATURES }, () =>
      rand() < MISSING ? Number.NaN : Math.fround(rand() * 2.4 - 1.2),
    ),
  )
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * Median µs per row of `score` over all rows, `SAMPLES` times after a warm-up. Time is this
 * process's CPU time (user + system), so other load on the machine does not count.
 */
function time(data: readonly Float64Array[], score: (row: Float64Array) => number): number {
  let sink = 0
  for (const row of data) sink += score(row)
  const samples: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const start = process.cpuUsage()
    for (const row of data) sink += score(row)
    const used = process.cpuUsage(start)
    samples.push((used.user + used.system) / data.length)
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the work observable')
  return median(samples)
}

/** Median µs per row of an asynchronous scorer, awaited row by row, over `data`. */
async function timeAsync(
  data: readonly Float64Array[],
  score: (row: Float64Array) => Promise<number>,
): Promise<number> {
  let sink = 0
  for (const row of data) sink += await score(row)
  const samples: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const start = process.cpuUsage()
    for (const row of data) sink += await score(row)
    const used = process.cpuUsage(start)
    samples.push((used.user + used.system) / data.length)
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the work observable')
  return median(samples)
}

/** The trees as ONNX through scripts/model-fixtures.py, or undefined without python3-onnx. */
function exportOnnx(json: unknown, trees: number): Uint8Array | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-models-'))
  const model = join(dir, `trees-${trees}.json`)
  const onnx = join(dir, `trees-${trees}.onnx`)
  writeFileSync(model, JSON.stringify(json))
  const run = spawnSync('/usr/bin/python3', ['scripts/model-fixtures.py', '--xgboost-to-onnx', model, onnx], {
    encoding: 'utf8',
  })
  if (run.status !== 0) {
    console.log(
      `(no onnxruntime comparison: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()})`,
    )
    return undefined
  }
  return readFileSync(onnx)
}

/**
 * Inputs of the "fields" variant: numbers and flags every event type of the starter pack carries
 * (its `common` fields), so the model adds no feature work — only its own: assembling the row
 * from 32 compiled expressions, scoring, tracing. An absent field is a missing input.
 */
const COMMON_FIELDS = [
  'event.actor.followers',
  'event.actor.verified',
  'event.actor.email_verified',
  'event.actor.phone_verified',
  'event.actor.guest',
  'event.device.emulator',
  'event.device.rooted',
]

/**
 * `base` plus a model on every event type — the 100-tree synthetic model, its inputs f0…f31
 * read in turn from the common event fields (`fields`) or from the pack's numeric features
 * (`features`, which makes every event type compute those features too) — and one rule reading
 * its score. The rule's condition can never hold (a probability is at most 1), so the packs
 * decide alike and only the model's work differs.
 */
function withModel(
  base: PackFiles,
  pack: Pack,
  model: unknown,
  inputsFrom: 'fields' | 'features',
): PackFiles {
  const sources =
    inputsFrom === 'fields'
      ? COMMON_FIELDS
      : pack.features
          .filter((f) => ['count', 'sum', 'distinct', 'min', 'max'].includes(f.spec.kind))
          .map((f) => `features.${f.name}`)
  if (sources.length === 0) throw new Error(`${pack.name} has no numeric feature for the model to read`)
  const inputs = Array.from({ length: FEATURES }, (_, i) => `  f${i}: ${sources[i % sources.length]}`)
  return {
    ...base,
    'models/bench/model.json': JSON.stringify(model),
    'models/bench/model.yaml': [
      `description: bench/models.ts — 100 synthetic depth-6 trees over ${inputsFrom}`,
      'file: model.json',
      'format: xgboost-json',
      'inputs:',
      ...inputs,
      'mode: enforce',
      '',
    ].join('\n'),
    'rules/bench-model.yaml': [
      'rules:',
      '  - id: bench-model-score',
      '    description: Reads the model on every event; a probability never exceeds 1.',
      '    when: models.bench.score > 1.0',
      '    then: { outcome: review, score: 10 }',
      '',
    ].join('\n'),
  }
}

async function load(files: PackFiles, what: string): Promise<Pack> {
  const r = await loadPackWithModels(files)
  if (!r.ok) throw new Error(`${what} does not load: ${r.diagnostics.map((d) => d.message).join('; ')}`)
  return r.pack
}

/**
 * Median µs per decide() of the pack without a model, with the model on common event fields and
 * with the model on pack features, over the same events in interleaved rounds: each block of
 * events is decided by every engine in turn, the order rotating from round to round.
 */
async function decideOverhead(
  model: unknown,
): Promise<{ without: number; fields: number; features: number }> {
  const dir = options.policy ?? 'policies/starter'
  const baseFiles = readPackDir(dir)
  const base = await load(baseFiles, dir)
  const packs = [
    base,
    await load(withModel(baseFiles, base, model, 'fields'), `${dir} with a model on event fields`),
    await load(withModel(baseFiles, base, model, 'features'), `${dir} with a model on features`),
  ]
  const engines = packs.map((pack) => memoryEngine(pack, systemClock))
  const mix = eventMix(base, 1)
  const events = Array.from({ length: DECIDE_ROUNDS * DECIDE_BLOCK }, (_, i) => mix(i))
  for (const engine of engines)
    for (let i = 0; i < DECIDE_BLOCK; i++) await engine.decide({ ...events[i]!, id: `warm-${i}` })
  const latencies = engines.map(() => new Float64Array(events.length))
  const scored = engines.map(() => 0)
  for (let round = 0; round < DECIDE_ROUNDS; round++) {
    for (let k = 0; k < engines.length; k++) {
      const e = (round + k) % engines.length
      for (let i = round * DECIDE_BLOCK; i < (round + 1) * DECIDE_BLOCK; i++) {
        const t0 = process.hrtime.bigint()
        const { decision } = await engines[e]!.decide(events[i]!)
        latencies[e]![i] = Number(process.hrtime.bigint() - t0) / 1000
        if (decision.models?.length) scored[e]!++
      }
    }
  }
  if (scored[0] !== 0 || scored.slice(1).some((n) => n !== events.length))
    throw new Error(`unexpected model scoring: ${scored.join(', ')} of ${events.length} decisions`)
  const p50 = (a: Float64Array) => a.sort()[Math.floor(a.length / 2)]!
  return { without: p50(latencies[0]!), fields: p50(latencies[1]!), features: p50(latencies[2]!) }
}

const data = rows()
const result: Record<string, number | null> = {}
let decideModel: unknown
for (const trees of [100, 500]) {
  const json = xgbModel(trees)
  if (trees === 100) decideModel = json
  const model = xgboostFromJson(json, `synthetic-${trees}`)
  const naive = naiveTrees(json)
  const out = new Float64Array(1)
  const flat = (row: Float64Array): number => {
    model.predict!(row, undefined, out)
    return out[0]!
  }
  for (const row of data) {
    const a = flat(row)
    const b = naivePredict(naive, row)
    if (Math.abs(a - b) > 1e-5) throw new Error(`the evaluators disagree: ${a} vs ${b}`)
  }
  result[`bulwark_us_${trees}`] = time(data, flat)
  result[`naive_us_${trees}`] = time(data, (row) => naivePredict(naive, row))
  result[`ort_us_${trees}`] = null
  const bytes = exportOnnx(json, trees)
  if (bytes) {
    const ort = await loadOnnxModel(`synthetic-${trees}.onnx`, bytes)
    const ortOut = new Float64Array(1)
    const ortScore = async (row: Float64Array): Promise<number> => {
      await ort.predictAsync(row, undefined, ortOut)
      return ortOut[0]!
    }
    const sample = data.slice(0, 2000)
    for (const row of sample) {
      const a = flat(row)
      const b = await ortScore(row)
      if (Math.abs(a - b) > 1e-5) throw new Error(`onnxruntime disagrees: ${a} vs ${b}`)
    }
    result[`ort_us_${trees}`] = await timeAsync(sample, ortScore)
    await ort.close()
  }
}
const decide = await decideOverhead(decideModel)
const round = (v: number | null, digits: number) =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null ? null : round(a / b, 2)
const summary: Record<string, number | null> = Object.fromEntries(
  Object.entries(result).map(([k, v]) => [k, round(v, 3)]),
)
summary.speedup_100 = ratio(result.naive_us_100, result.bulwark_us_100)
summary.speedup_500 = ratio(result.naive_us_500, result.bulwark_us_500)
summary.ort_ratio_100 = ratio(result.bulwark_us_100, result.ort_us_100)
summary.ort_ratio_500 = ratio(result.bulwark_us_500, result.ort_us_500)
summary.decide_p50_us = round(decide.without, 1)
summary.decide_model_p50_us = round(decide.fields, 1)
summary.decide_model_features_p50_us = round(decide.features, 1)
summary.decide_model_features_overhead_us = round(decide.features - decide.without, 1)
summary.decide_model_overhead_us = round(decide.fields - decide.without, 1)
console.log(
  `µs per row (CPU time), median of ${SAMPLES} passes over ${ROWS} rows (depth-${DEPTH} trees, ${FEATURES} features):`,
)
for (const trees of [100, 500]) {
  const ort = summary[`ort_us_${trees}`]
  console.log(
    `  ${trees} trees: bulwark ${summary[`bulwark_us_${trees}`]}  naive objects ${summary[`naive_us_${trees}`]}` +
      `  onnxruntime ${ort ?? 'n/a'}  (naive/bulwark ${summary[`speedup_${trees}`]}×, bulwark/onnxruntime ${summary[`ort_ratio_${trees}`] ?? 'n/a'})`,
  )
}
console.log(
  `decide() p50, ${DECIDE_ROUNDS} interleaved rounds of ${DECIDE_BLOCK} events: ${summary.decide_p50_us} µs without a model; ` +
    `with the 100-tree model on every event ${summary.decide_model_p50_us} µs reading event fields ` +
    `(+${summary.decide_model_overhead_us} µs), ${summary.decide_model_features_p50_us} µs reading 32 pack features ` +
    `(+${summary.decide_model_features_overhead_us} µs: those features are then computed for every event type)`,
)
console.log(JSON.stringify(summary))
