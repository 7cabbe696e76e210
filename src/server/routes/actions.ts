/**
 * Enforcement over HTTP: the outbox (GET /v1/actions, GET /v1/actions/:id, replay one or every
 * dead action), the safety switches (GET/PUT /v1/enforcement/settings), guard alerts and the
 * enforcement audit trail. Routes parse, call the node's enforcement, and present.
 */

import type { FastifyInstance } from 'fastify'
import { ACTION_STATUSES, type ActionRecord } from '../../enforcement/types.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'

const iso = (ms: number) => new Date(ms).toISOString()

const actionSchema = {
  type: 'object',
  description: 'One action in the outbox (docs/enforcement.md).',
  properties: {
    id: { type: 'string', description: 'Also the Idempotency-Key of its webhook.' },
    kind: { type: 'string', enum: ['webhook', 'list_add', 'label', 'strike', 'review', 'throttle'] },
    status: { type: 'string', enum: [...ACTION_STATUSES] },
    entity: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } },
    rules: { type: 'array', items: { type: 'string' } },
    cause: {
      type: 'object',
      properties: { kind: { type: 'string' }, id: { type: 'string' }, decisionId: { type: 'string' } },
    },
    params: { type: 'object', additionalProperties: true },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    lastError: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const

const settingsSchema = {
  type: 'object',
  properties: {
    killSwitch: {
      type: 'boolean',
      description: 'Nothing is executed; new actions are recorded as suppressed.',
    },
    dryRun: {
      type: 'array',
      items: { type: 'string', enum: ['webhook', 'list_add', 'label', 'strike', 'review', 'throttle'] },
      description: 'Action kinds recorded as dry_run instead of executed.',
    },
    demotedRules: {
      type: 'array',
      items: { type: 'string' },
      description: 'Rules the anomaly guard demoted to shadow; PUT a list without one to restore it.',
    },
  },
} as const

function present(a: ActionRecord) {
  return {
    ...a,
    nextAttemptAt: iso(a.nextAttemptAt),
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  }
}

export function registerActions(app: FastifyInstance, node: BulwarkNode): void {
  const enf = node.enforcement
  const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const

  app.get(
    '/v1/actions',
    {
      schema: {
        summary: 'Actions in the outbox, newest first (or oldest first for one status)',
        tags: ['enforcement'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...ACTION_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: { type: 'object', properties: { actions: { type: 'array', items: actionSchema } } },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const q = req.query as { status?: string; limit: number }
      return { actions: (await enf.actions(q.status, q.limit)).map(present) }
    },
  )

  app.get(
    '/v1/actions/:id',
    {
      schema: {
        summary: 'One action',
        tags: ['enforcement'],
        params: idParams,
        response: { 200: actionSchema, ...errors(401, 404) },
      },
    },
    async (req) => present(await enf.action((req.params as { id: string }).id)),
  )

  app.post(
    '/v1/actions/:id/replay',
    {
      schema: {
        summary: 'Send an action again (dead, capped, dry_run, suppressed or skipped → pending); audited',
        tags: ['enforcement'],
        params: idParams,
        response: { 200: actionSchema, ...errors(401, 404, 409) },
      },
    },
    async (req) => present(await enf.replay((req.params as { id: string }).id, 'api')),
  )

  app.post(
    '/v1/actions/replay',
    {
      schema: {
        summary: 'Send every dead action again; audited',
        tags: ['enforcement'],
        response: { 200: { type: 'object', properties: { replayed: { type: 'integer' } } }, ...errors(401) },
      },
    },
    async () => ({ replayed: await enf.replayDead('api') }),
  )

  app.get(
    '/v1/enforcement/settings',
    {
      schema: {
        summary: 'The kill switch, dry-run kinds and demoted rules',
        tags: ['enforcement'],
        response: { 200: settingsSchema, ...errors(401) },
      },
    },
    async () => enf.settings(),
  )

  app.put(
    '/v1/enforcement/settings',
    {
      schema: {
        summary: 'Change the kill switch, dry-run kinds, or restore demoted rules; audited',
        tags: ['enforcement'],
        body: { ...settingsSchema, additionalProperties: false },
        response: { 200: settingsSchema, ...errors(400, 401) },
      },
    },
    async (req) => enf.updateSettings(req.body as Record<string, unknown>, 'api'),
  )

  app.get(
    '/v1/enforcement/alerts',
    {
      schema: {
        summary: 'Rule anomaly guard alerts since the server started (the audit keeps them all)',
        tags: ['enforcement'],
        response: {
          200: {
            type: 'object',
            properties: {
              alerts: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    rule: { type: 'string' },
                    hour: { type: 'string', format: 'date-time' },
                    hits: { type: 'integer' },
                    decisions: { type: 'integer' },
                    rate: { type: 'number' },
                    baselineRate: { type: 'number' },
                    z: { type: 'number' },
                    demoted: { type: 'boolean' },
                    time: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => ({
      alerts: enf.alerts().map((a) => ({ ...a, hour: iso(a.hour), time: iso(a.time) })),
    }),
  )

  app.get(
    '/v1/enforcement/audit',
    {
      schema: {
        summary: 'Enforcement audit trail, newest first: setting changes, replays, alerts, demotions',
        tags: ['enforcement'],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              audit: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    time: { type: 'string', format: 'date-time' },
                    actor: { type: 'string' },
                    change: { type: 'string' },
                    detail: { type: 'object', additionalProperties: true },
                  },
                },
              },
            },
          },
          ...errors(400, 401),
        },
      },
    },
    async (req) => ({
      audit: (await enf.audit((req.query as { limit: number }).limit)).map((a) => ({
        ...a,
        time: iso(a.time),
      })),
    }),
  )
}
