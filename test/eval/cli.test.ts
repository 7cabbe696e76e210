/**
 * `bulwark eval` and `bulwark backtest` as a user runs them (bin/bulwark.js): the JSON last line,
 * the terminal table, the HTML report and decisions files, label problems by line, and clear
 * errors with exit 1 for wrong flags and missing files. One run per behaviour, started together.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lines, type Run, runAll } from '../cli/run.ts'
import { tempPacks } from '../policy/temp-packs.ts'
import { EVENTS, LABELS, packFiles } from './fixture.ts'

const packs = tempPacks('eval-cli')
const old = packs.write(packFiles())
const candidate = packs.write(packFiles(3, 'enforce'))
const events = join(packs.root, 'events.jsonl')
const labels = join(packs.root, 'labels.jsonl')
const html = join(packs.root, 'report.html')
const out = join(packs.root, 'decisions.jsonl')
writeFileSync(events, EVENTS)
writeFileSync(labels, LABELS)

let r: Record<string, Run>

beforeAll(async () => {
  const ev = ['eval', '--policy', old, '--events', events, '--labels', labels]
  r = await runAll({
    json: [[...ev, '--json', '--report', html, '--out', out]],
    text: [ev],
    missing: [['eval', '--policy', old, '--events', events]],
    unknownFlag: [[...ev, '--frobnicate']],
    noFile: [['eval', '--policy', old, '--events', join(packs.root, 'nope.jsonl'), '--labels', labels]],
    bt: [
      [
        'backtest',
        '--policy',
        candidate,
        '--baseline',
        old,
        '--events',
        events,
        '--json',
        '--labels',
        labels,
      ],
    ],
    btText: [['backtest', '--policy', candidate, '--baseline', old, '--events', '-'], EVENTS],
    btBadExamples: [
      ['backtest', '--policy', candidate, '--baseline', old, '--events', events, '--examples', 'x'],
    ],
  })
}, 60_000)
afterAll(() => packs.cleanup())

describe('bulwark eval', () => {
  it('--json prints one object as the last line, with all eight areas and the rules', () => {
    expect(r.json!.code).toBe(0)
    const last = JSON.parse(lines(r.json!.stdout).at(-1)!)
    expect(last).toMatchObject({ policy: { name: 'evalmini' }, events: 15, benign_friction: 0.333333 })
    expect(Object.keys(last.areas)).toEqual(
      expect.arrayContaining(['fake_accounts', 'fake_traffic', 'spam', 'scraping', 'cyberbullying']),
    )
    expect(Object.keys(last.areas)).toHaveLength(9)
    expect(last.areas.fake_accounts).toMatchObject({
      damage_prevented: 0.444444,
      benign_friction: 0.333333,
      recall: 0.4,
    })
    expect(last.areas.live_room.recall).toBeNull()
    expect(Object.keys(last.rules).sort()).toEqual(['bot-agent', 'farm', 'shouting', 'spam-link'])
  })

  it('reports label lines that do not parse on stderr, by line', () => {
    expect(r.json!.stderr).toContain(`${labels}:3: `)
    expect(r.json!.stderr).toContain(`${labels}:6: malicious must be true or false`)
  })

  it('--report writes the HTML page and --out the decisions', () => {
    expect(readFileSync(html, 'utf8')).toContain('<svg ')
    const decisions = lines(readFileSync(out, 'utf8')).map((l) => JSON.parse(l))
    expect(decisions).toHaveLength(16)
    expect(decisions.filter((d) => d.duplicate).map((d) => d.eventId)).toEqual(['s1'])
  })

  it('prints a table on a terminal', () => {
    expect(r.text!.code).toBe(0)
    expect(r.text!.stdout).toMatch(/^fake_accounts\s+5\s+2\s+40\.0%\s+44\.4%/m)
    expect(r.text!.stdout).toContain('farm1 (fake_accounts): 4 events, 2 stopped')
  })

  it('exits 1 with a clear message on a missing flag, an unknown flag or a missing file', () => {
    expect(r.missing!.code).toBe(1)
    expect(r.missing!.stderr).toMatch(/^bulwark eval: missing --labels\n\nbulwark eval /)
    expect(r.unknownFlag!.code).toBe(1)
    expect(r.unknownFlag!.stderr).toContain("bulwark eval: Unknown option '--frobnicate'")
    expect(r.noFile!.code).toBe(1)
    expect(r.noFile!.stderr).toMatch(/cannot read .*nope\.jsonl: ENOENT/)
    expect(existsSync(join(packs.root, 'nope.jsonl'))).toBe(false)
  })
})

describe('bulwark backtest', () => {
  it('--json prints flips and metric changes as the last line', () => {
    expect(r.bt!.code).toBe(0)
    const last = JSON.parse(lines(r.bt!.stdout).at(-1)!)
    expect(last.decisions).toMatchObject({ changed: 3, now_stopped: 2, no_longer_stopped: 1 })
    expect(last.decisions.by_outcome['block→allow']).toEqual({ count: 1, examples: ['s3'] })
    expect(last.metrics.areas.fake_accounts.damage_prevented.change).toBe(-0.111111)
  })

  it('reads events from standard input and prints the flips as a table', () => {
    expect(r.btText!.code).toBe(0)
    expect(r.btText!.stdout).toMatch(/allow→challenge\s+2\s+e\.g\. s5, s6/)
    expect(r.btText!.stdout).toContain('~ bot-agent: mode shadow→enforce')
  })

  it('refuses a bad --examples', () => {
    expect(r.btBadExamples!.code).toBe(1)
    expect(r.btBadExamples!.stderr).toContain("--examples must be a whole number ≥ 0, got 'x'")
  })
})
