/**
 * The damage loop end to end, as a team would run it: `bulwark simulate` a small world, then
 * `bulwark eval` the starter pack on it and `bulwark backtest` the pack against itself. Guards
 * that the simulator, the starter pack and the evaluation keep fitting together: every area has
 * malicious traffic, the pack stops most of each area's damage without leaning on anything only the
 * simulator sends (spam is stopped with the pack's spam-domain list matching nothing), benign
 * friction stays low, busy rules are precise, and a pack compared with itself flips nothing.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AREAS } from '../../src/eval/labels.ts'
import { bulwark, type Run } from '../cli/run.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-e2e-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const world = join(dir, 'world')
const events = join(world, 'events.jsonl')
const labels = join(world, 'labels.jsonl')

let simulated: Run
let evaluated: Run
let backtested: Run

beforeAll(async () => {
  simulated = await bulwark(['simulate', '--seed', '7', '--days', '1', '--users', '1500', '--out', world])
  // One after the other: each gets a core of a small CI machine (a run is killed after 25 s).
  evaluated = await bulwark([
    'eval',
    '--policy',
    'policies/starter',
    '--events',
    events,
    '--labels',
    labels,
    '--json',
  ])
  backtested = await bulwark([
    'backtest',
    '--policy',
    'policies/starter',
    '--baseline',
    'policies/starter',
    '--events',
    events,
    '--labels',
    labels,
    '--json',
  ])
}, 120_000)

const lastJson = (r: Run) => JSON.parse(r.stdout.trim().split('\n').at(-1)!)

describe('simulate → eval → backtest with the starter pack', () => {
  it('each command succeeds', () => {
    expect(simulated.code, simulated.stderr).toBe(0)
    expect(evaluated.code, evaluated.stderr).toBe(0)
    expect(backtested.code, backtested.stderr).toBe(0)
  })

  it('every area has malicious traffic and the pack prevents most of its damage', () => {
    const report = lastJson(evaluated)
    for (const area of AREAS) {
      const a = report.areas[area]
      expect(a.malicious, area).toBeGreaterThan(0)
      expect(a.damage_prevented, area).toBeGreaterThanOrEqual(0.5)
      // A small world has few benign events in some areas (live gifts): a looser bound per area.
      expect(a.benign_friction, area).toBeLessThanOrEqual(0.02)
    }
    expect(report.benign_friction).toBeLessThanOrEqual(0.005)
    expect(report.damage_prevented).toBeGreaterThanOrEqual(0.85)
  })

  it('stops spam without the pack knowing its domains, and enforced rules hit attackers', () => {
    const report = lastJson(evaluated)
    // Campaigns link to fresh domains and shorteners, not the pack's placeholder spam_domains.
    expect(report.rules['sp-spam-domain-link'].hits).toBe(0)
    expect(report.areas.spam.damage_prevented).toBeGreaterThanOrEqual(0.8)
    const busy = Object.entries(
      report.rules as Record<string, { hits: number; precision: number | null }>,
    ).filter(([, r]) => r.hits >= 10)
    expect(busy.length).toBeGreaterThan(10)
    for (const [id, r] of busy) expect(r.precision, id).toBeGreaterThanOrEqual(0.9)
  })

  it('a pack backtested against itself flips no decision', () => {
    const report = lastJson(backtested)
    expect(report.decisions.compared).toBeGreaterThan(30_000)
    expect(report.decisions.unchanged).toBe(report.decisions.compared)
    expect(report.decisions.changed).toBe(0)
  })
})
