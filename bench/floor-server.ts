/**
 * The durable floor of the HTTP benchmark: what any server that answers only once a request is on
 * stable storage pays, without deciding anything. A bare Fastify server that checks the same
 * bearer key, parses the same POSTs, appends each body and a small fixed decision as one line to
 * Bulwark's own write-ahead journal (src/store/journal.ts: group commit, fdatasync on libuv's
 * thread pool) and answers once the line is durable. No engine, no features, no SQLite.
 *
 * Between the hello-world (nothing durable) and `bulwark serve` (everything), it splits the gap:
 * hello → floor is the price of durability; floor → decide is the price of Bulwark's own work.
 * Prints its URL, like `bulwark serve`; the journal lives in a temporary directory removed on exit.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { Journal } from '../src/store/journal.ts'

const KEY = process.env.BULWARK_API_KEY ?? 'bench-key'
const dir = mkdtempSync(join(tmpdir(), 'bulwark-floor-'))
const journal = new Journal(dir)
journal.start()
let seq = 0

const app = Fastify({ logger: false })
app.addHook('onRequest', (req, reply, done) => {
  if (req.headers.authorization === `Bearer ${KEY}`) return done()
  reply.status(401).send({ error: { code: 'UNAUTHORIZED', message: 'bad key' } })
})
app.post('/v1/decide', async (req) => {
  const event = req.body as { id?: unknown; type?: unknown }
  const decision = {
    eventId: event.id,
    eventType: event.type,
    outcome: 'allow',
    score: 0,
    reasons: [],
    hits: [],
    policyVersion: 'floor',
    time: new Date().toISOString(),
  }
  seq++
  await journal.append(`[${seq},"decision",${JSON.stringify(event)},${JSON.stringify(decision)}]`, seq)
  return decision
})

const stop = () => {
  journal.close(true)
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
console.log(`durable floor at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
