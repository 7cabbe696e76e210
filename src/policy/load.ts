/**
 * Loads a policy pack from its files, all or nothing: parse every YAML file, validate it against
 * its schema, build event types, entities, lists and features, type-check and compile every
 * expression, and only then hand back a Pack. Any problem anywhere makes the whole load fail,
 * with every diagnostic (file:line:col and a caret excerpt) collected and sorted — a pack that
 * fails never replaces the one being served.
 */

import { createHash } from 'node:crypto'
import { isOutcome, type Outcome, type RuleMode } from '../core/domain.ts'
import { own } from '../core/own.ts'
import type { FeatureKind, FeatureSpec } from '../features/types.ts'
import { type Diagnostic, DiagnosticSink, sortDiagnostics } from '../lang/diagnostics.ts'
import { Environment } from '../lang/env.ts'
import { compileExpression } from '../lang/program.ts'
import { Source } from '../lang/source.ts'
import { objectType, T, type Type } from '../lang/types.ts'
import { declareModels, MODEL_FILE, modelInputsByType, modelsType } from '../models/pack.ts'
import { type ActionContext, readActions, readEnforcement } from './actions.ts'
import { type EventTypePlan, eventTypePlan, selectTypes, unionType } from './events.ts'
import {
  type DerivedFeature,
  FEATURE_KINDS,
  type FeaturePlan,
  featureSpec,
  fieldType,
  type KeyPart,
  keyPart,
  MAX_WINDOW_MS,
  parseSpan,
  pathGetter,
  resultType,
  WINDOWED_KINDS,
} from './features.ts'
import { type FieldDecl, fieldTypeErrors, specAt } from './fields.ts'
import {
  entryProblem,
  LIST_TYPES,
  type ListKind,
  type ListPlan,
  parseListFile,
  sourceEntries,
} from './lists.ts'
import { type EntityPlan, FRAME_VARIABLES, type LabelToSet, type Pack, type RulePlan } from './pack.ts'
import { reviewPlan } from './review-queues.ts'
import { checkSchema, type FileKind } from './schemas.ts'
import { parseTests } from './tests.ts'
import { typePlans } from './type-plans.ts'
import { type PathItem, YamlFile } from './yaml.ts'

export type PackFiles = Readonly<Record<string, string>>

export type LoadResult =
  | { readonly ok: true; readonly pack: Pack }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

const DEFAULT_THRESHOLDS = { challenge: 40, review: 70, block: 90 }

/** Which schema a file follows, from its place in the pack; undefined for other files. */
function kindOf(path: string): FileKind | undefined {
  if (path === 'bulwark.yaml' || path === 'bulwark.yml') return 'manifest'
  if (MODEL_FILE.test(path)) return 'model'
  const m = /^(features|lists|rules|tests)\/[^/]+\.ya?ml$/.exec(path)
  return m ? (m[1] as FileKind) : undefined
}

/**
 * A content hash of the files: each path and text is hashed after its length in bytes, so no
 * text can imitate a file boundary, whatever characters it holds.
 */
export function packVersion(files: PackFiles): string {
  const h = createHash('sha256')
  for (const path of Object.keys(files).sort()) {
    const text = files[path]!
    h.update(`${Buffer.byteLength(path)}:`)
      .update(path)
      .update(`${Buffer.byteLength(text)}:`)
      .update(text)
  }
  return h.digest('hex').slice(0, 12)
}

export interface LoadOptions {
  /**
   * Decisions of every event type compute every declared feature, not only those the type's
   * events update and its rules and models read. For training rows (`bulwark dataset`): a model
   * that later reads any feature on any type then sees the values its rows held.
   */
  readonly everyFeature?: boolean
}

export function loadPack(files: PackFiles, options: LoadOptions = {}): LoadResult {
  return new PackLoader(files, options).load()
}

interface Parsed {
  readonly file: YamlFile
  readonly value: any
}

