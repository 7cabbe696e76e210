/**
 * The HTML report (src/eval/html/): one self-contained page — no scripts, stylesheets, fonts or
 * images fetched from anywhere — with the charts drawn as inline SVG, and text escaped.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEvents } from '../../src/engine/replay.ts'
import { bucketName, htmlReport } from '../../src/eval/html/page.ts'
import { barChart, lineChart } from '../../src/eval/html/svg.ts'
import { parseLabels } from '../../src/eval/labels.ts'
import { evaluate } from '../../src/eval/run.ts'
import { packDirs } from '../engine/pack-dir.ts'
import { EVENTS, LABELS, packFiles } from './fixture.ts'

const dirs = packDirs('eval-html')
let html: string

beforeAll(async () => {
  const { report } = await evaluate(dirs.load(packFiles()), parseEvents(EVENTS), parseLabels(LABELS))
  html = htmlReport(report)
})
afterAll(() => dirs.cleanup())

describe('htmlReport', () => {
  it('is self-contained: nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/https?:/)
  })

  it('draws the charts: damage prevented per area, benign friction, rule hits and precision', () => {
    // One damage chart per area with malicious events (fake_accounts, spam, unassigned), the
    // friction chart, and the two rule charts.
    expect(html.match(/<svg /g)).toHaveLength(6)
    expect(html).toContain('<h2>Damage prevented per minute, by area</h2>')
    expect(html).toContain('>fake_accounts: 44.4% of 9 damage units prevented</text>')
    expect(html).toContain('>spam: 50.0% of 2 damage units prevented</text>')
    expect(html).toContain('Benign friction per minute (share of benign events')
    expect(html).toContain('Hits per rule')
    expect(html).toContain('Precision per rule')
    expect(html).toMatch(/<path d="M[^"]+" fill="none" stroke="#1f77b4"/)
    // Bars for every rule that hit.
    for (const rule of ['farm', 'spam-link', 'bot-agent', 'shouting'])
      expect(html).toContain(`>${rule}</text>`)
  })

  it('shows the headline numbers, the area table and the campaigns', () => {
    expect(html).toContain('<b>41.7%</b>damage prevented')
    expect(html).toContain('<td>fake_accounts</td><td>5</td><td>2</td><td>40.0%</td><td>44.4%</td>')
    expect(html).toContain('<td>farm1</td><td>fake_accounts</td><td>4</td><td>2</td><td>50.0%</td>')
    expect(html).toContain('<td>bots1</td><td>fake_accounts</td><td>1</td><td>0</td><td>0.0%</td>')
  })
})

describe('bucketName', () => {
  it('names bucket widths in words', () => {
    expect([1, 5, 60, 180, 1440, 10080].map(bucketName)).toEqual([
      'minute',
      '5 minutes',
      'hour',
      '3 hours',
      'day',
      'week',
    ])
  })
})

describe('svg charts', () => {
  it('break a line where there is nothing to measure', () => {
    const svg = lineChart('t', [{ name: 'a', color: '#000', values: [0.5, null, 1] }], ['x', 'y', 'z'])
    expect(svg.match(/M/g)).toHaveLength(2)
    expect(svg.match(/<circle/g)).toHaveLength(2)
  })

  it('scale the y axis to the data when asked', () => {
    const svg = lineChart('t', [{ name: 'a', color: '#000', values: [0.03, 0.12] }], ['x', 'y'], {
      yMax: 'auto',
    })
    expect(svg).toContain('>20%</text>')
    expect(svg).not.toContain('>100%</text>')
  })

  it('escape text', () => {
    const svg = barChart('<b>&', [
      { label: '"x"<', segments: [{ value: 1, color: '#000', name: 'n' }], note: '' },
    ])
    expect(svg).toContain('&lt;b&gt;&amp;')
    expect(svg).toContain('&quot;x&quot;&lt;')
    expect(svg).not.toContain('<b>')
  })
})
