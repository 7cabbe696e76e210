/**
 * A label records a verdict already reached: POST /v1/labels refuses a `time` more than 24 hours
 * ahead of the server's clock (400 LABELS_INVALID naming the index and field, nothing of the batch
 * stored), in either form (RFC 3339 or epoch milliseconds), and takes a time within the day of
 * slack. Real server, real HTTP; the times are far from the 24-hour edge, so the test does not
 * depend on how fast it runs.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { client, inProcess } from './harness.ts'

const server = await inProcess()
const api = client(server.url)
afterAll(() => server.stop())

const HOUR = 3600 * 1000
const labelsOf = async (eventId: string) =>
  (await api.call('GET', `/v1/labels?event_id=${eventId}`)).body.labels as unknown[]

describe('a label time ahead of the server clock', () => {
  it('two days ahead (RFC 3339) is refused with the field and why', async () => {
    const time = new Date(Date.now() + 48 * HOUR).toISOString()
    const r = await api.call('POST', '/v1/labels', {
      event_id: 'lt-1',
      malicious: true,
      source: 'review',
      time,
    })
    expect([r.status, r.body.error.code]).toEqual([400, 'LABELS_INVALID'])
    expect(r.body.error.message).toContain(`first: labels[0].time is ${time}, more than 24 hours after`)
    expect(r.body.error.details).toEqual([
      {
        index: 0,
        field: 'time',
        message: expect.stringMatching(
          /^is .+Z, more than 24 hours after the server's clock \(.+Z\): a label records a verdict already reached$/,
        ),
      },
    ])
    expect(await labelsOf('lt-1')).toEqual([])
  })

  it('in a batch, names the index; nothing of the batch is stored', async () => {
    const r = await api.call('POST', '/v1/labels', {
      labels: [
        { event_id: 'lt-2', malicious: true, source: 'import', time: Date.now() - HOUR },
        { event_id: 'lt-3', malicious: false, source: 'import' },
        { event_id: 'lt-4', malicious: true, source: 'import', time: Date.now() + 30 * 24 * HOUR },
        // Microseconds taken for milliseconds: the year 57,000 or so.
        { event_id: 'lt-5', malicious: true, source: 'import', time: Date.now() * 1000 },
      ],
    })
    expect([r.status, r.body.error.code]).toEqual([400, 'LABELS_INVALID'])
    expect(r.body.error.details.map((d: { index: number; field: string }) => [d.index, d.field])).toEqual([
      [2, 'time'],
      [3, 'time'],
    ])
    expect(r.body.error.message).toContain(
      'invalid labels (2 problem(s)); none was stored; first: labels[2].time',
    )
    for (const id of ['lt-2', 'lt-3', 'lt-4', 'lt-5']) expect(await labelsOf(id)).toEqual([])
  })

  it('an hour ahead (clock skew) and any past time are taken', async () => {
    const r = await api.call('POST', '/v1/labels', {
      labels: [
        {
          event_id: 'lt-6',
          malicious: true,
          source: 'review',
          time: new Date(Date.now() + HOUR).toISOString(),
        },
        { event_id: 'lt-7', malicious: true, source: 'review', time: '2020-01-01T00:00:00Z' },
        { event_id: 'lt-8', malicious: true, source: 'review', time: 0 },
      ],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ stored: 3 })
    expect(await labelsOf('lt-7')).toEqual([expect.objectContaining({ time: '2020-01-01T00:00:00.000Z' })])
  })
})
