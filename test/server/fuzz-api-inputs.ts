/**
 * Hostile inputs for the generative API test (fuzz-api.test.ts): raw HTTP requests sent with
 * node:http (so paths, bytes and headers reach the server exactly as written, with no URL
 * normalisation), fast-check arbitraries for path segments, query strings, content types and
 * bodies, the deterministic one-field mutations of a valid body (wrong values, and the right
 * value with the wrong JSON type), and the check that an answer is in the API's error envelope
 * with a registry code.
 */

import { Agent, request } from 'node:http'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { ERRORS } from '../../src/core/errors.ts'

/** One request exactly as it goes on the wire. */
export interface RawRequest {
  readonly method: string
  /** Path and query, already encoded (or deliberately not). */
  readonly path: string
  readonly headers: Record<string, string>
  readonly body?: Buffer
}

export interface RawResponse {
  readonly status: number
  readonly contentType: string
  readonly text: string
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 })

export function send(base: URL, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(req.body !== undefined ? { 'content-length': String(req.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    r.on('error', reject)
    r.end(req.body)
  })
}

export function closeAgent(): void {
  agent.destroy()
}

/**
 * Why an answer breaks the contract of issue 4, or undefined when it keeps it: never a 5xx, and a
 * 4xx is exactly `{"error": {"code", "message", "details"?}}` with a registry code whose status
 * is the one answered and a non-empty message.
 */
export function contractBreach(res: RawResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`
  if (res.status < 400) return undefined
  let body: unknown
  try {
    body = JSON.parse(res.text)
  } catch {
    return `status ${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`
  }
  if (!res.contentType.startsWith('application/json')) return `status ${res.status} as ${res.contentType}`
  const outer = body as Record<string, unknown> | null
  if (typeof outer !== 'object' || outer === null || Object.keys(outer).join() !== 'error')
    return `status ${res.status} outside the envelope: ${res.text.slice(0, 200)}`
  const error = outer.error as Record<string, unknown> | null
  if (typeof error !== 'object' || error === null)
    return `"error" is not an object: ${res.text.slice(0, 200)}`
  const extra = Object.keys(error).filter((k) => k !== 'code' && k !== 'message' && k !== 'details')
  if (extra.length) return `unexpected error fields ${extra.join(', ')}`
  const code = error.code
  if (typeof code !== 'string' || !Object.hasOwn(ERRORS, code))
    return `code ${String(code)} is not in the registry`
  if (ERRORS[code as keyof typeof ERRORS].status !== res.status)
    return `code ${code} answered with ${res.status}, registry says ${ERRORS[code as keyof typeof ERRORS].status}`
  if (typeof error.message !== 'string' || error.message.trim() === '')
    return `code ${code} without a message`
  return undefined
}

// ── JSON text with values JSON.stringify cannot write ────────────────────────────────

/** A JSON fragment written as it is: `1e309`, `-0`, a `__proto__` key, 5,000 nested arrays. */
export class RawJson {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

export function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`
  if (typeof v === 'object' && v !== null)
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

const nested = (depth: number, open: string, close: string, leaf = '1') =>
  new RawJson(open.repeat(depth) + leaf + close.repeat(depth))

/** Values of the wrong type, or of the right type at its edges, put in place of one field. */
export const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  new RawJson('-0'),
  new RawJson('1e309'),
  new RawJson('-1e309'),
  new RawJson('1e-400'),
  new RawJson('9007199254740993'),
  'NaN',
  'Infinity',
  '',
  ' ',
  '1',
  'true',
  'x'.repeat(10_000),
  '\u0000',
  '\ud800',
  '💥ü\u202e',
  '../../etc/passwd',
  '99999999999999999999d',
  '0s',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00.001Z',
  '2026-02-30T25:61:00Z',
  8.64e15 + 1,
  -8.64e15 - 1,
  '__proto__',
  [],
  [1, 'a', null],
  {},
  { a: { b: { c: 1 } } },
  new RawJson('{"__proto__":{"polluted":1}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":1}}}'),
  nested(50, '[', ']'),
  nested(50, '{"a":', '}'),
  // Deep enough to overflow the stack of anything recursive behind the parser, inside 64 KiB.
  nested(20_000, '[', ']'),
  nested(10_000, '{"a":', '}'),
]

/** Every path into a JSON value down to `depth` levels (objects and arrays). */
function paths(v: unknown, depth: number, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || typeof v !== 'object' || v === null) return []
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v)
  return keys.flatMap((k) => [
    [...prefix, k],
    ...paths((v as Record<string | number, unknown>)[k], depth - 1, [...prefix, k]),
  ])
}

function replaced(v: unknown, path: (string | number)[], by: unknown, drop: boolean): unknown {
  const [head, ...rest] = path
  if (head === undefined) return by
  if (Array.isArray(v)) {
    const copy = [...v]
    if (rest.length === 0 && drop) copy.splice(head as number, 1)
    else copy[head as number] = replaced(copy[head as number], rest, by, drop)
    return copy
  }
  const copy = { ...(v as Record<string, unknown>) }
  if (rest.length === 0 && drop) delete copy[head as string]
  else copy[head as string] = replaced(copy[head as string], rest, by, drop)
  return copy
}

/**
 * The valid body with one field at a time dropped or replaced by each wrong value, plus unknown
 * and prototype-poisoning keys beside the valid ones: JSON texts, in a fixed order.
 */
