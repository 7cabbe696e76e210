/**
 * Ground-truth labels (src/eval/labels.ts): one JSON object per line; every line that does not
 * parse or has a wrong field is reported with its line number and skipped, never fatal.
 */

import { describe, expect, it } from 'vitest'
import { areaOf, damageOf, parseLabels } from '../../src/eval/labels.ts'

describe('parseLabels', () => {
  it('reads labels, skipping blank lines but counting line numbers through them', () => {
    const labels = parseLabels(
      [
        '{"event_id":"e1","malicious":true,"area":"spam","campaign":"c1","damage":3}',
        '',
        '{"event_id":"e2","malicious":false}',
      ].join('\n'),
    )
    expect(labels.lines).toBe(2)
    expect(labels.rejected).toBe(0)
    expect(labels.byEvent.get('e1')).toEqual({ malicious: true, area: 'spam', campaign: 'c1', damage: 3 })
    expect(labels.byEvent.get('e2')).toEqual({ malicious: false })
  })

  it('reports each problem with its line and keeps the good lines', () => {
    const labels = parseLabels(
      [
        '{"event_id":"ok","malicious":true}',
        '{"event_id":"a","malicious":true',
        '[1]',
        '{"malicious":true}',
        '{"event_id":"b","malicious":"yes"}',
        '',
        '{"event_id":"c","malicious":true,"area":7}',
        '{"event_id":"d","malicious":true,"campaign":false}',
        '{"event_id":"e","malicious":true,"damage":-1}',
      ].join('\n'),
    )
    expect([...labels.byEvent.keys()]).toEqual(['ok'])
    expect(labels.rejected).toBe(7)
    expect(labels.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 7, 8, 9])
    expect(labels.problems.slice(1).map((p) => p.message)).toEqual([
      'a label must be a JSON object',
      'event_id must be a non-empty string',
      'malicious must be true or false',
      'area must be a string',
      'campaign must be a string',
      'damage must be a number ≥ 0',
    ])
    expect(labels.problems[0]!.message).toMatch(/JSON/)
  })

  it('keeps the first 20 problems but counts them all', () => {
    const labels = parseLabels(Array.from({ length: 25 }, () => 'x').join('\n'))
    expect(labels.problems).toHaveLength(20)
    expect(labels.rejected).toBe(25)
  })

  it('a repeated event id keeps its last label', () => {
    const labels = parseLabels('{"event_id":"e","malicious":true}\n{"event_id":"e","malicious":false}')
    expect(labels.byEvent.get('e')).toEqual({ malicious: false })
  })

  it('damage defaults to 1 and a missing area to unassigned', () => {
    expect(damageOf({ malicious: true })).toBe(1)
    expect(areaOf({ malicious: true })).toBe('unassigned')
  })
})
