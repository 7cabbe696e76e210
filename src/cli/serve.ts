/**
 * `bulwark serve`: the main job — the HTTP API on embedded storage with a policy pack.
 */

import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BulwarkError } from '../core/errors.ts'
import { loadEnforcementConfig } from '../enforcement/config.ts'
import { startServer } from '../server/start.ts'
import type { Command } from './command.ts'

export const DEFAULT_POLICY = 'policies/starter'
export const DEFAULT_DATA = '.data'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the decision server (HTTP API, embedded storage)',
  usage: `bulwark serve [--policy DIR] [--data DIR] [--port N] [--host ADDR] [--config FILE] [--log]

  --policy DIR  serve this pack (default: the pack served last from the data directory,
                else ${DEFAULT_POLICY})
  --data DIR    data directory: database, feature snapshot, inbox (default ${DEFAULT_DATA})
  --port N      port (default $PORT, else 8080; 0 picks a free one)
  --host ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --config FILE enforcement configuration (YAML or JSON): webhook destinations, outbox retry
                timing, safety switches, action retention (docs/enforcement.md)
  --log         log requests

  Environment:
    BULWARK_API_KEY  the key API clients send (Authorization: Bearer <key>); when unset, a new
                     one is generated and printed at every start
    BULWARK_PII_KEY  the key of PII pseudonyms (and of the inbox's encryption), at least 16
                     bytes; when unset, generated once into DATA/pii.key and read back at later
                     starts — set it in production, and never change it
    PORT             the port, when --port is not given
    BULWARK_WEBHOOK_URL, BULWARK_WEBHOOK_SECRET
                     the \`default\` webhook destination, when --config does not define one

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
        config: { type: 'string' },
      },
    })
    const port = Number(values.port ?? process.env.PORT ?? 8080)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(
        values.port !== undefined
          ? `--port must be a port number, got '${values.port}'`
          : `PORT must be a port number, got '${process.env.PORT}'`,
      )
      return 1
    }
    let server: Awaited<ReturnType<typeof startServer>>
    try {
      const enforcement = loadEnforcementConfig(values.config, process.env)
      server = await startServer({
        enforcement,
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
    const keyFile = join(values.data ?? DEFAULT_DATA, 'pii.key')
    const piiKeyLine = {
      given: '',
      generated: `PII key: generated into ${keyFile} (set BULWARK_PII_KEY in production)`,
      'data-dir': `PII key: read from ${keyFile}, generated at an earlier start (set BULWARK_PII_KEY in production)`,
    }[server.piiKeySource]
    const r = server.node.recovery
    const recovered = r.fromSnapshot
      ? `Recovered ${r.replayedDecisions} decisions' feature updates on top of the feature snapshot.`
      : r.replayedDecisions > 0
        ? `Recovered ${r.replayedDecisions} decisions' feature updates from the database (no feature snapshot).`
        : 'No feature snapshot and no recorded decisions: features start empty.'
    // Handlers go in before the banner: whoever reads the banner may signal at once.
    const stopped = new Promise<void>((resolve) => {
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
    io.out(
      [
        `Bulwark is serving policy ${p.name} ${p.version} (${p.rules} rules) at ${server.url}`,
        `API key: ${server.apiKey}${process.env.BULWARK_API_KEY ? ' (from BULWARK_API_KEY)' : ' (generated; set BULWARK_API_KEY to choose one)'}`,
        piiKeyLine,
        recovered,
        '',
        'Try it:',
        `  curl -s ${server.url}/v1/decide -H 'Authorization: Bearer ${server.apiKey}' -H 'Content-Type: application/json' \\`,
        `    -d '{"type":"signup","actor":{"id":"u1"},"device":{"id":"d1"},"ip":"203.0.113.7","email":"a@example.com","user_agent":"curl/8.4"}'`,
        `API reference: ${server.url}/docs`,
      ]
        .filter((l, i) => l || i > 2)
        .join('\n'),
    )
    await stopped
    return 0
  },
}
