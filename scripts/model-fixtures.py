#!/usr/bin/python3
"""Parity fixtures for Bulwark's model scorers, made with the real libraries.

Trains small XGBoost models (Debian's python3-xgboost 1.7) on a seeded synthetic dataset with
missing values and a categorical feature, and builds a small ONNX graph (python3-onnx). For each
model it writes the model file and an `.expected.json` holding held-out rows (feature name ->
value, null when missing) and the library's own predictions for them. test/models/parity.test.ts
scores the same rows with Bulwark and compares.

Usage: /usr/bin/python3 scripts/model-fixtures.py [OUT_DIR]   (default: test/fixtures/models)

Also: scripts/model-fixtures.py --xgboost-to-onnx MODEL.json OUT.onnx exports the trees of an
XGBoost JSON model (gbtree; binary:logistic or reg:squarederror) as an ONNX TreeEnsembleRegressor,
for bench/models.ts to score the same trees with onnxruntime.
"""

import json
import math
import os
import sys

import numpy as np
import onnx
import xgboost as xgb
from onnx import TensorProto, helper

NUMERIC = ["amount", "account_age_days", "velocity_1h", "email_score"]
CATEGORICAL = "country"  # integer codes 0..7
COUNTRIES = 8
TRAIN_ROWS = 1500
HELD_OUT_ROWS = 60
MISSING_SHARE = 0.12


def synthetic(rng, rows):
    """Features with missing values, a binary label, a regression target and a 3-class label."""
    amount = rng.lognormal(3.0, 1.0, rows)
    age = rng.exponential(200.0, rows)
    velocity = rng.poisson(2.0, rows).astype(np.float64)
    email = rng.uniform(0.0, 1.0, rows)
    country = rng.integers(0, COUNTRIES, rows).astype(np.float64)
    risky_country = np.isin(country, [1, 4, 6])
    logit = (
        0.02 * (amount - 20.0)
        - 0.01 * (age - 100.0)
        + 0.6 * velocity
        - 2.0 * email
        + 1.5 * risky_country
        - 1.0
    )
    label = (rng.uniform(0.0, 1.0, rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float64)
    target = 0.5 * np.log1p(amount) + 0.3 * velocity - 0.002 * age + risky_country + rng.normal(0, 0.2, rows)
    klass = np.digitize(logit + rng.normal(0, 0.5, rows), [-1.0, 1.0]).astype(np.float64)
    x = np.column_stack([amount, age, velocity, email, country])
    # Missing values everywhere, including the categorical column.
    x[rng.uniform(0.0, 1.0, x.shape) < MISSING_SHARE] = np.nan
    return x, label, target, klass


def rows_as_json(x, names):
    return [
        {name: (None if math.isnan(v) else float(v)) for name, v in zip(names, row)} for row in x
    ]


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
        f.write("\n")


def xgboost_fixture(out, name, params, x, y, x_test, names, types, rounds):
    dtrain = xgb.DMatrix(x, label=y, feature_names=names, feature_types=types, enable_categorical=True)
    dtest = xgb.DMatrix(x_test, feature_names=names, feature_types=types, enable_categorical=True)
    params = {"tree_method": "hist", "max_depth": 4, "eta": 0.3, "nthread": 1, "seed": 7, **params}
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    model_path = os.path.join(out, f"{name}.json")
    booster.save_model(model_path)
    predictions = booster.predict(dtest)
    if predictions.ndim == 1:
        predictions = predictions.reshape(-1, 1)
    write_json(
        os.path.join(out, f"{name}.expected.json"),
        {
            "model": f"{name}.json",
            "format": "xgboost-json",
            "library": f"xgboost {xgb.__version__}",
            "rows": rows_as_json(x_test, names),
            "predictions": [[float(v) for v in row] for row in predictions],
        },
    )


def onnx_fixture(out, rng):
    """A logistic scorer as an ONNX graph: input [1, 3] -> MatMul -> Add -> Sigmoid -> score [1, 1]."""
    names = ["amount", "velocity_1h", "email_score"]
    weights = np.array([[0.03], [0.5], [-1.7]], dtype=np.float32)
    bias = np.array([-0.4], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "w"], ["z0"]),
            helper.make_node("Add", ["z0", "b"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["score"]),
        ],
        "bulwark_logistic",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, len(names)])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])],
        initializer=[
            helper.make_tensor("w", TensorProto.FLOAT, weights.shape, weights.flatten().tolist()),
            helper.make_tensor("b", TensorProto.FLOAT, bias.shape, bias.tolist()),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bulwark-fixtures")
    model.ir_version = 7
    model.metadata_props.append(onnx.StringStringEntryProto(key="feature_names", value=",".join(names)))
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "onnx-logistic.onnx"))
    x = np.column_stack(
        [rng.lognormal(3.0, 1.0, 20), rng.poisson(2.0, 20), rng.uniform(0, 1, 20)]
    ).astype(np.float32)
    z = x @ weights + bias
    predictions = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    write_json(
        os.path.join(out, "onnx-logistic.expected.json"),
        {
            "model": "onnx-logistic.onnx",
            "format": "onnx",
            "library": f"numpy {np.__version__} (the graph's own arithmetic)",
            "rows": rows_as_json(x.astype(np.float64), names),
            "predictions": [[float(v) for v in row] for row in predictions],
        },
    )
    return names


