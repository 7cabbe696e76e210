/**
 * Model formats on hand-made models whose answers are worked out by hand: LightGBM's missing
 * types, default directions, `<=` thresholds, categorical bitsets, single-leaf trees, multiclass
 * softmax and sigmoid:K; XGBoost's `<` thresholds, default directions and categorical sets; the
 * logreg format with standardisation, fill values and hashed text; format detection; ONNX output
 * selection; and the stable error codes bad files get. (python3-lightgbm is not in Debian, so
 * LightGBM has no library-made fixture; test/fixtures/models/lgb-multiclass.txt is hand-written.)
 */

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import { detectFormat, loadModel } from '../../src/models/load.ts'
import type { Model } from '../../src/models/model.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/models', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'bulwark-models-'))
const NaN_ = Number.NaN

function write(name: string, content: string | object): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

function score(model: Model, row: readonly number[], text?: string): number[] {
  const out = new Float64Array(model.outputSize)
  model.predict!(Float64Array.from(row), text, out)
  return [...out]
}

const softmax = (z: readonly number[]): number[] => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(BulwarkError)
    return (e as BulwarkError).code
  }
  return 'no error'
}

describe('LightGBM text models (hand-made fixture)', () => {
  // Raw class sums per row, from the trees in lgb-multiclass.txt:
  //   Tree 0 (class 0): a, missing type NaN, default left, a <= 1.5 → 0.1; else cat in {1, 3} → 0.2, else -0.3
  //   Tree 1 (class 1): b, missing type Zero, default right, b <= 2 → 0.5, else -0.5
  //   Tree 2 (class 2): c, missing type None (NaN reads as 0), c <= -1 → 0.3, else -0.2
  //   Tree 3 (class 0): a single leaf, 0.05
  //   Tree 4 (class 1): cat in {0, 33} (a two-word bitset) → 0.4, else -0.1
  //   Tree 5 (class 2): a, missing type None, a <= 2 → -0.25, else 0.15
  const cases: [string, number[], number[]][] = [
    ['plain values', [1.0, 3, -2, 1], [0.15, -0.6, 0.05]],
    ['NaN default left, zero as missing, NaN as 0, category 33', [NaN_, 0, NaN_, 33], [0.15, -0.1, -0.45]],
    ['category 3 goes left; NaN under Zero; c equal to its threshold', [5, NaN_, -1, 3], [0.25, -0.6, 0.45]],
    ['a equal to its threshold; missing category goes right', [1.5, 1, 5, NaN_], [0.15, 0.4, -0.45]],
    [
      'a value within 1e-35 of zero is missing; a negative category',
      [3, -1e-36, 0, -1],
      [-0.25, -0.6, -0.05],
    ],
    ['a fractional category is truncated (3.9 → 3)', [2, 2, -1.5, 3.9], [0.25, 0.4, 0.05]],
    ['a category beyond int range goes right', [3, 3, 0, 1e20], [-0.25, -0.6, -0.05]],
  ]

  it.each(cases)('%s', async (_what, row, raw) => {
    const model = await loadModel(join(FIXTURES, 'lgb-multiclass.txt'))
    expect(model.format).toBe('lightgbm-text')
    expect(model.inputs).toEqual(['a', 'b', 'c', 'cat'])
    expect(model.outputSize).toBe(3)
    const got = score(model, row)
    softmax(raw).forEach((p, k) => {
      expect(got[k]).toBeCloseTo(p, 12)
    })
  })

  const binary = (objective: string, extra = '') => `tree
version=v4
num_class=1
num_tree_per_iteration=1
max_feature_idx=0
objective=${objective}
${extra}
Tree=0
num_leaves=2
num_cat=0
split_feature=0
threshold=0
decision_type=10
left_child=-1
right_child=-2
leaf_value=0.5 -0.5
shrinkage=1

Tree=1
num_leaves=2
num_cat=0
split_feature=0
threshold=10
decision_type=8
left_child=-1
right_child=-2
leaf_value=0.25 1.25
shrinkage=1

end of trees
`

  it('binary sigmoid:K scales the raw score; unnamed features are Column_N', async () => {
    const model = await loadModel(write('binary.txt', binary('binary sigmoid:2')))
    expect(model.inputs).toEqual(['Column_0'])
    // NaN: tree 0 default left (0.5); tree 1 missing type NaN default right (1.25).
    expect(score(model, [NaN_])[0]).toBeCloseTo(sigmoid(2 * 1.75), 12)
    expect(score(model, [0])[0]).toBeCloseTo(sigmoid(2 * 0.75), 12)
    expect(score(model, [11])[0]).toBeCloseTo(sigmoid(2 * 0.75), 12)
    expect(score(model, [5])[0]).toBeCloseTo(sigmoid(2 * -0.25), 12)
  })

  it('regression is the raw sum; average_output divides by the iteration count', async () => {
    const plain = await loadModel(write('reg.txt', binary('regression')))
    expect(score(plain, [5])).toEqual([-0.25])
    const forest = await loadModel(write('rf.txt', binary('regression', 'average_output')))
    expect(score(forest, [5])).toEqual([-0.125])
  })

  it('refuses linear trees and unknown objectives with MODEL_UNSUPPORTED', async () => {
    const linear = binary('regression').replace('shrinkage=1\n\nTree=1', 'is_linear=1\nshrinkage=1\n\nTree=1')
    expect(await codeOf(loadModel(write('linear.txt', linear)))).toBe('MODEL_UNSUPPORTED')
    expect(await codeOf(loadModel(write('lambda.txt', binary('custom_thing'))))).toBe('MODEL_UNSUPPORTED')
  })

  it('a split on a feature beyond max_feature_idx or a broken child is MODEL_INVALID', async () => {
    const wide = binary('regression').replace('split_feature=0\nthreshold=0', 'split_feature=3\nthreshold=0')
    expect(await codeOf(loadModel(write('wide.txt', wide)))).toBe('MODEL_INVALID')
    const loop = binary('regression').replace(
      'left_child=-1\nright_child=-2\nleaf_value=0.5',
      'left_child=0\nright_child=-2\nleaf_value=0.5',
    )
    expect(await codeOf(loadModel(write('loop.txt', loop)))).toBe('MODEL_INVALID')
  })
})

