/**
 * A real webhook receiver for the tests: node:http on a free port that verifies every
 * `Bulwark-Signature`, deduplicates on `Idempotency-Key` the way a platform should, and counts.
 * It can be taken "down" (connections are dropped) or told to answer a fixed status.
 */

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifySignature } from '../../src/enforcement/signing.ts'

export const SECRET = 'receiver-secret-0123456789abcdef'

export interface Receiver {
  readonly url: string
  /** Deliveries per idempotency key (every request that carried a valid signature). */
  readonly deliveries: Map<string, number>
  /** Bodies by idempotency key (the first one). */
  readonly bodies: Map<string, any>
  /** Requests whose signature did not verify. */
  badSignatures: number
  /** Drop connections while true. */
  down: boolean
  /** Answer this status instead of 200 (while set). */
  status: number | undefined
  /** Answer after a random delay up to this many ms (spreads deliveries out in time). */
  maxDelayMs: number
  /** Once this many deliveries are counted, leave further requests unanswered (in flight). */
  holdAfter: number | undefined
  /** Requests held unanswered so far. */
  held: number
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const r = {
    url: '',
    deliveries: new Map<string, number>(),
    bodies: new Map<string, any>(),
    badSignatures: 0,
    down: false,
    status: undefined as number | undefined,
    maxDelayMs: 0,
    holdAfter: undefined as number | undefined,
    held: 0,
    close: async () => {},
  }
  const server: Server = createServer((req, res) => {
    if (r.down) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const header = req.headers['bulwark-signature'] as string | undefined
      if (!verifySignature(SECRET, body, header, Math.floor(Date.now() / 1000))) {
        r.badSignatures++
        res.writeHead(401).end()
        return
      }
      if (r.status !== undefined) {
        res.writeHead(r.status).end()
        return
      }
      const answer = () => {
        const counted = [...r.deliveries.values()].reduce((a, b) => a + b, 0)
        if (r.holdAfter !== undefined && counted >= r.holdAfter) {
          r.held++
          return
        }
        const key = String(req.headers['idempotency-key'])
        r.deliveries.set(key, (r.deliveries.get(key) ?? 0) + 1)
        if (!r.bodies.has(key)) r.bodies.set(key, JSON.parse(body))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      }
      if (r.maxDelayMs > 0) setTimeout(answer, Math.random() * r.maxDelayMs)
      else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return r
}

/** Polls `check` until it holds (the outbox is asynchronous); fails with `what` after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
