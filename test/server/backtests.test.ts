/**
 * POST /v1/backtests over real HTTP on a real data directory: decisions made through
 * POST /v1/decide with the mini pack, ground truth posted, then backtests of candidates against
 * the serving pack — exact flips and their directions, the metrics diff against the labels (an
 * event's own label, else its actor's), the window and limit, the PII caveat (rules reading the
 * pseudonymised IP and e-mail are listed and cannot flip), a broken pack refused with its
 * diagnostics, unknown versions, bad requests, and /v1/decide answering while a backtest runs.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import type { RunningServer } from '../../src/server/start.ts'
import { type Client, client, inProcess, MINI_PACK } from './harness.ts'

let server: RunningServer
let api: Client
const mini = readPackDir(MINI_PACK) as Record<string, string>

/** The mini pack with its rules file edited. */
function candidate(edit: (rules: string) => string): { files: Record<string, string> } {
  const rules = mini['rules/fake.yaml']!
  const edited = edit(rules)
  expect(edited).not.toBe(rules)
  return { files: { ...mini, 'rules/fake.yaml': edited } }
}
/** device-farm blocks from the third signup of a device in an hour instead of the fourth. */
const farmAtThree = () =>
  candidate((r) => r.replace('features.signups_per_device_1h > 3', 'features.signups_per_device_1h > 2'))
/** datacenter-signup (reads the IP, which storage holds only as a pseudonym) enforced. */
const datacenterEnforced = () =>
  candidate((r) => r.replace(/(id: datacenter-signup[\s\S]*?)mode: shadow/, '$1mode: enforce'))

const DAY = { since: '2026-03-01T00:00:00Z', until: '2026-03-02T00:00:00Z' }
const at = (minutes: number) => new Date(Date.parse('2026-03-01T10:00:00Z') + minutes * 60_000).toISOString()

async function decide(event: Record<string, unknown>): Promise<string> {
  const r = await api.call('POST', '/v1/decide', event)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.outcome
}

async function backtest(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  return api.call('POST', '/v1/backtests', body)
}

beforeAll(async () => {
  server = await inProcess()
  api = client(server.url)
  const signup = (id: string, minute: number, over: Record<string, unknown> = {}) => ({
    type: 'signup',
    id,
    time: at(minute),
    actor: { id: `u-${id}` },
    device: { id: 'dev-1' },
    ip: '203.0.113.7',
    email: `${id}@example.com`,
    ...over,
  })
  // Four signups on one device in four minutes: the fourth is a farm (count > 3).
  expect(await decide(signup('s1', 0))).toBe('allow')
  expect(await decide(signup('s2', 1))).toBe('allow')
  expect(await decide(signup('s3', 2))).toBe('allow')
  expect(await decide(signup('s4', 3))).toBe('block')
  // A disposable address from a datacenter: challenged live by blocked-email (it reads the
  // e-mail), datacenter-signup (the IP) hits in shadow.
  expect(
    await decide(signup('s5', 4, { device: { id: 'dev-2' }, ip: '10.0.0.5', email: 'x@mailinator.com' })),
  ).toBe('challenge')
  // The next day: outside the window of most tests.
  expect(await decide(signup('s6', 24 * 60, { device: { id: 'dev-3' } }))).toBe('allow')
  const labels = await api.call('POST', '/v1/labels', {
    labels: [
      { event_id: 's1', malicious: false, source: 'review' },
      { entity: { type: 'user', id: 'u-s2' }, malicious: false, source: 'review', damage: 9 },
      { event_id: 's3', malicious: true, area: 'fake_accounts', source: 'review', damage: 2 },
      { event_id: 's4', malicious: true, area: 'fake_accounts', source: 'review' },
    ],
  })
  expect(labels).toEqual({ status: 200, body: { stored: 4 } })
})
afterAll(async () => {
  await server.stop()
})