class PackLoader {
  private readonly files: PackFiles
  private readonly yaml = new Map<string, YamlFile>()
  private readonly packSink = new DiagnosticSink(new Source('', { file: 'bulwark.yaml' }))
  private readonly extra: Diagnostic[] = []
  /** What rule actions may name (entities, lists, ladders); set once the manifest is read. */
  private actionContext: ActionContext = { entities: new Map(), lists: new Map() }

  private readonly options: LoadOptions

  constructor(files: PackFiles, options: LoadOptions) {
    this.files = files
    this.options = options
  }

  load(): LoadResult {
    const parsed = new Map<FileKind, Parsed[]>()
    /** Kinds with a file left out (bad YAML or schema): what they declare is not fully known. */
    const incomplete = new Set<FileKind>()
    for (const path of Object.keys(this.files).sort()) {
      const kind = kindOf(path)
      if (!kind) continue
      const file = new YamlFile(path, this.files[path]!)
      this.yaml.set(path, file)
      const value = file.ok ? (file.value() ?? {}) : undefined
      if (file.ok && checkSchema(kind, file, value))
        parsed.set(kind, [...(parsed.get(kind) ?? []), { file, value }])
      else incomplete.add(kind)
    }
    const manifest = parsed.get('manifest')?.[0]
    if (!this.yaml.has('bulwark.yaml') && !this.yaml.has('bulwark.yml')) {
      this.packSink.report('POLICY_FILE', { detail: 'a policy pack needs a bulwark.yaml at its root' }, 0)
    }
    // Without a valid manifest nothing else can be checked. Other files that failed their schema
    // are left out, and the rest are still checked, so one load reports as much as it can.
    if (!manifest) return this.failure()
    const manifestFile = manifest.file

    const m = manifest.value
    const { eventTypes, complete } = this.eventTypes(manifest)
    const entities = this.entities(manifest, eventTypes, complete)
    const lists = this.lists(parsed.get('lists') ?? [])
    if (manifestFile.sink.hasErrors) return this.failure()

    const listsType = objectType('lists', new Map([...lists].map(([n, l]) => [n, LIST_TYPES[l.kind]])))
    const labelsType = objectType(
      'labels',
      new Map(
        [...entities].map(([n, e]) => [
          n,
          objectType(`labels.${n}`, new Map(e.labels.map((l) => [l, T.bool]))),
        ]),
      ),
    )
    const envFor = envFactory(listsType, labelsType)
    const enforcement = readEnforcement(m.enforcement, { entities, lists }, (path, code, params) =>
      this.report(manifestFile, path, code, params),
    )
    this.actionContext = { entities, lists, ladders: new Set(enforcement.ladders.keys()) }
    const { features, derived, featuresType } = this.features(
      parsed.get('features') ?? [],
      eventTypes,
      envFor,
    )
    const models = declareModels(
      parsed.get('model') ?? [],
      this.files,
      eventTypes,
      entities,
      (t) => envFor(t, featuresType),
      this.extra,
    )
    const rulesModels = modelsType(models, Object.keys(this.files))
    const rules = this.rules(parsed.get('rules') ?? [], eventTypes, entities, (t) =>
      envFor(t, featuresType, rulesModels),
    )
    const known = {
      rules: incomplete.has('rules') ? undefined : new Set(rulesIn(parsed.get('rules') ?? [])),
      features: incomplete.has('features') ? undefined : new Set(featuresIn(parsed.get('features') ?? [])),
    }
    const tests = (parsed.get('tests') ?? []).flatMap((p) => parseTests(p.file, p.value, known))
    const review = reviewPlan(this.files, {
      rules,
      entities: new Set(entities.keys()),
      actions: this.actionContext,
    })
    this.extra.push(...review.diagnostics)
    if (this.hasErrors()) return this.failure()

    const rulesByType = new Map<string, RulePlan[]>()
    const skippedByType = new Map<string, { rule: string; reason: string }[]>()
    for (const type of eventTypes.keys()) {
      skippedByType.set(
        type,
        rules
          .filter((r) => r.mode === 'off' && r.on.has(type))
          .map((r) => ({ rule: r.id, reason: 'mode: off' })),
      )
      rulesByType.set(
        type,
        rules
          .filter((r) => r.mode !== 'off' && r.on.has(type))
          .sort((a, b) => a.program.cost - b.program.cost),
      )
    }
    const programs = [
      ...rules.map((r) => r.program),
      ...derived.map((d) => d.program),
      ...features.flatMap((f) => (f.where ? [f.where] : [])),
      ...models.flatMap((d) => [...d.inputs.map((i) => i.program), ...(d.text ? [d.text] : [])]),
    ]
    const thresholds = { ...DEFAULT_THRESHOLDS, ...(m.scoring?.thresholds ?? {}) }
    const pack: Pack = {
      name: m.name,
      ...(m.description ? { description: m.description } : {}),
      version: packVersion(this.files),
      files: this.files,
      eventTypes,
      entities,
      thresholds,
      features,
      derived,
      featureSpecs: new Map<string, FeatureSpec>(features.map((f) => [f.spec.id, f.spec])),
      featuresType,
      lists,
      rules,
      rulesByType,
      skippedByType,
      plansByType: typePlans(
        eventTypes,
        entities,
        features,
        derived,
        rulesByType,
        modelInputsByType(models),
        this.options.everyFeature === true,
      ),
      noLabels: Object.freeze(Object.fromEntries([...entities].map(([n, e]) => [n, e.noLabels]))),
      tests,
      review: review.plan,
      enforcement,
      ...(models.length ? { models } : {}),
      frameSize: Math.max(FRAME_VARIABLES.length, ...programs.map((p) => p.frameSize)),
    }
    return { ok: true, pack }
  }

