/**
 * The one mapping from errors to HTTP: every failure answers JSON
 * `{"error": {"code", "message", "details"}}` with the status from the error registry.
 * Bad input is always a 4xx with a stable code; anything unexpected is a logged 500 INTERNAL
 * whose message reveals nothing about the server.
 */

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BulwarkError, ERRORS, type ErrorCode, formatMessage } from '../core/errors.ts'

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } }
}

/** Fastify's own errors (body parsing, limits, schema validation) as registry codes. */
function fromFastify(e: FastifyError): { code: ErrorCode; message: string; details?: unknown } | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: formatMessage('PAYLOAD_TOO_LARGE', { detail: e.message }) }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: formatMessage('UNSUPPORTED_MEDIA_TYPE', { detail: e.message }),
      }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'INVALID_JSON', message: formatMessage('INVALID_JSON', { detail: 'the body is empty' }) }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'INVALID_ARGUMENT', message: e.message }
    default:
      break
  }
  if (e.validation) {
    const details = e.validation.map((v) => ({ path: v.instancePath || '/', message: v.message }))
    return {
      code: 'INVALID_REQUEST',
      message: formatMessage('INVALID_REQUEST', { detail: e.message }),
      details,
    }
  }
  if (e instanceof SyntaxError || e.statusCode === 400) {
    return { code: 'INVALID_JSON', message: formatMessage('INVALID_JSON', { detail: e.message }) }
  }
  return undefined
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof BulwarkError) {
      return reply.status(err.status).send(errorBody(err.code, err.message, err.details))
    }
    const known = fromFastify(err)
    if (known)
      return reply.status(ERRORS[known.code].status).send(errorBody(known.code, known.message, known.details))
    req.log.error({ err }, 'unexpected error')
    return reply.status(500).send(errorBody('INTERNAL', 'internal error: the server logged the details'))
  })
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send(
        errorBody(
          'NOT_FOUND',
          formatMessage('NOT_FOUND', { what: `route ${req.method} ${req.url.split('?')[0]}` }),
        ),
      )
  })
}
