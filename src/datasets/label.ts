/**
 * The `label:` part of a mapping, compiled: `malicious` is a CEL expression over `row` (a
 * map<string, string> of the row's cells, with _file, _line and _row) checked to be a bool —
 * `row.label == "spam"`, `row["class"] in ["0", "1"]`, `int(row.count) > 2` — or a constant;
 * `area` is one of the eight abuse areas; `campaign` and `damage` are value specs. Area,
 * campaign and damage are written for malicious rows only (src/eval/labels.ts reads them so).
 */

import type { Label } from '../eval/labels.ts'
import { Environment } from '../lang/env.ts'
import { compileExpression } from '../lang/program.ts'
import { isCelError } from '../lang/runtime/values.ts'
import { T } from '../lang/types.ts'
import type { YamlFile } from '../policy/yaml.ts'
import { Invalid } from './convert.ts'
import { compileValue, type Row, type SpecContext } from './values.ts'

export type LabelFn = (row: Row) => Label | Invalid

const ENV = Environment.create({ variables: { row: 'map<string, string>' } })

export interface LabelSpec {
  readonly malicious: string | boolean
  readonly area?: string
  readonly campaign?: unknown
  readonly damage?: unknown
}

export function compileLabel(spec: LabelSpec, file: YamlFile, ctx: SpecContext): LabelFn {
  const malicious = compileMalicious(spec.malicious, file, ctx)
  const campaign =
    spec.campaign === undefined ? undefined : compileValue(spec.campaign, ['label', 'campaign'], ctx)
  const damage = spec.damage === undefined ? undefined : compileValue(spec.damage, ['label', 'damage'], ctx)
  const area = spec.area
  return (row) => {
    const m = malicious(row)
    if (m instanceof Invalid) return m
    if (!m) return { malicious: false }
    const c = campaign?.(row)
    if (c instanceof Invalid) return new Invalid(`label.campaign: ${c.message}`)
    const d = damage?.(row)
    if (d instanceof Invalid) return new Invalid(`label.damage: ${d.message}`)
    if (d !== undefined && (typeof d !== 'number' || !(d >= 0)))
      return new Invalid(`label.damage: ${JSON.stringify(d)} is not a number ≥ 0 (use as: double)`)
    return {
      malicious: true,
      ...(area !== undefined ? { area } : {}),
      ...(c !== undefined ? { campaign: String(c) } : {}),
      ...(d !== undefined ? { damage: d } : {}),
    }
  }
}

function compileMalicious(
  spec: string | boolean,
  file: YamlFile,
  ctx: SpecContext,
): (row: Row) => boolean | Invalid {
  if (typeof spec === 'boolean') return () => spec
  const r = compileExpression(spec, ENV, {
    ...file.expressionSource(['label', 'malicious']),
    expected: T.bool,
  })
  if (!r.ok) {
    file.sink.items.push(...r.diagnostics)
    return () => false
  }
  const program = r.program
  const fields = program.reads?.get('row')
  if (fields) for (const name of fields) ctx.column(name, ['label', 'malicious'])
  // One frame for every row (evaluation is synchronous): only the row's slot changes.
  const frame: unknown[] = new Array(Math.max(program.frameSize, ENV.variableCount)).fill(undefined)
  const slot = ENV.slots.get('row')!
  return (row) => {
    frame[slot] = row
    const v = program.evaluateFrame(frame)
    if (isCelError(v)) return new Invalid(`label.malicious: ${v.message}`)
    return v === true
  }
}
