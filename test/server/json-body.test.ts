/**
 * JSON request bodies (src/server/json-body.ts): parsed once, with prototype poisoning refused.
 * A key `__proto__` or a `constructor.prototype`, spelled plainly or with JSON escapes, is a 400
 * INVALID_JSON; text that merely contains those words, or escapes, is an ordinary body. Empty,
 * malformed and oversized bodies keep their stable errors.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mayPoison } from '../../src/server/json-body.ts'
import type { RunningServer } from '../../src/server/start.ts'
import { API_KEY, inProcess, signup } from './harness.ts'

let server: RunningServer
beforeAll(async () => {
  server = await inProcess({ bodyLimit: 4096 })
})
afterAll(async () => {
  await server.stop()
})

async function post(body: string, contentType = 'application/json') {
  const res = await fetch(`${server.url}/v1/decide`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': contentType },
    body,
  })
  return { status: res.status, body: (await res.json()) as any }
}

/** A signup event's JSON with `extra` spliced in as its last members. */
const signupWith = (extra: string) => `${JSON.stringify(signup()).slice(0, -1)},${extra}}`

describe('JSON request bodies', () => {
  it('refuses prototype poisoning however it is spelled, with 400 INVALID_JSON', async () => {
    const poisoned = [
      '"__proto__":{"admin":true}',
      '"\\u005f_proto__":{"admin":true}',
      '"__pr\\u006fto__":{"admin":true}',
      '"device2":{"__proto__":{"admin":true}}',
      '"constructor":{"prototype":{"admin":true}}',
      '"c\\u006fnstructor":{"prototype":{"admin":true}}',
      '"\\u0063onstructor":{"prototype":{"admin":true}}',
      '"__pr\\u006Fto__":{"admin":true}',
      '"list":[{"constructor":{"prototype":{"x":1}}}]',
    ]
    for (const extra of poisoned) {
      const r = await post(signupWith(extra))
      expect(r.status, extra).toBe(400)
      expect(r.body.error.code, extra).toBe('INVALID_JSON')
    }
  })

  it('decides bodies that only mention those words or use escapes', async () => {
    const fine = [
      '"user_agent":"__proto__ constructor"',
      '"user_agent":"caf\\u00e9 \\ud83d\\ude80"',
      '"constructor":"a plain string"',
      '"notes":{"constructor":1}',
    ]
    for (const extra of fine) {
      const r = await post(signupWith(extra))
      expect(r.status, extra).toBe(200)
      expect(r.body.outcome, extra).toBeTypeOf('string')
    }
  })

  it('keeps the errors of empty, malformed and oversized bodies', async () => {
    const cases: [string, number, string][] = [
      ['', 400, 'INVALID_JSON'],
      ['{"type": "signup", ', 400, 'INVALID_JSON'],
      ['{"type": "\\u00zz"}', 400, 'INVALID_JSON'],
      ['{"__proto__": ', 400, 'INVALID_JSON'],
      [signupWith(`"user_agent":"${'x'.repeat(5000)}"`), 413, 'PAYLOAD_TOO_LARGE'],
    ]
    for (const [body, status, code] of cases) {
      const r = await post(body)
      expect(r.status, body.slice(0, 40)).toBe(status)
      expect(r.body.error.code, body.slice(0, 40)).toBe(code)
    }
  })

  it('takes the careful path exactly for text that could spell a forbidden key', () => {
    expect(mayPoison('{"type":"signup","actor":{"id":"u1"}}')).toBe(false)
    expect(mayPoison('{"__proto__":{}}')).toBe(true)
    expect(mayPoison('{"constructor":{}}')).toBe(true)
    expect(mayPoison('{"\\u005f_proto__":{}}')).toBe(true)
    expect(mayPoison('{"\\u0063onstructor":{}}')).toBe(true)
    expect(mayPoison('{"__pr\\u006Fto__":{}}')).toBe(true)
    expect(mayPoison('{"x":"\\u0075"}')).toBe(true)
    // Escapes of characters neither key has (accents, emoji, CJK, quotes) keep the fast path.
    expect(mayPoison('{"text":"caf\\u00e9 \\ud83d\\ude80 \\u4f60 \\u0022"}')).toBe(false)
  })
})
