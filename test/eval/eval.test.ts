/**
 * Evaluation metrics (src/eval/) on the hand-made fixture: every number below is worked out by
 * hand from the table in fixture.ts — damage prevented, recall, precision, benign friction over
 * events and users, time to detect, what shadow rules would add, and null where there is nothing
 * to measure.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Decision, RuleHit } from '../../src/core/domain.ts'
import { parseEvents } from '../../src/engine/replay.ts'
import { Evaluator } from '../../src/eval/evaluator.ts'
import { AREAS, parseLabels } from '../../src/eval/labels.ts'
import type { EvalReport } from '../../src/eval/report.ts'
import { evaluate } from '../../src/eval/run.ts'
import { STOP_OUTCOME, stops } from '../../src/eval/stop.ts'
import { packDirs } from '../engine/pack-dir.ts'
import { EVENTS, LABELS, packFiles, T0 } from './fixture.ts'

const dirs = packDirs('eval')
let r: EvalReport

beforeAll(async () => {
  const pack = dirs.load(packFiles())
  r = (await evaluate(pack, parseEvents(EVENTS), parseLabels(LABELS))).report
})
afterAll(() => dirs.cleanup())

describe('stopped', () => {
  it('is any outcome from challenge up', () => {
    expect(STOP_OUTCOME).toBe('challenge')
    expect(['allow', 'challenge', 'review', 'block'].map((o) => stops(o as never))).toEqual([
      false,
      true,
      true,
      true,
    ])
  })
})

describe('eval totals', () => {
  it('counts decided, labelled, malicious and benign events; duplicates once', () => {
    expect(r).toMatchObject({
      policy: { name: 'evalmini' },
      stop_outcome: 'challenge',
      events: 15,
      duplicates: 1,
      rejected: 0,
      labelled: 14,
      unlabelled: 1,
      malicious: 8,
      benign: 6,
      labels: { lines: 17, rejected: 2, unmatched: 1 },
    })
  })

  it('overall: recall 3/8, damage 5/12, friction 2/6 events and 2/5 users, 4/6 with shadow', () => {
    expect(r.recall).toBe(0.375)
    expect(r.damage_prevented).toBe(0.416667)
    expect(r.benign_friction).toBe(0.333333)
    expect(r.benign_user_friction).toBe(0.4)
    expect(r.benign_friction_with_shadow).toBe(0.666667)
  })
})

describe('eval per area', () => {
  it('reports all eight areas, then unassigned', () => {
    expect(Object.keys(r.areas)).toEqual([...AREAS, 'unassigned'])
  })

  it('fake_accounts: damage 4/9, recall 2/5, precision 2/3, friction on signups only', () => {
    expect(r.areas.fake_accounts).toMatchObject({
      malicious: 5,
      stopped: 2,
      recall: 0.4,
      damage_total: 9,
      damage_stopped: 4,
      damage_prevented: 0.444444,
      stops_by_rules: 3,
      precision: 0.666667,
      event_types: ['signup'],
      benign_events: 3,
      benign_friction: 0.333333,
      benign_outcomes: { challenge: 0, review: 0, block: 1 },
      benign_users: 3,
      benign_users_with_friction: 1,
      benign_user_friction: 0.333333,
      benign_stopped_by_rules: 0.166667,
      campaigns_detected: 1,
      median_time_to_detect_s: 120,
    })
  })

  it('fake_accounts: what the shadow rule would have added (s6 stopped, s5 challenged)', () => {
    expect(r.areas.fake_accounts!.shadow).toEqual({
      stopped: 3,
      recall: 0.6,
      damage_prevented: 0.555556,
      added_stopped: 1,
      added_damage: 1,
      benign_friction: 0.666667,
    })
  })

  it('time to detect: first malicious event → first stopped one, per campaign', () => {
    expect(r.areas.fake_accounts!.campaigns).toEqual({
      farm1: {
        area: 'fake_accounts',
        events: 4,
        stopped: 2,
        damage_prevented: 0.5,
        first_event: new Date(T0).toISOString(),
        first_stopped: new Date(T0 + 2 * 60_000).toISOString(),
        time_to_detect_s: 120,
        time_to_detect_with_shadow_s: 120,
      },
      bots1: {
        area: 'fake_accounts',
        events: 1,
        stopped: 0,
        damage_prevented: 0,
        first_event: new Date(T0 + 5 * 60_000).toISOString(),
        first_stopped: null,
        time_to_detect_s: null,
        time_to_detect_with_shadow_s: 0,
      },
    })
    expect(r.areas.spam!.campaigns.spam1!.time_to_detect_s).toBe(0)
  })

  it('spam: a benign user counts once across their comments (u10: one allowed, one reviewed)', () => {
    expect(r.areas.spam).toMatchObject({
      malicious: 2,
      stopped: 1,
      recall: 0.5,
      damage_prevented: 0.5,
      precision: 0.5,
      event_types: ['comment'],
      benign_events: 3,
      benign_friction: 0.333333,
      benign_outcomes: { challenge: 0, review: 1, block: 0 },
      benign_users: 2,
      benign_user_friction: 0.5,
      shadow: { stopped: 2, recall: 1, added_stopped: 1, benign_friction: 0.666667 },
    })
  })

  it('a malicious event without an area is scored under unassigned', () => {
    expect(r.areas.unassigned).toMatchObject({ malicious: 1, stopped: 0, recall: 0, damage_prevented: 0 })
  })

  it('an area with nothing to measure reports null ratios, not 0', () => {
    expect(r.areas.scraping).toMatchObject({
      malicious: 0,
      recall: null,
      damage_prevented: null,
      precision: null,
      benign_friction: null,
      benign_user_friction: null,
      median_time_to_detect_s: null,
      event_types: [],
      campaigns: {},
      shadow: { recall: null, damage_prevented: null, benign_friction: null },
    })
    // Its rules stopped none of the six benign events: measurable, and 0.
    expect(r.areas.scraping!.benign_stopped_by_rules).toBe(0)
  })
})

describe('eval per rule', () => {
  it('hits (enforced / shadow), precision over labelled hits, recall within the area', () => {
    expect(r.rules).toEqual({
      farm: {
        area: 'fake_accounts',
        mode: 'enforce',
        hits: 3,
        shadow_hits: 0,
        true_positives: 2,
        false_positives: 1,
        unlabelled_hits: 0,
        precision: 0.666667,
        recall: 0.4,
      },
      'bot-agent': {
        area: 'fake_accounts',
        mode: 'shadow',
        hits: 0,
        shadow_hits: 2,
        true_positives: 1,
        false_positives: 1,
        unlabelled_hits: 0,
        precision: 0.5,
        recall: 0.2,
      },
      'spam-link': {
        area: 'spam',
        mode: 'enforce',
        hits: 3,
        shadow_hits: 0,
        true_positives: 1,
        false_positives: 1,
        unlabelled_hits: 1,
        precision: 0.5,
        recall: 0.5,
      },
      shouting: {
        area: 'spam',
        mode: 'shadow',
        hits: 0,
        shadow_hits: 2,
        true_positives: 1,
        false_positives: 1,
        unlabelled_hits: 0,
        precision: 0.5,
        recall: 0.5,
      },
    })
  })
})

describe('eval timeline', () => {
  it('has one-minute buckets over the 17 minutes, with damage prevented and friction per bucket', () => {
    const t = r.timeline
    expect(t.bucket_minutes).toBe(1)
    expect(t.buckets).toHaveLength(17)
    expect(t.buckets[0]).toEqual({
      start: new Date(T0).toISOString(),
      damage_prevented: { fake_accounts: 0 },
      benign_events: 0,
      benign_friction: null,
    })
    expect(t.buckets[2]!.damage_prevented).toEqual({ fake_accounts: 1 })
    expect(t.buckets[6]).toMatchObject({ benign_events: 1, benign_friction: 1 })
    expect(t.buckets[8]).toMatchObject({ damage_prevented: {}, benign_events: 0, benign_friction: null })
  })
})

describe('Evaluator, decision by decision', () => {
  const decision = (id: string, outcome: Decision['outcome'], hits: RuleHit[]): Decision => ({
    eventId: id,
    eventType: 'signup',
    outcome,
    score: 0,
    reasons: [],
    hits,
    errors: [],
    skipped: [],
    evaluated: hits.length,
    features: {},
    labels: [],
    ignoredFields: [],
    policyVersion: 'x',
    latencyMs: 0,
    time: new Date(T0).toISOString(),
  })
  const hit = (rule: string, outcome: Decision['outcome']): RuleHit => ({
    rule,
    mode: 'enforce',
    outcome,
    score: 5,
    reason: rule,
  })

  it('counts an event stopped by two rules of one area once in that area’s precision', () => {
    const evaluator = new Evaluator(
      dirs.load(packFiles()),
      parseLabels('{"event_id":"e1","malicious":false}\n{"event_id":"e2","malicious":true,"area":"spam"}'),
    )
    const actor = { actor: { id: 'u' } }
    evaluator.observe(
      decision('e1', 'block', [hit('farm', 'block'), hit('bot-agent', 'challenge')]),
      false,
      actor,
      T0,
    )
    evaluator.observe(decision('e2', 'block', [hit('farm', 'block')]), false, actor, T0)
    const report = evaluator.report()
    expect(report.areas.fake_accounts).toMatchObject({ stops_by_rules: 2, precision: 0.5 })
    // A malicious spam event stopped by a fake-accounts rule is a right stop, but not spam recall's
    // business for the rule: farm's recall is within fake_accounts, which has no malicious events.
    expect(report.rules.farm).toMatchObject({ true_positives: 1, false_positives: 1, recall: null })
    expect(report.areas.spam).toMatchObject({ malicious: 1, stopped: 1, recall: 1, precision: null })
  })
})

describe('eval without labels', () => {
  it('counts hits but measures nothing', async () => {
    const pack = dirs.load(packFiles())
    const { report } = await evaluate(pack, parseEvents(EVENTS), parseLabels(''))
    expect(report).toMatchObject({ events: 15, labelled: 0, recall: null, benign_friction: null })
    expect(report.rules.farm).toMatchObject({ hits: 3, unlabelled_hits: 3, precision: null, recall: null })
  })
})