  private hasErrors(): boolean {
    return (
      this.packSink.hasErrors ||
      this.extra.length > 0 ||
      [...this.yaml.values()].some((f) => f.sink.hasErrors)
    )
  }

  private failure(): LoadResult {
    const all = [
      ...this.packSink.items,
      ...this.extra,
      ...[...this.yaml.values()].flatMap((f) => f.sink.items),
    ]
    return { ok: false, diagnostics: sortDiagnostics(all) }
  }

  private report(
    file: YamlFile,
    path: readonly PathItem[],
    code: Parameters<DiagnosticSink['report']>[0],
    params: Record<string, string | number>,
    key = false,
  ): void {
    const [start, end] = key ? file.keyRange(path) : file.range(path)
    file.sink.report(code, params, start, end)
  }

  // ── manifest ─────────────────────────────────────────────────────────

  /** The event types that could be built; `complete` is false when any could not. */
  private eventTypes({ file, value: m }: Parsed): {
    eventTypes: Map<string, EventTypePlan>
    complete: boolean
  } {
    const out = new Map<string, EventTypePlan>()
    const common = (m.common ?? {}) as Record<string, FieldDecl>
    let complete = this.fieldTypesKnown(file, ['common'], common, 'common fields')
    for (const [name, decl] of Object.entries(
      m.events as Record<string, { fields?: Record<string, FieldDecl> }>,
    )) {
      const where = ['events', name, 'fields']
      if (!this.fieldTypesKnown(file, where, decl.fields ?? {}, `event type '${name}'`) || !complete) {
        complete = false
        continue
      }
      try {
        out.set(name, eventTypePlan(name, decl, common))
      } catch (e) {
        complete = false
        this.report(file, ['events', name], 'POLICY_INVALID', {
          detail: `event type '${name}': ${(e as Error).message}`,
        })
      }
    }
    return { eventTypes: out, complete }
  }

