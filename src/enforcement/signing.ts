/**
 * Webhook signatures: `Bulwark-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * with the destination's secret. The timestamp is signed with the body so a captured delivery
 * cannot be replayed later than the receiver's tolerance window (docs/enforcement.md).
 */

import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'Bulwark-Signature'
/** Receivers should refuse a signature older (or newer) than this. */
export const DEFAULT_TOLERANCE_S = 300

export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

/** Whether a header signs `body` with `secret` within `toleranceS` of `nowS`. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): boolean {
  if (!header) return false
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]))
  const t = Number(parts.get('t'))
  const v1 = parts.get('v1')
  if (!Number.isInteger(t) || !v1 || Math.abs(nowS - t) > toleranceS) return false
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'))
  const given = Buffer.from(v1)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
