/**
 * Types are not coerced in JSON bodies (issue 4): a value of the wrong JSON type is a 400 in the
 * error format with the route's code, and nothing changes — while query strings, path parameters
 * and headers, which arrive as text, are still coerced to the types their schema declares. One
 * real server (mini pack) over real HTTP; the request validator factory alone on a bare Fastify
 * for the parts no Bulwark route uses yet (a headers schema).
 */

import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { lowerCaseHeaderNames, requestValidatorFactory } from '../../src/server/validation.ts'
import { client, inProcess, signup } from './harness.ts'

const server = await inProcess()
const api = client(server.url)
afterAll(() => server.stop())

/** The validator factory as Fastify calls it: per part of a route, at registration. */
type Counted = (
  externals: Record<string, unknown>,
  options: unknown,
) => (part: { httpPart: string; schema: unknown; method: string; url: string }) => unknown

const refusal = (r: { status: number; body: any }) => [r.status, r.body?.error?.code]

describe('a JSON body with a value of the wrong type', () => {
  it('enforcement settings: "true" for the kill switch is a 400 naming the field, and the switch stays off', async () => {
    const r = await api.call('PUT', '/v1/enforcement/settings', { killSwitch: 'true' })
    expect(refusal(r)).toEqual([400, 'INVALID_REQUEST'])
    expect(r.body.error.message).toBe('invalid request: body/killSwitch must be boolean')
    expect(r.body.error.details).toEqual([{ path: '/killSwitch', message: 'must be boolean' }])
    const dryRun = await api.call('PUT', '/v1/enforcement/settings', { dryRun: 'webhook' })
    expect(refusal(dryRun)).toEqual([400, 'INVALID_REQUEST'])
    expect(dryRun.body.error.details).toEqual([{ path: '/dryRun', message: 'must be array' }])
    const settings = await api.call('GET', '/v1/enforcement/settings')
    expect(settings.body).toMatchObject({ killSwitch: false, dryRun: [] })
    const right = await api.call('PUT', '/v1/enforcement/settings', {
      killSwitch: false,
      dryRun: ['webhook'],
    })
    expect(right.status).toBe(200)
    expect((await api.call('PUT', '/v1/enforcement/settings', { dryRun: [] })).status).toBe(200)
  })

  it('list entries: a ttl as an array of one, or one value for the list of values, is refused and nothing is added', async () => {
    const ttl = await api.call('POST', '/v1/lists/datacenter/entries', {
      values: ['192.0.2.0/24'],
      ttl: ['1h'],
    })
    expect(refusal(ttl)).toEqual([400, 'INVALID_REQUEST'])
    expect(ttl.body.error.details).toEqual([{ path: '/ttl', message: 'must be string' }])
    const values = await api.call('POST', '/v1/lists/datacenter/entries', { values: '192.0.2.0/24' })
    expect(refusal(values)).toEqual([400, 'INVALID_REQUEST'])
    expect(values.body.error.details).toEqual([{ path: '/values', message: 'must be array' }])
    const list = await api.call('GET', '/v1/lists/datacenter')
    expect(list.body.added).toEqual([])
  })

  it('entity labels: a number for the source, or an array of one for the ttl, is refused', async () => {
    const source = await api.call('PUT', '/v1/entities/user/u-typed/labels/trusted', { source: 5 })
    expect(refusal(source)).toEqual([400, 'INVALID_REQUEST'])
    expect(source.body.error.details).toEqual([{ path: '/source', message: 'must be string' }])
    const ttl = await api.call('PUT', '/v1/entities/user/u-typed/labels/trusted', { ttl: ['1h'] })
    expect(refusal(ttl)).toEqual([400, 'INVALID_REQUEST'])
    expect((await api.call('GET', '/v1/entities/user/u-typed')).body.labels).toEqual([])
  })

  it('every wrong field is named at once (allErrors), each with its path', async () => {
    const r = await api.call('POST', '/v1/cases', {
      entity: { type: 'user', id: 7 },
      priority: '50',
      note: ['n'],
    })
    expect(refusal(r)).toEqual([400, 'INVALID_REQUEST'])
    expect(r.body.error.details).toEqual([
      { path: '/entity/id', message: 'must be string' },
      { path: '/priority', message: 'must be integer' },
      { path: '/note', message: 'must be string' },
    ])
  })

  it('an event id or actor id given as a number is refused, not stored as text', async () => {
    const id = await api.call('POST', '/v1/decide', signup({ id: 12345 }))
    expect(refusal(id)).toEqual([400, 'INVALID_REQUEST'])
    expect(id.body.error.details).toEqual([{ path: '/id', message: 'must be string' }])
    expect((await api.call('GET', '/v1/decisions/12345')).status).toBe(404)
    const actor = await api.call('POST', '/v1/decide', signup({ actor: { id: 67890 } }))
    expect(refusal(actor)).toEqual([400, 'INVALID_REQUEST'])
    expect(actor.body.error.details).toEqual([{ path: '/actor/id', message: 'must be string' }])
  })

  it('labels keep their own code: "true" for malicious is LABELS_INVALID with its index and field', async () => {
    const r = await api.call('POST', '/v1/labels', {
      labels: [
        { event_id: 'e-typed-1', malicious: true, source: 'review' },
        { event_id: 'e-typed-2', malicious: 'true', source: 'review' },
      ],
    })
    expect(refusal(r)).toEqual([400, 'LABELS_INVALID'])
    expect(r.body.error.details).toEqual([
      { index: 1, field: 'malicious', message: 'is required: true or false' },
    ])
  })

  it('defaults still fill in: a model registered without a role is a challenger', async () => {
    const content = Buffer.from(
      JSON.stringify({
        format: 'bulwark-logreg',
        version: 1,
        bias: 0,
        features: [{ name: 'amount', weight: 1 }],
      }),
    ).toString('base64')
    await api.call('POST', '/v1/models', { name: 'typed_model', content, role: 'champion' })
    const r = await api.call('POST', '/v1/models', { name: 'typed_model', content })
    expect(r.status).toBe(201)
    expect(r.body.roles.challenger).toBeDefined()
  })
})

