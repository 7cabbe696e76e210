/**
 * Writes a trained ensemble as an XGBoost JSON model — the layout XGBoost 1.7's
 * `Booster.save_model("model.json")` produces for `binary:logistic` — so the same file loads in
 * Bulwark's XGBoost loader and in XGBoost itself. Parameters are strings, as XGBoost writes them;
 * per tree: split_indices, split_conditions (the threshold at inner nodes, the leaf value at
 * leaves), left/right_children (−1 at leaves), parents (2147483647 at the root), default_left
 * (0/1), base_weights (the leaf value at leaves), loss_changes, sum_hessian, split_type (0,
 * numerical) and empty categorical arrays. base_score is the prior probability.
 */

import type { Ensemble } from './ensemble.ts'

const NO_PARENT = 2147483647

function treeJson(tree: Ensemble['trees'][number], id: number, features: number) {
  const nodes = tree.left.length
  const parents = new Array<number>(nodes).fill(NO_PARENT)
  for (let n = 0; n < nodes; n++) {
    if (tree.left[n] !== -1) {
      parents[tree.left[n]!] = n
      parents[tree.right[n]!] = n
    }
  }
  const leaf = (n: number) => tree.left[n] === -1
  return {
    base_weights: tree.value.map((v, n) => (leaf(n) ? v : 0)),
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: tree.defaultLeft.map((d, n) => (d && !leaf(n) ? 1 : 0)),
    id,
    left_children: tree.left,
    loss_changes: tree.gain,
    parents,
    right_children: tree.right,
    split_conditions: tree.threshold.map((t, n) => (leaf(n) ? tree.value[n]! : t)),
    split_indices: tree.feature.map((f, n) => (leaf(n) ? 0 : f)),
    split_type: new Array<number>(nodes).fill(0),
    sum_hessian: tree.hessian,
    tree_param: {
      num_deleted: '0',
      num_feature: String(features),
      num_nodes: String(nodes),
      size_leaf_vector: '0',
    },
  }
}

export function xgboostJson(ensemble: Ensemble): Record<string, unknown> {
  const features = ensemble.names.length
  return {
    learner: {
      attributes: {},
      feature_names: [...ensemble.names],
      feature_types: ensemble.names.map(() => 'float'),
      gradient_booster: {
        model: {
          gbtree_model_param: {
            num_parallel_tree: '1',
            num_trees: String(ensemble.trees.length),
            size_leaf_vector: '0',
          },
          tree_info: ensemble.trees.map(() => 0),
          trees: ensemble.trees.map((t, i) => treeJson(t, i, features)),
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: String(ensemble.baseScore),
        boost_from_average: '1',
        num_class: '0',
        num_feature: String(features),
        num_target: '1',
      },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 6],
  }
}
