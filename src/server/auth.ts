/**
 * API-key authentication: every request carries `Authorization: Bearer <key>`, except health
 * checks and the API description (/docs). Keys are compared in constant time.
 */

import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { errorBody } from './errors.ts'

const OPEN = /^\/(healthz|readyz|docs)(\/|$|\?)/

export function registerAuth(app: FastifyInstance, apiKey: string): void {
  const expected = Buffer.from(apiKey, 'utf8')
  // A callback hook, not an async one: no promise per request. After a reply, `done` is not called.
  app.addHook('onRequest', (req, reply, done) => {
    if (OPEN.test(req.url)) return done()
    const header = req.headers.authorization ?? ''
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.header('www-authenticate', 'Bearer')
      reply
        .status(401)
        .send(errorBody('UNAUTHORIZED', 'missing or wrong API key (Authorization: Bearer <key>)'))
      return
    }
    done()
  })
}
