/**
 * Human review over HTTP: GET /v1/cases (filters: queue, status, kind, entity), POST /v1/cases (an
 * operator opens a case), GET /v1/cases/{id} (with evidence), POST /v1/cases/{id}/claim | renew |
 * release | decide, POST /v1/review/queues/{name}/next (claim the next case of a queue) and GET
 * /v1/review/queues (queues with their metrics and per-reviewer throughput and QA agreement). The reviewer is named by the body field `reviewer` or the header
 * `Bulwark-Reviewer`; the API key authenticates the calling tool, as for every route.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { presentCase } from '../../review/evidence.ts'
import { entityOf, newCaseOf, reviewerOf } from '../../review/input.ts'
import type { CaseRow } from '../../review/store.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'

const entityRef = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    id: { type: 'string', description: 'As stored (a pseudonym when PII).' },
  },
} as const

/** A case without its evidence. */
export const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['review', 'appeal', 'qa'] },
    queue: { type: 'string' },
    status: { type: 'string', enum: ['open', 'closed'] },
    priority: { type: 'integer', minimum: 0, maximum: 100 },
    entity: entityRef,
    rule: { type: 'string', description: 'The first rule that asked for the case.' },
    area: { type: 'string' },
    opened_at: { type: 'string', format: 'date-time' },
    due_at: { type: 'string', format: 'date-time', description: 'Opened (or escalated) + the queue SLA.' },
    overdue: { type: 'boolean' },
    claim: {
      type: 'object',
      properties: {
        reviewer: { type: 'string' },
        expires_at: { type: 'string', format: 'date-time' },
        expired: { type: 'boolean', description: 'An expired claim no longer locks the case.' },
      },
    },
    decision: {
      type: 'object',
      properties: {
        verdict: { type: 'string', enum: ['violation', 'no_violation'] },
        reason: { type: 'string' },
        note: { type: 'string' },
        reviewer: { type: 'string' },
        decided_at: { type: 'string', format: 'date-time' },
        effects: {
          type: 'string',
          enum: ['pending', 'done'],
          description: 'Truth labels and enforcement of the verdict (pending: run again within a minute).',
        },
      },
    },
    appeal: {
      type: 'object',
      properties: { decision_id: { type: 'string' }, statement: { type: 'string' } },
    },
    qa: {
      type: 'object',
      description: 'A blind re-check: while open it shows nothing of the verdict it checks.',
      properties: {
        blind: { type: 'boolean' },
        of_case: { type: 'string' },
        reviewer_checked: { type: 'string' },
        agrees: { type: 'boolean' },
      },
    },
  },
} as const

const caseWithEvidence = {
  type: 'object',
  properties: {
    ...caseSchema.properties,
    history: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          time: { type: 'integer', description: 'Epoch milliseconds.' },
          actor: { type: 'string' },
          action: { type: 'string' },
          detail: { type: 'object', additionalProperties: true },
        },
      },
    },
    evidence: {
      type: 'object',
      properties: {
        decisions: {
          type: 'array',
          description: 'The linked decisions: event, outcome, score, hits, feature values, model scores.',
          items: { type: 'object', additionalProperties: true },
        },
        missing_decisions: { type: 'array', items: { type: 'string' } },
        linked_entities: { type: 'array', items: entityRef },
        entity_labels: { type: 'array', items: { type: 'object', additionalProperties: true } },
        truth_labels: { type: 'array', items: { type: 'object', additionalProperties: true } },
        strikes: {},
        prior_cases: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  },
} as const

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const
const reviewerBody = {
  type: 'object',
  properties: { reviewer: { type: 'string', description: 'Or the header Bulwark-Reviewer.' } },
} as const

const qaSchema = {
  type: 'object',
  properties: {
    checked: { type: 'integer' },
    agreed: { type: 'integer' },
    agreement: { type: ['number', 'null'] },
  },
} as const

function reviewer(req: FastifyRequest): string {
  const body = req.body as Record<string, unknown> | undefined
  return reviewerOf(body?.reviewer ?? req.headers['bulwark-reviewer'])
}

