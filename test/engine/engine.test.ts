/**
 * Engine semantics, on small packs written to temporary directories and loaded from disk, decided
 * by an in-memory engine on a manual clock:
 * - the outcome ladder (allow < challenge < review < block) combined with score thresholds;
 * - shadow hits are reported but never change outcome, score, reasons or labels; `off` rules are
 *   never evaluated; a rollout enforces a stable share of an entity, hits outside it are
 *   recorded as shadow with a note (docs/policy-packs.md §8 "Modes" and "Rollout");
 * - a rule that fails to evaluate is listed under `errors`, counted, and the other rules decide;
 * - rules run cheapest first;
 * - a repeated event id is answered with the recorded decision and counted once;
 * - labels set by rules, with a TTL, are seen by later events until they expire;
 * - PII fields reach storage only as pseudonyms (checked in the bytes of every stored file).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import type { Decision } from '../../src/core/domain.ts'
import { Engine } from '../../src/engine/engine.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { LabelStore } from '../../src/features/labels.ts'
import { ListRegistry } from '../../src/features/lists.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { Pseudonymiser } from '../../src/privacy/pseudonymise.ts'
import { SqliteRepository } from '../../src/store/sqlite.ts'
import { packDirs } from './pack-dir.ts'

const dirs = packDirs('engine')
afterAll(() => dirs.cleanup())

const T0 = Date.parse('2026-03-01T12:00:00Z')
const MIN = 60_000
const HOUR = 60 * MIN

const MANIFEST = `name: engine-tests
entities: { user: actor.id, device: device.id, email: email, ip: ip }
labels: { device: [farm], email: [burner] }
scoring: { thresholds: { challenge: 30, review: 60, block: 90 } }
events:
  signup:
    fields:
      hit: list<string>
      n: int
      note: string
      device: { type: object, fields: { id: string } }
      email: { type: string, pii: true }
      ip: { type: ip, pii: true }
      phones: { type: list<string>, pii: true }
  login:
    fields:
      hit: list<string>
      device: { type: object, fields: { id: string } }
`

const FEATURES = `features:
  signups_per_device_1h:
    count: { on: signup, by: device.id, window: 1h }
  users_per_ip_24h:
    distinct: { of: actor.id, on: signup, by: ip, window: 24h }
  logins_per_device_1h:
    count: { on: login, by: device.id, window: 1h }
`

/** A rule that hits when the event's `hit` list names it. */
const named = (id: string, then: string, extra = '', on = 'signup') =>
  `  - id: ${id}\n    on: ${on}\n    when: "'${id}' in event.hit"\n    then: ${then}\n${extra}`

function pack(rules: string[], features = FEATURES): Pack {
  return dirs.load({
    'bulwark.yaml': MANIFEST,
    'features/f.yaml': features,
    'rules/r.yaml': `rules:\n${rules.join('')}`,
  })
}

let userSeq = 0
function signup(over: Record<string, unknown> = {}): Record<string, unknown> {
  userSeq++
  return {
    type: 'signup',
    actor: { id: `u${userSeq}` },
    device: { id: `d${userSeq}` },
    email: `user${userSeq}@example.com`,
    ip: '203.0.113.7',
    hit: [],
    ...over,
  }
}

const decide = async (engine: Engine, event: Record<string, unknown>): Promise<Decision> =>
  (await engine.decide(event)).decision

const hitIds = (d: Decision) => d.hits.map((h) => h.rule)

