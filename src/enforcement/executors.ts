/**
 * The built-in executors: webhook (signed delivery to a configured destination), list_add,
 * label (set or clear, with TTL) and strike (counts toward a ladder; reaching a step sets the
 * step's label and emits its actions). Each is safe to run twice: list and label writes are
 * upserts, ladder step actions have ids derived from the strike, webhooks carry the action id
 * as `Idempotency-Key`. `review` is registered by the review service (registerExecutor).
 */

import type { LabelOp } from '../store/repository.ts'
import { stepsCrossed } from './ladders.ts'
import type { Enforcement } from './service.ts'
import type { ExecutionResult, Executor } from './types.ts'
import type { ActionRow } from './types-store.ts'
import { deliver } from './webhook.ts'

/** The JSON body a receiver gets for an action (stable across retries). */
export function webhookBody(a: ActionRow): string {
  const { destination: _d, event, ...params } = a.params
  return JSON.stringify({
    id: a.id,
    type: event === 'reversal' ? 'reversal' : 'action',
    decisionId: a.cause.decisionId ?? null,
    eventId: a.cause.kind === 'decision' ? a.cause.id : (a.cause.decisionId ?? null),
    cause: a.cause,
    entity: a.entity,
    action: { kind: a.kind, params },
    rules: a.rules,
    time: new Date(a.createdAt).toISOString(),
  })
}

export function builtinExecutors(enf: Enforcement): Record<string, Executor> {
  /** Strikes on one entity run one at a time, so two never see the same total and cross a step twice. */
  const strikeChains = new Map<string, Promise<unknown>>()
  const serialised = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (strikeChains.get(key) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => undefined)
    strikeChains.set(key, tail)
    void tail.then(() => {
      if (strikeChains.get(key) === tail) strikeChains.delete(key)
    })
    return run
  }
  return {
    async webhook(a) {
      const name = String(a.params.destination ?? 'default')
      const dest = enf.config.destinations.get(name)
      if (!dest) return { skipped: `no destination '${name}' configured` }
      return deliver(dest, a.id, webhookBody(a), enf.now())
    },

    async list_add(a) {
      const engine = enf.attachedEngine
      const list = String(a.params.list)
      const kind = engine.lists.kind(list)
      if (!kind) return { ok: false, retry: false, error: `the serving pack has no list '${list}'` }
      if (typeof a.params.value !== 'string') return { ok: false, retry: false, error: 'no value to add' }
      const now = enf.now()
      const ttl = a.params.ttlMs
      const entry = {
        list,
        value: a.params.value,
        ...(typeof ttl === 'number' ? { expiresAt: a.createdAt + ttl } : {}),
        source: `action:${a.id}`,
        addedAt: now,
      }
      await enf.store.addListEntries([entry])
      engine.lists.add([entry], now)
      return { ok: true }
    },

    async label(a) {
      const engine = enf.attachedEngine
      const now = enf.now()
      const ttl = a.params.ttlMs
      const op: LabelOp = a.params.clear
        ? { op: 'clear', entity: a.entity, name: String(a.params.name), source: `action:${a.id}`, time: now }
        : {
            op: 'set',
            entity: a.entity,
            name: String(a.params.name),
            ...(typeof ttl === 'number' ? { expiresAt: a.createdAt + ttl } : {}),
            source: `action:${a.id}`,
            time: now,
          }
      await enf.store.applyLabelOps([op])
      engine.labels.apply(op)
      return { ok: true }
    },

    /**
     * Counts the strike (it is in force once this action is done) and, when it crosses a step,
     * sets the step's label and enqueues the step's actions before reporting success.
     */
    strike: (a) => serialised(`${a.entity.type}\u0000${a.entity.id}`, () => strike(a)),
  }

  async function strike(a: ActionRow): Promise<ExecutionResult> {
    {
      const engine = enf.attachedEngine
      const ladderName = String(a.params.ladder)
      const ladder = engine.pack.enforcement?.ladders.get(ladderName)
      if (!ladder) return { ok: false, retry: false, error: `the serving pack has no ladder '${ladderName}'` }
      const weight = Number(a.params.weight)
      const now = enf.now()
      const before = await enf.strikeTotal(a.entity, ladderName, now)
      const crossed = stepsCrossed(ladder, before, before + weight)
      const step = crossed.at(-1)
      if (step) {
        const op: LabelOp = {
          op: 'set',
          entity: a.entity,
          name: step.do,
          ...(step.forMs ? { expiresAt: now + step.forMs } : {}),
          source: `ladder:${ladderName}`,
          time: now,
        }
        await enf.store.applyLabelOps([op])
        engine.labels.apply(op)
        await enf.applyActions({
          entity: a.entity,
          actions: [...step.actions],
          cause: {
            kind: 'ladder',
            id: a.id,
            ...(a.cause.decisionId ? { decisionId: a.cause.decisionId } : {}),
          },
          ids: step.actions.map((_, i) => `${a.id}.step${step.at}.${i}`),
          params: step.actions.map(() => ({ ladder: ladderName, step: step.do })),
        })
      }
      // Counted from now on: the next strike on this entity (queued behind this one) sees it.
      await enf.write({
        update: [{ id: a.id, status: 'done', attempts: a.attempts + 1, nextAttemptAt: now, updatedAt: now }],
      })
      return { ok: true }
    }
  }
}
