/**
 * `bulwark labels import` against a real server (in this process, over real HTTP): a file of
 * 1,500+ lines goes in batches, bad lines are reported by number and skipped while the good lines
 * of their batch are imported, `--source` fills lines that name none, a line dated more than 24
 * hours ahead of the server's clock is reported and skipped, and a clean file exits 0.
 */

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, inProcess, tempDir } from '../server/harness.ts'
import { lines, type Run, runAll } from './run.ts'

let server: RunningServer
let api: Client
let r: Record<'mixed' | 'clean' | 'future' | 'unreachable' | 'usage', Run>
const dir = tempDir('bulwark-labels-cli-')
const mixed = join(dir, 'labels.jsonl')
const clean = join(dir, 'clean.jsonl')
const future = join(dir, 'future.jsonl')

beforeAll(async () => {
  server = await inProcess()
  api = client(server.url)
  const good = Array.from({ length: 1500 }, (_, i) =>
    JSON.stringify({ event_id: `imp-${i}`, malicious: i % 2 === 0, area: 'spam', damage: 1 }),
  )
  // Bad lines at 3 (not JSON), 1,200 (second batch: malicious is not a boolean) and the last
  // (an undeclared entity type); a blank line; lines with their own source, time and entity.
  const file = [
    ...good.slice(0, 2),
    '{"event_id": "broken",',
    '',
    JSON.stringify({
      event_id: 'own-source',
      malicious: true,
      source: 'review',
      time: '2026-03-01T12:00:00Z',
    }),
    JSON.stringify({ entity: { type: 'user', id: 'imp-user' }, malicious: false, note: 'appeal granted' }),
    ...good.slice(2, 1195),
    JSON.stringify({ event_id: 'bad-1200', malicious: 'yes' }),
    ...good.slice(1195),
    JSON.stringify({ entity: { type: 'planet', id: 'mars' }, malicious: true }),
  ]
  writeFileSync(mixed, `${file.join('\n')}\n`)
  writeFileSync(clean, `${good.slice(0, 3).join('\n').replaceAll('imp-', 'clean-')}\n`)
  // Line 2 is dated a year ahead (a typo in the year): refused by the server; lines 1 and 3 go in.
  const yearAhead = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString()
  writeFileSync(
    future,
    [
      { event_id: 'past-1', malicious: true, time: '2026-01-05T10:00:00Z' },
      { event_id: 'future-2', malicious: true, time: yearAhead },
      { event_id: 'now-3', malicious: false },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n'),
  )
  process.env.BULWARK_API_KEY = API_KEY
  r = await runAll({
    mixed: [['labels', 'import', mixed, '--url', server.url, '--source', 'chargeback']],
    clean: [['labels', 'import', clean, '--url', `${server.url}/`]],
    future: [['labels', 'import', future, '--url', server.url]],
    unreachable: [['labels', 'import', clean, '--url', 'http://127.0.0.1:9']],
    usage: [['labels', 'export', clean]],
  })
}, 60_000)

afterAll(async () => {
  await server.stop()
})

describe('bulwark labels import', () => {
  it('imports every good line in batches and reports the bad ones by line number', async () => {
    const run = r.mixed
    expect(run.code).toBe(1)
    expect(run.stdout).toBe(`imported 1502 of 1505 labels from ${mixed}\n`)
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^line 3: not JSON: /),
      'line 1200: malicious is required: true or false',
      'line 1506: entity.type must be an entity type of the pack (user, device, ip, email)',
    ])
    const label = async (id: string) => (await api.call('GET', `/v1/labels?event_id=${id}`)).body.labels
    expect(await label('imp-0')).toEqual([
      expect.objectContaining({
        event_id: 'imp-0',
        malicious: true,
        area: 'spam',
        damage: 1,
        source: 'chargeback',
      }),
    ])
    // Both batches, including the good lines of the batches that had bad ones.
    expect(await label('imp-1199')).toHaveLength(1)
    expect(await label('imp-1499')).toHaveLength(1)
    expect(await label('bad-1200')).toEqual([])
    expect(await label('own-source')).toEqual([
      expect.objectContaining({ source: 'review', time: '2026-03-01T12:00:00.000Z' }),
    ])
    const user = await api.call('GET', '/v1/labels?entity_type=user&entity_id=imp-user')
    expect(user.body.labels).toEqual([
      expect.objectContaining({ malicious: false, source: 'chargeback', note: 'appeal granted' }),
    ])
  })

  it('exits 0 on a clean file (the URL may end with a slash)', () => {
    expect(r.clean).toEqual({ code: 0, stdout: `imported 3 of 3 labels from ${clean}\n`, stderr: '' })
  })

  it('reports a line dated more than 24 hours ahead of the server and imports the others', async () => {
    expect(r.future.code).toBe(1)
    expect(r.future.stdout).toBe(`imported 2 of 3 labels from ${future}\n`)
    expect(lines(r.future.stderr)).toEqual([
      expect.stringMatching(
        /^line 2: time is \d{4}-.+Z, more than 24 hours after the server's clock \(.+\): a label records a verdict already reached$/,
      ),
    ])
    const label = async (id: string) => (await api.call('GET', `/v1/labels?event_id=${id}`)).body.labels
    expect(await label('future-2')).toEqual([])
    expect(await label('past-1')).toHaveLength(1)
    expect(await label('now-3')).toHaveLength(1)
  })

  it('exits 1 when the server cannot be reached, and on a usage error', () => {
    expect(r.unreachable.code).toBe(1)
    expect(r.unreachable.stdout).toBe(`imported 0 of 3 labels from ${clean}\n`)
    expect(r.unreachable.stderr).toMatch(/^stopped: cannot reach http:\/\/127\.0\.0\.1:9: /)
    expect(r.usage.code).toBe(1)
    expect(lines(r.usage.stderr)[0]).toBe("bulwark labels: unknown subcommand 'export'")
    expect(lines(r.usage.stderr)[2]).toBe('bulwark labels import FILE [--url URL] [--source S]')
  })
})
