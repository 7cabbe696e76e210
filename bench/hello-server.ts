/**
 * The baseline of the HTTP benchmark: a bare Fastify hello-world server (what the same machine
 * serves with no work per request). Prints its URL, like `bulwark serve`.
 */

import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
console.log(`hello-world at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
