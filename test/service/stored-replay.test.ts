/**
 * Replaying stored events, whose PII fields hold pseudonyms: validation takes the pseudonyms, a
 * feature keyed on a PII field still counts, and a read of a PII value is an evaluation error
 * under CEL's own rules — `false && error` is an exact false, `true || error` an exact hit —
 * while presence tests and `==` between two PII strings stay exact. The rules reading PII values
 * are listed.
 */

import { describe, expect, it } from 'vitest'
import type { Decision } from '../../src/core/domain.ts'
import { parseEvents, replayEvents } from '../../src/engine/replay.ts'
import { loadPack } from '../../src/policy/load.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { Pseudonymiser } from '../../src/privacy/pseudonymise.ts'
import { storedEventsPack } from '../../src/service/stored-replay.ts'

const FILES = {
  'bulwark.yaml': `
name: pii
entities:
  user: actor.id
  device: device.id
events:
  signup:
    fields:
      device: { type: object, required: true, fields: { id: { type: string, required: true, pii: true } } }
      referrer: { type: object, fields: { device_id: { type: string, pii: true } } }
      ip: { type: ip, pii: true }
      email: { type: string, pii: true, max_length: 10 }
      score: int
`,
  'features/f.yaml': `
features:
  signups_per_device_1h:
    count: { on: signup, by: device.id, window: 1h }
  scored_1h:
    count: { on: signup, by: actor.id, window: 1h, where: "event.score > 0 || event.ip in lists.datacenter" }
`,
  'lists/l.yaml': `
lists:
  datacenter: { kind: cidrs, values: [10.0.0.0/8] }
`,
  'rules/r.yaml': `
rules:
  - id: farm
    on: signup
    when: features.signups_per_device_1h > 1
    then: { outcome: block, score: 80 }
  - id: high-and-hosted
    on: signup
    when: event.score > 5 && event.ip in lists.datacenter
    then: { outcome: review }
  - id: high-or-hosted
    on: signup
    when: event.score > 8 || event.ip in lists.datacenter
    then: { outcome: challenge }
  - id: self-referral
    on: signup
    when: event.?referrer.?device_id.hasValue() && event.device.id == event.referrer.device_id
    then: { outcome: block }
  - id: no-email
    on: signup
    when: "!has(event.email)"
    then: { outcome: challenge }
`,
}

function pack(): Pack {
  const r = loadPack(FILES)
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics))
  return r.pack
}

const p = new Pseudonymiser('a-server-key-of-sixteen-bytes')

/** Events as storage holds them: every PII value a pseudonym (the e-mail's longer than max_length). */
const stored = [
  {
    type: 'signup',
    id: 'e1',
    time: '2026-03-01T10:00:00Z',
    actor: { id: 'u1' },
    device: { id: p.pseudonym('d1') },
    referrer: { device_id: p.pseudonym('d2') },
    ip: p.pseudonym('10.0.0.1'),
    email: p.pseudonym('a@example.com'),
    score: 0,
  },
  {
    type: 'signup',
    id: 'e2',
    time: '2026-03-01T10:01:00Z',
    actor: { id: 'u2' },
    device: { id: p.pseudonym('d1') },
    referrer: { device_id: p.pseudonym('d1') },
    ip: p.pseudonym('10.0.0.1'),
    score: 9,
  },
]

async function replay(pk: Pack): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>()
  const events = parseEvents(stored.map((e) => JSON.stringify(e)).join('\n'))
  const summary = await replayEvents(pk, events, { onDecision: (d) => out.set(d.eventId, d) })
  expect(summary.rejected).toBe(0)
  return out
}

describe('storedEventsPack', () => {
  it('lists what reads PII values, not presence tests or pseudonym equality', () => {
    const { reads } = storedEventsPack(pack())
    expect(reads).toEqual({
      rules: { 'high-and-hosted': ['ip'], 'high-or-hosted': ['ip'] },
      features: { scored_1h: ['ip'] },
      rollouts: [],
      values: [],
    })
  })

  it('the pack as loaded refuses stored events: a pseudonym is no IP address', async () => {
    const events = parseEvents(JSON.stringify(stored[0]))
    const summary = await replayEvents(pack(), events)
    expect(summary.rejected).toBe(1)
  })

  it('replays stored events: PII reads are errors under CEL rules, the rest is exact', async () => {
    const decisions = await replay(storedEventsPack(pack()).pack)
    const e1 = decisions.get('e1')!
    const e2 = decisions.get('e2')!
    const hits = (d: Decision) => d.hits.map((h) => h.rule).sort()
    const errors = (d: Decision) => d.errors.map((e) => `${e.rule} ${e.code} ${e.message}`).sort()
    // e1: score 0. high-and-hosted: false && … is false; high-or-hosted: false || error.
    expect(hits(e1)).toEqual([])
    expect(errors(e1)).toEqual([
      "feature:scored_1h EVAL_PSEUDONYMISED where: field 'ip' holds a pseudonym in stored events; its raw value cannot be re-evaluated",
      "high-or-hosted EVAL_PSEUDONYMISED field 'ip' holds a pseudonym in stored events; its raw value cannot be re-evaluated",
    ])
    // e2: the second signup of the device (the PII key still counts), a self-referral (equal
    // pseudonyms), no e-mail; score 9: true || error hits, true && error is an error.
    expect(hits(e2)).toEqual(['farm', 'high-or-hosted', 'no-email', 'self-referral'])
    expect(errors(e2)).toEqual([
      "high-and-hosted EVAL_PSEUDONYMISED field 'ip' holds a pseudonym in stored events; its raw value cannot be re-evaluated",
    ])
    expect(e2.features.signups_per_device_1h).toBe(2)
    // The where of scored_1h: false || error fails on e1 (above), true || error counts e2.
    expect(e2.features.scored_1h).toBe(1)
  })
})
