/**
 * `loadModel(path, format?)`: reads a model file of any supported format and returns a `Model`.
 * Without an explicit format it is detected from the extension and, for JSON and text, from the
 * content: `.onnx` is ONNX; JSON with a `learner` object is XGBoost; JSON with
 * `"format": "bulwark-logreg"` is Bulwark's logistic regression; text starting with `tree` and
 * holding `Tree=` blocks is LightGBM. Bad files raise MODEL_INVALID or MODEL_UNSUPPORTED.
 */

import { readFileSync } from 'node:fs'
import { BulwarkError } from '../core/errors.ts'
import { lightgbmFromText } from './lightgbm.ts'
import { LOGREG_FORMAT_TAG, logregFromJson } from './logreg.ts'
import type { Model, ModelFormat } from './model.ts'
import { loadOnnxModel } from './onnx.ts'
import { parseXgboostJson, xgboostFromJson } from './xgboost.ts'

export const MODEL_FORMATS: readonly ModelFormat[] = ['xgboost-json', 'lightgbm-text', 'logreg', 'onnx']

export function isModelFormat(value: string): value is ModelFormat {
  return (MODEL_FORMATS as readonly string[]).includes(value)
}

/** The format of a file from its name and first bytes, or undefined when nothing fits. */
export function detectFormat(path: string, head: Buffer): ModelFormat | undefined {
  if (path.endsWith('.onnx')) return 'onnx'
  const text = head.toString('utf8').trimStart()
  if (text.startsWith('{')) {
    if (/"learner"\s*:/.test(text)) return 'xgboost-json'
    if (text.includes(`"${LOGREG_FORMAT_TAG}"`)) return 'logreg'
    return undefined
  }
  if (/^tree\r?\n/.test(text) || /^version=v\d/m.test(text.slice(0, 200))) return 'lightgbm-text'
  return undefined
}

function parseJson(path: string, bytes: Buffer, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(bytes.toString('utf8'))
  } catch (e) {
    throw new BulwarkError('MODEL_INVALID', { file: path, detail: `not JSON: ${(e as Error).message}` })
  }
}

export async function loadModel(path: string, format?: ModelFormat): Promise<Model> {
  if (format !== undefined && !isModelFormat(format)) {
    throw new BulwarkError('MODEL_UNSUPPORTED', {
      file: path,
      detail: `format '${String(format)}' (one of ${MODEL_FORMATS.join(', ')})`,
    })
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw new BulwarkError('MODEL_INVALID', { file: path, detail: `cannot read it: ${(e as Error).message}` })
  }
  const chosen = format ?? detectFormat(path, bytes.subarray(0, 64 * 1024))
  switch (chosen) {
    case 'xgboost-json':
      return xgboostFromJson(parseJson(path, bytes, parseXgboostJson), path)
    case 'logreg':
      return logregFromJson(parseJson(path, bytes), path)
    case 'lightgbm-text':
      return lightgbmFromText(bytes.toString('utf8'), path)
    case 'onnx':
      return loadOnnxModel(path, bytes)
    default:
      throw new BulwarkError('MODEL_UNSUPPORTED', {
        file: path,
        detail: `cannot tell its format; pass one of ${MODEL_FORMATS.join(', ')}`,
      })
  }
}
