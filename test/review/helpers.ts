/**
 * Helpers of the review tests: a real node on a temporary data directory serving the review pack
 * (test/review/pack) under a controlled clock, a device farm that gets one decision blocked, and a
 * recording stand-in for the enforcement service where a test wants to see exactly what review
 * asked of it.
 */

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock } from '../../src/core/clock.ts'
import type { ReviewEnforcement } from '../../src/review/ports.ts'
import { BulwarkNode } from '../../src/service/node.ts'

export const REVIEW_PACK = new URL('./pack', import.meta.url).pathname
export const T0 = Date.parse('2026-03-02T09:00:00Z')
export const MINUTE = 60_000

/**
 * The review pack without device-farm's `review` action, for tests that open every case
 * themselves (the outbox would otherwise race them to it).
 */
export function packWithoutReviewAction(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-review-pack-'))
  cpSync(REVIEW_PACK, dir, { recursive: true })
  const rules = join(dir, 'rules', 'fake.yaml')
  const text = readFileSync(rules, 'utf8')
  const without = text.replace(/^ {8}- review: .*\n/m, '')
  if (without === text) throw new Error('the review pack has no review action to remove')
  writeFileSync(rules, without)
  return dir
}

export async function reviewNode(
  policyDir = packWithoutReviewAction(),
): Promise<{ node: BulwarkNode; clock: ManualClock; dir: string }> {
  const clock = new ManualClock(T0)
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-review-'))
  const node = await BulwarkNode.open({
    dataDir: dir,
    policyDir,
    piiKey: 'review-test-pii-key-0123456789',
    clock,
    snapshotEveryMs: 3_600_000,
    maintenanceEveryMs: 3_600_000,
  })
  return { node, clock, dir }
}

let farm = 0
/** Four signups from one device: the fourth is blocked by device-farm. Returns its event id and user. */
export async function blockedSignup(
  node: BulwarkNode,
): Promise<{ eventId: string; user: string; device: string }> {
  farm++
  const device = `farm-${farm}`
  let last = { eventId: '', user: '' }
  for (let i = 1; i <= 4; i++) {
    const user = `u-${farm}-${i}`
    const r = await node.decide({
      type: 'signup',
      id: `signup-${farm}-${i}`,
      actor: { id: user },
      device: { id: device },
      ip: '198.51.100.7',
      email: `${user}@example.com`,
    })
    last = { eventId: r.decision.eventId, user }
  }
  return { ...last, device }
}

export interface EnforcementCall {
  readonly op: 'apply' | 'reverse'
  readonly args: unknown[]
}

/** Records every call; `failNext` makes the next call throw (an enforcement outage). */
export function recordingEnforcement(): ReviewEnforcement & { calls: EnforcementCall[]; failNext: boolean } {
  const rec = {
    calls: [] as EnforcementCall[],
    failNext: false,
    check() {
      if (rec.failNext) {
        rec.failNext = false
        throw new Error('enforcement is down')
      }
    },
    async applyActions(req: unknown) {
      rec.check()
      rec.calls.push({ op: 'apply', args: [req] })
    },
    async reverseDecision(decisionId: string, reason: string, cause: unknown) {
      rec.check()
      rec.calls.push({ op: 'reverse', args: [decisionId, reason, cause] })
    },
  }
  return rec
}

/**
 * Puts a stand-in where review reaches enforcement (the node's real enforcement service still
 * runs its outbox and is stopped on close); returns the function that puts the real one back.
 */
export function useEnforcement(node: BulwarkNode, enforcement: ReviewEnforcement): () => void {
  const real = node.enforcement
  Object.defineProperty(node, 'enforcement', { value: enforcement, configurable: true, writable: true })
  return () => Object.defineProperty(node, 'enforcement', { value: real, configurable: true, writable: true })
}