def onnx_named_inputs_fixture(out, rng):
    """One scalar input per feature, mapped by name: risk = 2 * velocity_1h - email_score."""
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["velocity_1h", "two"], ["doubled"]),
            helper.make_node("Sub", ["doubled", "email_score"], ["risk"]),
        ],
        "bulwark_named_inputs",
        [
            helper.make_tensor_value_info("velocity_1h", TensorProto.FLOAT, [1, 1]),
            helper.make_tensor_value_info("email_score", TensorProto.FLOAT, [1, 1]),
        ],
        [helper.make_tensor_value_info("risk", TensorProto.FLOAT, [1, 1])],
        initializer=[helper.make_tensor("two", TensorProto.FLOAT, [1], [2.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bulwark-fixtures")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "onnx-named-inputs.onnx"))
    x = np.column_stack([rng.poisson(2.0, 20), rng.uniform(0, 1, 20)]).astype(np.float32)
    predictions = (np.float32(2.0) * x[:, 0] - x[:, 1]).reshape(-1, 1)
    write_json(
        os.path.join(out, "onnx-named-inputs.expected.json"),
        {
            "model": "onnx-named-inputs.onnx",
            "format": "onnx",
            "library": f"numpy {np.__version__} (the graph's own arithmetic)",
            "rows": rows_as_json(x.astype(np.float64), ["velocity_1h", "email_score"]),
            "predictions": [[float(v) for v in row] for row in predictions],
        },
    )


def onnx_classifier_fixture(out, rng):
    """A classifier with an int64 `label` output first and a [1, 3] `probabilities` output."""
    weights = np.array([[1.0, -0.5, 0.2], [-0.3, 0.8, 0.1]], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "w"], ["logits"]),
            helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        "bulwark_classifier",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 2])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3]),
        ],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, weights.shape, weights.flatten().tolist())],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bulwark-fixtures")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "onnx-classifier.onnx"))
    x = rng.normal(0, 1.5, (20, 2)).astype(np.float32)
    logits = (x @ weights).astype(np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    predictions = e / e.sum(axis=1, keepdims=True)
    write_json(
        os.path.join(out, "onnx-classifier.expected.json"),
        {
            "model": "onnx-classifier.onnx",
            "format": "onnx",
            "library": f"numpy {np.__version__} (the graph's own arithmetic)",
            "rows": rows_as_json(x.astype(np.float64), ["f0", "f1"]),
            "predictions": [[float(v) for v in row] for row in predictions],
        },
    )


def xgboost_to_onnx(model_path, out_path):
    """The trees of an XGBoost JSON model as one ai.onnx.ml TreeEnsembleRegressor node."""
    with open(model_path) as f:
        learner = json.load(f)["learner"]
    objective = learner["objective"]["name"]
    if objective not in ("binary:logistic", "reg:squarederror"):
        raise SystemExit(f"--xgboost-to-onnx: objective {objective} is not supported")
    features = int(learner["learner_model_param"]["num_feature"])
    base = float(learner["learner_model_param"]["base_score"])
    margin = -math.log(1.0 / base - 1.0) if objective == "binary:logistic" else base
    a = {k: [] for k in ["treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing"]}
    targets = {"treeids": [], "nodeids": [], "weights": []}
    for t, tree in enumerate(learner["gradient_booster"]["model"]["trees"]):
        for i, left in enumerate(tree["left_children"]):
            leaf = left == -1
            a["treeids"].append(t)
            a["nodeids"].append(i)
            a["featureids"].append(0 if leaf else tree["split_indices"][i])
            a["values"].append(0.0 if leaf else float(tree["split_conditions"][i]))
            a["modes"].append("LEAF" if leaf else "BRANCH_LT")
            a["true"].append(0 if leaf else left)
            a["false"].append(0 if leaf else tree["right_children"][i])
            a["missing"].append(0 if leaf else int(tree["default_left"][i]))
            if leaf:
                targets["treeids"].append(t)
                targets["nodeids"].append(i)
                targets["weights"].append(float(tree["split_conditions"][i]))
    node = helper.make_node(
        "TreeEnsembleRegressor", ["features"], ["margin"], domain="ai.onnx.ml",
        n_targets=1, base_values=[margin], post_transform="NONE",
        nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"], nodes_featureids=a["featureids"],
        nodes_values=a["values"], nodes_modes=a["modes"], nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"], nodes_missing_value_tracks_true=a["missing"],
        target_treeids=targets["treeids"], target_nodeids=targets["nodeids"],
        target_ids=[0] * len(targets["weights"]), target_weights=targets["weights"],
    )
    # onnxruntime leaves a regressor's post_transform unapplied, so the sigmoid is its own node.
    link = helper.make_node("Sigmoid" if objective == "binary:logistic" else "Identity", ["margin"], ["score"])
    graph = helper.make_graph(
        [node, link], "xgboost_trees",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, features])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])],
    )
    model = helper.make_model(
        graph, producer_name="bulwark-fixtures",
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, out_path)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--xgboost-to-onnx":
        xgboost_to_onnx(sys.argv[2], sys.argv[3])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20260601)
    x, label, target, klass = synthetic(rng, TRAIN_ROWS + HELD_OUT_ROWS)
    train, test = slice(0, TRAIN_ROWS), slice(TRAIN_ROWS, None)
    # A few held-out rows carry country codes never seen in training (beyond the split bitsets).
    x[TRAIN_ROWS : TRAIN_ROWS + 3, len(NUMERIC)] = [9, 31, 40]
    names = NUMERIC + [CATEGORICAL]
    with_cat = ["q"] * len(NUMERIC) + ["c"]
    numeric = ["q"] * len(NUMERIC)
    # Binary with a categorical split (partition-based: max_cat_to_onehot=1).
    xgboost_fixture(
        out, "xgb-binary", {"objective": "binary:logistic", "max_cat_to_onehot": 1},
        x[train], label[train], x[test], names, with_cat, 30,
    )
    # Regression on the numeric features only (the country code is read as a number).
    xgboost_fixture(
        out, "xgb-regression", {"objective": "reg:squarederror", "base_score": 1.25},
        x[train], target[train], x[test], names, ["q"] * len(names), 30,
    )
    xgboost_fixture(
        out, "xgb-multiclass", {"objective": "multi:softprob", "num_class": 3},
        x[train][:, : len(NUMERIC)], klass[train], x[test][:, : len(NUMERIC)], NUMERIC, numeric, 10,
    )
    onnx_fixture(out, rng)
    onnx_named_inputs_fixture(out, rng)
    onnx_classifier_fixture(out, rng)
    print(f"wrote fixtures to {os.path.abspath(out)}")


if __name__ == "__main__":
    main()
