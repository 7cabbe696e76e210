/**
 * Events and labels read from a file's bytes (engine/replay.ts forEachLine): the same lines and
 * numbers as from a string, multi-byte characters intact — files over ~512 MiB cannot be strings.
 */

import { describe, expect, it } from 'vitest'
import { forEachLine, parseEvents } from '../../src/engine/replay.ts'
import { parseLabels } from '../../src/eval/labels.ts'
import { EVENTS, LABELS } from './fixture.ts'

const collect = (input: string | Uint8Array) => {
  const out: [string, number][] = []
  forEachLine(input, (text, n) => out.push([text, n]))
  return out
}

describe('forEachLine', () => {
  it('splits bytes exactly as a string, with 1-based line numbers', () => {
    const text = 'a\n\nçé😀 x\r\n{"k":"☃"}\n'
    expect(collect(Buffer.from(text))).toEqual(collect(text))
    expect(collect(text)).toEqual([
      ['a', 1],
      ['', 2],
      ['çé😀 x\r', 3],
      ['{"k":"☃"}', 4],
      ['', 5],
    ])
  })

  it('accepts any Uint8Array view, not only a Buffer', () => {
    const bytes = new TextEncoder().encode('xx\nyy')
    expect(collect(bytes.subarray(0))).toEqual([
      ['xx', 1],
      ['yy', 2],
    ])
  })

  it('gives the same parsed events and labels from bytes as from text', () => {
    // Events are read again from their line when used: compare what they read as.
    const read = (input: string | Uint8Array) => {
      const { events, ...rest } = parseEvents(input)
      return { ...rest, events: events.map((e) => ({ line: e.line, time: e.time, event: e.event })) }
    }
    const fromBytes = read(Buffer.from(`${EVENTS}\nnot json`))
    const fromText = read(`${EVENTS}\nnot json`)
    expect(fromBytes).toEqual(fromText)
    expect(fromBytes.events.length).toBeGreaterThan(10)
    expect(fromBytes.problems.map((p) => p.line)).toEqual([17])
    expect(parseLabels(Buffer.from(LABELS))).toEqual(parseLabels(LABELS))
  })
})
