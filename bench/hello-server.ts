/**
 * The baseline of the HTTP benchmark: a bare Fastify hello-world server (what the same machine
 * serves with no work per request), for GET / and for the decide benchmark's POSTs. Prints its
 * URL, like `bulwark serve`.
 */

import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
// The same POSTs the decide benchmark sends: the body is parsed, nothing else is done.
app.post('/v1/decide', async (req) => ({ hello: 'world', id: (req.body as { id?: unknown }).id }))
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
console.log(`hello-world at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
