/**
 * The documented HTTP examples still work (issue 4): every `curl` request of README.md's tour and
 * of docs/api.md is read from the page itself (test/docs/doc-requests.ts) and sent, in page
 * order, to a real server serving the starter pack over real HTTP, and must answer what the page
 * shows: the status, the error code, the decision's outcome and score, the counts. A body the
 * server refuses as the wrong JSON type, an event that no longer validates, a rule that no
 * longer decides as the tour says: each fails here, naming the page's line.
 *
 * The README's pack change is made as the README makes it (its `cp` and `sed` lines run in a
 * temporary directory, the pack uploaded as the gzipped tarball `tar` writes). Requests the page
 * elides (`…`) or whose body is a file are listed as not sent; so are the review and model
 * sections of docs/api.md, captured from other packs (test/review, test/server/models.test.ts).
 */

import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, PII_KEY, replyBody, tempDir } from '../server/harness.ts'
import { type DocRequest, docRequests, shellWords } from './doc-requests.ts'

const ROOT = new URL('../../', import.meta.url).pathname
const STARTER = join(ROOT, 'policies/starter')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

/** docs/api.md sections captured from another pack than the starter, or needing model files. */
const OTHER_PACK_SECTIONS = new Set(['Review cases and appeals', 'Models'])

async function starterServer(): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: tempDir('bulwark-docs-'),
    policyDir: STARTER,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
  })
}

interface Answer {
  readonly status: number
  readonly body: any
}

async function send(url: string, request: DocRequest, cwd: string): Promise<Answer> {
  const body = request.tarDir
    ? execFileSync('tar', ['-czf', '-', '-C', request.tarDir, '.'], { cwd })
    : request.body
  const headers: Record<string, string> = {}
  if (request.authorized) headers.authorization = `Bearer ${API_KEY}`
  if (request.contentType) headers['content-type'] = request.contentType
  const res = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers,
    ...(body !== undefined ? { body } : {}),
  })
  return { status: res.status, body: await replyBody(res) }
}

/**
 * A decision of an event accepted by `POST /v1/events` is 404 until the background worker has
 * decided it: asked again until it is there, as a client would (bounded, not timed).
 */
async function sendAwaitingDecision(url: string, request: DocRequest, cwd: string): Promise<Answer> {
  let answer = await send(url, request, cwd)
  for (
    let i = 0;
    i < 200 && answer.status === 404 && /still being decided/.test(answer.body?.error?.message ?? '');
    i++
  ) {
    await new Promise((r) => setTimeout(r, 10))
    answer = await send(url, request, cwd)
  }
  return answer
}

function checkAnswer(request: DocRequest, answer: Answer): void {
  const where = `line ${request.line}: ${request.method} ${request.path} → ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 400)}`
  const e = request.expect
  if (e.status !== undefined) expect(answer.status, where).toBe(e.status)
  if (e.code !== undefined) expect(answer.body?.error?.code, where).toBe(e.code)
  else if (e.status === undefined) expect(answer.status, where).toBeLessThan(300)
  if (e.outcome !== undefined) expect(answer.body?.outcome, where).toBe(e.outcome)
  if (e.score !== undefined) expect(answer.body?.score, where).toBe(e.score)
  for (const [name, n] of Object.entries(e.counts ?? {})) expect(answer.body?.[name], where).toBe(n)
}

