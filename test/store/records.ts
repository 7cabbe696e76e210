/**
 * Test records for the repository suites: a realistic DecisionRecord per index (nested event
 * JSON, every Decision field, feature updates, entities). Free of vitest, so the child process
 * of the kill -9 test can import it too.
 */

import type { Decision } from '../../src/core/domain.ts'
import type { DecisionRecord } from '../../src/store/repository.ts'

export const T0 = Date.UTC(2025, 0, 1)
export const HOUR = 3_600_000

export function decisionRecord(i: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  const eventId = overrides.eventId ?? `evt-${i}`
  const features = { signups_per_device_1h: i % 5, ratio: 0.125, first_seen: T0 - HOUR }
  const decision: Decision = {
    eventId,
    eventType: 'signup',
    outcome: i % 3 === 0 ? 'block' : 'allow',
    score: (i * 7) % 100,
    reasons: i % 3 === 0 ? [`rule ${i} matched`] : [],
    hits: [
      {
        rule: 'device-farm',
        mode: 'enforce',
        outcome: 'block',
        score: 80,
        reason: 'One device, many accounts',
      },
      {
        rule: 'datacenter-signup',
        mode: 'shadow',
        outcome: 'challenge',
        score: 0.5,
        reason: 'Datacenter IP',
        note: 'outside its rollout share',
      },
    ],
    errors: [{ rule: 'broken', code: 'EVAL_DIVIDE_BY_ZERO', message: 'division by zero' }],
    skipped: [{ rule: 'needs-model', reason: 'model not loaded' }],
    evaluated: 12,
    features,
    labels: [
      { entity: 'device', id: `device-${i % 4}`, name: 'farm_device', expiresAt: '2025-01-31T00:00:00Z' },
    ],
    ignoredFields: ['extra'],
    policyVersion: 'pv-1',
    latencyMs: 0.25,
    time: new Date(T0 + i * 1000).toISOString(),
  }
  return {
    eventId,
    eventType: 'signup',
    eventTime: T0 + i * 1000,
    receivedAt: T0 + i * 1000 + 3,
    event: {
      type: 'signup',
      id: eventId,
      actor: { id: `user-${i}`, email: 'h:5f1c0b' },
      device: { id: `device-${i % 4}` },
      tags: ['a', 'b'],
      nested: { deep: [1, 2.5, null, { x: 'ünïcödé ✓' }] },
      flag: false,
    },
    decision,
    featureUpdates: [
      { id: 'signups_per_device_1h#a1', key: `device-${i % 4}`, time: T0 + i * 1000 },
      { id: 'accounts_per_ip_24h#b2', key: '203.0.113.7', time: T0 + i * 1000, value: `user-${i}` },
    ],
    labelOps: [],
    entities: [
      { type: 'actor', id: `user-${i}` },
      { type: 'device', id: `device-${i % 4}` },
    ],
    ...overrides,
  }
}
