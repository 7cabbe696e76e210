/**
 * POST /v1/backtests: a backtest on the server over its stored events — a candidate pack (a JSON
 * bundle, or a stored version) against a baseline (a stored version, or the pack being served),
 * replayed over a window of event time with the ground-truth labels in force — answered with the
 * report `bulwark backtest --json` prints, plus the window, the labels used, what of each pack
 * reads PII values (which stored events hold only as pseudonyms) and the caveats.
 *
 * The body schema documents the request for the OpenAPI document; the service checks it itself
 * (service/backtest.ts), so every problem comes back as one BACKTEST_INVALID with its field.
 */

import type { FastifyInstance } from 'fastify'
import { readJsonBundle } from '../../policy/bundle.ts'
import { MAX_BACKTEST_LIMIT, MAX_EXAMPLES, readBacktestRequest } from '../../service/backtest.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'

/** A JSON bundle of a large pack is far above the API's usual 1 MiB. */
const BACKTEST_BODY_LIMIT = 16 * 1024 * 1024

const open = (description: string) => ({ type: 'object', description, additionalProperties: true }) as const

const flips = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    examples: { type: 'array', items: { type: 'string' }, description: 'Event ids.' },
  },
  additionalProperties: true,
} as const
const directed = {
  type: 'object',
  properties: { stricter: flips, looser: flips },
  additionalProperties: true,
} as const
const piiReads = {
  type: 'object',
  properties: {
    rules: {
      type: 'object',
      description: 'Rule id → the PII fields whose value it reads.',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    features: {
      type: 'object',
      description: 'Feature (its `where`, or a derived feature) → the PII fields whose value it reads.',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    rollouts: {
      type: 'array',
      items: { type: 'string' },
      description: 'Enforced rules whose rollout share is drawn by a PII entity.',
    },
    values: {
      type: 'array',
      items: { type: 'string' },
      description: 'sum/min/max features of a PII value (never updated on stored events).',
    },
  },
  additionalProperties: true,
} as const
const version = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' } },
} as const

const reportSchema = {
  type: 'object',
  description:
    'The report of `bulwark backtest --json` (docs/evaluation.md), plus `window`, `labels`, `pii` and `caveats`.',
  properties: {
    baseline: version,
    candidate: version,
    lines: { type: 'integer', description: 'Stored events read.' },
    rejected: {
      type: 'object',
      description: 'Stored events each pack refused (the packs may declare different event types).',
      properties: { baseline: { type: 'integer' }, candidate: { type: 'integer' } },
    },
    rules: {
      type: 'object',
      properties: {
        added: { type: 'array', items: { type: 'string' } },
        removed: { type: 'array', items: { type: 'string' } },
        changed: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
    },
    decisions: {
      type: 'object',
      properties: {
        compared: { type: 'integer' },
        only_baseline: { type: 'integer' },
        only_candidate: { type: 'integer' },
        unchanged: { type: 'integer' },
        changed: { type: 'integer' },
        now_stopped: { type: 'integer' },
        no_longer_stopped: { type: 'integer' },
        by_outcome: {
          type: 'object',
          additionalProperties: flips,
          description: '`baseline→candidate` → flips.',
        },
        by_rule: { type: 'object', additionalProperties: directed },
        by_area: { type: 'object', additionalProperties: directed },
      },
      additionalProperties: true,
    },
    metrics: {
      anyOf: [
        { type: 'null' },
        open('With labels: overall and per area, {baseline, candidate, change} of each metric.'),
      ],
    },
    window: {
      type: 'object',
      properties: {
        from: {
          type: ['string', 'null'],
          format: 'date-time',
          description: 'Time of the first event replayed.',
        },
        to: {
          type: ['string', 'null'],
          format: 'date-time',
          description: 'Time of the last event replayed.',
        },
        events: { type: 'integer' },
        truncated: { type: 'boolean', description: 'The window held more than `limit` events.' },
      },
    },
    labels: {
      type: 'object',
      properties: {
        events: { type: 'integer', description: 'Events labelled by their own label in force.' },
        actors: { type: 'integer', description: 'Events labelled through their acting entity.' },
        actingEntityTypes: { type: 'array', items: { type: 'string' } },
      },
    },
    pii: {
      type: 'object',
      properties: {
        fields: {
          type: 'array',
          items: { type: 'string' },
          description: 'The PII fields of the packs’ event types, by path.',
        },
        baseline: piiReads,
        candidate: piiReads,
      },
    },
    caveats: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: true,
} as const

const since = {
  type: 'string',
  format: 'date-time',
  description: 'Replay events whose event time is at or after this RFC 3339 time (default: the first).',
}

export function registerBacktests(app: FastifyInstance, node: BulwarkNode): void {
  app.post(
    '/v1/backtests',
    {
      bodyLimit: BACKTEST_BODY_LIMIT,
      // The schema documents the body; the service checks it (see the module comment).
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Backtest a pack on the stored events: decisions that flip, metrics against labels',
        description:
          "Replays the stored events of a window of event time, in event-time order, through the candidate (`policy`: a JSON bundle as PUT /v1/policy takes, or `version`: a stored version) and the baseline (`baseline`, default the pack being served), each recomputing its features from scratch, with the ground-truth labels in force (an event's own, else its acting entity's) — as `bulwark backtest` does over files. Synchronous, bounded by `limit`; the replay runs off the event loop. Stored events hold pseudonyms for PII fields: rules reading their values cannot be re-evaluated (listed in `pii` and `caveats`). A bad pack is 400 BACKTEST_POLICY_REJECTED with its diagnostics; an unknown version 404; a bad field 400 BACKTEST_INVALID; a backtest already running 429 BACKTEST_BUSY.",
        tags: ['labels'],
        body: {
          type: 'object',
          properties: {
            policy: {
              type: 'object',
              required: ['files'],
              properties: { files: { type: 'object', additionalProperties: { type: 'string' } } },
              description: 'The candidate pack as a JSON bundle {"files": {"bulwark.yaml": "…", …}}.',
            },
            version: { type: 'string', description: 'Or the candidate as a stored pack version.' },
            baseline: {
              type: 'string',
              description: 'A stored pack version; default: the pack being served.',
            },
            since,
            until: {
              ...since,
              description: 'Replay events whose event time is before this time (default: no end).',
            },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_BACKTEST_LIMIT,
              default: 100_000,
              description: 'Most events replayed: the first ones of the window by event time.',
            },
            examples: {
              type: 'integer',
              minimum: 0,
              maximum: MAX_EXAMPLES,
              default: 5,
              description: 'Example event ids kept per count.',
            },
          },
          additionalProperties: false,
        },
        response: { 200: reportSchema, ...errors(400, 401, 404, 413, 415, 429) },
      },
    },
    async (req) => node.backtest(readBacktestRequest(req.body, readJsonBundle)),
  )
}