describe('outcome ladder and score thresholds', () => {
  const SCORED = [1, 9, 20, 30, 50, 60]
  const p = pack([
    ...SCORED.map((s) => named(`s${s}`, `{ outcome: allow, score: ${s} }`)),
    named('zero', '{ outcome: allow, score: 0 }'),
    named('ch', '{ outcome: challenge }'),
    named('rv', '{ outcome: review, reason: needs a human }'),
    named('bl', '{ outcome: block }'),
  ])
  const engine = memoryEngine(p, new ManualClock(T0))

  const cases: [string[], string, number][] = [
    [[], 'allow', 0],
    [['zero'], 'allow', 0],
    [['s20', 's9'], 'allow', 29],
    [['s20', 's9', 's1'], 'challenge', 30],
    [['s50', 's9'], 'challenge', 59],
    [['s50', 's9', 's1'], 'review', 60],
    [['s60', 's20', 's9'], 'review', 89],
    [['s60', 's30'], 'block', 90],
    [['s60', 's50', 's30'], 'block', 100],
    [['ch'], 'challenge', 0],
    [['rv'], 'review', 0],
    [['bl'], 'block', 0],
    [['ch', 'rv'], 'review', 0],
    [['ch', 'rv', 'bl', 's1'], 'block', 1],
    [['ch', 's60'], 'review', 60],
    [['rv', 's30'], 'review', 30],
    [['ch', 's9'], 'challenge', 9],
    [['bl', 's9'], 'block', 9],
  ]

  for (const [hits, outcome, score] of cases) {
    it(`${hits.join(' + ') || 'no hits'} → ${outcome}, score ${score}`, async () => {
      const d = await decide(engine, signup({ hit: hits }))
      expect(d.outcome).toBe(outcome)
      expect(d.score).toBe(score)
      expect([...hitIds(d)].sort()).toEqual([...hits].sort())
      expect(d.hits.every((h) => h.mode === 'enforce')).toBe(true)
      expect(d.errors).toEqual([])
      // A reason for each enforced hit that raised the outcome or the score; none for `zero`.
      const reasons = hits.filter((h) => h !== 'zero').map((h) => (h === 'rv' ? 'needs a human' : h))
      expect([...d.reasons].sort()).toEqual(reasons.sort())
    })
  }

  it('reports each hit with the outcome and score it declares', async () => {
    const d = await decide(engine, signup({ hit: ['s60', 'rv'] }))
    expect(d.hits.find((h) => h.rule === 's60')).toMatchObject({
      outcome: 'allow',
      score: 60,
      mode: 'enforce',
    })
    expect(d.hits.find((h) => h.rule === 'rv')).toMatchObject({
      outcome: 'review',
      score: 0,
      mode: 'enforce',
    })
  })
})

describe('shadow rules', () => {
  const p = pack([
    named('s20', '{ outcome: allow, score: 20 }'),
    named('s30', '{ outcome: allow, score: 30 }'),
    named('ch', '{ outcome: challenge }'),
    named('rv', '{ outcome: review }'),
    named(
      'sh',
      '{ outcome: block, score: 100, labels: [{ entity: device, name: farm, ttl: 1h }] }',
      '    mode: shadow\n',
    ),
    named('sh-ch', '{ outcome: challenge, score: 35 }', '    mode: shadow\n'),
    '  - id: farm-login\n    on: login\n    when: labels.device.farm\n    then: { outcome: review, score: 40 }\n',
  ])

  it('are reported with mode shadow and never change outcome, score, reasons or labels', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const enforceable = ['s20', 's30', 'ch', 'rv']
    let shadowHits = 0
    for (let mask = 0; mask < 1 << enforceable.length; mask++) {
      const hits = enforceable.filter((_, i) => mask & (1 << i))
      const without = await decide(engine, signup({ hit: hits }))
      const withShadow = await decide(engine, signup({ hit: [...hits, 'sh', 'sh-ch'] }))
      shadowHits += 2
      expect(withShadow.outcome, hits.join('+')).toBe(without.outcome)
      expect(withShadow.score).toBe(without.score)
      expect(withShadow.reasons).toEqual(without.reasons)
      expect(withShadow.labels).toEqual([])
      const shadow = withShadow.hits.filter((h) => h.mode === 'shadow')
      expect(shadow.map((h) => h.rule).sort()).toEqual(['sh', 'sh-ch'])
      expect(shadow.find((h) => h.rule === 'sh')).toMatchObject({ outcome: 'block', score: 100 })
      expect(withShadow.hits.filter((h) => h.mode === 'enforce').map((h) => h.rule)).toEqual(
        without.hits.map((h) => h.rule),
      )
    }
    expect(engine.metrics.hits.get({ rule: 'sh', mode: 'shadow' })).toBe(shadowHits / 2)
    expect(engine.metrics.hits.get({ rule: 'sh', mode: 'enforce' })).toBe(0)
  })

  it('a shadow rule sets no label: a later event does not see it', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const d = await decide(engine, signup({ device: { id: 'dev-shadow' }, hit: ['sh'] }))
    expect(d.outcome).toBe('allow')
    expect(d.labels).toEqual([])
    const login = await decide(engine, { type: 'login', actor: { id: 'x' }, device: { id: 'dev-shadow' } })
    expect(hitIds(login)).toEqual([])
    expect(login.outcome).toBe('allow')
  })

  it('the same rule enforced does change the outcome and sets the label (the control)', async () => {
    const enforced = pack([
      named('sh', '{ outcome: block, score: 100, labels: [{ entity: device, name: farm, ttl: 1h }] }'),
      '  - id: farm-login\n    on: login\n    when: labels.device.farm\n    then: { outcome: review, score: 40 }\n',
    ])
    const engine = memoryEngine(enforced, new ManualClock(T0))
    const d = await decide(engine, signup({ device: { id: 'dev-enforced' }, hit: ['sh'] }))
    expect(d.outcome).toBe('block')
    expect(d.labels.map((l) => `${l.entity}:${l.id}:${l.name}`)).toEqual(['device:dev-enforced:farm'])
    const login = await decide(engine, { type: 'login', actor: { id: 'x' }, device: { id: 'dev-enforced' } })
    expect(hitIds(login)).toEqual(['farm-login'])
  })
})

