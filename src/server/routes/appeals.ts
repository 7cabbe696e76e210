/**
 * User appeals over HTTP: POST /v1/appeals (an entity, the decision appealed and the user's
 * statement) opens a case in the pack's second-level appeals queue — one per decision and entity,
 * a repeat returns it — and GET /v1/appeals/{id} tells where it stands. Reviewers work appeals like
 * any case (/v1/cases); an overturn (`no_violation`) reverses what the decision enforced.
 */

import type { FastifyInstance } from 'fastify'
import { BulwarkError } from '../../core/errors.ts'
import { presentCase } from '../../review/evidence.ts'
import { appealOf } from '../../review/input.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'
import { caseSchema } from './cases.ts'

const appealResult = {
  type: 'object',
  properties: { created: { type: 'boolean' }, case: caseSchema },
} as const

export function registerAppeals(app: FastifyInstance, node: BulwarkNode): void {
  app.post(
    '/v1/appeals',
    {
      schema: {
        summary: "Appeal a decision on the user's behalf: opens a case in the appeals queue",
        description:
          'The decision must be stored and must have touched the entity (400 APPEAL_INVALID otherwise). One appeal per decision and entity: a repeat answers 200 with the existing case; a new one 201.',
        tags: ['review'],
        body: {
          type: 'object',
          required: ['entity', 'decision_id', 'statement'],
          properties: {
            entity: {
              type: 'object',
              required: ['type', 'id'],
              properties: { type: { type: 'string' }, id: { type: 'string', description: 'The raw id.' } },
            },
            decision_id: { type: 'string', description: 'The event id of the decision appealed.' },
            statement: { type: 'string', maxLength: 5000, description: "The user's words." },
          },
          additionalProperties: false,
        },
        response: { 200: appealResult, 201: appealResult, ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      const input = appealOf(req.body as Record<string, unknown>, node.engine.pack, (t, i) =>
        node.engine.entityKey(t, i),
      )
      const opened = await node.review.appeal(input)
      reply.status(opened.created ? 201 : 200)
      return { created: opened.created, case: presentCase(opened.case, node.review.now()) }
    },
  )

  app.get(
    '/v1/appeals/:id',
    {
      schema: {
        summary: 'An appeal: open, upheld (violation) or overturned (no_violation)',
        tags: ['review'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: { 200: caseSchema, ...errors(401, 404) },
      },
    },
    async (req) => {
      const id = (req.params as { id: string }).id
      const c = node.review.row(id)
      if (c?.kind !== 'appeal') throw new BulwarkError('CASE_NOT_FOUND', { id })
      return presentCase(c, node.review.now())
    },
  )
}
