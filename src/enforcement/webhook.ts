/**
 * Delivering one webhook: POST the JSON body with `Idempotency-Key` (the action id) and a fresh
 * signature, within the destination's timeout. 2xx is delivered; 408, 429, 5xx and network
 * errors are worth retrying; any other status is final (the receiver refuses the request).
 */

import { SIGNATURE_HEADER, signature } from './signing.ts'
import type { ExecutionResult } from './types.ts'

export interface Destination {
  readonly name: string
  readonly url: string
  readonly secret: string
  /** Per-request timeout; default 5 s. */
  readonly timeoutMs?: number
}

export async function deliver(
  destination: Destination,
  idempotencyKey: string,
  body: string,
  nowMs: number,
): Promise<ExecutionResult> {
  const t = Math.floor(nowMs / 1000)
  let status: number
  try {
    const res = await fetch(destination.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        [SIGNATURE_HEADER]: signature(destination.secret, body, t),
        'user-agent': 'bulwark-webhooks/1',
      },
      body,
      signal: AbortSignal.timeout(destination.timeoutMs ?? 5000),
    })
    status = res.status
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined)
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } }
    const why = err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.message)
    return { ok: false, retry: true, error: `${destination.name}: ${why}` }
  }
  if (status >= 200 && status < 300) return { ok: true }
  const retry = status === 408 || status === 429 || status >= 500
  return { ok: false, retry, error: `${destination.name}: HTTP ${status}` }
}