describe('mode off', () => {
  const p = pack([
    named('on-rule', '{ outcome: challenge, score: 30 }'),
    '  - id: off-div\n    on: signup\n    mode: off\n    when: 10 / event.n > 1\n    then: { outcome: block }\n',
    named('off-hit', '{ outcome: block, score: 100 }', '    mode: off\n'),
    '  - id: off-logins\n    on: signup\n    mode: off\n    when: features.logins_per_device_1h > 0\n    then: { outcome: block }\n',
  ])

  it('is never evaluated: no hit, no error, listed as skipped, not counted as evaluated', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    // n = 0 would make off-div fail; 'off-hit' is named, so off-hit would match.
    const d = await decide(engine, signup({ n: 0, hit: ['on-rule', 'off-hit'] }))
    expect(hitIds(d)).toEqual(['on-rule'])
    expect(d.outcome).toBe('challenge')
    expect(d.score).toBe(30)
    expect(d.errors).toEqual([])
    expect(d.evaluated).toBe(1)
    expect([...d.skipped].sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
      { rule: 'off-div', reason: 'mode: off' },
      { rule: 'off-hit', reason: 'mode: off' },
      { rule: 'off-logins', reason: 'mode: off' },
    ])
    expect(engine.metrics.ruleErrors.get({ rule: 'off-div', code: 'EVAL_DIVIDE_BY_ZERO' })).toBe(0)
    expect(engine.metrics.hits.get({ rule: 'off-hit', mode: 'enforce' })).toBe(0)
    expect(engine.metrics.hits.get({ rule: 'off-hit', mode: 'shadow' })).toBe(0)
  })

  it('does not even make the decision compute the features only it reads (docs §1)', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const d = await decide(engine, signup())
    expect(Object.keys(d.features)).not.toContain('logins_per_device_1h')
    expect(Object.keys(d.features)).toContain('signups_per_device_1h')
  })

  it('the same rules switched on do hit and fail (the control)', async () => {
    const on = pack([
      named('on-rule', '{ outcome: challenge, score: 30 }'),
      '  - id: off-div\n    on: signup\n    when: 10 / event.n > 1\n    then: { outcome: block }\n',
      named('off-hit', '{ outcome: block, score: 100 }'),
      '  - id: off-logins\n    on: signup\n    when: features.logins_per_device_1h > 0\n    then: { outcome: block }\n',
    ])
    const d = await decide(
      memoryEngine(on, new ManualClock(T0)),
      signup({ n: 0, hit: ['on-rule', 'off-hit'] }),
    )
    expect([...hitIds(d)].sort()).toEqual(['off-hit', 'on-rule'])
    expect(d.errors.map((e) => e.rule)).toEqual(['off-div'])
    expect(d.evaluated).toBe(4)
    expect(d.skipped).toEqual([])
    expect(Object.keys(d.features)).toContain('logins_per_device_1h')
  })
})