/** The README's payout example: `'$(date -u -d '-10 min' +%FT%TZ)'` as the shell fills it in. */
function withDates(markdown: string): string {
  const tenMinutesAgo = new Date(Date.now() - 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return markdown.replaceAll("'$(date -u -d '-10 min' +%FT%TZ)'", tenMinutesAgo)
}

describe('README.md tour', () => {
  let server: RunningServer
  let cwd: string
  beforeAll(async () => {
    server = await starterServer()
    cwd = tempDir('bulwark-readme-')
    symlinkSync(join(ROOT, 'policies'), join(cwd, 'policies'))
  })
  afterAll(() => server?.stop())

  it('answers every curl request of the tour as the README shows', async () => {
    const readme = withDates(read('README.md'))
    const vars = { URL: server.url, KEY: API_KEY }
    const requests = docRequests(readme, vars)
    // The pack change of step 3, made by the README's own cp and sed lines.
    const shell = readme
      .split('\n')
      .filter((l) => /^(cp -r policies\/starter my-pack|sed -i .* my-pack\/)/.test(l))
    expect(shell).toHaveLength(2)
    for (const line of shell) {
      const [cmd, ...args] = shellWords(line, vars)
      execFileSync(cmd!, args, { cwd })
    }
    const sent: number[] = []
    for (const request of requests) {
      // Step 8 reads a model the starter pack does not serve (docs/models.md sets it up).
      if (request.path.startsWith('/v1/models')) continue
      expect(request.unsendable, `line ${request.line}: ${request.command}`).toBeUndefined()
      checkAnswer(request, await sendAwaitingDecision(server.url, request, cwd))
      sent.push(request.line)
    }
    // evt-1, its read-back, the upload, evt-2, the roll back, evt-3, the actions, evt-4.
    expect(sent.length).toBeGreaterThanOrEqual(8)
    const evt2 = requests.find((r) => r.body?.includes('"evt-2"'))
    expect(evt2?.expect).toMatchObject({ outcome: 'challenge' })
  })

  it('fails on an example whose body the server refuses since issue 4 (a numeric actor id)', async () => {
    const page = [
      '```sh',
      `curl -s $URL/v1/decide -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\`,
      `  -d '{"type": "login", "id": "m-1", "actor": {"id": 12345}, "success": true}'`,
      '# {"eventId":"m-1","eventType":"login","outcome":"allow",…}',
      '```',
    ].join('\n')
    const [request] = docRequests(page, { URL: server.url, KEY: API_KEY })
    expect(request).toMatchObject({
      line: 2,
      method: 'POST',
      path: '/v1/decide',
      expect: { outcome: 'allow' },
    })
    const answer = await send(server.url, request!, cwd)
    expect([answer.status, answer.body.error.code]).toEqual([400, 'INVALID_REQUEST'])
    expect(() => checkAnswer(request!, answer)).toThrow(/line 2: POST \/v1\/decide → 400/)
  })
})

describe('docs/api.md', () => {
  let server: RunningServer
  let cwd: string
  beforeAll(async () => {
    server = await starterServer()
    // The page uploads `my-pack` without saying how it changed it: the starter pack as it is.
    cwd = tempDir('bulwark-api-md-')
    cpSync(STARTER, join(cwd, 'my-pack'), { recursive: true })
  })
  afterAll(() => server?.stop())

  it('answers every curl request on the starter pack as the page shows', async () => {
    const requests = docRequests(read('docs/api.md'), { URL: server.url })
    const sent: DocRequest[] = []
    const notSent: string[] = []
    for (const request of requests) {
      if (OTHER_PACK_SECTIONS.has(request.section) || request.unsendable) {
        notSent.push(`${request.line} ${request.unsendable ?? request.section}`)
        continue
      }
      checkAnswer(request, await sendAwaitingDecision(server.url, request, cwd))
      sent.push(request)
    }
    expect(sent.length).toBeGreaterThanOrEqual(25)
    // What the page documents of issue 4 is among what was sent and checked.
    const sentLines = sent.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.expect)}`)
    expect(sentLines).toContainEqual(
      expect.stringMatching(/^GET \/v1\/policy \{"status":401,"code":"UNAUTHORIZED"\}/),
    )
    expect(sentLines).toContainEqual(expect.stringMatching(/^POST \/v1\/labels .*"code":"LABELS_INVALID"/))
    expect(sentLines).toContainEqual(expect.stringMatching(/^POST \/v1\/events .*"status":202/))
    expect(notSent.length).toBeLessThan(20)
  })
})

describe('reading commands off a page', () => {
  it("splits words as the shell does: quotes, '\"'\"', $VARS, continuations", () => {
    expect(shellWords(`curl -s "$URL/x" -d '{"s":"family'"'"'s"}' -H a\\ b`, { URL: 'http://h' })).toEqual([
      'curl',
      '-s',
      'http://h/x',
      '-d',
      `{"s":"family's"}`,
      '-H',
      'a b',
    ])
  })

  it('takes the answer from the comment lines, a following json block, or the $-style output', () => {
    const page = [
      '```sh',
      'curl -s $URL/v1/lists/l/entries -H \'Authorization: Bearer k\' -d \'{"values":["a"]}\'',
      '# {"added":1}',
      '```',
      '```',
      "$ curl -s -o /dev/null -w '%{http_code}\\n' -X DELETE $URL/v1/x -H 'Authorization: Bearer k'",
      '204',
      '$ curl -s $URL/v1/backtests … -d \'{"version":"0123456789ab"}\'',
      '{"error":{"code":"NOT_FOUND","message":"…"}}',
      '$ curl -s $URL/v1/decide -d @event.json',
      '```',
      '```sh',
      "curl -s $URL/v1/decide -H 'Authorization: Bearer k' -d '{}'",
      '```',
      '```json',
      '{ "eventId": "e", "outcome": "review", "score": 40 }',
      '```',
    ].join('\n')
    const requests = docRequests(page, { URL: 'http://h' })
    expect(requests.map((r) => [r.line, r.method, r.path, r.authorized, r.unsendable, r.expect])).toEqual([
      [2, 'POST', '/v1/lists/l/entries', true, undefined, { counts: { added: 1 } }],
      [6, 'DELETE', '/v1/x', true, undefined, { status: 204 }],
      [8, 'POST', '/v1/backtests', true, undefined, { code: 'NOT_FOUND' }],
      [10, 'POST', '/v1/decide', false, 'a body read from a file (@event.json)', {}],
      [13, 'POST', '/v1/decide', true, undefined, { outcome: 'review', score: 40 }],
    ])
  })
})
