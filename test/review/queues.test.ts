/**
 * Review queues in a pack (review/queues.yaml): compiled at load with the pack, refused with the
 * pack when a queue, rule, area or entity it names does not exist; routing by rule, area, entity
 * type and priority, first match wins, else the default queue; the defaults without the file.
 */

import { describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { DEFAULT_REVIEW, routeCase } from '../../src/policy/review-queues.ts'

const PACK = new URL('./pack', import.meta.url).pathname
const files = readPackDir(PACK)

function load(queues: string | undefined) {
  const all: Record<string, string> = { ...files }
  if (queues === undefined) delete all['review/queues.yaml']
  else all['review/queues.yaml'] = queues
  return loadPack(all)
}

function problems(queues: string): string[] {
  const r = load(queues)
  if (r.ok) throw new Error('the pack loaded')
  return r.diagnostics.map((d) => `${d.location.file}:${d.location.line} ${d.code} ${d.message}`)
}

describe('review/queues.yaml', () => {
  it('compiles queues, SLAs, reasons, escalation and QA shares', () => {
    const r = load(files['review/queues.yaml'])
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics))
    const plan = r.pack.review
    expect([...plan.queues.keys()]).toEqual([
      'general',
      'fake_accounts',
      'urgent',
      'devices',
      'senior',
      'appeals',
    ])
    expect(plan.claimTimeoutMs).toBe(600_000)
    expect(plan.queues.get('fake_accounts')).toMatchObject({
      slaMs: 4 * 3_600_000,
      escalateTo: 'senior',
      reasons: ['farm_confirmed', 'real_user', 'needs_specialist'],
      qaShare: 1,
    })
    // Queues without reasons take the file's default set.
    expect(plan.queues.get('general')!.reasons).toEqual([
      'confirmed_abuse',
      'false_positive',
      'insufficient_evidence',
      'other',
    ])
    expect(plan.appealsQueue).toBe('appeals')
  })

  it('routes by rule, area with priority, entity type; first match wins; else the default queue', () => {
    const r = load(files['review/queues.yaml'])
    if (!r.ok) throw new Error('not loaded')
    const route = (rules: string[], areas: string[], entityType: string, priority: number) =>
      routeCase(r.pack.review, { rules, areas, entityType, priority })
    expect(route(['device-farm'], ['fake_accounts'], 'device', 80)).toBe('fake_accounts')
    // The rule route comes first even when the entity route would match too.
    expect(route(['blocked-email', 'device-farm'], ['spam'], 'device', 90)).toBe('fake_accounts')
    expect(route(['blocked-email'], ['spam'], 'user', 70)).toBe('urgent')
    expect(route(['blocked-email'], ['spam'], 'user', 69)).toBe('general')
    expect(route(['blocked-email'], ['spam'], 'device', 10)).toBe('devices')
    expect(route([], [], 'user', 50)).toBe('general')
  })

  it('the starter pack routes each abuse area to its queue', () => {
    const r = loadPack(readPackDir(new URL('../../policies/starter', import.meta.url).pathname))
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)))
    const plan = r.pack.review
    const queueOf = (area: string) =>
      routeCase(plan, { rules: [], areas: [area], entityType: 'user', priority: 50 })
    expect(queueOf('cyberbullying')).toBe('safety_urgent')
    expect(queueOf('fake_traffic')).toBe('accounts')
    expect(queueOf('scraping')).toBe('spam')
    expect(queueOf('monetization_abuse')).toBe('money')
    expect(queueOf('something_else')).toBe('general')
    expect(plan.appealsQueue).toBe('appeals')
  })

  it('a pack without the file gets a default queue and an appeals queue above it', () => {
    const r = load(undefined)
    if (!r.ok) throw new Error('not loaded')
    expect(r.pack.review).toBe(DEFAULT_REVIEW)
    expect(
      routeCase(r.pack.review, { rules: ['device-farm'], areas: [], entityType: 'user', priority: 90 }),
    ).toBe('default')
    expect(DEFAULT_REVIEW.queues.get('default')!.escalateTo).toBe('appeals')
  })

  it('refuses the pack when the file names what does not exist, each problem at its line', () => {
    const found = problems(`default_queue: nowhere
queues:
  general: { sla: 1h, escalate_to: general }
  appeals: { sla: 1h, escalate_to: senoir }
routes:
  - { rule: device-farn, queue: general }
  - { area: gardening, queue: general }
  - { entity: planet, queue: generl }
  - { queue: general, min_priority: 80, max_priority: 20 }
`)
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^review\/queues.yaml:1 .*unknown queue 'nowhere'/),
        expect.stringMatching(/^review\/queues.yaml:3 .*cannot escalate to itself/),
        expect.stringMatching(/^review\/queues.yaml:4 .*unknown queue 'senoir'/),
        expect.stringMatching(/^review\/queues.yaml:6 .*unknown rule 'device-farn'.*device-farm/),
        expect.stringMatching(/^review\/queues.yaml:7 .*unknown area .*'gardening'/),
        expect.stringMatching(/^review\/queues.yaml:8 .*unknown entity type 'planet'/),
        expect.stringMatching(/^review\/queues.yaml:8 .*unknown queue 'generl'/),
        expect.stringMatching(/^review\/queues.yaml:9 .*never match/),
      ]),
    )
  })

  it('refuses unknown keys, bad spans and shares, and a missing appeals queue', () => {
    expect(
      problems('default_queue: a\nqueues:\n  a: { sla: 1 hour, qa_share: 2, colour: red }\n').join('\n'),
    ).toMatch(/queues\.a\.sla: '1 hour' is not valid here \(expected a span such as 30s, 10m, 1h or 7d\)/)
    expect(problems('default_queue: a\nqueues:\n  a: { sla: 1h, colour: red }\n').join('\n')).toMatch(
      /unknown key 'colour'/,
    )
    expect(problems('default_queue: a\nqueues:\n  a: { sla: 1h }\n').join('\n')).toMatch(
      /declare a queue named 'appeals'/,
    )
  })
})