describe('rollout', () => {
  const RULES = [
    named(
      'ro30',
      '{ outcome: block, score: 50, labels: [{ entity: device, name: farm, ttl: 1h }] }',
      '    rollout: { percent: 30, by: user }\n',
    ),
    '  - id: second30\n    on: signup\n    when: "\'ro30\' in event.hit"\n    then: { outcome: review }\n    rollout: { percent: 30, by: user }\n',
    named('ro0', '{ outcome: block }', '    rollout: { percent: 0, by: user }\n'),
    named('ro100', '{ outcome: block }', '    rollout: { percent: 100, by: user }\n'),
    named('ro-dev', '{ outcome: block }', '    rollout: { percent: 50, by: device }\n'),
    named(
      'sh-ro',
      '{ outcome: block, score: 90 }',
      '    mode: shadow\n    rollout: { percent: 100, by: user }\n',
    ),
  ]
  const files = {
    'bulwark.yaml': MANIFEST,
    'features/f.yaml': FEATURES,
    'rules/r.yaml': `rules:\n${RULES.join('')}`,
  }
  const USERS = 10_000
  const user = (i: number) => `ro-user-${i}`
  const enforcedBy = new Map<string, Set<string>>([
    ['ro30', new Set()],
    ['second30', new Set()],
  ])

  it('enforces a share of users within tolerance of the percentage; outside it a hit is shadow with a note', async () => {
    const engine = memoryEngine(dirs.load(files), new ManualClock(T0))
    for (let i = 0; i < USERS; i++) {
      const d = await decide(engine, {
        type: 'signup',
        actor: { id: user(i) },
        device: { id: `ro-dev-${i}` },
        hit: ['ro30'],
      })
      const a = d.hits.find((h) => h.rule === 'ro30')!
      const b = d.hits.find((h) => h.rule === 'second30')!
      expect(a, user(i)).toBeDefined()
      expect(b, user(i)).toBeDefined()
      for (const h of [a, b]) {
        if (h.mode === 'enforce') {
          enforcedBy.get(h.rule)!.add(user(i))
          expect(h.note).toBeUndefined()
        } else {
          expect(h.mode).toBe('shadow')
          expect(h.note).toMatch(/30% rollout by user/)
        }
      }
      const inA = a.mode === 'enforce'
      expect(d.outcome).toBe(inA ? 'block' : b.mode === 'enforce' ? 'review' : 'allow')
      expect(d.score).toBe(inA ? 50 : 0)
      // Outside the rollout the rule's label is not set either.
      expect(d.labels.length).toBe(inA ? 1 : 0)
    }
    for (const [rule, set] of enforcedBy) {
      expect(set.size / USERS, rule).toBeGreaterThan(0.28)
      expect(set.size / USERS, rule).toBeLessThan(0.32)
    }
    // The share is picked by rule and entity together: another rule at the same percentage
    // enforces for other users (were it the entity alone, the two shares would coincide).
    const a = enforcedBy.get('ro30')!
    const both = [...enforcedBy.get('second30')!].filter((u) => a.has(u)).length
    expect(both / USERS).toBeLessThan(0.15)
    expect(engine.metrics.hits.get({ rule: 'ro30', mode: 'enforce' })).toBe(a.size)
    expect(engine.metrics.hits.get({ rule: 'ro30', mode: 'shadow' })).toBe(USERS - a.size)
  })

  it('gives the same entity the same answer every time: later, in another engine, from another device', async () => {
    const a = enforcedBy.get('ro30')!
    expect(a.size).toBeGreaterThan(0) // the test above ran
    const clock = new ManualClock(T0)
    const again = memoryEngine(dirs.load(files), clock)
    for (let round = 0; round < 2; round++) {
      clock.advance(3 * HOUR)
      for (let i = 0; i < 2_000; i++) {
        const d = await decide(again, {
          type: 'signup',
          actor: { id: user(i) },
          device: { id: `other-dev-${round}-${i}` },
          hit: ['ro30'],
        })
        expect(d.hits.find((h) => h.rule === 'ro30')!.mode === 'enforce', user(i)).toBe(a.has(user(i)))
      }
    }
  })

  it('0% enforces for nobody, 100% for everybody', async () => {
    const engine = memoryEngine(dirs.load(files), new ManualClock(T0))
    for (let i = 0; i < 300; i++) {
      const d = await decide(engine, signup({ actor: { id: user(i) }, hit: ['ro0', 'ro100'] }))
      expect(d.hits.find((h) => h.rule === 'ro0')).toMatchObject({ mode: 'shadow' })
      expect(d.hits.find((h) => h.rule === 'ro0')!.note).toMatch(/rollout/)
      expect(d.hits.find((h) => h.rule === 'ro100')).toMatchObject({ mode: 'enforce' })
      expect(d.hits.find((h) => h.rule === 'ro100')!.note).toBeUndefined()
      expect(d.outcome).toBe('block')
    }
  })

  it('a shadow rule stays shadow whatever its rollout', async () => {
    const engine = memoryEngine(dirs.load(files), new ManualClock(T0))
    for (let i = 0; i < 100; i++) {
      const d = await decide(engine, signup({ actor: { id: user(i) }, hit: ['sh-ro'] }))
      expect(d.hits).toMatchObject([{ rule: 'sh-ro', mode: 'shadow' }])
      expect(d.outcome).toBe('allow')
      expect(d.score).toBe(0)
    }
  })

  it('an event without the rollout entity is outside the share (recorded as shadow)', async () => {
    const engine = memoryEngine(dirs.load(files), new ManualClock(T0))
    let enforced = 0
    for (let i = 0; i < 200; i++) {
      const withDevice = await decide(engine, signup({ device: { id: `dev-${i}` }, hit: ['ro-dev'] }))
      if (withDevice.hits[0]!.mode === 'enforce') enforced++
      const without = await decide(engine, { type: 'signup', actor: { id: user(i) }, hit: ['ro-dev'] })
      expect(without.hits).toMatchObject([{ rule: 'ro-dev', mode: 'shadow' }])
      expect(without.outcome).toBe('allow')
    }
    expect(enforced).toBeGreaterThan(60)
    expect(enforced).toBeLessThan(140)
  })
})