export function mutations(valid: unknown, depth = 3): string[] {
  const out: string[] = []
  for (const path of paths(valid, depth)) {
    out.push(jsonText(replaced(valid, path, undefined, true)))
    for (const wrong of WRONG_VALUES) out.push(jsonText(replaced(valid, path, wrong, false)))
  }
  if (typeof valid === 'object' && valid !== null && !Array.isArray(valid)) {
    const inner = jsonText(valid).slice(1, -1)
    const sep = inner ? ',' : ''
    out.push(`{${inner}${sep}"unexpected_field":1}`)
    out.push(`{${inner}${sep}"__proto__":{"polluted":true}}`)
    out.push(`{${inner}${sep}"constructor":{"prototype":{"polluted":true}}}`)
    out.push(`{${inner}${sep}"\\u005f_proto__":{"polluted":true}}`)
  }
  return out
}

/**
 * The same value with the wrong JSON type — what a validator that coerces types would silently
 * take for the right one: a number or boolean as a string (`5` → `"5"`, `true` → `"true"`), a
 * numeric string as a number, a scalar or object where one was expected as an array of one, and
 * where an array was expected its first element (or a string when it is empty).
 */
export function wrongTypesOf(v: unknown): unknown[] {
  if (v === null || v instanceof RawJson) return []
  if (Array.isArray(v)) return [v.length > 0 ? v[0] : 'x']
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v), [v]]
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return [Number(v), [v]]
  return [[v]]
}

/** One field of a valid body given the right value with the wrong JSON type. */
export interface TypeMutation {
  /** The field, as a JSON pointer (`/labels/0/malicious`). */
  readonly pointer: string
  readonly text: string
}

/** Every field of the valid body down to `depth` levels, with each of its wrong types. */
export function typeMutations(valid: unknown, depth = 3): TypeMutation[] {
  return paths(valid, depth).flatMap((path) => {
    const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], valid)
    return wrongTypesOf(value).map((wrong) => ({
      pointer: `/${path.join('/')}`,
      text: jsonText(replaced(valid, path, wrong, false)),
    }))
  })
}

// ── arbitraries ───────────────────────────────────────────────────────────────────────

/** Path segments: some percent-encoded, some raw (`..`, `%00`, a bad escape) on purpose. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2e%2e',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%',
    '%zz',
    '%ff',
    '%C0%AF',
    '%E2%82',
    '0',
    '-1',
    '1e309',
    'NaN',
    'true',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    '%F0%9F%92%A5',
    '%2F',
    'a%3Fb%23c',
    'x'.repeat(99),
    'x'.repeat(101),
    'x'.repeat(5000),
  ),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.double().map((n) => encodeURIComponent(String(n))),
)

/** Query strings (without the `?`): repeated, unknown, empty, poisoned and out-of-range keys. */
export function queryString(names: readonly string[]): fc.Arbitrary<string> {
  const known = names.length ? fc.constantFrom(...names) : fc.constant('limit')
  const key = fc.oneof(
    known,
    fc.constantFrom('__proto__', 'constructor', 'constructor[prototype][x]', 'a[]', '%zz', '', 'limit'),
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
  )
  const value = fc.oneof(
    fc.constantFrom('', '0', '-0', '-1', '1e309', 'NaN', '1.5', '99999999999999999999', 'true', '%zz', '%00'),
    pathSegment,
  )
  const pair = fc
    .tuple(key, fc.option(value, { nil: undefined }))
    .map(([k, v]) => (v === undefined ? k : `${k}=${v}`))
  return fc.array(pair, { maxLength: 6 }).map((p) => p.join('&'))
}

export const contentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/gzip',
  'application/x-tar',
  'application/octet-stream',
  'application/jsonp',
  'garbage',
  '',
)

const bytes = (text: string) => Buffer.from(text, 'utf8')

/** Bodies that are not the route's body at all: random JSON, broken JSON, raw bytes, BOMs. */
export function hostileBody(valid: unknown, limit: number): fc.Arbitrary<Buffer> {
  const validText = jsonText(valid ?? {})
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => bytes(JSON.stringify(v) ?? 'null')),
    fc
      .constantFrom(
        '',
        'null',
        '0',
        'true',
        '"text"',
        '[]',
        '{}',
        'NaN',
        '{"a":1,}',
        "{'a':1}",
        '{"a":1} trailing',
        '// comment\n{}',
        '1e309',
        '-0',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        `[${validText}]`,
        JSON.stringify(validText),
        `${validText}${validText}`,
      )
      .map(bytes),
    fc.integer({ min: 0, max: Math.max(0, validText.length - 1) }).map((n) => bytes(validText.slice(0, n))),
    fc.constantFrom(2000, 20_000).map((d) => bytes(nested(d, '[', ']').text)),
    fc.constantFrom(2000, 20_000).map((d) => bytes(nested(d, '{"a":', '}').text)),
    fc.constantFrom(limit - 64, limit + 1).map((n) => bytes(`{"type":"${'a'.repeat(Math.max(0, n - 11))}"}`)),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.uint8Array({ maxLength: 512 }).map((a) => gzipSync(a)),
    fc.constant(Buffer.concat([bytes('{"type":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), bytes('"}')])),
    fc.constant(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(validText)])),
    fc.constant(Buffer.from(validText, 'utf16le')),
  )
}
