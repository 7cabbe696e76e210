/**
 * Policy lists at run time: GET /v1/lists, GET /v1/lists/:name, POST /v1/lists/:name/entries
 * (add, with an optional time to live), DELETE /v1/lists/:name/entries (remove entries added
 * through the API; the pack's own entries change with the pack).
 */

import type { FastifyInstance } from 'fastify'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'
import { ttlOf } from '../ttl.ts'

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const
const valuesBody = {
  type: 'object',
  required: ['values'],
  properties: {
    values: { type: 'array', items: { type: 'string', maxLength: 1024 }, minItems: 1, maxItems: 100_000 },
    ttl: { type: 'string', pattern: '^[0-9]+(s|m|h|d)$', description: 'Entries expire after this long.' },
    source: { type: 'string', maxLength: 200 },
  },
} as const

export function registerLists(app: FastifyInstance, node: BulwarkNode): void {
  app.get(
    '/v1/lists',
    {
      schema: {
        summary: "The pack's lists",
        tags: ['lists'],
        response: {
          200: {
            type: 'object',
            properties: {
              lists: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    kind: { type: 'string' },
                    description: { type: 'string' },
                    packEntries: { type: 'integer' },
                    addedEntries: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => ({ lists: node.lists() }),
  )

  app.get(
    '/v1/lists/:name',
    {
      schema: {
        summary: "A list's entries: from the pack and added through the API",
        tags: ['lists'],
        params: nameParams,
        response: { 200: { type: 'object', additionalProperties: true }, ...errors(401, 404) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string }
      const l = node.list(name)
      return {
        ...l,
        added: l.added.map((e) => ({
          value: e.value,
          source: e.source,
          addedAt: new Date(e.addedAt).toISOString(),
          ...(e.expiresAt !== undefined ? { expiresAt: new Date(e.expiresAt).toISOString() } : {}),
        })),
      }
    },
  )

  app.post(
    '/v1/lists/:name/entries',
    {
      schema: {
        summary: 'Add entries to a list',
        tags: ['lists'],
        params: nameParams,
        body: valuesBody,
        response: {
          200: { type: 'object', properties: { added: { type: 'integer' } } },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string }
      const body = req.body as { values: string[]; ttl?: string; source?: string }
      return {
        added: await node.addListEntries(name, body.values, ttlOf(body.ttl), body.source ?? 'api'),
      }
    },
  )

  app.delete(
    '/v1/lists/:name/entries',
    {
      schema: {
        summary: 'Remove entries added through the API',
        tags: ['lists'],
        params: nameParams,
        body: { type: 'object', required: ['values'], properties: { values: valuesBody.properties.values } },
        response: {
          200: { type: 'object', properties: { removed: { type: 'integer' } } },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string }
      const { values } = req.body as { values: string[] }
      return { removed: await node.removeListEntries(name, values) }
    },
  )
}