  /** Reports every field of an unknown type, at the type; whether there were none. */
  private fieldTypesKnown(
    file: YamlFile,
    at: PathItem[],
    fields: Record<string, FieldDecl>,
    whose: string,
  ): boolean {
    let known = true
    for (const [name, decl] of Object.entries(fields))
      for (const e of fieldTypeErrors(name, decl)) {
        known = false
        this.report(file, [...at, name, ...e.at], 'POLICY_INVALID', { detail: `${whose}: ${e.message}` })
      }
    return known
  }

  /** Entities, by own property only: an entity may be called `constructor` or `__proto__`. */
  private entities(
    { file, value: m }: Parsed,
    eventTypes: Map<string, EventTypePlan>,
    allTypes: boolean,
  ): Map<string, EntityPlan> {
    const out = new Map<string, EntityPlan>()
    const labels = (m.labels ?? {}) as Record<string, string[]>
    const declared = (m.entities ?? {}) as Record<string, string>
    for (const [name, path] of Object.entries(declared)) {
      const types = [...eventTypes.values()].filter((t) => specAt(t.fields, path))
      if (types.length === 0) {
        // An event type that failed to build may declare it: that failure is reported already.
        if (!allTypes) continue
        this.report(file, ['entities', name], 'POLICY_REFERENCE', {
          what: 'field',
          name: path,
          hint: ` (no event type declares it; entity '${name}' needs it)`,
        })
        continue
      }
      const pii = types.some((t) => t.pii.some((p) => path === p || path.startsWith(`${p}.`)))
      const names = own(labels, name) ?? []
      out.set(name, {
        name,
        path,
        get: pathGetter(path),
        types: new Set(types.map((t) => t.name)),
        pii,
        labels: names,
        noLabels: Object.freeze(Object.fromEntries(names.map((l) => [l, false]))),
      })
    }
    for (const entity of Object.keys(labels)) {
      if (!out.has(entity) && !Object.hasOwn(declared, entity))
        this.report(
          file,
          ['labels', entity],
          'POLICY_REFERENCE',
          { what: 'entity', name: entity, hint: ' (declare it under entities)' },
          true,
        )
    }
    return out
  }

  // ── lists ────────────────────────────────────────────────────────────

  private lists(files: Parsed[]): Map<string, ListPlan> {
    const out = new Map<string, ListPlan>()
    const seen = new Map<string, string>()
    for (const { file, value } of files) {
      for (const [name, decl] of Object.entries(
        value.lists as Record<
          string,
          { kind: ListKind; description?: string; values?: string[]; file?: string; source?: string }
        >,
      )) {
        if (seen.has(name)) {
          this.report(
            file,
            ['lists', name],
            'POLICY_DUPLICATE',
            { what: 'list', name, hint: ` (also in ${seen.get(name)})` },
            true,
          )
          continue
        }
        seen.set(name, file.path)
        const entries: string[] = []
        ;(decl.values ?? []).forEach((v, i) => {
          const problem = entryProblem(decl.kind, v)
          if (problem) this.report(file, ['lists', name, 'values', i], 'POLICY_INVALID', { detail: problem })
          else entries.push(v)
        })
        if (decl.file) entries.push(...this.listFile(file, name, decl.file, decl.kind))
        const own = decl.source ? [...entries] : undefined
        if (decl.source) {
          const loaded = sourceEntries(decl.source, decl.kind)
          if (typeof loaded === 'string')
            this.report(file, ['lists', name, 'source'], 'POLICY_INVALID', { detail: loaded })
          else entries.push(...loaded)
        }
        out.set(name, {
          name,
          kind: decl.kind,
          ...(decl.description ? { description: decl.description } : {}),
          entries,
          ...(decl.source && own ? { source: decl.source, own } : {}),
        })
      }
    }
    return out
  }