export function registerCases(app: FastifyInstance, node: BulwarkNode): void {
  const now = () => node.review.now()

  app.get(
    '/v1/cases',
    {
      schema: {
        summary: 'Review cases: open ones first (highest priority, then oldest), then closed ones',
        tags: ['review'],
        querystring: {
          type: 'object',
          properties: {
            queue: { type: 'string' },
            status: { type: 'string', enum: ['open', 'closed'] },
            kind: { type: 'string', enum: ['review', 'appeal', 'qa'] },
            entity_type: { type: 'string' },
            entity_id: {
              type: 'string',
              description: 'The raw id (a PII entity is looked up by its pseudonym).',
            },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { cases: { type: 'array', items: caseSchema } } },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | number | undefined>
      const byEntity = q.entity_type !== undefined || q.entity_id !== undefined
      const entity = byEntity
        ? entityOf({ type: q.entity_type, id: q.entity_id }, node.engine.pack, (t, i) =>
            node.engine.entityKey(t, i),
          )
        : undefined
      const cases = node.review.list({
        ...(q.queue !== undefined ? { queue: String(q.queue) } : {}),
        ...(q.status !== undefined ? { status: q.status as 'open' | 'closed' } : {}),
        ...(q.kind !== undefined ? { kind: q.kind as 'review' } : {}),
        ...(entity ? { entity } : {}),
        limit: Number(q.limit),
      })
      const t = now()
      return { cases: cases.map((c) => presentCase(c, t)) }
    },
  )

  app.post(
    '/v1/cases',
    {
      schema: {
        summary: 'Open a review case by hand (idempotent per decision and entity)',
        description:
          'For an entity, optionally about one of its decisions. Routed like a case a rule opens (first matching route, else the default queue) unless `queue` is given; an open case of the entity in that queue takes the decision instead (merged). 201 when a case was created, 200 when an existing one was returned.',
        tags: ['review'],
        body: {
          type: 'object',
          required: ['entity'],
          properties: {
            entity: {
              type: 'object',
              required: ['type', 'id'],
              properties: { type: { type: 'string' }, id: { type: 'string', description: 'The raw id.' } },
            },
            decision_id: {
              type: 'string',
              description: 'The event id of a decision that touched the entity.',
            },
            queue: { type: 'string' },
            priority: {
              type: 'integer',
              minimum: 0,
              maximum: 100,
              description: 'Default: the decision score.',
            },
            note: { type: 'string' },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { created: { type: 'boolean' }, case: caseSchema } },
          201: { type: 'object', properties: { created: { type: 'boolean' }, case: caseSchema } },
          ...errors(400, 401),
        },
      },
    },
    async (req, reply) => {
      const input = newCaseOf(req.body as Record<string, unknown>, node.engine.pack, (t, i) =>
        node.engine.entityKey(t, i),
      )
      const opened = await node.review.openCase({ ...input, actor: 'api' })
      reply.status(opened.created ? 201 : 200)
      return { created: opened.created, case: presentCase(opened.case, now()) }
    },
  )

  app.get(
    '/v1/cases/:id',
    {
      schema: {
        summary: 'One case with its history and evidence',
        tags: ['review'],
        params: idParams,
        response: { 200: caseWithEvidence, ...errors(401, 404) },
      },
    },
    async (req) => node.review.get((req.params as { id: string }).id),
  )

  const transition = (
    path: 'claim' | 'renew' | 'release',
    summary: string,
    description: string,
    run: (id: string, reviewer: string) => CaseRow,
  ) =>
    app.post(
      `/v1/cases/:id/${path}`,
      {
        schema: {
          summary,
          description,
          tags: ['review'],
          params: idParams,
          body: reviewerBody,
          response: { 200: caseSchema, ...errors(400, 401, 404, 409) },
        },
      },
      async (req) => presentCase(run((req.params as { id: string }).id, reviewer(req)), now()),
    )
  transition(
    'claim',
    'Claim a case: it is locked for the reviewer until the claim times out',
    'A case claimed by someone else is 409 CASE_LOCKED until their claim expires (the queue config `claim_timeout`); an expired claim is free to take. A blind QA check cannot be claimed by the reviewer it checks (409 CASE_REVIEWER_CONFLICT).',
    (id, r) => node.review.claim(id, r),
  )
  transition(
    'renew',
    'Extend your claim by the claim timeout',
    '409 CASE_NOT_CLAIMED when you do not hold it; CASE_LOCKED when someone else does.',
    (id, r) => node.review.renew(id, r),
  )
  transition('release', 'Give a claimed case back to its queue', '', (id, r) => node.review.release(id, r))

  app.post(
    '/v1/cases/:id/decide',
    {
      schema: {
        summary: 'Decide a claimed case: violation, no_violation or escalate, with a reason code',
        description:
          "Only the reviewer holding an unexpired claim may decide. `escalate` moves the case to its queue's `escalate_to` queue (open, unclaimed). `violation` / `no_violation` close it: its decisions (and, for a review, its entity) get a ground-truth label (source `review` or `appeal`); violation applies the queue's `on_violation` actions; no_violation reverses what its decisions enforced (an overturned appeal: the appealed decision). A share of closed cases is re-queued blind for QA.",
        tags: ['review'],
        params: idParams,
        body: {
          type: 'object',
          required: ['verdict', 'reason'],
          properties: {
            reviewer: { type: 'string' },
            verdict: { type: 'string', enum: ['violation', 'no_violation', 'escalate'] },
            reason: { type: 'string', description: "A reason code of the case's queue." },
            note: { type: 'string', maxLength: 2000 },
          },
          additionalProperties: false,
        },
        response: { 200: caseSchema, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => {
      const body = req.body as { verdict: string; reason: string; note?: string }
      const decided = await node.review.decide((req.params as { id: string }).id, reviewer(req), {
        verdict: body.verdict,
        reason: body.reason,
        ...(body.note ? { note: body.note } : {}),
      })
      return presentCase(decided, now())
    },
  )

  app.post(
    '/v1/review/queues/:name/next',
    {
      schema: {
        summary: 'Claim the next case of a queue: highest priority, then oldest',
        description:
          'Among the open cases of the queue under no live claim that the reviewer may take (a blind QA check is never handed to the reviewer it checks). Two reviewers asking at once get different cases. `case` is null when there is none.',
        tags: ['review'],
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        body: reviewerBody,
        response: {
          200: { type: 'object', properties: { case: { anyOf: [caseSchema, { type: 'null' }] } } },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const c = node.review.claimNext((req.params as { name: string }).name, reviewer(req))
      return { case: c ? presentCase(c, now()) : null }
    },
  )

  app.get(
    '/v1/review/queues',
    {
      schema: {
        summary: 'Review queues with their metrics; reviewers with throughput and QA agreement',
        tags: ['review'],
        response: {
          200: {
            type: 'object',
            properties: {
              defaultQueue: { type: 'string' },
              appealsQueue: { type: 'string' },
              claimTimeoutSeconds: { type: 'number' },
              queues: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    queue: { type: 'string' },
                    description: { type: 'string' },
                    slaSeconds: { type: 'number' },
                    escalateTo: { type: 'string' },
                    reasons: { type: 'array', items: { type: 'string' } },
                    qaShare: { type: 'number' },
                    depth: { type: 'integer', description: 'Open cases.' },
                    claimed: { type: 'integer', description: 'Open cases under an unexpired claim.' },
                    oldestAgeSeconds: { type: ['number', 'null'] },
                    slaBreachesOpen: { type: 'integer', description: 'Open cases past due.' },
                    slaBreachesClosed: {
                      type: 'integer',
                      description: 'Cases decided after their due time.',
                    },
                    decided24h: { type: 'integer' },
                    qa: qaSchema,
                  },
                },
              },
              reviewers: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    reviewer: { type: 'string' },
                    decided: { type: 'integer' },
                    decided24h: { type: 'integer' },
                    escalated: { type: 'integer' },
                    qa: qaSchema,
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => {
      const plan = node.engine.pack.review
      return {
        defaultQueue: plan.defaultQueue,
        appealsQueue: plan.appealsQueue,
        claimTimeoutSeconds: plan.claimTimeoutMs / 1000,
        queues: node.review.queues(),
        reviewers: node.review.reviewers(),
      }
    },
  )
}
