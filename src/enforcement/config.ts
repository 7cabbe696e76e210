/**
 * Enforcement configuration on the server (not in the pack: URLs and secrets differ per
 * deployment): webhook destinations, outbox timing and the initial safety settings. From a file
 * (`bulwark serve --config FILE`, YAML or JSON) and/or the environment (`BULWARK_WEBHOOK_URL`
 * and `BULWARK_WEBHOOK_SECRET` define the `default` destination when the file does not).
 *
 *   destinations:
 *     default: { url: https://platform.example/hooks/bulwark, secret: "…", timeout_ms: 5000 }
 *   outbox: { max_attempts: 8, base_delay_ms: 1000, max_delay_ms: 300000, poll_ms: 500 }
 *   safety: { kill_switch: false, dry_run: [list_add] }
 *   retention: { actions: 30d }      # finished actions kept this long (retention.ts); `off`: forever
 */

import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { BulwarkError } from '../core/errors.ts'
import { type ActionRetention, readRetention } from './retention.ts'
import { ACTION_KINDS, type ActionKind } from './types.ts'
import type { Destination } from './webhook.ts'

export interface OutboxTiming {
  /** Attempts before an action is dead-lettered. */
  readonly maxAttempts: number
  /** Backoff before attempt n+1: min(max, base·2^(n-1)), with equal jitter. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** How often the worker looks for due actions when nothing woke it. */
  readonly pollMs: number
}

/** Operator switches (API: GET/PUT /v1/enforcement/settings); every change is audited. */
export interface SafetySettings {
  /** Nothing is executed: new actions are recorded as suppressed, pending ones wait. */
  readonly killSwitch: boolean
  /** Kinds recorded as dry_run instead of executed. */
  readonly dryRun: readonly ActionKind[]
}

export interface EnforcementConfig {
  readonly destinations: ReadonlyMap<string, Destination>
  readonly outbox: OutboxTiming
  /** Settings used until an operator changes them through the API (those are kept). */
  readonly safety: SafetySettings
  /** How long finished actions are kept (retention.ts). */
  readonly retention: ActionRetention
}

export const DEFAULT_OUTBOX: OutboxTiming = {
  maxAttempts: 8,
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  pollMs: 500,
}

export const DEFAULT_SAFETY: SafetySettings = { killSwitch: false, dryRun: [] }

function invalid(where: string, detail: string): never {
  throw new BulwarkError('ENFORCEMENT_CONFIG', { where, detail })
}

function positive(v: unknown, where: string, fallback: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) invalid(where, 'must be a positive number')
  return v
}

/** Checks the safety switches (from a file or the API). */
export function readSafety(
  raw: unknown,
  where: string,
  base: SafetySettings = DEFAULT_SAFETY,
): SafetySettings {
  if (raw === undefined || raw === null) return base
  if (typeof raw !== 'object') invalid(where, 'must be an object')
  const r = raw as { kill_switch?: unknown; killSwitch?: unknown; dry_run?: unknown; dryRun?: unknown }
  const kill = r.killSwitch ?? r.kill_switch
  if (kill !== undefined && typeof kill !== 'boolean') invalid(`${where}.killSwitch`, 'must be true or false')
  const dry = r.dryRun ?? r.dry_run
  if (dry !== undefined) {
    if (!Array.isArray(dry)) invalid(`${where}.dryRun`, 'must be a list of action kinds')
    for (const k of dry)
      if (!(ACTION_KINDS as readonly unknown[]).includes(k))
        invalid(`${where}.dryRun`, `'${String(k)}' is not an action kind (${ACTION_KINDS.join(', ')})`)
  }
  return {
    killSwitch: (kill as boolean | undefined) ?? base.killSwitch,
    dryRun: (dry as ActionKind[] | undefined) ?? base.dryRun,
  }
}

/** Builds the configuration from a parsed file (or nothing) and the environment. */
export function enforcementConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = {},
  where = 'config',
): EnforcementConfig {
  const r = (raw ?? {}) as Record<string, any>
  if (typeof r !== 'object' || Array.isArray(r)) invalid(where, 'must be a mapping')
  const destinations = new Map<string, Destination>()
  for (const [name, d] of Object.entries((r.destinations ?? {}) as Record<string, any>)) {
    const at = `${where}: destinations.${name}`
    if (typeof d?.url !== 'string' || !/^https?:\/\//.test(d.url)) invalid(at, 'url must be an http(s) URL')
    if (typeof d.secret !== 'string' || d.secret.length < 16)
      invalid(at, 'secret must be at least 16 characters')
    destinations.set(name, {
      name,
      url: d.url,
      secret: d.secret,
      timeoutMs: positive(d.timeout_ms, `${at}.timeout_ms`, 5000),
    })
  }
  if (!destinations.has('default') && env.BULWARK_WEBHOOK_URL) {
    const url = env.BULWARK_WEBHOOK_URL
    const secret = env.BULWARK_WEBHOOK_SECRET ?? ''
    if (!/^https?:\/\//.test(url)) invalid('BULWARK_WEBHOOK_URL', 'must be an http(s) URL')
    if (secret.length < 16) invalid('BULWARK_WEBHOOK_SECRET', 'must be set, at least 16 characters')
    destinations.set('default', { name: 'default', url, secret, timeoutMs: 5000 })
  }
  const o = (r.outbox ?? {}) as Record<string, unknown>
  const outbox: OutboxTiming = {
    maxAttempts: positive(o.max_attempts, `${where}: outbox.max_attempts`, DEFAULT_OUTBOX.maxAttempts),
    baseDelayMs: positive(o.base_delay_ms, `${where}: outbox.base_delay_ms`, DEFAULT_OUTBOX.baseDelayMs),
    maxDelayMs: positive(o.max_delay_ms, `${where}: outbox.max_delay_ms`, DEFAULT_OUTBOX.maxDelayMs),
    pollMs: positive(o.poll_ms, `${where}: outbox.poll_ms`, DEFAULT_OUTBOX.pollMs),
  }
  return {
    destinations,
    outbox,
    safety: readSafety(r.safety, `${where}: safety`),
    retention: readRetention(r.retention, `${where}: retention`),
  }
}

/** Reads a config file (YAML or JSON) and the environment. */
export function loadEnforcementConfig(path: string | undefined, env: NodeJS.ProcessEnv): EnforcementConfig {
  if (path === undefined) return enforcementConfig(undefined, env)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    invalid(path, (e as Error).message)
  }
  let raw: unknown
  try {
    raw = parse(text)
  } catch (e) {
    invalid(path, (e as Error).message)
  }
  return enforcementConfig(raw, env, path)
}
