/**
 * The HTTP API (Fastify): routes only parse, call the node, and present. Authentication, body
 * limits, the error mapping and the OpenAPI document (/docs, /docs/json) are set up here once.
 */

import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance } from 'fastify'
import { formatMessage } from '../core/errors.ts'
import type { BulwarkNode } from '../service/node.ts'
import { registerAuth } from './auth.ts'
import { errorBody, registerErrorHandling } from './errors.ts'
import {
  answerClientError,
  answerRouterError,
  MAX_PATH_PARAM_LENGTH,
  registerHttpRefusals,
} from './http-refusals.ts'
import { registerJsonBody } from './json-body.ts'
import { registerActions } from './routes/actions.ts'
import { registerAppeals } from './routes/appeals.ts'
import { registerBacktests } from './routes/backtests.ts'
import { registerCases } from './routes/cases.ts'
import { registerDecisions } from './routes/decisions.ts'
import { registerEntities } from './routes/entities.ts'
import { registerLabels } from './routes/labels.ts'
import { registerLists } from './routes/lists.ts'
import { registerModels } from './routes/models.ts'
import { registerPolicy } from './routes/policy.ts'
import { registerSystem } from './routes/system.ts'
import { requestValidatorFactory } from './validation.ts'

export interface AppOptions {
  readonly apiKey: string
  /** Largest JSON body accepted, in bytes (events and batches). */
  readonly bodyLimit?: number
  readonly logger?: boolean
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024

export async function buildApp(node: BulwarkNode, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    // Query strings, path parameters and headers are coerced to their types; JSON bodies never are.
    schemaController: { compilersFactory: { buildValidator: requestValidatorFactory() } },
    // Fastify's own 503 while closing is not in the error format: answered below instead.
    return503OnClosing: false,
    // Bad paths, over-long path parameters and malformed HTTP answer in the error format too.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerClientError,
    http: { requireHostHeader: false },
  })
  // Once the server begins to stop, a request arriving on an open keep-alive connection is
  // refused before anything else (authentication included) runs; Fastify adds Connection: close.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // A callback hook, not an async one: no promise per request. After a reply, `done` is not called.
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done()
    reply
      .status(503)
      .send(errorBody('UNAVAILABLE', formatMessage('UNAVAILABLE', { detail: 'the server is shutting down' })))
  })
  // Only JSON (and, for policy uploads, tarballs): a text/plain body is refused with 415.
  app.removeContentTypeParser('text/plain')
  registerJsonBody(app)
  registerErrorHandling(app)
  registerHttpRefusals(app)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bulwark API',
        version: '1',
        description:
          'Real-time risk decisions for trust & safety. Every request but /healthz, /readyz and /docs needs `Authorization: Bearer <key>`. Errors are `{"error": {"code", "message", "details"}}` with the stable codes of docs/errors.md. Values in JSON bodies are never coerced: one of the wrong JSON type (`"true"` for `true`, `"x"` for `["x"]`) is a 400.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'decisions', description: 'Deciding events' },
        { name: 'policy', description: 'The policy pack' },
        { name: 'entities', description: 'Entities, their features and labels' },
        { name: 'lists', description: 'Policy lists' },
        { name: 'labels', description: 'Ground-truth labels, rule precision and backtests' },
        { name: 'review', description: 'Human review: queues, cases, claims, verdicts, appeals, QA' },
        { name: 'enforcement', description: 'Actions outbox, replay, safety switches, guard alerts, audit' },
        { name: 'models', description: 'Model registry, champion/challenger, monitoring' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  registerAuth(app, options.apiKey)
  registerSystem(app, node)
  registerDecisions(app, node)
  registerPolicy(app, node)
  registerEntities(app, node)
  registerLists(app, node)
  registerLabels(app, node)
  registerModels(app, node)
  registerBacktests(app, node)
  registerActions(app, node)
  registerCases(app, node)
  registerAppeals(app, node)
  return app
}
