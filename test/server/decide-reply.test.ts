/**
 * The reply of POST /v1/decide is the decision's recorded JSON text sent as it is (not serialised
 * a second time): it must be byte for byte what the response schema makes of the same decision.
 * GET /v1/decisions/:id serialises the stored decision through that schema, so for each event of
 * a realistic mix on the starter pack the two texts are compared; a repeated id still answers
 * `duplicate: true`.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventMix } from '../../bench/event-mix.ts'
import type { RunningServer } from '../../src/server/start.ts'
import { API_KEY, inProcess } from './harness.ts'

const STARTER = new URL('../../policies/starter', import.meta.url).pathname
const EVENTS = 150

let server: RunningServer
beforeAll(async () => {
  server = await inProcess({ policyDir: STARTER })
})
afterAll(async () => {
  await server.stop()
})

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

describe('POST /v1/decide reply', () => {
  it('is byte for byte the schema-serialised decision, for every event of a mix', async () => {
    const mix = eventMix(server.node.engine.pack, 11)
    let hits = 0
    for (let i = 0; i < EVENTS; i++) {
      const id = `reply-${i}`
      const posted = await call('POST', '/v1/decide', { ...mix(i), id })
      expect(posted.status).toBe(200)
      expect(posted.type).toBe('application/json; charset=utf-8')
      const decision = JSON.parse(posted.text)
      expect(decision.eventId).toBe(id)
      expect(decision.duplicate).toBe(false)
      hits += decision.hits.length
      const read = await call('GET', `/v1/decisions/${id}`)
      expect(read.status).toBe(200)
      expect(posted.text).toBe(`${read.text.slice(0, -1)},"duplicate":false}`)
    }
    // The mix must exercise the non-trivial parts of a decision (hits, reasons).
    expect(hits).toBeGreaterThan(0)
  })

  it('answers a repeated id with the recorded decision marked duplicate', async () => {
    const mix = eventMix(server.node.engine.pack, 12)
    const event = { ...mix(0), id: 'reply-repeated' }
    const first = JSON.parse((await call('POST', '/v1/decide', event)).text)
    const again = await call('POST', '/v1/decide', event)
    expect(again.status).toBe(200)
    expect(again.type).toBe('application/json; charset=utf-8')
    expect(JSON.parse(again.text)).toEqual({ ...first, duplicate: true })
  })
})
