/**
 * `bulwark train --data FILE --type gbdt|logreg --label FIELD --out DIR`: trains a built-in model
 * (src/models/train/) and writes DIR/model.json, DIR/card.json and DIR/card.md.
 */

import { BulwarkError } from '../core/errors.ts'
import { DEFAULT_TEXT_HASH } from '../models/text-hash.ts'
import { DEFAULT_TRAIN, trainModel } from '../models/train/run.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { flags } from './eval-input.ts'

const G = DEFAULT_TRAIN.gbdt
const L = DEFAULT_TRAIN.logreg

function numberFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const v = Number(raw)
  if (String(raw).trim() === '' || !Number.isFinite(v))
    throw new BulwarkError('TRAIN_OPTIONS_INVALID', {
      detail: `--${name} must be a number, got '${String(raw)}'`,
    })
  return v
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a GBDT or logistic regression model and write it with a model card',
  usage: `bulwark train --data FILE --type gbdt|logreg --label FIELD --out DIR [options]

  Reads rows from FILE (CSV/TSV with a header, or JSON Lines; e.g. what \`bulwark dataset\`
  writes), holds out a stratified share chosen by the seed, trains on the rest and writes
  DIR/model.json (gbdt: XGBoost JSON, binary:logistic; logreg: Bulwark's logreg JSON),
  DIR/card.json (holdout auc, pr_auc, f1, precision, recall, threshold; feature importance;
  the data file's path, sha256 and rows; parameters), DIR/card.md, and DIR/model.yaml, the
  model's declaration for a pack (models/NAME/), in shadow mode.

  Feature columns: every numeric column (true/false count as 1/0; empty or null is missing)
  other than the label and the text column, or those given with --features. The label must be
  0/1 or true/false; rows with an empty label are skipped.

  --label FIELD         the 0/1 column to predict (required)
  --text FIELD          a text column, hashed into word and character n-grams (logreg only)
  --features a,b,c      use exactly these columns, in this order
  --seed N              split and shuffle seed (default ${DEFAULT_TRAIN.seed})
  --holdout F           share held out for the card's metrics (default ${DEFAULT_TRAIN.holdout})
  --split random|time   random: stratified by label, by the seed (default); time: hold out the
                        latest rows by --time-column (default ${DEFAULT_TRAIN.timeColumn}) and validate on the
                        latest before them
  --json                print the card as one JSON line instead of a summary
  GBDT:
    --rounds N (${G.rounds})  --learning-rate F (${G.learningRate})  --max-depth N (${G.maxDepth})
    --max-leaves N (${G.maxLeaves} = by depth only)  --min-child-weight F (${G.minChildWeight})  --lambda F (${G.lambda})
    --gamma F (${G.gamma})  --max-bins N (${G.maxBins})
    --validation F      share of training rows for early stopping (default ${DEFAULT_TRAIN.validation}; 0 for none)
    --early-stopping N  stop after N rounds without a better validation loss (default ${G.earlyStoppingRounds}; 0 for none)
  Logistic regression:
    --epochs N (${L.epochs})  --learning-rate F (${L.learningRate})  --l2 F (${L.l2})  --batch-size N (${L.batchSize})
    --buckets N         text hash buckets (default ${DEFAULT_TEXT_HASH.buckets})
  Exit 1 on a bad flag or unusable data (a clear message with its error code).`,
  async run(args, io: Io) {
    const values = flags(
      'train',
      this.usage,
      args,
      {
        data: { type: 'string' },
        type: { type: 'string' },
        label: { type: 'string' },
        out: { type: 'string' },
        text: { type: 'string' },
        features: { type: 'string' },
        seed: { type: 'string' },
        holdout: { type: 'string' },
        split: { type: 'string' },
        'time-column': { type: 'string' },
        validation: { type: 'string' },
        json: { type: 'boolean' },
        rounds: { type: 'string' },
        'learning-rate': { type: 'string' },
        'max-depth': { type: 'string' },
        'max-leaves': { type: 'string' },
        'min-child-weight': { type: 'string' },
        lambda: { type: 'string' },
        gamma: { type: 'string' },
        'max-bins': { type: 'string' },
        'early-stopping': { type: 'string' },
        epochs: { type: 'string' },
        l2: { type: 'string' },
        'batch-size': { type: 'string' },
        buckets: { type: 'string' },
      },
      io,
    )
    if (!values) return 1
    const missing = missingFlags(values, ['data', 'type', 'label', 'out'])
    if (missing) {
      io.err(usageError('train', missing, this.usage))
      return 1
    }
    if (values.type !== 'gbdt' && values.type !== 'logreg') {
      io.err(`bulwark train: TRAIN_OPTIONS_INVALID --type must be gbdt or logreg, got '${values.type}'`)
      return 1
    }
    try {
      const v = values as Record<string, unknown>
      const outcome = await trainModel({
        data: values.data!,
        type: values.type,
        label: values.label!,
        out: values.out!,
        ...(values.text !== undefined ? { text: values.text } : {}),
        ...(values.features !== undefined
          ? {
              features: values.features
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        seed: numberFlag(v, 'seed', DEFAULT_TRAIN.seed),
        holdout: numberFlag(v, 'holdout', DEFAULT_TRAIN.holdout),
        split: (values.split ?? DEFAULT_TRAIN.split) as 'random' | 'time',
        timeColumn: values['time-column'] ?? DEFAULT_TRAIN.timeColumn,
        validation: numberFlag(v, 'validation', DEFAULT_TRAIN.validation),
        gbdt: {
          rounds: numberFlag(v, 'rounds', G.rounds),
          learningRate: numberFlag(v, 'learning-rate', G.learningRate),
          maxDepth: numberFlag(v, 'max-depth', G.maxDepth),
          maxLeaves: numberFlag(v, 'max-leaves', G.maxLeaves),
          minChildWeight: numberFlag(v, 'min-child-weight', G.minChildWeight),
          lambda: numberFlag(v, 'lambda', G.lambda),
          gamma: numberFlag(v, 'gamma', G.gamma),
          maxBins: numberFlag(v, 'max-bins', G.maxBins),
          earlyStoppingRounds: numberFlag(v, 'early-stopping', G.earlyStoppingRounds),
        },
        logreg: {
          epochs: numberFlag(v, 'epochs', L.epochs),
          learningRate: numberFlag(v, 'learning-rate', L.learningRate),
          l2: numberFlag(v, 'l2', L.l2),
          batchSize: numberFlag(v, 'batch-size', L.batchSize),
          text: { ...L.text, buckets: numberFlag(v, 'buckets', L.text.buckets) },
        },
      })
      const card = outcome.card
      if (values.json) io.out(JSON.stringify(card))
      else {
        const h = card.holdout
        const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4))
        io.out(
          [
            `trained ${card.model.type} on ${card.split.train_rows} rows (${card.data.rows} read, ${card.model.inputs.length} feature(s)${card.model.text_input ? ' + text' : ''}) in ${card.training.seconds} s`,
            `holdout (${h.rows} rows, ${h.positives} positive): auc ${f(h.auc)}  pr_auc ${f(h.pr_auc)}  f1 ${f(h.f1)}  precision ${f(h.precision)}  recall ${f(h.recall)}  threshold ${f(h.threshold)}`,
            `wrote ${values.out}/model.json, card.json, card.md, model.yaml`,
          ].join('\n'),
        )
      }
      return 0
    } catch (e) {
      if (e instanceof BulwarkError) {
        io.err(`bulwark train: ${e.code} ${e.message}`)
        return 1
      }
      throw e
    }
  },
}
