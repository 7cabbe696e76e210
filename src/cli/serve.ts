/**
 * `bulwark serve`: the main job — the HTTP API on embedded storage with a policy pack.
 */

import { parseArgs } from 'node:util'
import { BulwarkError } from '../core/errors.ts'
import { startServer } from '../server/start.ts'
import type { Command } from './command.ts'

export const DEFAULT_POLICY = 'policies/starter'
export const DEFAULT_DATA = '.data'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the decision server (HTTP API, embedded storage)',
  usage: `bulwark serve [--policy DIR] [--data DIR] [--port N] [--host ADDR] [--log]

  --policy DIR  serve this pack (default: the pack served last from the data directory,
                else ${DEFAULT_POLICY})
  --data DIR    data directory: database, feature snapshot, inbox (default ${DEFAULT_DATA})
  --port N      port (default 8080; 0 picks a free one)
  --host ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --log         log requests

  Environment: BULWARK_API_KEY (generated and printed when unset), BULWARK_PII_KEY (the key of
  PII pseudonyms; generated into the data directory when unset — set it in production).
  Stops cleanly on SIGINT/SIGTERM: finishes requests and queued events, snapshots, flushes.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        policy: { type: 'string' },
        data: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        log: { type: 'boolean' },
      },
    })
    const port = Number(values.port ?? process.env.PORT ?? 8080)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`--port must be a port number, got '${values.port}'`)
      return 1
    }
    let server: Awaited<ReturnType<typeof startServer>>
    try {
      server = await startServer({
        port,
        host: values.host ?? '127.0.0.1',
        dataDir: values.data ?? DEFAULT_DATA,
        ...(values.policy ? { policyDir: values.policy } : { defaultPolicyDir: DEFAULT_POLICY }),
        ...(process.env.BULWARK_API_KEY ? { apiKey: process.env.BULWARK_API_KEY } : {}),
        ...(process.env.BULWARK_PII_KEY ? { piiKey: process.env.BULWARK_PII_KEY } : {}),
        logger: values.log ?? false,
      })
    } catch (e) {
      if (e instanceof BulwarkError) {
        io.err(`cannot start: ${e.message}`)
        const text = (e.details as { text?: string } | undefined)?.text
        if (text) io.err(text)
        return 1
      }
      throw e
    }
    const p = server.node.policy()
    io.out(
      [
        `Bulwark is serving policy ${p.name} ${p.version} (${p.rules} rules) at ${server.url}`,
        `API key: ${server.apiKey}${process.env.BULWARK_API_KEY ? ' (from BULWARK_API_KEY)' : ' (generated; set BULWARK_API_KEY to choose one)'}`,
        server.generatedPiiKey
          ? 'PII key: generated into the data directory (set BULWARK_PII_KEY in production)'
          : '',
        `Recovered ${server.node.recovery.replayedDecisions} decisions' feature updates on top of the snapshot.`,
        '',
        'Try it:',
        `  curl -s ${server.url}/v1/decide -H 'Authorization: Bearer ${server.apiKey}' -H 'Content-Type: application/json' \\`,
        `    -d '{"type":"signup","actor":{"id":"u1"},"device":{"id":"d1"},"ip":"203.0.113.7","email":"a@example.com","user_agent":"curl/8.4"}'`,
        `API reference: ${server.url}/docs`,
      ]
        .filter((l, i) => l || i > 2)
        .join('\n'),
    )
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        io.err(`${signal}: finishing requests and queued events, then stopping…`)
        server.stop().then(resolve, (e) => {
          io.err(`shutdown error: ${(e as Error).message}`)
          resolve()
        })
      }
      process.once('SIGINT', () => shutdown('SIGINT'))
      process.once('SIGTERM', () => shutdown('SIGTERM'))
    })
    return 0
  },
}
