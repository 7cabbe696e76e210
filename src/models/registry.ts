/**
 * The model registry: versions of named models kept in the data directory, which one is the
 * champion and which the challenger, and an audit row for every change.
 *
 * - A version is a model file's content hash (sha256, 12 hex digits); registering the same bytes
 *   twice is the same version. The file is copied to `DATA/models/NAME/VERSION.EXT` and checked
 *   by loading it; its format, inputs and output size come from the loaded model, the training
 *   data reference and metrics from the model card (card.json) if one is given.
 * - Roles: `register` makes the version the challenger (or the champion, when asked or when the
 *   name has none yet and `champion` is requested); `promote` makes the challenger the champion;
 *   `rollback` restores the champion the latest promotion replaced.
 * - Every change is one synchronous=FULL transaction on the registry's own connection to the
 *   node's database (tables of migration 6), with an audit row: actor, time, roles before/after.
 *   A change can be vetted before it commits (`check`): the node reloads the serving pack's
 *   models with the proposed roles and refuses the change if they do not load.
 */

import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { BulwarkError } from '../core/errors.ts'
import { migrateSqlite } from '../store/migrations/sqlite.ts'
import type { RegistryFile, ServedModels } from './attach.ts'
import { type Comparison, compareOnLabels } from './compare.ts'
import { loadModel } from './load.ts'
import type { Model, ModelFormat } from './model.ts'

export interface ModelVersion {
  readonly name: string
  readonly version: string
  readonly format: ModelFormat
  readonly inputs: readonly string[]
  readonly textInput: boolean
  readonly outputSize: number
  readonly path: string
  /** The model card as registered (training data, holdout metrics, …), if any. */
  readonly card?: Record<string, unknown>
  /** The training data the card names (`card.data`: file, SHA-256, rows, …). */
  readonly trainingData?: unknown
  /** The card's held-out metrics (`card.holdout`: auc, pr_auc, f1, precision, recall, threshold). */
  readonly metrics?: unknown
  readonly createdBy: string
  readonly createdAt: string
}

export interface Roles {
  readonly champion: string | null
  readonly challenger: string | null
}

export interface AuditEntry {
  readonly id: number
  readonly action: 'register' | 'promote' | 'rollback'
  readonly actor: string
  readonly time: string
  readonly version: string | null
  readonly before: Roles
  readonly after: Roles
}

export interface Registration {
  readonly name: string
  /** The model file's bytes. */
  readonly content: Buffer
  readonly format?: ModelFormat
  readonly card?: Record<string, unknown>
  readonly role: 'challenger' | 'champion'
  readonly actor: string
}

/** Vets the roles a change would leave before it commits; throws to refuse the change. */
export type RoleCheck = (name: string, served: ServedModels) => Promise<void>

/** A model name: also a directory name on disk, so bounded (the HTTP schemas say 100 too). */
const NAME = /^[a-z][a-z0-9_]{0,99}$/
const EXTENSIONS: Record<ModelFormat, string> = {
  'xgboost-json': 'json',
  logreg: 'json',
  'lightgbm-text': 'txt',
  onnx: 'onnx',
}
const NO_ROLES: Roles = { champion: null, challenger: null }

const invalid = (detail: string) => new BulwarkError('MODEL_REGISTRY_INVALID', { detail })

interface VersionRow {
  name: string
  version: string
  format: string
  inputs: string
  text_input: number
  output_size: number
  path: string
  card: string | null
  created_by: string
  created_at: number
}

