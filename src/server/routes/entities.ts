/**
 * Entities and their labels: GET /v1/entities/:type/:id (current feature values kept per the
 * entity, labels in force, recent decisions), PUT and DELETE /v1/entities/:type/:id/labels/:name.
 * Ids of entities whose field is PII are given raw and looked up by their pseudonym.
 */

import type { FastifyInstance } from 'fastify'
import type { BulwarkNode } from '../../service/node.ts'
import { decisionSchema, errors } from '../schemas.ts'
import { ttlOf } from '../ttl.ts'

const labelSchema = {
  type: 'object',
  properties: {
    entity: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } },
    name: { type: 'string' },
    expiresAt: { type: 'string' },
    source: { type: 'string' },
    setAt: { type: 'string' },
  },
} as const

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString())

export function registerEntities(app: FastifyInstance, node: BulwarkNode): void {
  const params = {
    type: 'object',
    properties: { type: { type: 'string' }, id: { type: 'string' } },
    required: ['type', 'id'],
  } as const

  app.get(
    '/v1/entities/:type/:id',
    {
      schema: {
        summary: 'An entity: its features, labels and recent decisions',
        tags: ['entities'],
        params,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              type: { type: 'string' },
              id: { type: 'string', description: 'As stored (a pseudonym when the field is PII).' },
              features: { type: 'object', additionalProperties: true },
              labels: { type: 'array', items: labelSchema },
              decisions: { type: 'array', items: decisionSchema },
              ladders: {
                type: 'array',
                description:
                  "Escalation ladders of the entity's type: strikes in force and the step reached.",
                items: {
                  type: 'object',
                  properties: {
                    ladder: { type: 'string' },
                    strikes: { type: 'number' },
                    step: { type: ['string', 'null'] },
                    nextStepAt: { type: ['number', 'null'] },
                  },
                },
              },
            },
          },
          ...errors(401, 404),
        },
      },
    },
    async (req) => {
      const { type, id } = req.params as { type: string; id: string }
      const { limit } = req.query as { limit: number }
      const e = await node.entity(type, id, limit)
      return {
        ...e,
        labels: e.labels.map((l) => ({ ...l, expiresAt: iso(l.expiresAt), setAt: iso(l.setAt) })),
        decisions: e.decisions.map((d) => d.decision),
        ladders: await node.enforcement.ladderStatus({ type, id: e.id }),
      }
    },
  )

  app.put(
    '/v1/entities/:type/:id/labels/:name',
    {
      schema: {
        summary: 'Set a label on an entity',
        tags: ['entities'],
        params: {
          ...params,
          properties: { ...params.properties, name: { type: 'string' } },
          required: ['type', 'id', 'name'],
        },
        body: {
          type: 'object',
          properties: {
            ttl: { type: 'string', pattern: '^[0-9]+(s|m|h|d)$' },
            source: { type: 'string', maxLength: 200 },
          },
        },
        response: { 200: labelSchema, ...errors(400, 401, 404) },
      },
    },
    async (req) => {
      const { type, id, name } = req.params as { type: string; id: string; name: string }
      const body = (req.body ?? {}) as { ttl?: string; source?: string }
      const ttl = ttlOf(body.ttl)
      const l = await node.setLabel(type, id, name, ttl, body.source ?? 'api')
      return { ...l, expiresAt: iso(l.expiresAt), setAt: iso(l.setAt) }
    },
  )

  app.delete(
    '/v1/entities/:type/:id/labels/:name',
    {
      schema: {
        summary: 'Clear a label from an entity',
        tags: ['entities'],
        params: {
          ...params,
          properties: { ...params.properties, name: { type: 'string' } },
          required: ['type', 'id', 'name'],
        },
        response: { 204: { type: 'null' }, ...errors(400, 401, 404) },
      },
    },
    async (req, reply) => {
      const { type, id, name } = req.params as { type: string; id: string; name: string }
      await node.clearLabel(type, id, name, 'api')
      reply.status(204)
      return null
    },
  )
}
