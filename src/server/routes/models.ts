/**
 * The model registry and monitoring over HTTP: GET/POST /v1/models, GET /v1/models/{name} (versions,
 * roles, audit, monitor, champion against challenger on labels), GET /v1/models/{name}/monitor,
 * POST /v1/models/{name}/promote and …/rollback. Changes are audited with the actor the request
 * names (`actor` in the body, else `api`); see docs/models.md "Operating models".
 */

import type { FastifyInstance } from 'fastify'
import { BulwarkError } from '../../core/errors.ts'
import { isModelFormat } from '../../models/load.ts'
import type { ModelFormat } from '../../models/model.ts'
import { MAX_PACK_BYTES } from '../../policy/bundle.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors } from '../schemas.ts'

const roles = {
  type: 'object',
  properties: { champion: { type: ['string', 'null'] }, challenger: { type: ['string', 'null'] } },
} as const

const summary = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    champion: { type: ['string', 'null'] },
    challenger: { type: ['string', 'null'] },
    versions: { type: 'integer' },
    inPack: { type: 'boolean', description: 'Declared by the serving pack.' },
    drifting: { type: 'boolean', description: 'A score or input PSI is above the threshold.' },
    serving: {
      type: 'object',
      description: 'What the serving pack serves under this name.',
      properties: {
        source: { type: 'string', enum: ['file', 'registry'] },
        mode: { type: 'string', enum: ['enforce', 'shadow'] },
        version: { type: 'string' },
        challenger: { type: 'string' },
        scored: { type: 'boolean' },
      },
    },
  },
} as const

const open = (description: string) => ({ type: 'object', description, additionalProperties: true }) as const

const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: 100 } },
} as const

const actorBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { actor: { type: 'string', minLength: 1, maxLength: 200 } },
} as const

export function registerModels(app: FastifyInstance, node: BulwarkNode): void {
  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'Models: the registry and the serving pack',
        tags: ['models'],
        response: {
          200: { type: 'object', properties: { models: { type: 'array', items: summary } } },
          ...errors(401),
        },
      },
    },
    async () => ({ models: node.models.list() }),
  )

  app.post(
    '/v1/models',
    {
      bodyLimit: MAX_PACK_BYTES,
      schema: {
        summary: 'Register a model version',
        description:
          'Registers a model file (base64) as the challenger (default) or the champion of a name. The file is loaded to check it; its format, inputs and output size are recorded with the model card. When the serving pack serves this name from the registry, its models are reloaded with the new roles first: if they do not load, 422 MODEL_REJECTED and nothing changes.',
        tags: ['models'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'content'],
          properties: {
            name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: 100 },
            content: { type: 'string', description: 'The model file, base64.' },
            format: { type: 'string', enum: ['xgboost-json', 'lightgbm-text', 'logreg', 'onnx'] },
            card: { type: 'object', additionalProperties: true, description: 'The model card (card.json).' },
            role: { type: 'string', enum: ['challenger', 'champion'], default: 'challenger' },
            actor: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          201: { type: 'object', properties: { version: open('The version registered.'), roles } },
          ...errors(400, 401, 413, 422),
        },
      },
    },
    async (req, reply) => {
      const b = req.body as {
        name: string
        content: string
        format?: string
        card?: Record<string, unknown>
        role: 'challenger' | 'champion'
        actor?: string
      }
      if (b.format !== undefined && !isModelFormat(b.format))
        throw new BulwarkError('MODEL_REGISTRY_INVALID', { detail: `unknown format '${b.format}'` })
      const content = Buffer.from(b.content, 'base64')
      const out = await node.models.register({
        name: b.name,
        content,
        ...(b.format ? { format: b.format as ModelFormat } : {}),
        ...(b.card ? { card: b.card } : {}),
        role: b.role ?? 'challenger',
        actor: b.actor ?? 'api',
      })
      return reply.status(201).send(out)
    },
  )

  app.get(
    '/v1/models/:name',
    {
      schema: {
        summary: 'A model: versions, roles, audit, monitor, and champion against challenger on labels',
        tags: ['models'],
        params: nameParam,
        response: { 200: open('ModelDetail (docs/models.md)'), ...errors(401, 404) },
      },
    },
    async (req) => {
      // The comparison reads labels and decisions through the registry's own connection: first
      // let the database catch up with the acknowledged writes. While it refuses writes (locked
      // past its busy timeout, a full disk) the detail is still served, compared on what it holds.
      await node.repository.settled().catch(() => undefined)
      return node.models.detail((req.params as { name: string }).name)
    },
  )

  app.get(
    '/v1/models/:name/monitor',
    {
      schema: {
        summary: 'Score histograms, PSI drift, missing inputs, latency, errors and agreement of a model',
        tags: ['models'],
        params: nameParam,
        response: { 200: open('MonitorReport (docs/models.md)'), ...errors(401, 404) },
      },
    },
    async (req) => node.models.monitorReport((req.params as { name: string }).name),
  )

  for (const action of ['promote', 'rollback'] as const) {
    app.post(
      `/v1/models/:name/${action}`,
      {
        schema: {
          summary:
            action === 'promote'
              ? 'Promote the challenger to champion'
              : 'Roll back to the champion the latest promotion replaced',
          tags: ['models'],
          params: nameParam,
          body: actorBody,
          response: { 200: roles, ...errors(401, 404, 409, 422) },
        },
      },
      async (req) => {
        const { name } = req.params as { name: string }
        const actor = (req.body as { actor?: string } | null)?.actor ?? 'api'
        return action === 'promote' ? node.models.promote(name, actor) : node.models.rollback(name, actor)
      },
    )
  }
}