export class ModelRegistry {
  private readonly db: Database.Database
  private readonly dir: string
  private readonly now: () => number
  /** Serialises changes: a check awaits between reading the roles and committing new ones. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(dataDir: string, now: () => number = Date.now) {
    this.dir = join(dataDir, 'models')
    mkdirSync(this.dir, { recursive: true })
    this.db = new Database(join(dataDir, 'bulwark.db'), { timeout: 5000 })
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    migrateSqlite(this.db)
    this.now = now
  }

  close(): void {
    this.db.close()
  }

  names(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT name FROM model_versions ORDER BY name').all() as {
      name: string
    }[]
    return rows.map((r) => r.name)
  }

  roles(name: string): Roles {
    const row = this.db.prepare('SELECT champion, challenger FROM model_roles WHERE name = ?').get(name) as
      | Roles
      | undefined
    return row ? { champion: row.champion, challenger: row.challenger } : NO_ROLES
  }

  versions(name: string): ModelVersion[] {
    const rows = this.db
      .prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY created_at, version')
      .all(name) as VersionRow[]
    return rows.map(versionOf)
  }

  version(name: string, version: string): ModelVersion | undefined {
    const row = this.db
      .prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?')
      .get(name, version) as VersionRow | undefined
    return row ? versionOf(row) : undefined
  }

  audit(name: string, limit = 100): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM model_audit WHERE name = ? ORDER BY id DESC LIMIT ?')
      .all(name, limit) as {
      id: number
      action: AuditEntry['action']
      actor: string
      time: number
      version: string | null
      before: string
      after: string
    }[]
    return rows.map((r) => ({
      id: r.id,
      action: r.action,
      actor: r.actor,
      time: new Date(r.time).toISOString(),
      version: r.version,
      before: JSON.parse(r.before),
      after: JSON.parse(r.after),
    }))
  }

  /** Champion against challenger on the labelled decisions that scored the model (compare.ts). */
  compare(name: string, threshold: number): Comparison {
    return compareOnLabels(this.db, name, threshold)
  }

  /** What the registry serves now, for packs that say `registry: NAME`. */
  served(): ServedModels {
    return this.servedWith(new Map())
  }

  /** Registers a model file (checked by loading it); the new version takes the role asked for. */
  register(r: Registration, check?: RoleCheck): Promise<{ version: ModelVersion; roles: Roles }> {
    return this.serially(async () => {
      if (!NAME.test(r.name))
        throw invalid(
          `model name '${r.name.slice(0, 120)}' must be 1 to 100 lower-case letters, digits and _, starting with a letter`,
        )
      if (r.content.length === 0) throw invalid('the model file is empty')
      const version = createHash('sha256').update(r.content).digest('hex').slice(0, 12)
      const model = await this.check(r, version)
      const before = this.roles(r.name)
      const after: Roles =
        r.role === 'champion' ? { ...before, champion: version } : { ...before, challenger: version }
      const existing = this.version(r.name, version)
      const path = existing?.path ?? join(this.dir, r.name, `${version}.${EXTENSIONS[model.format]}`)
      if (!existing) {
        mkdirSync(join(this.dir, r.name), { recursive: true })
        writeFileSync(path, r.content)
      }
      const row: VersionRow = {
        name: r.name,
        version,
        format: model.format,
        inputs: JSON.stringify(model.inputs),
        text_input: model.textInput ? 1 : 0,
        output_size: model.outputSize,
        path,
        card: r.card ? JSON.stringify(r.card) : null,
        created_by: r.actor,
        created_at: this.now(),
      }
      await model.close()
      if (check) await check(r.name, this.servedWith(new Map([[r.name, { roles: after, pending: row }]])))
      this.commit(r.name, 'register', r.actor, version, before, after, existing ? undefined : row)
      return { version: this.version(r.name, version)!, roles: after }
    })
  }

  /** Makes the challenger the champion (the old champion stays a version, for rollback). */
  promote(name: string, actor: string, check?: RoleCheck): Promise<Roles> {
    return this.serially(async () => {
      const before = this.roles(name)
      if (!before.challenger)
        throw new BulwarkError('MODEL_REGISTRY_CONFLICT', {
          detail: `model '${name}' has no challenger to promote`,
        })
      const after: Roles = { champion: before.challenger, challenger: null }
      if (check) await check(name, this.servedWith(new Map([[name, { roles: after }]])))
      this.commit(name, 'promote', actor, before.challenger, before, after)
      return after
    })
  }