describe('a rule that fails to evaluate', () => {
  const p = pack([
    '  - id: div\n    on: signup\n    when: 10 / event.n > 1\n    then: { outcome: block, score: 90 }\n',
    "  - id: missing\n    on: signup\n    when: event.note == 'x'\n    then: { outcome: block, score: 90 }\n",
    named('ok', '{ outcome: challenge, score: 30 }'),
    "  - id: late\n    on: signup\n    when: event.hit.exists(h, h.matches('^o'))\n    then: { outcome: allow, score: 5 }\n",
  ])

  it('is listed under errors, counted, and the other rules still decide', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    for (let i = 1; i <= 3; i++) {
      const d = await decide(engine, signup({ n: 0, hit: ['ok'] }))
      expect(d.outcome).toBe('challenge')
      expect(d.score).toBe(35)
      expect([...hitIds(d)].sort()).toEqual(['late', 'ok'])
      expect(d.evaluated).toBe(4)
      expect([...d.errors].sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
        { rule: 'div', code: 'EVAL_DIVIDE_BY_ZERO', message: expect.any(String) },
        { rule: 'missing', code: 'EVAL_NO_SUCH_FIELD', message: expect.stringContaining('note') },
      ])
      expect(engine.metrics.ruleErrors.get({ rule: 'div', code: 'EVAL_DIVIDE_BY_ZERO' })).toBe(i)
      expect(engine.metrics.ruleErrors.get({ rule: 'missing', code: 'EVAL_NO_SUCH_FIELD' })).toBe(i)
    }
    expect(engine.metrics.registry.render()).toContain(
      'bulwark_rule_errors_total{rule="div",code="EVAL_DIVIDE_BY_ZERO"} 3',
    )
  })

  it('with inputs it can use, the same rules hit and block (the control)', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const d = await decide(engine, signup({ n: 5, note: 'x', hit: ['ok'] }))
    expect(d.errors).toEqual([])
    expect([...hitIds(d)].sort()).toEqual(['div', 'late', 'missing', 'ok'])
    expect(d.outcome).toBe('block')
    expect(d.score).toBe(100)
  })
})

