/**
 * Models declared in a policy pack (`models/NAME/model.yaml`), checked and compiled with the rest
 * of the pack: each input is a CEL expression type-checked against the event types the model
 * scores, the pack's features, lists and labels, and compiled once. This step is synchronous and
 * does not read model files; attachModels (attach.ts) loads them afterwards and fails the load
 * with diagnostics placed by the `place` function kept here.
 *
 * Rules read `models.NAME.score` (double), `models.NAME.scores` (list<double>, every output) and
 * `models.NAME.served` (bool): a model in shadow mode, or an entity outside its rollout, reads
 * `served: false` and a NaN score, with which every comparison is false.
 */

import type { Diagnostic } from '../lang/diagnostics.ts'
import { DiagnosticSink } from '../lang/diagnostics.ts'
import type { Environment } from '../lang/env.ts'
import { compileExpression, type Program } from '../lang/program.ts'
import { Source } from '../lang/source.ts'
import { listOf, objectType, T, type Type } from '../lang/types.ts'
import { type EventTypePlan, selectTypes, unionType } from '../policy/events.ts'
import type { EntityPlan } from '../policy/pack.ts'
import type { PathItem, YamlFile } from '../policy/yaml.ts'
import { type InputReader, inputReader } from './inputs.ts'
import type { ModelFormat } from './model.ts'

/** Where a model's bytes come from: a text file of the pack, or the registry's current version. */
export type ModelSource =
  | { readonly kind: 'file'; readonly path: string; readonly text: string | undefined }
  | { readonly kind: 'registry'; readonly name: string }

export type ModelOutput =
  | { readonly kind: 'probability' | 'raw' }
  | { readonly kind: 'class'; readonly index: number }

export interface ModelInputDecl {
  readonly name: string
  readonly program: Program
  /** The program's value as the number the model sees (NaN: missing); see inputs.ts. */
  readonly read: InputReader
}

/** A model.yaml as checked at load: everything but the loaded model itself. */
export interface ModelDecl {
  readonly name: string
  /** `models/NAME/model.yaml` */
  readonly file: string
  readonly format?: ModelFormat
  readonly source: ModelSource
  /** Event types the model scores. */
  readonly on: ReadonlySet<string>
  readonly inputs: readonly ModelInputDecl[]
  readonly text?: Program
  readonly output: ModelOutput
  readonly threshold: number
  readonly mode: 'enforce' | 'shadow'
  readonly rollout?: { readonly percent: number; readonly entity: string }
  readonly challenger?: {
    readonly source: ModelSource
    readonly format?: ModelFormat
    readonly sample: number
    readonly canary: number
  }
  readonly monitor: { readonly reference: number; readonly window: number; readonly psiThreshold: number }
  /** A diagnostic at a key of the model.yaml (`file`, `inputs`, `challenger`, …), for the async load. */
  readonly place: (at: readonly PathItem[], detail: string) => Diagnostic
}

export const MODEL_FILE = /^models\/([^/]+)\/model\.ya?ml$/

const MODEL_NAME = /^[a-z][a-z0-9_]*$/

/**
 * The `models` variable's type for rules: one object per declared model. Models whose model.yaml
 * has problems (reported on their own) are typed too, given the pack's file paths, so rules that
 * read them do not add misleading "no field" errors.
 */
export function modelsType(decls: readonly ModelDecl[], paths: readonly string[] = []): Type {
  const names = new Set([...decls.map((d) => d.name), ...paths.flatMap((p) => MODEL_FILE.exec(p)?.[1] ?? [])])
  return objectType(
    'models',
    new Map(
      [...names].map((name) => [
        name,
        objectType(
          `models.${name}`,
          new Map<string, Type>([
            ['score', T.double],
            ['scores', listOf(T.double)],
            ['served', T.bool],
          ]),
        ),
      ]),
    ),
  )
}

/** Per event type, the model input programs its decisions may evaluate (their features are computed). */
export function modelInputsByType(decls: readonly ModelDecl[]): Map<string, Program[]> {
  const out = new Map<string, Program[]>()
  for (const d of decls)
    for (const type of d.on)
      out.set(type, [
        ...(out.get(type) ?? []),
        ...d.inputs.map((i) => i.program),
        ...(d.text ? [d.text] : []),
      ])
  return out
}

/** Resolves `rel` against the directory of `yamlPath` inside the pack; undefined if it leaves it. */
function packPath(yamlPath: string, rel: string): string | undefined {
  const parts = yamlPath.split('/').slice(0, -1)
  for (const p of rel.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      if (parts.length === 0) return undefined
      parts.pop()
    } else parts.push(p)
  }
  return parts.join('/')
}

const NUMERIC_INPUT = new Set(['int', 'uint', 'double', 'bool', 'dyn'])

/**
 * Checks and compiles every model.yaml; problems go to the file's sink or `extra`. Returns the
 * models that compiled, in name order.
 */