  /** Restores the champion that the promotion of the current champion replaced. */
  rollback(name: string, actor: string, check?: RoleCheck): Promise<Roles> {
    return this.serially(async () => {
      const before = this.roles(name)
      const promoted = this.db
        .prepare(
          `SELECT before FROM model_audit WHERE name = ? AND action = 'promote'
           AND json_extract(after, '$.champion') = ? ORDER BY id DESC LIMIT 1`,
        )
        .get(name, before.champion) as { before: string } | undefined
      const previous = promoted ? (JSON.parse(promoted.before) as Roles).champion : null
      if (!before.champion || !previous)
        throw new BulwarkError('MODEL_REGISTRY_CONFLICT', {
          detail: `model '${name}' has no earlier champion to roll back to`,
        })
      const after: Roles = { champion: previous, challenger: before.challenger }
      if (check) await check(name, this.servedWith(new Map([[name, { roles: after }]])))
      this.commit(name, 'rollback', actor, previous, before, after)
      return after
    })
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return run
  }

  /** Loads the file (from a private temporary copy) to learn and check what it is. */
  private async check(r: Registration, version: string): Promise<Model> {
    const tmp = join(this.dir, `.incoming-${version}-${process.pid}`)
    const ext = r.format ? EXTENSIONS[r.format] : guessExtension(r.content)
    const path = `${tmp}.${ext}`
    writeFileSync(path, r.content)
    try {
      return await loadModel(path, r.format)
    } catch (e) {
      throw invalid(`the model file does not load: ${(e as Error).message}`)
    } finally {
      rmSync(path, { force: true })
    }
  }

  private commit(
    name: string,
    action: AuditEntry['action'],
    actor: string,
    version: string | null,
    before: Roles,
    after: Roles,
    row?: VersionRow,
  ): void {
    const now = this.now()
    this.db.transaction(() => {
      if (row)
        this.db
          .prepare(
            `INSERT INTO model_versions (name, version, format, inputs, text_input, output_size, path, card, created_by, created_at)
             VALUES (@name, @version, @format, @inputs, @text_input, @output_size, @path, @card, @created_by, @created_at)`,
          )
          .run(row)
      this.db
        .prepare(
          `INSERT INTO model_roles (name, champion, challenger, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET champion = excluded.champion, challenger = excluded.challenger, updated_at = excluded.updated_at`,
        )
        .run(name, after.champion, after.challenger, now)
      this.db
        .prepare(
          'INSERT INTO model_audit (name, action, actor, time, version, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(name, action, actor, now, version, JSON.stringify(before), JSON.stringify(after))
    })()
  }

  /** The served files, with some names' roles replaced by proposed ones (and a version not yet stored). */
  private servedWith(proposed: Map<string, { roles: Roles; pending?: VersionRow }>): ServedModels {
    return {
      served: (name) => {
        const p = proposed.get(name)
        const roles = p?.roles ?? this.roles(name)
        const file = (version: string | null): RegistryFile | undefined => {
          if (!version) return undefined
          const v = p?.pending?.version === version ? versionOf(p.pending) : this.version(name, version)
          return v ? { path: v.path, version: v.version, format: v.format } : undefined
        }
        const champion = file(roles.champion)
        const challenger = file(roles.challenger)
        return { ...(champion ? { champion } : {}), ...(challenger ? { challenger } : {}) }
      },
    }
  }
}

/** The extension loadModel detects a format from: JSON and LightGBM text by content, else ONNX. */
function guessExtension(content: Buffer): string {
  const head = content.subarray(0, 64).toString('utf8').trimStart()
  if (head.startsWith('{')) return 'json'
  if (/^(tree|version=v\d)/.test(head)) return 'txt'
  return 'onnx'
}

function versionOf(r: VersionRow): ModelVersion {
  const card = r.card ? (JSON.parse(r.card) as Record<string, unknown>) : undefined
  return {
    name: r.name,
    version: r.version,
    format: r.format as ModelFormat,
    inputs: JSON.parse(r.inputs),
    textInput: r.text_input === 1,
    outputSize: r.output_size,
    path: r.path,
    ...(card ? { card } : {}),
    ...(card?.data !== undefined ? { trainingData: card.data } : {}),
    ...(card?.holdout !== undefined ? { metrics: card.holdout } : {}),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  }
}
