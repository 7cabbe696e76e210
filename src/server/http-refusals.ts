/**
 * Bad requests refused before any route runs, answered in the error format of errors.ts rather
 * than with Fastify's or Node's own bodies (or none): a malformed percent-escape or an over-long
 * path parameter (the router), bytes that are not HTTP/1.1 or headers over the parser limit (the
 * HTTP parser), an HTTP/1.1 request without Host and an unknown Expect header (Node's server).
 * Found by test/server/fuzz-api.test.ts.
 */

import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS, type ErrorCode, formatMessage } from '../core/errors.ts'
import { errorBody } from './errors.ts'

/** Longest path parameter the router takes (an email entity id may be 320 characters). */
export const MAX_PATH_PARAM_LENGTH = 1024

/**
 * Errors the router raises before any route runs — a malformed percent-escape in the path
 * (`/v1/cases/%zz`), a path parameter over MAX_PATH_PARAM_LENGTH — in the error format
 * (Fastify's `frameworkErrors` option; its own answer is not).
 */
export function answerRouterError(e: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const path = String(req.raw.url ?? '')
    .split('?')[0]!
    .slice(0, 200)
  const detail =
    e.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? `a path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters in ${path}`
      : e.code === 'FST_ERR_BAD_URL'
        ? `the path ${path} is not valid percent-encoded UTF-8`
        : e.message
  reply.status(400).send(errorBody('INVALID_REQUEST', formatMessage('INVALID_REQUEST', { detail })))
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the size limit, a
 * malformed request line, a client too slow to send its headers): the error format, written on
 * the socket, which is then closed (Fastify's `clientErrorHandler` option; its own answer is not).
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return
  const code: ErrorCode =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'HEADERS_TOO_LARGE'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'INVALID_REQUEST'
  const detail =
    code === 'HEADERS_TOO_LARGE'
      ? 'the request line and headers exceed the HTTP parser limit (16 KiB)'
      : code === 'REQUEST_TIMEOUT'
        ? 'the request was not received in time'
        : `the request is not valid HTTP/1.1 (${err.code ?? err.message})`
  const status = ERRORS[code].status
  const body = JSON.stringify(errorBody(code, formatMessage(code, { detail })))
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

/**
 * Two refusals Node's HTTP server would write itself, with an empty body, answered in the error
 * format instead: an HTTP/1.1 request without a Host header (400; the server is created with
 * `requireHostHeader: false` so that it reaches this hook) and an Expect header other than
 * `100-continue` (417).
 */
export function registerHttpRefusals(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.headers.host !== undefined || req.raw.httpVersion !== '1.1') return done()
    reply
      .status(400)
      .send(
        errorBody(
          'INVALID_REQUEST',
          formatMessage('INVALID_REQUEST', { detail: 'an HTTP/1.1 request needs a Host header' }),
        ),
      )
  })
  app.server.on('checkExpectation', (req, res) => {
    const body = JSON.stringify(
      errorBody(
        'EXPECTATION_FAILED',
        formatMessage('EXPECTATION_FAILED', { detail: String(req.headers.expect).slice(0, 100) }),
      ),
    )
    res.writeHead(ERRORS.EXPECTATION_FAILED.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
}
