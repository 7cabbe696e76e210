#!/usr/bin/env bash
# scripts/model-lift.sh: what a trained model adds to the starter pack's rules, measured on the
# simulator (docs/models.md, "Model lift on the simulator").
#
# In a temporary directory: simulate a training world (seed 1) and a test world (seed 2), build
# point-in-time rows from the training world by replaying it through policies/starter
# (`bulwark dataset`), train a GBDT on the pack's features and the fields every event carries
# (actor, device), copy policies/starter and add the model as models/risk/ (enforced) with one
# rule that sends events scoring at or above the model card's threshold to friction
# (MODEL_LIFT_OUTCOME, default challenge; review also fits — a model should not block), then
# `bulwark eval` the test world with the starter pack and with the pack plus the model. Prints
# damage prevented and benign friction per area side by side; the last line is one JSON object
# {"rules": {...}, "rules_and_model": {...}, "model": {...}}.
#
# Usage: scripts/model-lift.sh [--users N] [--days D] [--keep DIR]
#   --users N   simulated users per world (default 10000)
#   --days D    simulated days per world (default 1)
#   --keep DIR  work in DIR (created) and keep it, instead of a temporary directory removed at the end
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
users=10000
days=1
keep=''
outcome=${MODEL_LIFT_OUTCOME:-challenge}
while [ $# -gt 0 ]; do
  case "$1" in
    --users) users=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "model-lift.sh: unknown option $1 (see the header of $0)" >&2; exit 1 ;;
  esac
done
case "$outcome" in challenge | review) ;; *) echo "model-lift.sh: MODEL_LIFT_OUTCOME must be challenge or review" >&2; exit 1 ;; esac

if [ -n "$keep" ]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-model-lift-XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
bulwark() { node --import tsx "$repo/bin/bulwark.js" "$@"; }
step() { echo "== $*" >&2; }

step "simulate: seed 1 (training world) and seed 2 (test world), $users users, $days day(s)"
bulwark simulate --seed 1 --days "$days" --users "$users" --out "$work/train" >&2
bulwark simulate --seed 2 --days "$days" --users "$users" --out "$work/test" >&2

step "point-in-time rows from the training world"
bulwark dataset --policy "$repo/policies/starter" --events "$work/train/events.jsonl" \
  --labels "$work/train/labels.jsonl" --out "$work/train/rows.csv" >&2

# Inputs every event type has: the pack's features and the common actor/device fields (not
# text). Fields only some event types carry would need an `on:` in the model.yaml.
columns=$(head -n 1 "$work/train/rows.csv" | tr -d '\r' | tr ',' '\n' |
  grep -E '^(features\.|actor\.|device\.)' | grep -vE '\.(text|bio|description|title)$' | paste -sd, -)

step "train a GBDT"
bulwark train --data "$work/train/rows.csv" --type gbdt --label malicious --features "$columns" \
  --out "$work/risk" >&2

step "the starter pack plus models/risk and one rule"
cp -R "$repo/policies/starter" "$work/pack"
mkdir -p "$work/pack/models/risk"
cp "$work/risk/model.json" "$work/pack/models/risk/model.json"
sed -e 's/^mode: shadow$/mode: enforce/' "$work/risk/model.yaml" >"$work/pack/models/risk/model.yaml"
grep -q '^mode: enforce$' "$work/pack/models/risk/model.yaml" ||
  { echo "model-lift.sh: the trained model.yaml has no 'mode: shadow' line to enforce" >&2; exit 1; }
threshold=$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).holdout.threshold))' "$work/risk/card.json")
cat >"$work/pack/rules/model-risk.yaml" <<EOF
# Added by scripts/model-lift.sh: the trained model routes risky events to friction.
rules:
  - id: model-risk
    description: The GBDT trained on the training world scores the event at or above its card's threshold.
    when: models.risk.score >= $threshold
    then: { outcome: $outcome, score: 40, reason: Model risk score above threshold }
EOF
bulwark check --policy "$work/pack" >&2

step "eval on the test world: rules alone, then rules and the model"
bulwark eval --policy "$repo/policies/starter" --events "$work/test/events.jsonl" \
  --labels "$work/test/labels.jsonl" --json | tail -n 1 >"$work/eval-rules.json"
bulwark eval --policy "$work/pack" --events "$work/test/events.jsonl" \
  --labels "$work/test/labels.jsonl" --json | tail -n 1 >"$work/eval-model.json"

node - "$work/eval-rules.json" "$work/eval-model.json" "$work/risk/card.json" "$outcome" <<'EOF'
const { readFileSync } = require('node:fs')
const [rulesFile, modelFile, cardFile, outcome] = process.argv.slice(2)
const rules = JSON.parse(readFileSync(rulesFile, 'utf8'))
const withModel = JSON.parse(readFileSync(modelFile, 'utf8'))
const card = JSON.parse(readFileSync(cardFile, 'utf8'))
const pick = (r) => ({
  recall: r.recall,
  damage_prevented: r.damage_prevented,
  benign_friction: r.benign_friction,
  benign_user_friction: r.benign_user_friction,
})
const summary = (report) => ({
  ...pick(report),
  areas: Object.fromEntries(Object.entries(report.areas).map(([area, a]) => [area, pick(a)])),
})
const pct = (v, digits = 2) => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(digits)}%`)
const a = summary(rules)
const b = summary(withModel)
const hits = withModel.rules?.['model-risk']
console.log(`model: ${card.model.type}, ${card.model.inputs.length} inputs, holdout AUC ${card.holdout.auc.toFixed(4)}, threshold ${card.holdout.threshold.toFixed(4)}, outcome ${outcome}`)
console.log(`model-risk rule on the test world: ${hits?.hits ?? 0} hits, precision ${pct(hits?.precision)}`)
console.log('')
console.log('| area | damage prevented: rules | rules + model | benign friction: rules | rules + model |')
console.log('|---|---|---|---|---|')
for (const area of Object.keys(b.areas)) {
  const x = a.areas[area] ?? {}
  const y = b.areas[area]
  console.log(`| ${area} | ${pct(x.damage_prevented)} | ${pct(y.damage_prevented)} | ${pct(x.benign_friction, 4)} | ${pct(y.benign_friction, 4)} |`)
}
console.log(`| **all** | ${pct(a.damage_prevented)} | ${pct(b.damage_prevented)} | ${pct(a.benign_friction, 4)} | ${pct(b.benign_friction, 4)} |`)
console.log(`recall: ${pct(a.recall)} → ${pct(b.recall)}; benign users with friction: ${pct(a.benign_user_friction, 4)} → ${pct(b.benign_user_friction, 4)}`)
console.log('')
console.log(
  JSON.stringify({
    rules: a,
    rules_and_model: b,
    model: {
      inputs: card.model.inputs.length,
      holdout_auc: card.holdout.auc,
      threshold: card.holdout.threshold,
      outcome,
      hits: hits?.hits ?? 0,
      precision: hits?.precision ?? null,
    },
  }),
)
EOF