describe('POST /v1/backtests', () => {
  it('counts the decisions a stricter threshold flips, by outcome, rule and direction', async () => {
    const r = await backtest({ policy: farmAtThree(), ...DAY })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const serving = (await api.call('GET', '/v1/policy')).body.version
    expect(r.body.baseline).toEqual({ name: 'mini', version: serving })
    expect(r.body.candidate.name).toBe('mini')
    expect(r.body.candidate.version).not.toBe(serving)
    expect(r.body.lines).toBe(5)
    expect(r.body.rejected).toEqual({ baseline: 0, candidate: 0 })
    expect(r.body.rules).toEqual({ added: [], removed: [], changed: { 'device-farm': ['when'] } })
    expect(r.body.window).toEqual({ from: at(0), to: at(4), events: 5, truncated: false })
    const d = r.body.decisions
    expect(d).toMatchObject({
      compared: 5,
      only_baseline: 0,
      only_candidate: 0,
      changed: 1,
      unchanged: 4,
      now_stopped: 1,
      no_longer_stopped: 0,
    })
    expect(d.by_outcome).toEqual({ 'allow→block': { count: 1, examples: ['s3'] } })
    expect(d.by_rule).toEqual({
      'device-farm': { stricter: { count: 1, examples: ['s3'] }, looser: { count: 0, examples: [] } },
    })
  })

  it('diffs the metrics against the labels in force: the event’s own, else its actor’s', async () => {
    const r = await backtest({ policy: farmAtThree(), ...DAY })
    expect(r.status).toBe(200)
    // s1 and s3, s4 by their own labels; s2 through its actor u-s2; s5 unlabelled.
    expect(r.body.labels).toEqual({ events: 3, actors: 1, actingEntityTypes: ['user'] })
    const m = r.body.metrics
    // Malicious s3 (damage 2) and s4 (1): the baseline stops s4 only, the candidate both.
    expect(m.overall.recall).toEqual({ baseline: 0.5, candidate: 1, change: 0.5 })
    expect(m.overall.damage_prevented).toEqual({ baseline: 0.333333, candidate: 1, change: 0.666667 })
    // The benign s1 and s2 are allowed by both.
    expect(m.overall.benign_friction).toEqual({ baseline: 0, candidate: 0, change: 0 })
    expect(m.areas.fake_accounts.recall).toEqual({ baseline: 0.5, candidate: 1, change: 0.5 })
  })

  it('replays only the window, recomputing features from its first event', async () => {
    // s2..s4: the device count starts at 0 at s2, so the baseline blocks none of them (count ≤ 3)
    // and the candidate only s4 (count 3 > 2).
    const r = await backtest({ policy: farmAtThree(), since: at(1), until: at(4) })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.window).toEqual({ from: at(1), to: at(3), events: 3, truncated: false })
    expect(r.body.decisions.by_outcome).toEqual({ 'allow→block': { count: 1, examples: ['s4'] } })
    expect(r.body.caveats.join('\n')).toContain('start empty at the first replayed event')

    const all = await backtest({ policy: farmAtThree() })
    expect(all.body.window).toEqual({ from: at(0), to: at(24 * 60), events: 6, truncated: false })

    const limited = await backtest({ policy: farmAtThree(), ...DAY, limit: 2 })
    expect(limited.status).toBe(200)
    expect(limited.body.window).toEqual({ from: at(0), to: at(1), events: 2, truncated: true })
    expect(limited.body.decisions.changed).toBe(0)
    expect(limited.body.caveats.join('\n')).toContain('only the first 2 by event time')

    const empty = await backtest({
      policy: farmAtThree(),
      since: '2025-01-01T00:00:00Z',
      until: '2025-01-02T00:00:00Z',
    })
    expect(empty.status).toBe(200)
    expect(empty.body.window).toEqual({ from: null, to: null, events: 0, truncated: false })
    expect(empty.body.decisions.compared).toBe(0)
  })

  it('lists the rules that read pseudonymised PII fields; they cannot flip on stored events', async () => {
    const r = await backtest({ policy: datacenterEnforced(), ...DAY })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.rules.changed).toEqual({ 'datacenter-signup': ['mode shadow→enforce'] })
    const reads = { 'blocked-email': ['email'], 'datacenter-signup': ['ip'] }
    expect(r.body.pii.fields).toEqual(['email', 'ip'])
    expect(r.body.pii.baseline).toEqual({ rules: reads, features: {}, rollouts: [], values: [] })
    expect(r.body.pii.candidate).toEqual({ rules: reads, features: {}, rollouts: [], values: [] })
    // s5 came from a datacenter address: enforcing the rule would challenge it, but the stored
    // event holds the address's pseudonym, so the rule is an error in both packs: no flip.
    expect(r.body.decisions.changed).toBe(0)
    const caveat = r.body.caveats.find((c: string) => c.includes('EVAL_PSEUDONYMISED'))
    expect(caveat).toContain('Rules — both packs: blocked-email, datacenter-signup.')
    expect(caveat).toContain('(email, ip)')
  })

  it('takes stored versions as the candidate and the baseline', async () => {
    const before = (await api.call('GET', '/v1/policy')).body.version
    const up = await api.call('PUT', '/v1/policy', farmAtThree())
    expect(up.status).toBe(200)
    const strict = up.body.version
    expect((await api.call('POST', `/v1/policy/versions/${before}/activate`)).status).toBe(200)
    // The strict version against the serving one, then the reverse (looser).
    const r = await backtest({ version: strict, ...DAY })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.candidate.version).toBe(strict)
    expect(r.body.decisions.by_outcome).toEqual({ 'allow→block': { count: 1, examples: ['s3'] } })
    const back = await backtest({ version: before, baseline: strict, ...DAY })
    expect(back.status).toBe(200)
    expect(back.body.baseline.version).toBe(strict)
    expect(back.body.decisions.by_outcome).toEqual({ 'block→allow': { count: 1, examples: ['s3'] } })
    expect(back.body.decisions.by_rule['device-farm'].looser).toEqual({ count: 1, examples: ['s3'] })
    expect(back.body.decisions.no_longer_stopped).toBe(1)
  })

  it('refuses a broken pack with its diagnostics, as PUT /v1/policy reports them', async () => {
    const broken = candidate((r) =>
      r.replace('features.signups_per_device_1h > 3', 'features.signups_per_devise_1h > 3'),
    )
    const r = await backtest({ policy: broken, ...DAY })
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('BACKTEST_POLICY_REJECTED')
    expect(r.body.error.message).toBe('the candidate policy pack has 1 problem(s); nothing was replayed')
    const put = await api.call('PUT', '/v1/policy', broken)
    expect(put.status).toBe(422)
    expect(r.body.error.details).toEqual(put.body.error.details)
    expect(r.body.error.details.diagnostics).toEqual([
      expect.objectContaining({ code: 'CEL_UNKNOWN_FIELD', file: 'rules/fake.yaml', line: 5, col: 20 }),
    ])
    expect(r.body.error.details.text).toContain('rules/fake.yaml:5:20')

    const notAPack = await backtest({ policy: { files: { '../x.yaml': 'a: 1' } } })
    expect(notAPack.status).toBe(400)
    expect(notAPack.body.error.code).toBe('POLICY_BUNDLE')
  })

  it('answers 404 for an unknown version and 400 for a bad window or limit', async () => {
    const unknown = await backtest({ version: '0123456789ab' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('NOT_FOUND')
    const unknownBaseline = await backtest({ policy: farmAtThree(), baseline: 'nope' })
    expect(unknownBaseline.status).toBe(404)

    const bad = async (body: Record<string, unknown>, field: string) => {
      const r = await backtest(body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error.code).toBe('BACKTEST_INVALID')
      expect(r.body.error.details.map((p: { field: string }) => p.field)).toContain(field)
    }
    await bad({ policy: farmAtThree(), since: 'yesterday' }, 'since')
    await bad({ policy: farmAtThree(), since: DAY.until, until: DAY.since }, 'until')
    await bad({ policy: farmAtThree(), limit: 0 }, 'limit')
    await bad({ policy: farmAtThree(), limit: 1_000_001 }, 'limit')
    await bad({ policy: farmAtThree(), limit: '10' }, 'limit')
    await bad({ policy: farmAtThree(), examples: -1 }, 'examples')
    await bad({ policy: farmAtThree(), version: 'abc' }, 'version')
    await bad({}, 'policy')
    await bad({ policy: farmAtThree(), window: '1d' }, 'window')
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/docs/json')).body
    const op = doc.paths['/v1/backtests'].post
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '429']))
    expect(Object.keys(op.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['policy', 'version', 'baseline', 'since', 'until', 'limit', 'examples']),
    )
  })
})

