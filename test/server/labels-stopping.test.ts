/**
 * A label POST that gets past the HTTP layer while the node is stopping (its storage closing or
 * closed) answers 503 UNAVAILABLE — retry elsewhere — not a 500.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, MINI_PACK, PII_KEY, tempDir } from './harness.ts'

let server: RunningServer
let api: Client

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: tempDir('bulwark-labels-stopping-'),
    policyDir: MINI_PACK,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
  })
  api = client(server.url)
})
afterAll(async () => {
  await server.stop()
})

const label = { event_id: 'ev-stop-1', malicious: true, area: 'spam', source: 'review' }

describe('POST /v1/labels while the node stops', () => {
  it('stores labels while running, then answers 503 UNAVAILABLE once the node is closing', async () => {
    expect(await api.call('POST', '/v1/labels', label)).toEqual({ status: 200, body: { stored: 1 } })
    // The node stops (storage closes) while the HTTP server still takes the request.
    const closing = server.node.close()
    const during = await api.call('POST', '/v1/labels', label)
    await closing
    const after = await api.call('POST', '/v1/labels', label)
    for (const r of [during, after]) {
      expect(r.status, JSON.stringify(r.body)).toBe(503)
      expect(r.body.error.code).toBe('UNAVAILABLE')
    }
  })
})
