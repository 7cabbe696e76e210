/**
 * Starting and stopping a server: open the node on its data directory, build the app, listen,
 * and on SIGTERM/SIGINT stop taking requests, let the ones in flight finish, decide what is
 * queued, snapshot the features and flush storage before exiting.
 */

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { BulwarkNode, type NodeOptions } from '../service/node.ts'
import { type AppOptions, buildApp } from './app.ts'

export interface ServerOptions extends Omit<NodeOptions, 'piiKey'>, Omit<AppOptions, 'apiKey'> {
  readonly port: number
  readonly host: string
  /** API key; generated when absent. */
  readonly apiKey?: string
  /** PII pseudonym key; when absent one is generated once and kept in the data directory. */
  readonly piiKey?: string
}

export interface RunningServer {
  readonly app: FastifyInstance
  readonly node: BulwarkNode
  readonly url: string
  readonly apiKey: string
  /** Whether the PII key was generated into the data directory (fine locally, not in production). */
  readonly generatedPiiKey: boolean
  stop(): Promise<void>
}

/** The data directory's PII key, created on first use (mode 0600). */
function dataDirPiiKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, 'pii.key')
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600 })
  return readFileSync(path, 'utf8').trim()
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const apiKey = options.apiKey ?? randomBytes(24).toString('base64url')
  const piiKey = options.piiKey ?? dataDirPiiKey(options.dataDir)
  const node = await BulwarkNode.open({ ...options, piiKey })
  let app: FastifyInstance
  try {
    app = await buildApp(node, { ...options, apiKey })
    await app.listen({ port: options.port, host: options.host })
  } catch (e) {
    await node.close()
    throw e
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      await app.close()
      await node.close()
    })()
    return stopping
  }
  return {
    app,
    node,
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    apiKey,
    generatedPiiKey: options.piiKey === undefined,
    stop,
  }
}
