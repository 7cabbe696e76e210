/**
 * Deciding: POST /v1/decide (synchronous, durable before the 200), POST /v1/events (a batch of up
 * to 1,000 accepted durably for asynchronous decisions, 202), GET /v1/decisions/:id.
 */

import type { FastifyInstance } from 'fastify'
import { BulwarkError } from '../../core/errors.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { decisionSchema, errors, eventSchema } from '../schemas.ts'

export const MAX_BATCH = 1000

const JSON_UTF8 = 'application/json; charset=utf-8'

export function registerDecisions(app: FastifyInstance, node: BulwarkNode): void {
  app.post(
    '/v1/decide',
    {
      schema: {
        summary: 'Decide one event',
        description:
          'Validates the event against its type, computes features, evaluates the rules and answers with the decision once it is durably recorded. A repeated event id is answered with the recorded decision (duplicate: true).',
        tags: ['decisions'],
        body: eventSchema,
        response: { 200: decisionSchema, ...errors(400, 401, 413, 415, 503) },
      },
    },
    async (req, reply) => {
      const { decision, duplicate, decisionJson } = await node.decide(req.body)
      if (decisionJson !== undefined) {
        // The text the journal recorded, in the order of the response schema: sent as it is
        // instead of serialising the decision again (test/server/decide-reply.test.ts).
        reply.header('content-type', JSON_UTF8)
        return `${decisionJson.slice(0, -1)},"duplicate":false}`
      }
      return { ...decision, duplicate }
    },
  )

  app.post(
    '/v1/events',
    {
      schema: {
        summary: 'Submit a batch of events for asynchronous decisions',
        description: `Up to ${MAX_BATCH} events. Valid ones are written durably before the 202 and decided in order in the background; read each decision with GET /v1/decisions/{id}. Invalid ones are listed with their problems.`,
        tags: ['decisions'],
        body: {
          type: 'object',
          required: ['events'],
          properties: { events: { type: 'array', items: { type: 'object' }, maxItems: MAX_BATCH } },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              accepted: {
                type: 'array',
                items: { type: 'object', properties: { index: { type: 'integer' }, id: { type: 'string' } } },
              },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    index: { type: 'integer' },
                    error: { type: 'object', additionalProperties: true },
                  },
                },
              },
            },
          },
          ...errors(400, 401, 413, 503),
        },
      },
    },
    async (req, reply) => {
      const { events } = req.body as { events: unknown[] }
      reply.status(202)
      return node.submit(events)
    },
  )

  app.get(
    '/v1/decisions/:id',
    {
      schema: {
        summary: 'The decision recorded for an event id',
        tags: ['decisions'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: decisionSchema, ...errors(401, 404) },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const stored = await node.decision(id)
      if (stored) return stored.decision
      const failure = node.asyncFailure(id)
      if (failure)
        throw new BulwarkError('EVENT_INVALID', { count: 1, first: failure.message }, failure.details)
      throw new BulwarkError('NOT_FOUND', {
        what: `decision for event '${id}'${node.pendingAsync ? ' (asynchronous events are still being decided)' : ''}`,
      })
    },
  )
}
