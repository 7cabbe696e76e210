/**
 * `bulwark decide --policy DIR [FILE|-]`: decides one event with the mini fixture pack and prints
 * the decision as JSON (exit 0); an event that is not JSON, of an unknown type or with invalid
 * fields is a clear error on stderr and exit 1, with nothing on stdout.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { tempPacks } from '../policy/temp-packs.ts'
import { lines, type Run, runAll } from './run.ts'

const packs = tempPacks('cli-decide')
afterAll(() => packs.cleanup())

const MINI = 'test/fixtures/packs/mini'

const SIGNUP = {
  type: 'signup',
  id: 'evt-1',
  actor: { id: 'u1' },
  device: { id: 'd1' },
  ip: '10.1.2.3',
  email: 'someone@mailinator.com',
}

const LOGIN = {
  type: 'login',
  time: '2026-03-01T12:00:00Z',
  actor: { id: 'u1' },
  device: { id: 'd1' },
  success: false,
  referrer: 'https://example.com',
}

let version: string
let r: Record<'stdin' | 'file' | 'notJson' | 'unknownType' | 'invalid', Run>

beforeAll(async () => {
  const mini = loadPack(readPackDir(MINI))
  if (!mini.ok) throw new Error('the mini pack does not load')
  version = mini.pack.version
  const dir = packs.write({ 'login.json': JSON.stringify(LOGIN) })
  r = await runAll({
    stdin: [['decide', '--policy', MINI, '-'], JSON.stringify(SIGNUP)],
    file: [['decide', '--policy', MINI, `${dir}/login.json`]],
    notJson: [['decide', '--policy', MINI], '{"type": "signup",'],
    unknownType: [['decide', '--policy', MINI], '{"type": "signpu", "actor": {"id": "u1"}}'],
    invalid: [
      ['decide', '--policy', MINI],
      '{"type": "signup", "actor": {"id": "u1"}, "ip": "not-an-ip", "email": 5}',
    ],
  })
}, 60_000)

describe('bulwark decide', () => {
  it('prints the decision for an event on standard input', () => {
    expect(r.stdin.stderr).toBe('')
    expect(r.stdin.code).toBe(0)
    const d = JSON.parse(r.stdin.stdout)
    expect(d).toMatchObject({
      eventId: 'evt-1',
      eventType: 'signup',
      outcome: 'challenge',
      score: 35,
      reasons: ['blocked-email'],
      errors: [],
      skipped: [],
      features: { signups_per_device_1h: 1, accounts_per_ip_24h: 1 },
      labels: [],
      ignoredFields: [],
      policyVersion: version,
    })
    expect(d.hits.map((h: { rule: string; mode: string }) => `${h.rule}:${h.mode}`).sort()).toEqual([
      'blocked-email:enforce',
      'datacenter-signup:shadow',
    ])
    expect(typeof d.latencyMs).toBe('number')
    expect(Number.isNaN(Date.parse(d.time))).toBe(false)
  })

  it('reads the event from a file, keeps its time and reports undeclared fields', () => {
    expect(r.file.stderr).toBe('')
    expect(r.file.code).toBe(0)
    const d = JSON.parse(r.file.stdout)
    expect(d).toMatchObject({
      eventType: 'login',
      outcome: 'allow',
      score: 0,
      hits: [],
      features: { failed_logins_1h: 1, fail_share: 0.1 },
      ignoredFields: ['referrer'],
      time: '2026-03-01T12:00:00Z',
      policyVersion: version,
    })
    expect(d.eventId).toMatch(/\S/)
  })

  it('an event that is not JSON is an error, exit 1', () => {
    expect(r.notJson.code).toBe(1)
    expect(r.notJson.stdout).toBe('')
    expect(lines(r.notJson.stderr)).toHaveLength(1)
    expect(r.notJson.stderr).toMatch(/^the event is not valid JSON: \S/)
  })

  it('an event of an unknown type names the types the pack declares', () => {
    expect(r.unknownType.code).toBe(1)
    expect(r.unknownType.stdout).toBe('')
    expect(lines(r.unknownType.stderr)[0]).toMatch(
      /^EVENT_INVALID: invalid event \(1 problem\(s\)\); first: /,
    )
    expect(lines(r.unknownType.stderr)[1]).toBe(
      "  type: unknown event type 'signpu'; this policy declares signup, login",
    )
  })

  it('an event with invalid fields lists every problem with its path', () => {
    expect(r.invalid.code).toBe(1)
    expect(r.invalid.stdout).toBe('')
    const err = lines(r.invalid.stderr)
    expect(err[0]).toMatch(/^EVENT_INVALID: invalid event \(3 problem\(s\)\); first: /)
    expect(err.slice(1).map((l) => /^ {2}([\w.[\]]+): /.exec(l)?.[1])).toEqual(['device', 'ip', 'email'])
    expect(err[2]).toContain('not-an-ip')
    expect(err[3]).toContain('5')
  })
})
