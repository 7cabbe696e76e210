/**
 * The asynchronous half of loading a pack with models: load every declared model file (from the
 * pack's own files, or the registry's champion and challenger for `registry: NAME`), check that
 * the declared inputs cover exactly the model's inputs (and text), and build the scoring stage.
 * All or nothing: any problem fails the whole load with a diagnostic at the model.yaml key it
 * concerns, and the models already loaded are closed again. Every model loaded (scored or not)
 * is owned by the stage, which releases them when a pack swap retires it (stage.ts retire()).
 *
 * `loadPackWithModels` is what serving and the CLI call: loadPack (synchronous, every check that
 * needs no model file) and then this.
 */

import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Diagnostic } from '../lang/diagnostics.ts'
import { type LoadOptions, type LoadResult, loadPack, type PackFiles } from '../policy/load.ts'
import type { Pack } from '../policy/pack.ts'
import { loadModel } from './load.ts'
import type { Model, ModelFormat } from './model.ts'
import type { ModelMonitor } from './monitor.ts'
import type { ModelDecl, ModelSource } from './pack.ts'
import { type LoadedModel, ModelStage, type ScoredModel, type ServingInfo } from './stage.ts'

/** A model version the registry serves: its file on disk and content hash. */
export interface RegistryFile {
  readonly path: string
  readonly version: string
  readonly format?: ModelFormat
}

/** What the registry serves under a name (see registry.ts). */
export interface ServedModels {
  served(name: string): { readonly champion?: RegistryFile; readonly challenger?: RegistryFile }
}

export interface AttachOptions {
  /** How the pack itself is loaded (loadPack's options). */
  readonly pack?: LoadOptions
  readonly monitor?: ModelMonitor
  readonly registry?: ServedModels
  /** Loads a model file; loadModel by default (tests pass tiny models). */
  readonly loadFile?: (path: string, format?: ModelFormat) => Promise<Model>
}

export async function loadPackWithModels(files: PackFiles, options: AttachOptions = {}): Promise<LoadResult> {
  const r = loadPack(files, options.pack)
  if (!r.ok) return r
  return attachModels(r.pack, options)
}

const hashOf = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 12)

/** Loads the pack's models and returns the pack with its model stage; the pack itself if it has none. */
export async function attachModels(pack: Pack, options: AttachOptions = {}): Promise<LoadResult> {
  const decls = pack.models ?? []
  if (decls.length === 0) return { ok: true, pack }
  const load = options.loadFile ?? loadModel
  const diagnostics: Diagnostic[] = []
  const loaded: Model[] = []
  const scored: ScoredModel[] = []
  const serving = new Map<string, ServingInfo>()
  const read = readModels(pack)
  for (const decl of decls) {
    const champion = await loadSource(
      decl,
      decl.source,
      decl.format,
      ['file'],
      load,
      options,
      diagnostics,
      'champion',
    )
    if (champion) loaded.push(champion.model)
    let challenger: LoadedModel | undefined
    // A registry's challenger comes and goes (promotion clears it): none is not an error.
    const registryChallenger =
      decl.source.kind === 'registry' ? options.registry?.served(decl.source.name).challenger : undefined
    if (decl.challenger && decl.challenger.source.kind === 'file') {
      challenger = await loadSource(
        decl,
        decl.challenger.source,
        decl.challenger.format,
        ['challenger'],
        load,
        options,
        diagnostics,
        'challenger',
      )
    } else if (registryChallenger) {
      challenger = await loadSource(
        decl,
        decl.source,
        decl.challenger?.format ?? registryChallenger.format,
        ['registry'],
        load,
        options,
        diagnostics,
        'challenger',
      )
    }
    if (challenger) loaded.push(challenger.model)
    if (!champion) continue
    const columns = coverage(decl, champion.model, diagnostics)
    if (challenger && !sameInputs(champion.model, challenger.model))
      diagnostics.push(
        decl.place(
          [decl.challenger ? 'challenger' : 'registry'],
          `the challenger must read the same inputs, in the same order, as the champion (${champion.model.inputs.join(', ')}); it reads ${challenger.model.inputs.join(', ')}`,
        ),
      )
    if (!columns) continue
    const mustScore =
      read === 'all' || read.has(decl.name) || decl.mode === 'shadow' || challenger !== undefined
    serving.set(decl.name, {
      source: decl.source.kind,
      mode: decl.mode,
      version: champion.version,
      ...(challenger ? { challenger: challenger.version } : {}),
      scored: mustScore,
    })
    if (!mustScore) continue
    const entity = decl.rollout ? pack.entities.get(decl.rollout.entity) : undefined
    const split = { sample: decl.challenger?.sample ?? 1, canary: decl.challenger?.canary ?? 0 }
    scored.push({
      decl,
      champion,
      ...(challenger ? { challenger } : {}),
      split,
      columns,
      ...(entity ? { entity } : {}),
      async: !champion.model.predict || (challenger !== undefined && !challenger.model.predict),
      ...(options.monitor
        ? {
            watch: options.monitor.watch(
              decl.name,
              champion.version,
              champion.model.inputs,
              { ...decl.monitor, threshold: decl.threshold },
              challenger?.version,
            ),
          }
        : {}),
      row: new Float64Array(champion.model.inputs.length),
      out: new Float64Array(champion.model.outputSize),
      challengerOut: new Float64Array(challenger?.model.outputSize ?? 0),
    })
  }
  if (diagnostics.length) {
    await Promise.all(loaded.map((m) => m.close().catch(() => {})))
    return { ok: false, diagnostics }
  }
  const byType = new Map<string, ScoredModel[]>()
  for (const type of pack.eventTypes.keys())
    byType.set(
      type,
      scored.filter((m) => m.decl.on.has(type)),
    )
  for (const [type, ms] of byType) if (ms.length === 0) byType.delete(type)
  const stage = new ModelStage(
    byType,
    decls.map((d) => d.name),
    options.monitor,
    serving,
    loaded,
  )
  return { ok: true, pack: { ...pack, modelStage: stage } }
}