describe('query strings and path parameters are still coerced from text', () => {
  it('?limit=2 is the integer 2, ?limit=abc is a 400 naming the parameter', async () => {
    for (let i = 0; i < 3; i++) await api.call('PUT', '/v1/enforcement/settings', { killSwitch: i % 2 === 0 })
    const audit = await api.call('GET', '/v1/enforcement/audit?limit=2')
    expect(audit.status).toBe(200)
    expect(audit.body.audit).toHaveLength(2)
    const bad = await api.call('GET', '/v1/enforcement/audit?limit=abc')
    expect(refusal(bad)).toEqual([400, 'INVALID_REQUEST'])
    expect(bad.body.error.message).toBe('invalid request: querystring/limit must be integer')
    await api.call('PUT', '/v1/enforcement/settings', { killSwitch: false })
  })
})

describe('the request validator factory', () => {
  it('coerces query strings, path parameters and headers (any case), never bodies, and compiles at registration', async () => {
    const factory = requestValidatorFactory() as unknown as Counted
    const compiled: string[] = []
    const counting: Counted = (externals, options) => {
      const compile = factory(externals, options)
      return (part) => {
        compiled.push(part.httpPart)
        return compile(part)
      }
    }
    const app = Fastify({
      ajv: { customOptions: { removeAdditional: false, allErrors: true } },
      schemaController: { compilersFactory: { buildValidator: counting as never } },
    })
    app.post(
      '/t/:n',
      {
        schema: {
          params: { type: 'object', properties: { n: { type: 'integer' } } },
          querystring: { type: 'object', properties: { q: { type: 'boolean' } } },
          headers: { type: 'object', properties: { 'X-Count': { type: 'integer' } }, required: ['X-Count'] },
          body: {
            type: 'object',
            properties: { b: { type: 'integer' }, when: { type: 'string', format: 'date-time' } },
          },
        },
      },
      async (req) => ({
        params: req.params,
        query: req.query,
        count: req.headers['x-count'],
        body: req.body,
      }),
    )
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    expect(compiled.sort()).toEqual(['body', 'headers', 'params', 'querystring'])
    try {
      const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-count': '3' }) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: await r.json() }))
      const ok = await post('/t/7?q=true', { b: 1 })
      expect(ok).toEqual({
        status: 200,
        body: { params: { n: 7 }, query: { q: true }, count: 3, body: { b: 1 } },
      })
      expect((await post('/t/7', { b: '1' })).status).toBe(400)
      expect((await post('/t/7', { b: [1] })).status).toBe(400)
      // Formats are Fastify's as before: ajv-formats.
      expect((await post('/t/7', { when: 'yesterday' })).status).toBe(400)
      expect((await post('/t/7', { when: '2026-03-01T12:00:00Z' })).status).toBe(200)
      expect((await post('/t/7', {}, {})).status).toBe(400)
      expect((await post('/t/x', {})).status).toBe(400)
      // Every part was compiled once, at registration; none per request.
      expect(compiled).toHaveLength(4)
    } finally {
      await app.close()
    }
  })

  it('lower-cases the property names of a headers schema, and leaves other schemas as they are', () => {
    expect(
      lowerCaseHeaderNames({
        type: 'object',
        properties: { 'Bulwark-Reviewer': { type: 'string' } },
        required: ['Bulwark-Reviewer'],
      }),
    ).toEqual({
      type: 'object',
      properties: { 'bulwark-reviewer': { type: 'string' } },
      required: ['bulwark-reviewer'],
    })
    expect(lowerCaseHeaderNames(true)).toBe(true)
    expect(lowerCaseHeaderNames({ type: 'object' })).toEqual({ type: 'object' })
  })
})