export function declareModels(
  files: readonly { file: YamlFile; value: any }[],
  packFiles: Readonly<Record<string, string>>,
  eventTypes: ReadonlyMap<string, EventTypePlan>,
  entities: ReadonlyMap<string, EntityPlan>,
  envFor: (eventType: Type) => Environment,
  extra: Diagnostic[],
): ModelDecl[] {
  const out: ModelDecl[] = []
  for (const { file, value: m } of files) {
    const name = MODEL_FILE.exec(file.path)![1]!
    const report = (
      at: PathItem[],
      detail: string,
      code: 'POLICY_INVALID' | 'POLICY_REFERENCE' = 'POLICY_INVALID',
    ) => {
      const [start, end] = file.range(at)
      if (code === 'POLICY_REFERENCE')
        file.sink.report(code, { what: 'entity', name: detail, hint: '' }, start, end)
      else file.sink.report(code, { detail }, start, end)
    }
    if (!MODEL_NAME.test(name)) {
      report(
        [],
        `model name '${name}' (its directory) must be lower-case letters, digits and _, starting with a letter`,
      )
      continue
    }
    const { types, unknown } = selectTypes(eventTypes, m.on)
    for (const u of unknown)
      file.sink.report(
        'POLICY_REFERENCE',
        { what: 'event type', name: u, hint: ` (declared: ${[...eventTypes.keys()].join(', ')})` },
        ...file.range(['on']),
      )
    if (unknown.length || types.length === 0) continue
    const union = unionType(types)
    if ('conflicts' in union) {
      report(['on'], union.conflicts.join('; '))
      continue
    }
    const env = envFor(union.type)
    const inputs: ModelInputDecl[] = []
    let failed = false
    for (const [input, expr] of Object.entries(m.inputs as Record<string, string>)) {
      const compiled = compileExpression(expr, env, file.expressionSource(['inputs', input]))
      if (!compiled.ok) {
        extra.push(...compiled.diagnostics)
        failed = true
      } else if (!NUMERIC_INPUT.has(compiled.program.type.kind)) {
        report(
          ['inputs', input],
          `model input '${input}' must be int, double or bool, not ${compiled.program.type.kind}`,
        )
        failed = true
      } else inputs.push({ name: input, program: compiled.program, read: inputReader(compiled.program) })
    }
    let text: Program | undefined
    if (m.text !== undefined) {
      const compiled = compileExpression(m.text, env, {
        ...file.expressionSource(['text']),
        expected: T.string,
      })
      if (!compiled.ok) {
        extra.push(...compiled.diagnostics)
        failed = true
      } else text = compiled.program
    }
    if (m.rollout && !entities.has(m.rollout.by)) {
      report(['rollout', 'by'], m.rollout.by, 'POLICY_REFERENCE')
      failed = true
    }
    const source = (rel: string | undefined, at: PathItem[]): ModelSource | undefined => {
      if (rel === undefined) return { kind: 'registry', name: m.registry }
      const path = packPath(file.path, rel)
      if (path === undefined || path === file.path) {
        report(at, `model file '${rel}' must be a file inside the pack`)
        return undefined
      }
      return { kind: 'file', path, text: packFiles[path] }
    }
    const champion = source(m.file, ['file'])
    const challengerSource =
      m.challenger && m.challenger.file !== undefined
        ? source(m.challenger.file, ['challenger', 'file'])
        : undefined
    if (m.challenger && m.challenger.file === undefined && m.registry === undefined) {
      report(
        ['challenger'],
        'a challenger needs a file (or the model a registry: name, whose challenger it serves)',
      )
      failed = true
    }
    if (!champion || (m.challenger?.file !== undefined && !challengerSource) || failed) continue
    const output: ModelOutput =
      typeof m.output === 'object'
        ? { kind: 'class', index: m.output.class }
        : { kind: m.output ?? 'probability' }
    out.push({
      name,
      file: file.path,
      ...(m.format ? { format: m.format } : {}),
      source: champion,
      on: new Set(types.map((t) => t.name)),
      inputs,
      ...(text ? { text } : {}),
      output,
      threshold: m.threshold ?? 0.5,
      mode: m.mode ?? 'enforce',
      ...(m.rollout ? { rollout: { percent: m.rollout.percent, entity: m.rollout.by } } : {}),
      ...(m.challenger
        ? {
            challenger: {
              source: challengerSource ?? { kind: 'registry', name: m.registry },
              ...(m.challenger.format ? { format: m.challenger.format } : {}),
              sample: m.challenger.sample ?? 1,
              canary: m.challenger.canary ?? 0,
            },
          }
        : {}),
      monitor: {
        reference: m.monitor?.reference ?? 1000,
        window: m.monitor?.window ?? 1000,
        psiThreshold: m.monitor?.psi_threshold ?? 0.2,
      },
      place: placer(file, file.text),
    })
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** Diagnostics at a path of a model.yaml, made after the load's sinks are closed. */
function placer(file: YamlFile, text: string): ModelDecl['place'] {
  return (at, detail) => {
    const sink = new DiagnosticSink(new Source(text, { file: file.path }))
    const [start, end] = file.range(at)
    sink.report('POLICY_INVALID', { detail }, start, end)
    return sink.items[0]!
  }
}
