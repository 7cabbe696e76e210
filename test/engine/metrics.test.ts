/**
 * Engine metrics: observe() adds to series it keeps per event type and outcome and per rule and
 * mode; the counts, and the exposition text (series in order of first use), are those of one
 * labelled increment per decision, hit and error.
 */

import { describe, expect, it } from 'vitest'
import type { Decision, RuleError, RuleHit } from '../../src/core/domain.ts'
import { Counter } from '../../src/core/metrics.ts'
import { EngineMetrics } from '../../src/engine/metrics.ts'

const hit = (rule: string, mode: 'enforce' | 'shadow'): RuleHit => ({
  rule,
  mode,
  outcome: 'block',
  score: 10,
  reason: rule,
})

function decision(
  eventType: string,
  outcome: Decision['outcome'],
  hits: RuleHit[] = [],
  errors: RuleError[] = [],
): Decision {
  return {
    eventId: `e-${Math.random()}`,
    eventType,
    outcome,
    score: 0,
    reasons: [],
    hits,
    errors,
    skipped: [],
    evaluated: 1,
    features: {},
    labels: [],
    ignoredFields: [],
    policyVersion: 'v1',
    latencyMs: 0.2,
    time: '2026-01-01T00:00:00Z',
  }
}

describe('EngineMetrics.observe', () => {
  it('counts decisions by type and outcome, hits by rule and mode, and errors', () => {
    const m = new EngineMetrics()
    m.observe(decision('signup', 'allow'))
    m.observe(decision('signup', 'block', [hit('r1', 'enforce'), hit('r2', 'shadow')]))
    m.observe(decision('login', 'block', [hit('r1', 'enforce')]))
    m.observe(
      decision('signup', 'allow', [hit('r1', 'shadow')], [{ rule: 'r3', code: 'EVAL_X', message: 'x' }]),
    )
    expect(m.decisions.get({ outcome: 'allow', type: 'signup' })).toBe(2)
    expect(m.decisions.get({ outcome: 'block', type: 'signup' })).toBe(1)
    expect(m.decisions.get({ outcome: 'block', type: 'login' })).toBe(1)
    expect(m.decisions.get({ outcome: 'allow', type: 'login' })).toBe(0)
    expect(m.hits.get({ rule: 'r1', mode: 'enforce' })).toBe(2)
    expect(m.hits.get({ rule: 'r1', mode: 'shadow' })).toBe(1)
    expect(m.hits.get({ rule: 'r2', mode: 'shadow' })).toBe(1)
    expect(m.ruleErrors.get({ rule: 'r3', code: 'EVAL_X' })).toBe(1)
  })

  it('renders the same text as labelled increments would', () => {
    const m = new EngineMetrics()
    const plain = {
      decisions: new Counter('bulwark_decisions_total', 'Decisions by outcome and event type.'),
      hits: new Counter('bulwark_rule_hits_total', 'Rule hits by rule and mode (enforce or shadow).'),
    }
    const ds = [
      decision('view', 'allow'),
      decision('signup', 'review', [hit('b', 'shadow'), hit('a', 'enforce')]),
      decision('view', 'allow', [hit('a', 'enforce')]),
      decision('view', 'block', [hit('b', 'enforce')]),
    ]
    for (const d of ds) {
      m.observe(d)
      plain.decisions.inc({ outcome: d.outcome, type: d.eventType })
      for (const h of d.hits) plain.hits.inc({ rule: h.rule, mode: h.mode })
    }
    expect(m.decisions.render()).toBe(plain.decisions.render())
    expect(m.hits.render()).toBe(plain.hits.render())
    expect(m.decisions.render()).toContain('bulwark_decisions_total{outcome="allow",type="view"} 2')
  })
})

describe('Counter.series', () => {
  it('is the one series of its labels: adding to it is what inc() counts', () => {
    const c = new Counter('c_total', 'help')
    const s = c.series({ a: 'x' })
    expect(c.series({ a: 'x' })).toBe(s)
    s.value += 2
    c.inc({ a: 'x' })
    expect(c.get({ a: 'x' })).toBe(3)
    expect(c.render()).toBe('# HELP c_total help\n# TYPE c_total counter\nc_total{a="x"} 3')
  })
})
