/**
 * Operating models on a node: the registry, the monitor, and how registry changes reach the
 * serving pack. A pack's model.yaml that says `registry: NAME` serves the registry's champion of
 * NAME (and its challenger beside it). Registering, promoting or rolling back first reloads the
 * serving pack's models with the proposed roles — all or nothing, like a pack reload — and only
 * if they load is the change committed and the new pack swapped in; otherwise nothing changes
 * (MODEL_REJECTED, with the diagnostics).
 */

import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BulwarkError } from '../core/errors.ts'
import { diagnosticsDetails } from '../lang/diagnostics.ts'
import type { Pack } from '../policy/pack.ts'
import { type AttachOptions, attachModels, type ServedModels } from './attach.ts'
import type { Comparison } from './compare.ts'
import { ModelMonitor, type MonitorReport, type WatchSnapshot } from './monitor.ts'
import {
  type AuditEntry,
  ModelRegistry,
  type ModelVersion,
  type Registration,
  type Roles,
} from './registry.ts'
import type { ServingInfo } from './stage.ts'

export interface ServingPack {
  readonly pack: () => Pack
  readonly use: (pack: Pack) => void
}

export interface ModelSummary {
  readonly name: string
  readonly champion: string | null
  readonly challenger: string | null
  readonly versions: number
  /** Declared by the serving pack (a file of the pack or `registry: NAME`). */
  readonly inPack: boolean
  /** What the serving pack serves under this name: source, mode, versions, whether it is scored. */
  readonly serving?: ServingInfo
  readonly drifting: boolean
}

export interface ModelDetail extends ModelSummary {
  readonly versionList: readonly ModelVersion[]
  readonly audit: readonly AuditEntry[]
  readonly monitor?: MonitorReport
  readonly comparison: Comparison
}

export class ModelOps {
  readonly monitor = new ModelMonitor()
  readonly registry: ModelRegistry
  private serving: ServingPack | undefined

  /** Where the monitor's watches are saved across restarts (saveMonitors). */
  private readonly monitorsPath: string

  constructor(dataDir: string, now: () => number = Date.now) {
    this.registry = new ModelRegistry(dataDir, now)
    this.monitorsPath = join(dataDir, 'model-monitors.json')
    this.monitor.restore(readMonitors(this.monitorsPath))
  }

  /**
   * Saves the monitor's watches (counts, histograms, reference and current windows) so that a
   * restart takes them up again; written whole to a temporary file, then renamed over the old.
   */
  saveMonitors(): void {
    const snapshots = this.monitor.snapshot()
    if (snapshots.length === 0) return
    const tmp = `${this.monitorsPath}.tmp`
    writeFileSync(tmp, JSON.stringify({ version: 1, watches: snapshots }))
    renameSync(tmp, this.monitorsPath)
  }

  /** Options for loading a pack's models on this node. */
  attachOptions(): AttachOptions {
    return { monitor: this.monitor, registry: this.registry.served() }
  }

  /** The engine whose pack registry changes reload. */
  serve(serving: ServingPack): void {
    this.serving = serving
  }

  close(): void {
    this.registry.close()
  }

  list(): ModelSummary[] {
    const pack = this.serving?.pack()
    const names = new Set([...this.registry.names(), ...(pack?.models ?? []).map((d) => d.name)])
    return [...names].sort().map((n) => this.summary(n))
  }

  detail(name: string): ModelDetail {
    const summary = this.summary(name)
    if (!summary.inPack && summary.versions === 0)
      throw new BulwarkError('NOT_FOUND', { what: `model '${name}'` })
    const report = this.monitor.report(name)
    const threshold = this.serving?.pack().models?.find((d) => d.name === name)?.threshold ?? 0.5
    return {
      ...summary,
      versionList: this.registry.versions(name),
      audit: this.registry.audit(name),
      ...(report ? { monitor: report } : {}),
      comparison: this.registry.compare(name, threshold),
    }
  }

  monitorReport(name: string): MonitorReport {
    const report = this.monitor.report(name)
    if (!report)
      throw new BulwarkError('NOT_FOUND', { what: `monitored model '${name}' (it has scored no event yet)` })
    return report
  }

  async register(r: Registration): Promise<{ version: ModelVersion; roles: Roles }> {
    return this.change(r.name, (check) => this.registry.register(r, check))
  }

  async promote(name: string, actor: string): Promise<Roles> {
    this.known(name)
    return this.change(name, (check) => this.registry.promote(name, actor, check))
  }

  async rollback(name: string, actor: string): Promise<Roles> {
    this.known(name)
    return this.change(name, (check) => this.registry.rollback(name, actor, check))
  }

  /**
   * A registry change: its check reloads the serving pack's models with the proposed roles; once
   * committed the reloaded pack is swapped in (the engine releases the old pack's models). A pack
   * reloaded for a change that then failed to commit is never served: its models are released.
   */
  private async change<T>(
    name: string,
    commit: (check: (_: string, served: ServedModels) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    let next: Pack | undefined
    let out: T
    try {
      out = await commit(async (_, served) => {
        next = await this.reload(name, served)
      })
    } catch (e) {
      await (next as Pack | undefined)?.modelStage?.retire()
      throw e
    }
    if (next) this.serving?.use(next)
    return out
  }

  private known(name: string): void {
    if (this.registry.versions(name).length === 0)
      throw new BulwarkError('NOT_FOUND', { what: `model '${name}' in the registry` })
  }

  private summary(name: string): ModelSummary {
    const roles = this.registry.roles(name)
    const pack = this.serving?.pack()
    const info = pack?.modelStage?.serving.get(name)
    return {
      name,
      champion: roles.champion,
      challenger: roles.challenger,
      versions: this.registry.versions(name).length,
      inPack: (pack?.models ?? []).some((d) => d.name === name),
      ...(info ? { serving: info } : {}),
      drifting: this.monitor.report(name)?.drifting ?? false,
    }
  }

  /**
   * The serving pack with its models loaded against the proposed registry roles, when it serves
   * this name from the registry; undefined when it does not (nothing to reload).
   */
  private async reload(name: string, served: ServedModels): Promise<Pack | undefined> {
    const pack = this.serving?.pack()
    if (!pack?.models?.some((d) => d.source.kind === 'registry' && d.source.name === name)) return undefined
    const r = await attachModels(pack, { monitor: this.monitor, registry: served })
    if (!r.ok)
      throw new BulwarkError(
        'MODEL_REJECTED',
        { count: r.diagnostics.length },
        diagnosticsDetails(r.diagnostics),
      )
    return r.pack
  }
}

/**
 * The saved watches, or none: a missing file is a first start, and a damaged one (a crash cannot
 * tear it — it is replaced by rename — but a disk can) only costs the monitor its history, so it
 * is reported on standard error and the node starts with fresh watches.
 */
function readMonitors(path: string): WatchSnapshot[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  try {
    const saved = JSON.parse(text) as { version?: unknown; watches?: unknown }
    if (saved.version === 1 && Array.isArray(saved.watches)) return saved.watches as WatchSnapshot[]
  } catch {}
  process.stderr.write(`${path}: not a saved model monitor; model monitors start afresh\n`)
  return []
}
