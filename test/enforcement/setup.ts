/**
 * Shared setup of the enforcement tests: a real server (in this process) on the enforcement test
 * pack, with a webhook destination pointing at a real receiver and a fast outbox.
 */

import type { Clock } from '../../src/core/clock.ts'
import { enforcementConfig } from '../../src/enforcement/config.ts'
import { type RunningServer, startServer } from '../../src/server/start.ts'
import { API_KEY, type Client, client, PII_KEY, tempDir } from '../server/harness.ts'

export const ENFORCE_PACK = new URL('./pack', import.meta.url).pathname

export interface Started {
  readonly server: RunningServer
  readonly api: Client
  stop(): Promise<void>
}

export async function startEnforcing(
  options: {
    receiverUrl?: string
    secret?: string
    clock?: Clock
    maxAttempts?: number
    dataDir?: string
  } = {},
): Promise<Started> {
  const config = enforcementConfig({
    ...(options.receiverUrl
      ? { destinations: { default: { url: options.receiverUrl, secret: options.secret, timeout_ms: 2000 } } }
      : {}),
    outbox: { max_attempts: options.maxAttempts ?? 3, base_delay_ms: 10, max_delay_ms: 50, poll_ms: 20 },
  })
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: options.dataDir ?? tempDir('bulwark-enf-'),
    policyDir: ENFORCE_PACK,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
    enforcement: config,
    ...(options.clock ? { clock: options.clock } : {}),
  })
  return { server, api: client(server.url), stop: () => server.stop() }
}

let n = 0
/** A signup of `user` with the given risk (which picks the rule that hits). */
export function signup(risk: number, user = `u${++n}`, over: Record<string, unknown> = {}) {
  return {
    type: 'signup',
    id: `e-${Date.now()}-${++n}`,
    actor: { id: user },
    device: { id: `d-${user}` },
    risk,
    ...over,
  }
}