/** A one-split XGBoost model in the JSON layout of `save_model`. */
function xgbModel(objective: string, tree: Record<string, unknown>, baseScore = '5E-1') {
  return {
    learner: {
      feature_names: ['x', 'country'],
      learner_model_param: { base_score: baseScore, num_class: '0', num_feature: '2', num_target: '1' },
      objective: { name: objective },
      gradient_booster: { name: 'gbtree', model: { tree_info: [0], trees: [tree] } },
    },
    version: [1, 7, 4],
  }
}

const numericTree = {
  tree_param: { num_nodes: '3' },
  left_children: [1, -1, -1],
  right_children: [2, -1, -1],
  split_indices: [0, 0, 0],
  split_conditions: [1.0, -0.5, 0.75],
  default_left: [1, 0, 0],
  split_type: [0, 0, 0],
}

describe('XGBoost JSON models (hand-made)', () => {
  it('goes left when value < condition, missing follows default_left, base_score is a margin', async () => {
    const model = await loadModel(write('xgb-reg.json', xgbModel('reg:squarederror', numericTree, '2E0')))
    expect(model.format).toBe('xgboost-json')
    expect(model.inputs).toEqual(['x', 'country'])
    expect(score(model, [0.5, NaN_])).toEqual([1.5])
    expect(score(model, [1.0, NaN_])).toEqual([2.75])
    expect(score(model, [NaN_, NaN_])).toEqual([1.5])
    // XGBoost 3 writes base_score as a bracketed list.
    const listed = await loadModel(write('xgb-reg3.json', xgbModel('reg:squarederror', numericTree, '[2E0]')))
    expect(score(listed, [0.5, NaN_])).toEqual([1.5])
    const binary = await loadModel(write('xgb-bin.json', xgbModel('binary:logistic', numericTree, '2.5E-1')))
    // margin = logit(0.25) + leaf
    expect(score(binary, [5, 0])[0]).toBeCloseTo(sigmoid(Math.log(0.25 / 0.75) + 0.75), 6)
  })

  it('a categorical split sends listed categories right, others (and unseen ones) left', async () => {
    const tree = {
      ...numericTree,
      split_indices: [1, 0, 0],
      split_conditions: [Number.NaN, -0.5, 0.75],
      default_left: [0, 0, 0],
      split_type: [1, 0, 0],
      categories: [2, 40],
      categories_nodes: [0],
      categories_segments: [0],
      categories_sizes: [2],
    }
    // XGBoost writes NaN as a bare token; the loader accepts it.
    const text = JSON.stringify(xgbModel('reg:squarederror', tree, '0E0')).replace('null', 'NaN')
    const model = await loadModel(write('xgb-cat.json', text))
    expect(score(model, [0, 2])).toEqual([0.75])
    expect(score(model, [0, 40])).toEqual([0.75])
    expect(score(model, [0, 3])).toEqual([-0.5])
    expect(score(model, [0, 1000])).toEqual([-0.5])
    expect(score(model, [0, -1])).toEqual([-0.5])
    expect(score(model, [0, NaN_])).toEqual([0.75])
  })

  it('bad models fail with MODEL_INVALID or MODEL_UNSUPPORTED, never a crash', async () => {
    const broken = { ...numericTree, left_children: [1, -1] }
    expect(await codeOf(loadModel(write('x1.json', xgbModel('reg:squarederror', broken))))).toBe(
      'MODEL_INVALID',
    )
    const outside = { ...numericTree, split_indices: [7, 0, 0] }
    expect(await codeOf(loadModel(write('x2.json', xgbModel('reg:squarederror', outside))))).toBe(
      'MODEL_INVALID',
    )
    expect(await codeOf(loadModel(write('x3.json', xgbModel('survival:cox', numericTree))))).toBe(
      'MODEL_UNSUPPORTED',
    )
    // Two splits sharing a child (or a cycle) would make the walk loop: refused at load.
    const shared = { ...numericTree, right_children: [1, -1, -1] }
    expect(await codeOf(loadModel(write('x5.json', xgbModel('reg:squarederror', shared))))).toBe(
      'MODEL_INVALID',
    )
    expect(await codeOf(loadModel(write('x4.json', '{"learner": [1, 2'), 'xgboost-json'))).toBe(
      'MODEL_INVALID',
    )
  })
})

