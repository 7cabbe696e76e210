/**
 * Ground truth and what it says about the rules: POST /v1/labels (one label or a batch of up to
 * 10,000, all or nothing), GET /v1/labels (the history of an event's or an entity's labels) and
 * GET /v1/rules/metrics (per rule and mode: hits, labelled hits, true and false positives,
 * precision).
 *
 * POST /v1/labels declares its body schema for the OpenAPI document only: the node checks the
 * batch itself (service/truth.ts), so that every problem comes back as one LABELS_INVALID with
 * the index and field of each (`"malicious": "true"` at index 3 is `labels[3].malicious`), where
 * the schema would answer INVALID_REQUEST. Like every body, nothing in it is coerced.
 */

import type { FastifyInstance } from 'fastify'
import { BulwarkError } from '../../core/errors.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { MAX_LABELS, presentLabel } from '../../service/truth.ts'
import { errors } from '../schemas.ts'

/** A batch of 10,000 labels with notes is far above the API's usual 1 MiB. */
const LABELS_BODY_LIMIT = 16 * 1024 * 1024

const text = { type: 'string', minLength: 1, maxLength: 256 } as const

const labelIn = {
  type: 'object',
  description:
    'Ground truth about one event (`event_id`) or one entity (`entity`): exactly one of the two. Unknown fields are refused.',
  required: ['malicious', 'source'],
  properties: {
    event_id: { ...text, description: 'The labelled event (it need not be decided yet).' },
    entity: {
      type: 'object',
      required: ['type', 'id'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', description: 'An entity type the pack declares (user, device, …).' },
        id: { ...text, description: 'The raw id; stored pseudonymised when the entity is PII.' },
      },
    },
    malicious: { type: 'boolean' },
    area: { ...text, description: 'Abuse area, e.g. fake_accounts, spam.' },
    campaign: text,
    damage: { type: 'number', minimum: 0, description: 'Units of harm.' },
    source: { ...text, examples: ['review', 'chargeback', 'user_report', 'import'] },
    time: {
      description:
        "When the verdict was reached: RFC 3339 or epoch milliseconds, at most 24 hours ahead of the server's clock; default now. Of several labels of one event or entity, the latest by time is in force.",
      examples: ['2026-03-01T12:00:00Z', 1772366400000],
    },
    note: { type: 'string', minLength: 1, maxLength: 2000 },
  },
  additionalProperties: false,
} as const

const labelOut = {
  type: 'object',
  properties: {
    event_id: { type: 'string' },
    entity: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        id: { type: 'string', description: 'As stored (a pseudonym when PII).' },
      },
    },
    malicious: { type: 'boolean' },
    area: { type: 'string' },
    campaign: { type: 'string' },
    damage: { type: 'number' },
    source: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    note: { type: 'string' },
    received_at: { type: 'string', format: 'date-time' },
  },
} as const

const modeMetrics = {
  type: 'object',
  properties: {
    hits: { type: 'integer', description: 'Stored decisions the rule hit in this mode.' },
    labelledHits: { type: 'integer', description: 'Of those, decisions whose event or actor is labelled.' },
    tp: { type: 'integer', description: 'Labelled hits labelled malicious.' },
    fp: { type: 'integer', description: 'Labelled hits labelled benign.' },
    precision: { type: ['number', 'null'], description: 'tp / (tp + fp); null when nothing is labelled.' },
  },
} as const

export function registerLabels(app: FastifyInstance, node: BulwarkNode): void {
  app.post(
    '/v1/labels',
    {
      bodyLimit: LABELS_BODY_LIMIT,
      // The schema documents the body; the node checks it (see the module comment).
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Record ground-truth labels (one, or a batch of up to 10,000), all or nothing',
        description:
          'A label says whether an event or an entity was malicious, from a review, a chargeback, a user report or an import. A batch with any bad label is refused whole with 400 LABELS_INVALID, whose details name the index and field of every problem. Bodies up to 16 MiB.',
        tags: ['labels'],
        body: {
          oneOf: [
            labelIn,
            {
              type: 'object',
              required: ['labels'],
              properties: { labels: { type: 'array', items: labelIn, minItems: 1, maxItems: MAX_LABELS } },
              additionalProperties: false,
            },
          ],
        },
        response: {
          200: { type: 'object', properties: { stored: { type: 'integer' } } },
          ...errors(400, 401, 413, 415, 503),
        },
      },
    },
    async (req) => {
      const body = req.body as Record<string, unknown> | null
      const batch =
        typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'labels')
          ? body.labels
          : [body]
      if (!Array.isArray(batch))
        throw new BulwarkError('LABELS_INVALID', { count: 1, first: 'labels must be an array' }, [
          { index: -1, field: 'labels', message: 'must be an array' },
        ])
      return { stored: await node.addLabels(batch) }
    },
  )

  app.get(
    '/v1/labels',
    {
      schema: {
        summary: 'The labels of an event or an entity, the one in force first',
        description:
          'Give `event_id`, or `entity_type` and `entity_id` (the raw id: a PII entity is looked up by its pseudonym). Newest first by time (then by arrival); the first is the one in force.',
        tags: ['labels'],
        querystring: {
          type: 'object',
          properties: {
            event_id: { type: 'string' },
            entity_type: { type: 'string' },
            entity_id: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { labels: { type: 'array', items: labelOut } } },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const q = req.query as { event_id?: string; entity_type?: string; entity_id?: string; limit: number }
      const byEntity = q.entity_type !== undefined || q.entity_id !== undefined
      if ((q.event_id !== undefined) === byEntity || (byEntity && (!q.entity_type || !q.entity_id)))
        throw new BulwarkError('INVALID_ARGUMENT', {
          detail: 'give either event_id, or entity_type and entity_id',
        })
      const labels = await node.labelHistory(
        q.event_id !== undefined
          ? { eventId: q.event_id }
          : { entityType: q.entity_type!, entityId: q.entity_id! },
        q.limit,
      )
      return { labels: labels.map(presentLabel) }
    },
  )

  app.get(
    '/v1/rules/metrics',
    {
      schema: {
        summary: 'Per rule and mode: hits, labelled hits, true and false positives, precision',
        description:
          'Over every stored decision. A hit is labelled when its event has a label, else when its acting entity (the entity type whose id is actor.id) has one; the label in force is the latest by time. Computed in SQL at most every `maxAgeSeconds` (recording labels refreshes it at the next read). Rules of the pack being served are listed even without hits, and so are rules with stored hits that the pack no longer has (`inPack: false`).',
        tags: ['labels'],
        response: {
          200: {
            type: 'object',
            properties: {
              computedAt: { type: 'string', format: 'date-time' },
              maxAgeSeconds: { type: 'number' },
              actingEntityTypes: { type: 'array', items: { type: 'string' } },
              rules: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    rule: { type: 'string' },
                    inPack: { type: 'boolean' },
                    enforce: modeMetrics,
                    shadow: modeMetrics,
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => node.ruleMetrics(),
  )
}
