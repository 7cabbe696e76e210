/**
 * The feature step of a decision as rules see it: a feature's `where` and a derived feature can
 * read the entity labels, and a `where` that fails to evaluate is reported in the decision's
 * errors and counted, while the event still does not update that feature.
 */

import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { loadPack } from '../../src/policy/load.ts'

const MANIFEST = `name: features
entities: { user: actor.id }
labels: { user: [spammer] }
events:
  message: { fields: { text: string, links: int } }
`

function engineFor(features: string, rules = 'rules: []\n') {
  const r = loadPack({ 'bulwark.yaml': MANIFEST, 'features/f.yaml': features, 'rules/r.yaml': rules })
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
  return memoryEngine(r.pack, new ManualClock(Date.parse('2026-01-01T00:00:00Z')))
}

const MARK_SPAMMER = `rules:
  - id: mark
    on: message
    when: event.text == 'spam'
    then: { outcome: allow, labels: [{ entity: user, name: spammer, ttl: 1d }] }
`

describe('feature where and labels', () => {
  it('a where that reads labels sees the labels set by earlier decisions', async () => {
    const engine = engineFor(
      `features:
  msgs_from_spammers_1h:
    count: { on: message, by: actor.id, window: 1h, where: labels.user.spammer }
`,
      MARK_SPAMMER,
    )
    const send = async (text: string) =>
      (await engine.decide({ type: 'message', actor: { id: 'u1' }, text })).decision
    expect((await send('hi')).features.msgs_from_spammers_1h).toBe(0)
    const marked = await send('spam')
    expect(marked.labels.map((l) => l.name)).toEqual(['spammer'])
    expect(marked.features.msgs_from_spammers_1h).toBe(0)
    const after = await send('hi')
    expect(after.features.msgs_from_spammers_1h).toBe(1)
    expect(after.errors).toEqual([])
  })

  it('a derived feature can read labels too', async () => {
    const engine = engineFor(
      `features:
  spammer_flag:
    expr: "labels.user.spammer ? 1 : 0"
`,
      MARK_SPAMMER,
    )
    await engine.decide({ type: 'message', actor: { id: 'u1' }, text: 'spam' })
    const { decision } = await engine.decide({ type: 'message', actor: { id: 'u1' }, text: 'hi' })
    expect(decision.features.spammer_flag).toBe(1)
    expect(decision.errors).toEqual([])
  })
})

describe('a where that fails to evaluate', () => {
  const features = `features:
  long_msgs_1h:
    count: { on: message, by: actor.id, window: 1h, where: size(event.text) > 3 }
  linky_msgs_1h:
    sum: { of: links, on: message, by: actor.id, window: 1h, where: size(event.text) > 3 }
  msgs_1h:
    count: { on: message, by: actor.id, window: 1h }
`

  it('is reported in the decision and counted, and the event is not counted', async () => {
    const engine = engineFor(features)
    const { decision } = await engine.decide({ type: 'message', actor: { id: 'u1' }, links: 2 })
    expect(decision.errors).toEqual([
      {
        rule: 'feature:long_msgs_1h',
        code: 'EVAL_NO_SUCH_FIELD',
        message: expect.stringMatching(/^where: /),
      },
      {
        rule: 'feature:linky_msgs_1h',
        code: 'EVAL_NO_SUCH_FIELD',
        message: expect.stringMatching(/^where: /),
      },
    ])
    expect(decision.errors[0]!.message).toContain('text')
    expect(decision.features).toMatchObject({ long_msgs_1h: 0, linky_msgs_1h: 0, msgs_1h: 1 })
    expect(engine.metrics.ruleErrors.get({ rule: 'feature:long_msgs_1h', code: 'EVAL_NO_SUCH_FIELD' })).toBe(
      1,
    )
  })

  it('leaves other events alone: those it passes are counted, with no error', async () => {
    const engine = engineFor(features)
    await engine.decide({ type: 'message', actor: { id: 'u1' }, links: 2 })
    const { decision } = await engine.decide({
      type: 'message',
      actor: { id: 'u1' },
      text: 'hello there',
      links: 3,
    })
    expect(decision.errors).toEqual([])
    expect(decision.features).toMatchObject({ long_msgs_1h: 1, linky_msgs_1h: 3, msgs_1h: 2 })
  })
})

describe('the features a decision computes', () => {
  const manifest = `name: per-type
entities: { user: actor.id, device: device.id }
events:
  signup: { fields: { device: { type: object, fields: { id: string } } } }
  login: { fields: { device: { type: object, fields: { id: string } }, success: bool } }
  comment: { fields: { text: string } }
`
  const features = `features:
  signups_per_device_1h:
    count: { on: signup, by: device.id, window: 1h }
  logins_1h:
    count: { on: login, by: actor.id, window: 1h }
  failed_logins_1h:
    count: { on: login, by: actor.id, window: 1h, where: '!event.success' }
  last_login:
    last_seen: { on: login, by: actor.id }
  fail_share:
    expr: 'features.logins_1h == 0 ? 0.0 : double(features.failed_logins_1h) / double(features.logins_1h)'
  comments_1h:
    count: { on: comment, by: actor.id, window: 1h }
`
  const rules = `rules:
  - id: farm-login
    on: login
    when: features.signups_per_device_1h > 2
    then: { outcome: review }
  - id: failing-commenter
    on: comment
    when: features.fail_share > 0.5
    then: { outcome: challenge }
  - id: off
    on: comment
    mode: off
    when: features.signups_per_device_1h > 0
    then: { outcome: block }
`
  function engine() {
    const r = loadPack({ 'bulwark.yaml': manifest, 'features/f.yaml': features, 'rules/r.yaml': rules })
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    return memoryEngine(r.pack, new ManualClock(Date.parse('2026-01-01T00:00:00Z')))
  }
  const actor = { id: 'u1' }
  const device = { id: 'd1' }

  it('are those the type updates, those its rules read and the derived features over them', async () => {
    const e = engine()
    for (let i = 0; i < 3; i++) await e.decide({ type: 'signup', actor: { id: `n${i}` }, device })
    const signup = (await e.decide({ type: 'signup', actor, device })).decision
    expect(signup.features).toEqual({ signups_per_device_1h: 4 })

    await e.decide({ type: 'login', actor, device, success: false })
    const login = (await e.decide({ type: 'login', actor, device, success: true })).decision
    // Updated by logins, read by a login rule (signups_per_device_1h), and fail_share, whose
    // inputs are all there; in declaration order, counts first.
    expect(login.features).toEqual({
      signups_per_device_1h: 4,
      logins_1h: 2,
      failed_logins_1h: 1,
      last_login: '2026-01-01T00:00:00Z',
      fail_share: 0.5,
    })
    expect(Object.keys(login.features)).toEqual([
      'signups_per_device_1h',
      'logins_1h',
      'failed_logins_1h',
      'last_login',
      'fail_share',
    ])
    expect(login.hits.map((h) => h.rule)).toEqual(['farm-login'])

    // A comment rule reads fail_share, so the logins behind it are read (not updated); the rule
    // that is off reads nothing.
    const comment = (await e.decide({ type: 'comment', actor, text: 'hi' })).decision
    expect(comment.features).toEqual({ logins_1h: 2, failed_logins_1h: 1, comments_1h: 1, fail_share: 0.5 })
    expect(comment.errors).toEqual([])
  })
})