describe('logreg (Bulwark JSON)', () => {
  const spec = {
    format: 'bulwark-logreg',
    version: 1,
    bias: -1,
    features: [
      { name: 'amount', weight: 2, mean: 10, scale: 5 },
      { name: 'new_account', weight: 1.5, fill: 1 },
    ],
  }

  it('standardises, fills missing values and applies the sigmoid', async () => {
    const model = await loadModel(write('lr.json', spec))
    expect(model.format).toBe('logreg')
    expect(model.inputs).toEqual(['amount', 'new_account'])
    expect(model.textInput).toBe(false)
    expect(score(model, [20, 0])[0]).toBeCloseTo(sigmoid(-1 + 2 * 2), 12)
    // Missing amount takes its mean (contributes 0); missing new_account takes its fill, 1.
    expect(score(model, [NaN_, NaN_])[0]).toBeCloseTo(sigmoid(-1 + 1.5), 12)
  })

  it('adds the weights of the hashed text buckets', async () => {
    const { hashText } = await import('../../src/models/text-hash.ts')
    const options = {
      buckets: 64,
      wordNgrams: [1, 1],
      charNgrams: [0, 0],
      lowercase: true,
      binary: false,
      l2Normalize: false,
    } as const
    const free = hashText('free', options).index[0]!
    const model = await loadModel(
      write('lr-text.json', {
        ...spec,
        text: {
          input: 'message',
          buckets: 64,
          word_ngrams: [1, 1],
          char_ngrams: [0, 0],
          l2_normalize: false,
          weights: { index: [free], value: [0.5] },
        },
      }),
    )
    expect(model.textInput).toBe(true)
    expect((model as { textInputName?: string }).textInputName).toBe('message')
    const base = -1 + 1.5
    expect(score(model, [NaN_, NaN_], 'FREE free prize')[0]).toBeCloseTo(
      sigmoid(base + 2 * 0.5 + (hashText('prize', options).index[0] === free ? 0.5 : 0)),
      12,
    )
    expect(score(model, [NaN_, NaN_], undefined)[0]).toBeCloseTo(sigmoid(base), 12)
  })

  it('rejects malformed files with MODEL_INVALID and other versions with MODEL_UNSUPPORTED', async () => {
    expect(await codeOf(loadModel(write('lr1.json', { ...spec, bias: 'x' })))).toBe('MODEL_INVALID')
    expect(
      await codeOf(loadModel(write('lr2.json', { ...spec, features: [{ name: 'a', weight: 1, scale: 0 }] }))),
    ).toBe('MODEL_INVALID')
    expect(await codeOf(loadModel(write('lr3.json', { ...spec, version: 2 })))).toBe('MODEL_UNSUPPORTED')
    expect(
      await codeOf(
        loadModel(write('lr4.json', { ...spec, text: { buckets: 4, weights: { index: [9], value: [1] } } })),
      ),
    ).toBe('MODEL_INVALID')
  })
})