describe('rule order', () => {
  it('runs rules cheapest first, whatever order they are declared in', async () => {
    const p = pack([
      '  - id: p-slow\n    on: signup\n    when: profanity(event.note) >= 0\n    then: { outcome: allow, score: 1 }\n',
      '  - id: p-loop\n    on: signup\n    when: event.hit.all(h, h.size() < 50)\n    then: { outcome: allow, score: 1 }\n',
      "  - id: p-regex\n    on: signup\n    when: event.note.matches('^a+$')\n    then: { outcome: allow, score: 1 }\n",
      '  - id: p-fails\n    on: signup\n    when: int(event.note) > 0\n    then: { outcome: allow, score: 1 }\n',
      "  - id: p-cheap\n    on: signup\n    when: event.note == 'aaa'\n    then: { outcome: allow, score: 1 }\n",
    ])
    const cost = new Map(p.rules.map((r) => [r.id, r.program.cost]))
    const declared = p.rules.map((r) => r.id)
    const byCost = [...declared].sort((a, b) => cost.get(a)! - cost.get(b)!)
    // The costs differ enough to make the order unambiguous, and it is not the declared order.
    expect(new Set(cost.values()).size).toBe(declared.length)
    expect(byCost).not.toEqual(declared)
    expect(byCost[0]).toBe('p-cheap')
    expect(byCost.at(-1)).toBe('p-slow')

    const d = await decide(memoryEngine(p, new ManualClock(T0)), signup({ note: 'aaa', hit: ['x'] }))
    expect(d.evaluated).toBe(5)
    expect(d.errors.map((e) => e.rule)).toEqual(['p-fails'])
    expect(hitIds(d)).toEqual(byCost.filter((id) => id !== 'p-fails'))
    // Reasons come in the same order (each rule's reason defaults to its id).
    expect(d.reasons).toEqual(hitIds(d))
  })
})

describe('idempotency', () => {
  const p = pack([
    named('mark', '{ outcome: challenge, score: 30, labels: [{ entity: device, name: farm }] }'),
    '  - id: farm-login\n    on: login\n    when: labels.device.farm\n    then: { outcome: review }\n',
  ])
  const login = (device: string) => ({ type: 'login', actor: { id: 'x' }, device: { id: device } })

  it('a repeated id is answered with the recorded decision and changes nothing (docs/api.md)', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const first = await engine.decide(signup({ id: 'evt-1', device: { id: 'idem-d1' } }))
    expect(first.duplicate).toBe(false)
    expect(first.decision.features.signups_per_device_1h).toBe(1)
    // The same id with other content: still the recorded decision.
    const again = await engine.decide(signup({ id: 'evt-1', device: { id: 'idem-d2' }, hit: ['mark'] }))
    expect(again.duplicate).toBe(true)
    expect(again.decision).toEqual(first.decision)
    expect(again.decision.outcome).toBe('allow')
    const next = await decide(engine, signup({ id: 'evt-2', device: { id: 'idem-d1' } }))
    expect(next.features.signups_per_device_1h).toBe(2)
    const other = await decide(engine, signup({ id: 'evt-3', device: { id: 'idem-d2' } }))
    expect(other.features.signups_per_device_1h).toBe(1)
    expect(engine.metrics.decisions.get({ outcome: 'allow', type: 'signup' })).toBe(3)
    expect(engine.metrics.decisions.get({ outcome: 'challenge', type: 'signup' })).toBe(0)
    // The repeated body would have labelled idem-d2; it did not. The control: a new event does.
    expect(hitIds(await decide(engine, login('idem-d2')))).toEqual([])
    await decide(engine, signup({ id: 'evt-4', device: { id: 'idem-d2' }, hit: ['mark'] }))
    expect(hitIds(await decide(engine, login('idem-d2')))).toEqual(['farm-login'])
  })

  it('concurrent requests with one id are decided once', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const event = signup({ id: 'evt-c', device: { id: 'idem-c' } })
    const results = await Promise.all(Array.from({ length: 8 }, () => engine.decide({ ...event })))
    expect(results.filter((r) => !r.duplicate).length).toBe(1)
    for (const r of results) expect(r.decision).toEqual(results[0]!.decision)
    const next = await decide(engine, signup({ device: { id: 'idem-c' } }))
    expect(next.features.signups_per_device_1h).toBe(2)
  })

  it('events without an id are all decided and counted', async () => {
    const engine = memoryEngine(p, new ManualClock(T0))
    const ids = new Set<string>()
    for (let i = 1; i <= 5; i++) {
      const d = await decide(engine, { type: 'signup', actor: { id: 'same' }, device: { id: 'idem-noid' } })
      expect(d.features.signups_per_device_1h).toBe(i)
      ids.add(d.eventId)
    }
    expect(ids.size).toBe(5)
  })
})

