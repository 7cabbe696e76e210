/**
 * The model card a training run writes beside the model: `card.json` (machine-readable: held-out
 * metrics, feature importance, the training data's path, SHA-256 and row counts, the split, the
 * parameters, the creation time) and `card.md`, the same facts for people.
 */

export interface HoldoutMetrics {
  readonly rows: number
  readonly positives: number
  readonly auc: number | null
  readonly pr_auc: number | null
  readonly f1: number
  readonly precision: number
  readonly recall: number
  /** Score at or above which a row is predicted positive; the one that maximises F1 on the holdout. */
  readonly threshold: number | null
}

export interface ModelCard {
  /** The model's name: the output directory's name (what `bulwark models deploy` registers it as). */
  readonly name: string
  readonly model: {
    readonly type: 'gbdt' | 'logreg'
    readonly format: 'xgboost-json' | 'logreg'
    readonly file: string
    readonly inputs: readonly string[]
    readonly text_input?: string
  }
  readonly created: string
  readonly data: {
    readonly file: string
    readonly sha256: string
    readonly rows: number
    readonly positives: number
    readonly unlabelled_rows: number
    readonly label: string
    readonly ignored_columns: readonly { readonly column: string; readonly reason: string }[]
  }
  readonly split: {
    readonly method: string
    readonly seed: number
    readonly holdout_fraction: number
    readonly train_rows: number
    readonly validation_rows: number
    readonly holdout_rows: number
  }
  readonly parameters: Readonly<Record<string, unknown>>
  readonly training: Readonly<Record<string, number>>
  readonly holdout: HoldoutMetrics
  readonly feature_importance: {
    /** `gain` (GBDT: total loss reduction of the feature's splits) or `abs_weight` (logreg, standardised). */
    readonly kind: 'gain' | 'abs_weight'
    readonly features: readonly { readonly feature: string; readonly value: number; readonly share: number }[]
  }
}

export function importance(
  names: readonly string[],
  values: Float64Array,
): ModelCard['feature_importance']['features'] {
  let total = 0
  for (const v of values) total += v
  return names
    .map((feature, i) => ({ feature, value: values[i]!, share: total > 0 ? values[i]! / total : 0 }))
    .sort((a, b) => b.value - a.value || (a.feature < b.feature ? -1 : 1))
}

const num = (v: number | null, digits = 4) => (v === null ? 'n/a' : v.toFixed(digits))

/** Columns not used, by reason; long lists cut after 12 names (card.json has them all). */
function ignoredLines(ignored: ModelCard['data']['ignored_columns']): string[] {
  const reasons = [...new Set(ignored.map((c) => c.reason))]
  return reasons.map((reason) => {
    const names = ignored.filter((c) => c.reason === reason).map((c) => `\`${c.column}\``)
    const shown = names.length > 12 ? [...names.slice(0, 12), `… ${names.length - 12} more`] : names
    return `- Columns not used (${reason}): ${shown.join(', ')}`
  })
}

export function cardMarkdown(card: ModelCard): string {
  const h = card.holdout
  const top = card.feature_importance.features.filter((f) => f.value > 0).slice(0, 20)
  return [
    `# Model card: ${card.name} — ${card.model.type} (${card.model.format})`,
    '',
    `Created ${card.created}. Model file: \`${card.model.file}\`; ${card.model.inputs.length} numeric input(s)${card.model.text_input ? ` and the text input \`${card.model.text_input}\`` : ''}.`,
    '',
    '## Training data',
    '',
    `- File: \`${card.data.file}\``,
    `- SHA-256: \`${card.data.sha256}\``,
    `- Rows: ${card.data.rows} (${card.data.positives} positive), label \`${card.data.label}\`; ${card.data.unlabelled_rows} row(s) without a label skipped`,
    `- Split (${card.split.method}, seed ${card.split.seed}): ${card.split.train_rows} train, ${card.split.validation_rows} validation, ${card.split.holdout_rows} holdout`,
    ...ignoredLines(card.data.ignored_columns),
    '',
    '## Holdout metrics',
    '',
    '| metric | value |',
    '|---|---|',
    `| ROC AUC | ${num(h.auc)} |`,
    `| PR AUC (average precision) | ${num(h.pr_auc)} |`,
    `| F1 | ${num(h.f1)} |`,
    `| precision | ${num(h.precision)} |`,
    `| recall | ${num(h.recall)} |`,
    `| threshold (max F1) | ${num(h.threshold, 6)} |`,
    '',
    `${h.rows} holdout rows, ${h.positives} positive. A score ≥ the threshold counts as positive; the threshold is the one that maximises F1 on the holdout, so F1, precision and recall there are optimistic for new data.`,
    '',
    `## Feature importance (${card.feature_importance.kind === 'gain' ? 'total split gain' : '|weight| on standardised inputs'})`,
    '',
    ...(top.length
      ? [
          '| feature | value | share |',
          '|---|---|---|',
          ...top.map(
            (f) => `| \`${f.feature}\` | ${f.value.toPrecision(4)} | ${(f.share * 100).toFixed(1)}% |`,
          ),
        ]
      : ['No numeric feature was used.']),
    '',
    '## Parameters',
    '',
    '```json',
    JSON.stringify({ ...card.parameters, ...card.training }, null, 2),
    '```',
    '',
  ].join('\n')
}