describe('a backtest and the decision path', () => {
  it('runs one backtest at a time: another meanwhile is refused with BACKTEST_BUSY', async () => {
    const both = await Promise.all([
      backtest({ policy: farmAtThree(), ...DAY }),
      backtest({ policy: farmAtThree(), ...DAY }),
    ])
    const statuses = both.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 429])
    expect(both.find((r) => r.status === 429)!.body.error.code).toBe('BACKTEST_BUSY')
    // Once it has finished, the next one runs.
    expect((await backtest({ policy: farmAtThree(), ...DAY })).status).toBe(200)
  })

  it('keeps /v1/decide answering while a backtest runs', async () => {
    // A few thousand stored events elsewhere in time, decided in the background.
    const base = Date.parse('2026-05-01T00:00:00Z')
    let last = ''
    for (let b = 0; b < 2; b++) {
      const events = Array.from({ length: 1000 }, (_, i) => {
        const n = b * 1000 + i
        last = `load-${n}`
        return {
          type: 'signup',
          id: last,
          time: new Date(base + n * 1000).toISOString(),
          actor: { id: `lu-${n}` },
          device: { id: `ld-${n % 50}` },
          ip: `198.51.100.${n % 200}`,
          email: `l${n}@example.com`,
        }
      })
      expect((await api.call('POST', '/v1/events', { events })).status).toBe(202)
    }
    for (let i = 0; i < 600; i++) {
      if ((await api.call('GET', `/v1/decisions/${last}`)).status === 200) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect((await api.call('GET', `/v1/decisions/${last}`)).status).toBe(200)

    let settled = false
    const running = backtest({
      policy: farmAtThree(),
      since: '2026-05-01T00:00:00Z',
      until: '2026-05-02T00:00:00Z',
    }).finally(() => {
      settled = true
    })
    const answered: boolean[] = []
    let n = 0
    while (!settled) {
      const r = await api.call('POST', '/v1/decide', {
        type: 'signup',
        actor: { id: `live-${n}` },
        device: { id: `live-${n++}` },
        ip: '203.0.113.9',
        email: 'live@example.com',
      })
      expect(r.status).toBe(200)
      answered.push(!settled)
    }
    const r = await running
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.window.events).toBe(2000)
    // Decisions were answered while the backtest was still running.
    expect(answered[0]).toBe(true)
    expect(answered.filter(Boolean).length).toBeGreaterThan(0)
  })
})