describe('labels with a TTL', () => {
  const p = pack([
    named(
      'mark',
      '{ outcome: allow, labels: [{ entity: device, name: farm, ttl: 1h }, { entity: email, name: burner, ttl: 2h }] }',
    ),
    '  - id: farm-login\n    on: login\n    when: labels.device.farm\n    then: { outcome: review, score: 40 }\n',
    '  - id: burner-signup\n    on: signup\n    when: labels.email.burner\n    then: { outcome: challenge, score: 30 }\n',
  ])
  const login = (device: string) => ({ type: 'login', actor: { id: 'someone' }, device: { id: device } })

  it('are visible to later events until they expire, and gone after', async () => {
    const clock = new ManualClock(T0)
    const engine = memoryEngine(p, clock)
    const email = 'label-victim@example.org'
    const marked = await decide(engine, signup({ device: { id: 'lab-d1' }, email, hit: ['mark'] }))
    expect(marked.labels).toHaveLength(2)
    expect(marked.labels[0]).toEqual({
      entity: 'device',
      id: 'lab-d1',
      name: 'farm',
      expiresAt: new Date(T0 + HOUR).toISOString(),
    })
    // The e-mail entity is PII: its label is kept under the pseudonym.
    expect(marked.labels[1]).toMatchObject({
      entity: 'email',
      name: 'burner',
      expiresAt: new Date(T0 + 2 * HOUR).toISOString(),
    })
    expect(marked.labels[1]!.id).toMatch(/^p:[A-Za-z0-9_-]{22}$/)
    // The deciding event itself does not see the labels it sets.
    expect(hitIds(marked)).toEqual(['mark'])

    clock.set(T0 + 30 * MIN)
    expect(hitIds(await decide(engine, login('lab-d1')))).toEqual(['farm-login'])
    expect((await decide(engine, login('lab-d1'))).outcome).toBe('review')
    expect(hitIds(await decide(engine, login('lab-d2')))).toEqual([])
    expect(hitIds(await decide(engine, signup({ email })))).toEqual(['burner-signup'])
    expect(hitIds(await decide(engine, signup({ email: 'someone-else@example.org' })))).toEqual([])

    clock.set(T0 + HOUR - 1)
    expect(hitIds(await decide(engine, login('lab-d1')))).toEqual(['farm-login'])
    clock.set(T0 + HOUR)
    expect(hitIds(await decide(engine, login('lab-d1')))).toEqual([])
    expect(hitIds(await decide(engine, signup({ email })))).toEqual(['burner-signup'])

    clock.set(T0 + 2 * HOUR - 1)
    expect(hitIds(await decide(engine, signup({ email })))).toEqual(['burner-signup'])
    clock.set(T0 + 2 * HOUR)
    const after = await decide(engine, signup({ email }))
    expect(hitIds(after)).toEqual([])
    expect(after.outcome).toBe('allow')
  })

  it('follow the event time, not the order of arrival', async () => {
    const clock = new ManualClock(T0)
    const engine = memoryEngine(p, clock)
    await decide(engine, signup({ device: { id: 'lab-t1' }, hit: ['mark'] }))
    const late = new Date(T0 + 2 * HOUR).toISOString()
    const early = new Date(T0 + 10 * MIN).toISOString()
    expect(hitIds(await decide(engine, { ...login('lab-t1'), time: late }))).toEqual([])
    expect(hitIds(await decide(engine, { ...login('lab-t1'), time: early }))).toEqual(['farm-login'])
  })
})

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    const st = statSync(full)
    if (st.isDirectory()) out.push(...filesUnder(full))
    else out.push({ path: full, bytes: readFileSync(full) })
  }
  return out
}
const storedIn = (dir: string, text: string) =>
  filesUnder(dir)
    .filter((f) => f.bytes.includes(Buffer.from(text, 'utf8')))
    .map((f) => f.path)

