/**
 * JSON Schemas of the API's requests and responses. Fastify validates requests against them and
 * the OpenAPI document at /docs is generated from them, so the documentation cannot drift from
 * what the server accepts.
 */

export const errorSchema = {
  type: 'object',
  description: 'Every error: a stable code (docs/errors.md), a message, and details when useful.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const

const hit = {
  type: 'object',
  properties: {
    rule: { type: 'string' },
    mode: { type: 'string', enum: ['enforce', 'shadow'] },
    outcome: { type: 'string', enum: ['allow', 'challenge', 'review', 'block'] },
    score: { type: 'number' },
    reason: { type: 'string' },
    note: { type: 'string' },
  },
} as const

export const decisionSchema = {
  type: 'object',
  description: 'A decision and the trace that explains it.',
  properties: {
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    outcome: { type: 'string', enum: ['allow', 'challenge', 'review', 'block'] },
    score: { type: 'number', description: 'Sum of the enforced hits, capped at 100.' },
    reasons: { type: 'array', items: { type: 'string' } },
    hits: { type: 'array', items: hit, description: 'Rules that matched, enforced and shadow.' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { rule: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
    skipped: {
      type: 'array',
      items: { type: 'object', properties: { rule: { type: 'string' }, reason: { type: 'string' } } },
    },
    evaluated: { type: 'integer' },
    features: { type: 'object', additionalProperties: true },
    models: {
      type: 'array',
      description: 'Models scored: scores, how each was served, and the input row it saw (docs/models.md).',
      items: {
        type: 'object',
        properties: {
          model: { type: 'string' },
          version: { type: 'string' },
          mode: { type: 'string', enum: ['enforce', 'shadow'] },
          served: { type: 'string', enum: ['champion', 'challenger', 'none'] },
          score: { type: ['number', 'null'] },
          challenger: {
            type: 'object',
            properties: { version: { type: 'string' }, score: { type: ['number', 'null'] } },
          },
          inputs: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
          missing: { type: 'integer' },
          latencyUs: { type: 'number' },
          error: { type: 'string' },
        },
      },
    },
    labels: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          entity: { type: 'string' },
          id: { type: 'string' },
          name: { type: 'string' },
          expiresAt: { type: 'string' },
        },
      },
    },
    ignoredFields: { type: 'array', items: { type: 'string' } },
    retryAfter: {
      type: 'integer',
      description: 'Seconds to wait before retrying: a throttle action of an enforced rule.',
    },
    policyVersion: { type: 'string' },
    latencyMs: { type: 'number' },
    time: { type: 'string', format: 'date-time' },
    duplicate: { type: 'boolean', description: 'The event id was decided before; this is that decision.' },
  },
} as const

export const eventSchema = {
  type: 'object',
  description:
    'One event: `type`, optional `id` (a repeated id returns the recorded decision), optional `time` (an RFC 3339 string or epoch milliseconds), `actor.id`, then the fields the event type declares.',
  required: ['type'],
  properties: {
    type: { type: 'string' },
    id: { type: 'string' },
    // No `type` keyword on purpose: the event validation checks the time, so that a bad one is a
    // 400 EVENT_INVALID like any other bad field of an event (the schema would say INVALID_REQUEST).
    time: {
      description:
        'When the event happened: an RFC 3339 string (`2026-03-01T12:00:00Z`) or epoch milliseconds (a number); default: when it was received. Anything else is a 400 EVENT_INVALID.',
      examples: ['2026-03-01T12:00:00Z', 1772366400000],
    },
    actor: { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: true },
  },
  additionalProperties: true,
} as const

export const policyInfoSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    description: { type: 'string' },
    source: { type: 'string' },
    loadedAt: { type: 'string' },
    eventTypes: { type: 'array', items: { type: 'string' } },
    rules: { type: 'integer' },
    features: { type: 'integer' },
    lists: { type: 'integer' },
    demotedRules: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Enforce-mode rules the anomaly guard demoted to shadow at run time (docs/enforcement.md).',
    },
  },
} as const

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorSchema]))