  private listFile(file: YamlFile, list: string, name: string, kind: ListKind): string[] {
    const path = `lists/${name}`
    const text = this.files[path]
    if (text === undefined) {
      this.report(file, ['lists', list, 'file'], 'POLICY_FILE', {
        detail: `list file '${path}' is not in the pack`,
      })
      return []
    }
    const entries: string[] = []
    const sink = new DiagnosticSink(new Source(text, { file: path }))
    const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)]
    for (const { value, line, col } of parseListFile(text)) {
      const problem = entryProblem(kind, value)
      const start = lineStarts[line - 1]! + col
      if (problem) sink.report('POLICY_INVALID', { detail: problem }, start, start + value.length)
      else entries.push(value)
    }
    this.extra.push(...sink.items)
    return entries
  }

  // ── features ─────────────────────────────────────────────────────────

  private features(
    files: Parsed[],
    eventTypes: Map<string, EventTypePlan>,
    envFor: EnvFactory,
  ): { features: FeaturePlan[]; derived: DerivedFeature[]; featuresType: Type } {
    const features: FeaturePlan[] = []
    const seen = new Map<string, string>()
    const derivedDecls: { file: YamlFile; name: string; expr: string }[] = []
    const noFeatures = objectType('features', new Map())
    for (const { file, value } of files) {
      for (const [name, decl] of Object.entries(value.features as Record<string, Record<string, any>>)) {
        if (seen.has(name)) {
          this.report(
            file,
            ['features', name],
            'POLICY_DUPLICATE',
            { what: 'feature', name, hint: ` (also in ${seen.get(name)})` },
            true,
          )
          continue
        }
        seen.set(name, file.path)
        const kinds = Object.keys(decl).filter((k) => k !== 'description')
        if (kinds.length !== 1) {
          const found = kinds.length ? `it has ${kinds.length}: ${kinds.join(' and ')}` : 'it has none'
          this.report(
            file,
            ['features', name, ...kinds.slice(1, 2)],
            'POLICY_SCHEMA',
            { detail: `features.${name}: needs exactly one of ${FEATURE_KINDS.join(', ')}; ${found}` },
            true,
          )
          continue
        }
        const kind = kinds[0]!
        if (kind === 'expr') {
          derivedDecls.push({ file, name, expr: decl.expr })
          continue
        }
        const plan = this.feature(file, name, kind as FeatureKind, decl[kind], eventTypes, envFor, noFeatures)
        if (plan) features.push(plan)
      }
    }
    const baseType = objectType('features', new Map(features.map((f) => [f.name, f.type])))
    const derived: DerivedFeature[] = []
    for (const d of derivedDecls) {
      const env = envFor(objectType('event', new Map()), baseType)
      const compiled = compileExpression(d.expr, env, d.file.expressionSource(['features', d.name, 'expr']))
      if (!compiled.ok) this.extra.push(...compiled.diagnostics)
      else if (compiled.program.type.kind === 'dyn')
        this.report(d.file, ['features', d.name, 'expr'], 'POLICY_INVALID', {
          detail: `feature '${d.name}' must have a definite type (wrap it in int(), double(), …)`,
        })
      else derived.push({ name: d.name, program: compiled.program, type: compiled.program.type })
    }
    const featuresType = objectType(
      'features',
      new Map([
        ...features.map((f) => [f.name, f.type] as const),
        ...derived.map((d) => [d.name, d.type] as const),
      ]),
    )
    return { features, derived, featuresType }
  }

  private feature(
    file: YamlFile,
    name: string,
    kind: FeatureKind,
    d: {
      on?: string | string[]
      by: string | string[]
      of?: string
      window?: string
      retention?: string
      where?: string
    },
    eventTypes: Map<string, EventTypePlan>,
    envFor: EnvFactory,
    noFeatures: Type,
  ): FeaturePlan | undefined {
    const at = ['features', name, kind]
    const { types, unknown } = selectTypes(eventTypes, d.on)
    for (const u of unknown)
      this.report(file, [...at, 'on'], 'POLICY_REFERENCE', { what: 'event type', name: u, hint: '' })
    if (unknown.length) return undefined
    const windowed = (WINDOWED_KINDS as readonly string[]).includes(kind)
    const span = windowed ? d.window! : (d.retention ?? '90d')
    const ms = parseSpan(span)
    if (ms === undefined || ms < 1000 || ms > MAX_WINDOW_MS) {
      this.report(file, [...at, windowed ? 'window' : 'retention'], 'POLICY_INVALID', {
        detail: `'${span}' must be between 1s and 90d`,
      })
      return undefined
    }
    const by: KeyPart[] = []
    for (const path of Array.isArray(d.by) ? d.by : [d.by]) {
      const part = keyPart(path, types)
      if (typeof part === 'string')
        this.report(file, [...at, 'by'], 'POLICY_REFERENCE', {
          what: 'key field',
          name: path,
          hint: `: ${part}`,
        })
      else by.push(part)
    }
    const needsOf = kind === 'sum' || kind === 'min' || kind === 'max' || kind === 'distinct'
    let of: KeyPart | undefined
    let ofType: Type | undefined
    if (needsOf && !d.of)
      this.report(file, at, 'POLICY_INVALID', {
        detail: `a ${kind} feature needs 'of' (the field it aggregates)`,
      })
    if (d.of) {
      const part = keyPart(d.of, types)
      ofType = fieldType(d.of, types)
      if (typeof part === 'string')
        this.report(file, [...at, 'of'], 'POLICY_REFERENCE', { what: 'field', name: d.of, hint: `: ${part}` })
      else if (kind !== 'distinct' && ofType?.kind !== 'int' && ofType?.kind !== 'double') {
        this.report(file, [...at, 'of'], 'POLICY_INVALID', {
          detail: `a ${kind} needs a numeric field; '${d.of}' is not int or double`,
        })
      } else of = part
    }
    let where: FeaturePlan['where']
    if (d.where) {
      const union = unionType(types)
      if ('conflicts' in union) {
        this.report(file, [...at, 'on'], 'POLICY_INVALID', { detail: union.conflicts.join('; ') })
        return undefined
      }
      const compiled = compileExpression(d.where, envFor(union.type, noFeatures), {
        ...file.expressionSource([...at, 'where']),
        expected: T.bool,
      })
      if (!compiled.ok) this.extra.push(...compiled.diagnostics)
      else where = compiled.program
    }
    if (by.length !== (Array.isArray(d.by) ? d.by.length : 1) || (needsOf && !of)) return undefined
    const spec = featureSpec(name, kind, { ...d, where: d.where ?? null }, windowed ? ms : 0, ms)
    return {
      name,
      spec,
      on: new Set(types.map((t) => t.name)),
      by,
      ...(of ? { of } : {}),
      ...(where ? { where } : {}),
      type: resultType(kind, ofType),
    }
  }

  // ── rules ────────────────────────────────────────────────────────────

  private rules(
    files: Parsed[],
    eventTypes: Map<string, EventTypePlan>,
    entities: Map<string, EntityPlan>,
    envFor: (eventType: Type) => Environment,
  ): RulePlan[] {
    const out: RulePlan[] = []
    const seen = new Map<string, string>()
    const envs = new Map<string, Environment>()
    for (const { file, value } of files) {
      ;(value.rules as any[]).forEach((r, i) => {
        const at: PathItem[] = ['rules', i]
        if (seen.has(r.id)) {
          this.report(file, [...at, 'id'], 'POLICY_DUPLICATE', {
            what: 'rule',
            name: r.id,
            hint: ` (also in ${seen.get(r.id)})`,
          })
          return
        }
        seen.set(r.id, file.path)
        const { types, unknown } = selectTypes(eventTypes, r.on)
        for (const u of unknown)
          this.report(file, [...at, 'on'], 'POLICY_REFERENCE', {
            what: 'event type',
            name: u,
            hint: ` (declared: ${[...eventTypes.keys()].join(', ')})`,
          })
        if (unknown.length) return
        const key = types.map((t) => t.name).join('|')
        let env = envs.get(key)
        if (!env) {
          const union = unionType(types)
          if ('conflicts' in union) {
            this.report(file, [...at, 'on'], 'POLICY_INVALID', { detail: union.conflicts.join('; ') })
            return
          }
          env = envFor(union.type)
          envs.set(key, env)
        }
        const compiled = compileExpression(r.when, env, {
          ...file.expressionSource([...at, 'when']),
          expected: T.bool,
        })
        if (!compiled.ok) {
          this.extra.push(...compiled.diagnostics)
          return
        }
        const labels: LabelToSet[] = []
        ;(r.then.labels ?? []).forEach((l: { entity: string; name: string; ttl?: string }, j: number) => {
          const entity = entities.get(l.entity)
          if (!entity)
            this.report(file, [...at, 'then', 'labels', j, 'entity'], 'POLICY_REFERENCE', {
              what: 'entity',
              name: l.entity,
              hint: '',
            })
          else if (!entity.labels.includes(l.name)) {
            this.report(file, [...at, 'then', 'labels', j, 'name'], 'POLICY_REFERENCE', {
              what: `label of ${l.entity}`,
              name: l.name,
              hint: ` (declare it under labels.${l.entity} in bulwark.yaml)`,
            })
          } else
            labels.push({ entity: l.entity, name: l.name, ...(l.ttl ? { ttlMs: parseSpan(l.ttl)! } : {}) })
        })
        if (r.rollout && !entities.has(r.rollout.by))
          this.report(file, [...at, 'rollout', 'by'], 'POLICY_REFERENCE', {
            what: 'entity',
            name: r.rollout.by,
            hint: '',
          })
        const actions = readActions(
          r.then.actions,
          [...at, 'then', 'actions'],
          this.actionContext,
          (path, code, params) => this.report(file, path, code, params),
        )
        const outcome: Outcome = isOutcome(r.then.outcome) ? r.then.outcome : 'allow'
        const line = file.linePos(file.range(at)[0]).line
        out.push({
          id: r.id,
          ...(r.description ? { description: r.description } : {}),
          ...(r.area ? { area: r.area } : {}),
          mode: (r.mode ?? 'enforce') as RuleMode,
          on: new Set(types.map((t) => t.name)),
          program: compiled.program,
          outcome,
          score: r.then.score ?? 0,
          reason: r.then.reason ?? r.description ?? r.id,
          labels,
          ...(r.rollout ? { rollout: { percent: r.rollout.percent, entity: r.rollout.by } } : {}),
          ...(actions.length ? { actions } : {}),
          ...(r.safety ? { safety: { dailyCap: r.safety.daily_cap, demote: r.safety.demote } } : {}),
          location: `${file.path}:${line}`,
        })
      })
    }
    return out
  }
}

type EnvFactory = (eventType: Type, featuresType: Type, modelsType?: Type) => Environment

/** Rule ids declared in rules files (whether or not their expressions compile). */
const rulesIn = (files: readonly Parsed[]): string[] =>
  files.flatMap((p) => (p.value.rules as { id: string }[]).map((r) => r.id))

/** Feature names declared in features files. */
const featuresIn = (files: readonly Parsed[]): string[] => files.flatMap((p) => Object.keys(p.value.features))

/** Every program of a pack uses the same variables in the same slots (see FRAME_VARIABLES). */
function envFactory(listsType: Type, labelsType: Type): EnvFactory {
  const noModels = objectType('models', new Map())
  return (eventType, featuresType, models = noModels) =>
    Environment.create({
      variables: {
        event: eventType,
        features: featuresType,
        lists: listsType,
        labels: labelsType,
        models,
        now: T.timestamp,
      },
    })
}