describe('PII in storage', () => {
  const KEY = 'engine-test-pii-key-0123456789'
  const RAW = {
    email: 'victim.raw+tag@example.org',
    ip: '198.51.100.77',
    phones: ['+15550001111', '+15550002222'],
  }
  const PLAIN = { device: 'device-plain-4242', user: 'user-plain-4242' }

  async function engineOnDisk(p: Pack) {
    const dir = dirs.dir('pii')
    const repository = new SqliteRepository(join(dir, 'bulwark.db'))
    await repository.migrate()
    const engine = new Engine({
      pack: p,
      features: new MemoryFeatureStore(),
      labels: new LabelStore(),
      lists: new ListRegistry(),
      pseudonymiser: new Pseudonymiser(KEY),
      clock: new ManualClock(T0),
      repository,
    })
    return { dir, repository, engine }
  }

  it('is stored only as pseudonyms: never raw in any byte of the data directory', async () => {
    const p = pack([named('mark', '{ outcome: challenge, labels: [{ entity: email, name: burner }] }')])
    const { dir, repository, engine } = await engineOnDisk(p)
    const pseudo = new Pseudonymiser(KEY)
    const d = await decide(
      engine,
      signup({
        id: 'pii-1',
        actor: { id: PLAIN.user },
        device: { id: PLAIN.device },
        ...RAW,
        hit: ['mark'],
      }),
    )
    expect(d.outcome).toBe('challenge')
    expect(d.features.users_per_ip_24h).toBe(1)

    const stored = (await repository.decision('pii-1'))!
    expect(stored.event.email).toBe(pseudo.pseudonym(RAW.email))
    expect(stored.event.ip).toBe(pseudo.pseudonym(RAW.ip))
    expect(stored.event.phones).toEqual(RAW.phones.map((x) => pseudo.pseudonym(x)))
    expect((stored.event.device as { id: string }).id).toBe(PLAIN.device)
    const labels = await repository.labels(T0)
    expect(labels.map((l) => l.entity)).toEqual([{ type: 'email', id: pseudo.pseudonym(RAW.email) }])
    const raws = [RAW.email, RAW.ip, ...RAW.phones, 'victim.raw']
    for (const raw of raws) expect(JSON.stringify(stored), raw).not.toContain(raw)

    // While open (the journal holds the record) and after close (the database holds it).
    for (const phase of ['open', 'closed']) {
      if (phase === 'closed') await repository.close()
      for (const raw of raws) expect(storedIn(dir, raw), `${phase}: ${raw}`).toEqual([])
      // The control: the same files do hold the plain values and the pseudonyms.
      expect(storedIn(dir, PLAIN.device).length, phase).toBeGreaterThan(0)
      expect(storedIn(dir, PLAIN.user).length, phase).toBeGreaterThan(0)
      expect(storedIn(dir, pseudo.pseudonym(RAW.email)).length, phase).toBeGreaterThan(0)
    }
  })

  // A rule error's message is recorded with the decision, and run-time errors may quote the
  // offending value (`int(event.email)` gives "cannot convert '<e-mail>' to int" to `bulwark expr`):
  // decisions carry the message without run-time values instead.
  it('stays out of storage even when a rule fails on a PII value', async () => {
    const p = pack([
      '  - id: leak\n    on: signup\n    when: int(event.email) > 0\n    then: { outcome: block }\n',
      "  - id: leak-part\n    on: signup\n    when: int(event.email.split('@')[0]) > 0\n    then: { outcome: block }\n",
      `  - id: leak-key\n    on: signup\n    when: "{'x': 1}[event.email] > 0"\n    then: { outcome: block }\n`,
    ])
    const { dir, repository, engine } = await engineOnDisk(p)
    const d = await decide(engine, signup({ id: 'pii-2', ...RAW }))
    expect(Object.fromEntries(d.errors.map((e) => [e.rule, `${e.code} ${e.message}`]))).toEqual({
      leak: 'EVAL_INVALID_ARGUMENT cannot convert a string to int',
      'leak-part': 'EVAL_INVALID_ARGUMENT cannot convert a string to int',
      'leak-key': 'EVAL_NO_SUCH_KEY no such key: …',
    })
    expect(JSON.stringify(d)).not.toContain('victim.raw')
    await repository.close()
    expect(storedIn(dir, RAW.email)).toEqual([])
    expect(storedIn(dir, 'victim.raw')).toEqual([])
  })
})
