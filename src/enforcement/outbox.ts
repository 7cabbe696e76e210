/**
 * The outbox worker: carries out pending actions at least once. It reads due actions from
 * storage (so a restart, even after `kill -9`, resumes exactly what is pending) — rows a decision
 * has just recorded are handed over from memory instead (offer) — runs each through its
 * executor, and records the outcome durably before forgetting it:
 *
 *   ok → done · skipped → skipped · failure → pending again after a backoff (min(max,
 *   base·2^(attempts−1)), equal jitter: half fixed, half random) · `maxAttempts` failures or a
 *   final failure (e.g. HTTP 4xx) → dead (replayable through the API).
 *
 * An action whose kind has no executor yet (e.g. `review` before the review service registers
 * one) stays pending, checked again later, with the reason in last_error; it is never lost.
 * A crash after an action was carried out but before its status was written repeats it at the
 * next start: receivers deduplicate on the `Idempotency-Key` (the action id).
 */

import type { OutboxTiming } from './config.ts'
import type { ExecutionResult, Executor } from './types.ts'
import type { ActionRow, ActionUpdate } from './types-store.ts'

export interface OutboxDeps {
  readonly timing: () => OutboxTiming
  readonly now: () => number
  readonly paused: () => boolean
  /**
   * Pending actions due at `now`. `current` false: the storage may answer from a moment ago (a
   * periodic look); true after a kick, when what woke the outbox must be found.
   */
  readonly due: (now: number, limit: number, current: boolean) => Promise<ActionRow[]>
  readonly executor: (kind: string) => Executor | undefined
  readonly update: (u: ActionUpdate) => Promise<void>
  readonly onResult?: (action: ActionRow, status: string, result: ExecutionResult | undefined) => void
  readonly random?: () => number
}

const BATCH = 64

export function backoffMs(attempts: number, timing: OutboxTiming, random: () => number): number {
  const full = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** Math.max(0, attempts - 1))
  return Math.round(full / 2 + (random() * full) / 2)
}

export class Outbox {
  private readonly inflight = new Map<string, Promise<void>>()
  private timer: NodeJS.Timeout | undefined = undefined
  private running = false
  private again = false
  private stopped = true
  /** Kicked since the last read: the next read must see every acknowledged write. */
  private kicked = false
  private readonly random: () => number
  private readonly deps: OutboxDeps

  constructor(deps: OutboxDeps) {
    this.deps = deps
    this.random = deps.random ?? Math.random
  }

  start(): void {
    this.stopped = false
    this.kick()
  }

  /** Look for due actions now. */
  kick(): void {
    if (this.stopped) return
    this.kicked = true
    if (this.running) {
      this.again = true
      return
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.tick(), 0)
    this.timer.unref()
  }

  /**
   * Rows just inserted durably (a decision's, or applyActions' with fresh ids — never rows whose
   * insert may have been ignored as a repeat): the pending ones start now, from memory, without
   * a storage read (a current read first waits for the ingest worker to apply the journal, which
   * cut its batches short under load). What cannot start now (kill switch, batch full) is left
   * to the next read, which finds it in storage like everything else pending.
   */
  offer(rows: readonly ActionRow[]): void {
    if (this.stopped) return
    let left = false
    for (const r of rows) {
      if (r.status !== 'pending' || this.inflight.has(r.id)) continue
      if (this.deps.paused() || this.inflight.size >= BATCH) left = true
      else this.launch(r)
    }
    if (left) this.kick()
  }

  /** Stops taking actions; waits for those in flight (their status is written). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await Promise.allSettled([...this.inflight.values()])
  }

  get inFlight(): number {
    return this.inflight.size
  }

  /** One pass: everything due now (in batches); then sleep until the next poll or kick. */
  async tick(): Promise<void> {
    if (this.stopped) return
    this.running = true
    this.timer = undefined
    try {
      do {
        this.again = false
        if (this.deps.paused()) break
        // A periodic look need not wait for the latest writes: an action leaves `inflight` only
        // once its status write is in storage, so a slightly old answer never runs one twice;
        // what it lacks, the next look (or the offer that recorded it) starts.
        const current = this.kicked
        this.kicked = false
        const rows = await this.deps.due(this.deps.now(), BATCH + this.inflight.size, current)
        const fresh = rows.filter((r) => !this.inflight.has(r.id))
        for (const r of fresh) this.launch(r)
        if (fresh.length >= BATCH) this.again = true
        // With the batch full, wait for some to settle before reading the next.
        if (this.inflight.size >= BATCH) await Promise.race(this.inflight.values())
      } while (this.again && !this.stopped)
    } catch {
      // Storage unavailable for a moment: the next poll tries again.
    } finally {
      this.running = false
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.deps.timing().pollMs)
      this.timer.unref()
    }
  }

  private launch(action: ActionRow): void {
    const p = this.run(action).finally(() => {
      this.inflight.delete(action.id)
      // A slot freed while more may be due.
      if (this.inflight.size === BATCH - 1) this.kick()
    })
    this.inflight.set(action.id, p)
  }

  private async run(action: ActionRow): Promise<void> {
    const now = () => this.deps.now()
    const executor = this.deps.executor(action.kind)
    const timing = this.deps.timing()
    if (!executor) {
      await this.write(action, {
        id: action.id,
        status: 'pending',
        attempts: action.attempts,
        nextAttemptAt: now() + timing.pollMs * 10,
        lastError: `no executor registered for '${action.kind}' yet; waiting`,
        updatedAt: now(),
      })
      return
    }
    let result: ExecutionResult | undefined
    try {
      result = (await executor(action)) ?? { ok: true }
    } catch (e) {
      result = { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) }
    }
    const attempts = action.attempts + 1
    let u: ActionUpdate
    if ('skipped' in result) {
      u = {
        id: action.id,
        status: 'skipped',
        attempts,
        nextAttemptAt: now(),
        lastError: result.skipped,
        updatedAt: now(),
      }
    } else if (result.ok) {
      u = { id: action.id, status: 'done', attempts, nextAttemptAt: now(), updatedAt: now() }
    } else if (!result.retry || attempts >= timing.maxAttempts) {
      u = {
        id: action.id,
        status: 'dead',
        attempts,
        nextAttemptAt: now(),
        lastError: result.error,
        updatedAt: now(),
      }
    } else {
      u = {
        id: action.id,
        status: 'pending',
        attempts,
        nextAttemptAt: now() + backoffMs(attempts, timing, this.random),
        lastError: result.error,
        updatedAt: now(),
      }
    }
    await this.write(action, u, result)
  }

  private async write(action: ActionRow, u: ActionUpdate, result?: ExecutionResult): Promise<void> {
    try {
      await this.deps.update(u)
      this.deps.onResult?.(action, u.status, result)
    } catch {
      // Not recorded: the action stays as it was stored and is tried again (at least once).
    }
  }
}
