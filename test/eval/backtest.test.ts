/**
 * Backtests (src/eval/backtest.ts, compare.ts): the fixture's pack against a candidate where
 * `farm` needs a fourth signup (s3 is no longer blocked) and `bot-agent` is enforced (s5, s6 are
 * now challenged). Flips are counted both ways, by outcome pair, rule and area, with examples;
 * with labels the per-area metrics are compared.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEvents } from '../../src/engine/replay.ts'
import { type BacktestReport, backtest } from '../../src/eval/backtest.ts'
import { compareDecisions, NO_AREA, NO_RULE_CHANGE } from '../../src/eval/compare.ts'
import { parseLabels } from '../../src/eval/labels.ts'
import { packDirs } from '../engine/pack-dir.ts'
import { EVENTS, LABELS, packFiles } from './fixture.ts'

const dirs = packDirs('backtest')
let r: BacktestReport
let unlabelled: BacktestReport

beforeAll(async () => {
  const baseline = dirs.load(packFiles())
  const candidate = dirs.load(packFiles(3, 'enforce'))
  r = await backtest(candidate, baseline, parseEvents(EVENTS), parseLabels(LABELS), 1)
  unlabelled = await backtest(candidate, baseline, parseEvents(EVENTS), undefined)
})
afterAll(() => dirs.cleanup())

describe('backtest', () => {
  it('lists the rules that changed', () => {
    expect(r.rules).toEqual({
      added: [],
      removed: [],
      changed: { farm: ['when'], 'bot-agent': ['mode shadow→enforce'] },
    })
  })

  it('counts flips in both directions, by outcome pair, with examples', () => {
    expect(r.decisions).toMatchObject({
      compared: 15,
      only_baseline: 0,
      only_candidate: 0,
      unchanged: 12,
      changed: 3,
      now_stopped: 2,
      no_longer_stopped: 1,
    })
    expect(unlabelled.decisions.by_outcome).toEqual({
      'allow→challenge': { count: 2, examples: ['s5', 's6'] },
      'block→allow': { count: 1, examples: ['s3'] },
    })
  })

  it('attributes flips to the rules whose enforced hit changed, and to their areas', () => {
    expect(unlabelled.decisions.by_rule).toEqual({
      'bot-agent': { stricter: { count: 2, examples: ['s5', 's6'] }, looser: { count: 0, examples: [] } },
      farm: { stricter: { count: 0, examples: [] }, looser: { count: 1, examples: ['s3'] } },
    })
    expect(unlabelled.decisions.by_area).toEqual({
      fake_accounts: {
        stricter: { count: 2, examples: ['s5', 's6'] },
        looser: { count: 1, examples: ['s3'] },
      },
    })
  })

  it('keeps at most --examples ids per count', () => {
    expect(r.decisions.by_outcome['allow→challenge']).toEqual({ count: 2, examples: ['s5'] })
  })

  it('with labels, diffs precision, recall and damage prevented per area', () => {
    expect(unlabelled.metrics).toBeNull()
    const fa = r.metrics!.areas.fake_accounts!
    expect(fa.recall).toEqual({ baseline: 0.4, candidate: 0.4, change: 0 })
    expect(fa.damage_prevented).toEqual({ baseline: 0.444444, candidate: 0.333333, change: -0.111111 })
    expect(fa.precision).toEqual({ baseline: 0.666667, candidate: 0.5, change: -0.166667 })
    expect(fa.benign_friction.change).toBeCloseTo(1 / 3, 5)
    expect(r.metrics!.areas.spam!.recall).toEqual({ baseline: 0.5, candidate: 0.5, change: 0 })
    expect(r.metrics!.areas.scraping!.recall).toEqual({ baseline: null, candidate: null, change: null })
    expect(r.metrics!.overall.damage_prevented).toEqual({
      baseline: 0.416667,
      candidate: 0.333333,
      change: -0.083334,
    })
  })

  it('the same pack on both sides changes nothing', async () => {
    const pack = dirs.load(packFiles())
    const same = await backtest(pack, pack, parseEvents(EVENTS), undefined)
    expect(same.decisions).toMatchObject({
      compared: 15,
      changed: 0,
      by_outcome: {},
      by_rule: {},
      by_area: {},
    })
    expect(same.rules).toEqual({ added: [], removed: [], changed: {} })
  })

  it('reports the progress of each replay, the baseline first, each ending at its total', async () => {
    const pack = dirs.load(packFiles())
    const calls: [string, number, number][] = []
    await backtest(pack, pack, parseEvents(EVENTS), undefined, 1, (pass) => (done, total) => {
      calls.push([pass, done, total])
    })
    const n = parseEvents(EVENTS).events.length // every event line, a repeated id included
    expect(calls.at(0)).toEqual(['baseline', n, n])
    expect(calls.at(-1)).toEqual(['candidate', n, n])
    expect(calls.map((c) => c[0])).toEqual(['baseline', 'candidate'])
  })
})

describe('backtest of events without ids', () => {
  it('pairs them by line and names them by line in examples', async () => {
    const noIds = EVENTS.split('\n')
      .map((l) => {
        const { id: _, ...rest } = JSON.parse(l)
        return JSON.stringify(rest)
      })
      .join('\n')
    const r = await backtest(
      dirs.load(packFiles(3, 'enforce')),
      dirs.load(packFiles()),
      parseEvents(noIds),
      undefined,
    )
    // Without ids nothing is a duplicate: the last line (s1 again) is a sixth signup on device A.
    expect(r.decisions).toMatchObject({ compared: 16, changed: 3 })
    expect(r.decisions.by_outcome).toEqual({
      'allow→challenge': { count: 2, examples: ['line 6', 'line 7'] },
      'block→allow': { count: 1, examples: ['line 4'] },
    })
  })
})

describe('compareDecisions (pure)', () => {
  const d = (key: string, outcome: 'allow' | 'challenge' | 'review' | 'block', enforced: string[] = []) => ({
    key,
    outcome,
    enforced,
  })

  it('pairs events by key and counts events only one side decided', () => {
    const c = compareDecisions(
      [d('a', 'allow'), d('b', 'block', ['r1 block 0']), d('only-old', 'allow')],
      [d('a', 'allow'), d('b', 'review', ['r1 review 0']), d('only-new', 'allow')],
      new Map([['r1', 'spam']]),
    )
    expect(c).toMatchObject({
      compared: 2,
      only_baseline: 1,
      only_candidate: 1,
      changed: 1,
      no_longer_stopped: 0,
    })
    expect(c.by_outcome).toEqual({ 'block→review': { count: 1, examples: ['b'] } })
    // r1 hit on both sides but with another outcome: it is the rule that changed.
    expect(c.by_rule.r1!.looser.count).toBe(1)
    expect(c.by_area.spam!.looser.count).toBe(1)
  })

  it('a flip no rule explains (e.g. thresholds) is counted under (no rule change)', () => {
    const c = compareDecisions([d('x', 'allow', ['r 0'])], [d('x', 'challenge', ['r 0'])], new Map())
    expect(c.by_rule[NO_RULE_CHANGE]!.stricter).toEqual({ count: 1, examples: ['x'] })
    expect(c.by_area[NO_AREA]!.stricter.count).toBe(1)
  })
})
