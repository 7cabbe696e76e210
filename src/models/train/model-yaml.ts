/**
 * The pack declaration of a trained model (`DIR/model.yaml`), so a training run drops into a
 * pack as `models/NAME/` (beside model.json) or `bulwark models deploy DIR`. Inputs map back from
 * the training columns that `bulwark dataset` writes: `features.X` reads `features.X`, a time
 * feature's age `features.X.age_s` reads `double((now - features.X).getSeconds())`, a time
 * field's age `a.b.age_s` reads `double((now - event.a.b).getSeconds())`, and any other column
 * `event.<column>`. It starts in shadow mode with the card's max-F1 threshold; event fields
 * that only some event types carry need an `on:` (or a different expression) before the pack loads.
 */

import type { ModelCard } from './card.ts'

const AGE_SUFFIX = '.age_s'

/** The CEL expression that reads a training column at decision time. */
export function inputExpression(column: string): string {
  if (column.startsWith('features.') && column.endsWith(AGE_SUFFIX)) {
    const feature = column.slice(0, -AGE_SUFFIX.length)
    return `double((now - ${feature}).getSeconds())`
  }
  if (column.startsWith('features.')) return column
  if (column.endsWith(AGE_SUFFIX))
    return `double((now - event.${column.slice(0, -AGE_SUFFIX.length)}).getSeconds())`
  return `event.${column}`
}

/** A YAML single-quoted scalar. */
const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`

export function modelYaml(card: ModelCard): string {
  const h = card.holdout
  const auc = h.auc === null ? 'n/a' : h.auc.toFixed(4)
  return [
    `# Written by bulwark train (${card.created}). Copy this directory into a pack as models/${card.name}/`,
    '# (or deploy it with bulwark models deploy); check the inputs against your event types.',
    `description: ${quoted(`${card.model.type} trained on ${card.data.file} (sha256 ${card.data.sha256.slice(0, 12)}, ${card.data.rows} rows); holdout AUC ${auc}`)}`,
    'file: model.json',
    `format: ${card.model.format}`,
    'output: probability',
    ...(h.threshold !== null ? [`threshold: ${h.threshold}`] : []),
    'mode: shadow',
    ...(card.model.inputs.length
      ? ['inputs:', ...card.model.inputs.map((c) => `  ${quoted(c)}: ${quoted(inputExpression(c))}`)]
      : ['inputs: {}']),
    ...(card.model.text_input !== undefined
      ? [`text: ${quoted(inputExpression(card.model.text_input))}`]
      : []),
    '',
  ].join('\n')
}