describe('loadModel', () => {
  it('detects formats from extension and content', () => {
    expect(detectFormat('m.onnx', Buffer.from(''))).toBe('onnx')
    expect(detectFormat('m.json', Buffer.from('{"learner": {}}'))).toBe('xgboost-json')
    expect(detectFormat('m.json', Buffer.from('{ "format": "bulwark-logreg" }'))).toBe('logreg')
    expect(detectFormat('model.txt', Buffer.from('tree\nversion=v4\n'))).toBe('lightgbm-text')
    expect(detectFormat('m.bin', Buffer.from('hello'))).toBeUndefined()
  })

  it('an unknown file, an unreadable file, a bad format name and a bad ONNX file get stable codes', async () => {
    expect(await codeOf(loadModel(write('what.bin', 'hello')))).toBe('MODEL_UNSUPPORTED')
    expect(await codeOf(loadModel(join(dir, 'absent.json')))).toBe('MODEL_INVALID')
    expect(await codeOf(loadModel(write('m2.json', '{}'), 'pickle' as never))).toBe('MODEL_UNSUPPORTED')
    expect(await codeOf(loadModel(write('bad.onnx', 'not a protobuf at all')))).toBe('MODEL_INVALID')
  })

  it('ONNX: a named output is read, a missing one is MODEL_UNSUPPORTED; no sync predict', async () => {
    const model = await loadModel(join(FIXTURES, 'onnx-classifier.onnx'))
    try {
      expect(model.predict).toBeUndefined()
      expect(model.outputSize).toBe(3)
      const out = new Float64Array(3)
      await model.predictAsync(Float64Array.of(0, 0), undefined, out)
      expect([...out].map((v) => v.toFixed(6))).toEqual(['0.333333', '0.333333', '0.333333'])
    } finally {
      await model.close()
    }
    const { loadOnnxModel } = await import('../../src/models/onnx.ts')
    const { readFileSync } = await import('node:fs')
    const bytes = readFileSync(join(FIXTURES, 'onnx-classifier.onnx'))
    const label = await loadOnnxModel('c.onnx', bytes, { output: 'label' })
    expect(label.outputSize).toBe(1)
    const out = new Float64Array(1)
    await label.predictAsync(Float64Array.of(0, 3), undefined, out)
    expect(out[0]).toBe(1)
    await label.close()
    expect(await codeOf(loadOnnxModel('c.onnx', bytes, { output: 'nope' }))).toBe('MODEL_UNSUPPORTED')
  })
})