/** Model names the pack's rules read; 'all' when a rule reads `models` whole. */
function readModels(pack: Pack): Set<string> | 'all' {
  const names = new Set<string>()
  for (const rule of pack.rules) {
    if (rule.mode === 'off') continue
    const reads = rule.program.reads
    if (reads === undefined) return 'all'
    const fields = reads.get('models')
    if (fields === null) return 'all'
    for (const f of fields ?? []) names.add(f)
  }
  return names
}

async function loadSource(
  decl: ModelDecl,
  source: ModelSource,
  format: ModelFormat | undefined,
  at: string[],
  load: NonNullable<AttachOptions['loadFile']>,
  options: AttachOptions,
  diagnostics: Diagnostic[],
  role: 'champion' | 'challenger',
): Promise<LoadedModel | undefined> {
  if (source.kind === 'registry') {
    if (!options.registry) {
      diagnostics.push(
        decl.place(['registry'], `model '${decl.name}' reads the registry, which is not available here`),
      )
      return undefined
    }
    const file = options.registry.served(source.name)[role]
    if (!file) {
      diagnostics.push(decl.place(['registry'], `the registry has no ${role} for '${source.name}'`))
      return undefined
    }
    try {
      return { model: await load(file.path, format ?? file.format), version: file.version }
    } catch (e) {
      diagnostics.push(
        decl.place(
          ['registry'],
          `the registry's ${role} of '${source.name}' does not load: ${(e as Error).message}`,
        ),
      )
      return undefined
    }
  }
  if (source.text === undefined) {
    diagnostics.push(decl.place(at, `model file '${source.path}' is not in the pack`))
    return undefined
  }
  // Loaders read files: the pack's text goes to a private temporary file for the length of the load.
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-model-'))
  try {
    const path = join(dir, basename(source.path))
    writeFileSync(path, source.text)
    return { model: await load(path, format), version: hashOf(source.text) }
  } catch (e) {
    diagnostics.push(decl.place(at, `model file '${source.path}' does not load: ${(e as Error).message}`))
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * For each model input, the index of its expression; undefined (with diagnostics) unless the
 * declared inputs are exactly the model's and the text input matches.
 */
function coverage(decl: ModelDecl, model: Model, diagnostics: Diagnostic[]): number[] | undefined {
  const before = diagnostics.length
  const declared = new Map(decl.inputs.map((d, i) => [d.name, i]))
  const modelInputs = new Set(model.inputs)
  for (const d of decl.inputs)
    if (!modelInputs.has(d.name))
      diagnostics.push(
        decl.place(
          ['inputs', d.name],
          `'${d.name}' is not an input of the model (its inputs: ${model.inputs.join(', ')})`,
        ),
      )
  const uncovered = model.inputs.filter((n) => !declared.has(n))
  if (uncovered.length)
    diagnostics.push(
      decl.place(
        ['inputs'],
        `the model's inputs ${uncovered.map((n) => `'${n}'`).join(', ')} have no expression under inputs`,
      ),
    )
  if (model.textInput && !decl.text)
    diagnostics.push(decl.place(['inputs'], 'the model reads text: declare it with text:'))
  if (!model.textInput && decl.text) diagnostics.push(decl.place(['text'], 'the model reads no text input'))
  if (decl.output.kind === 'class' && decl.output.index >= model.outputSize)
    diagnostics.push(
      decl.place(
        ['output'],
        `class ${decl.output.index} is not an output of the model (it has ${model.outputSize})`,
      ),
    )
  if (diagnostics.length > before) return undefined
  return model.inputs.map((n) => declared.get(n)!)
}

const sameInputs = (a: Model, b: Model) =>
  a.inputs.length === b.inputs.length &&
  a.inputs.every((n, i) => b.inputs[i] === n) &&
  a.textInput === b.textInput
