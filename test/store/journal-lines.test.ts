/**
 * Journal line format: decision lines led by the lengths of their parts are read back by slicing
 * (the exact stored text, multi-byte characters included), lines of the earlier format are still
 * read, and lines whose lengths do not fit are refused with STORAGE_JOURNAL and their place. A
 * decision already stringified by the caller (`decisionJson`) is spliced in as it is.
 */

import { describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import { decisionEntry, decisionLine, journalLine, parseJournalLine } from '../../src/store/writes.ts'
import { decisionRecord } from './records.ts'

function refusal(line: string): BulwarkError {
  try {
    parseJournalLine(line, 'seg.log:7')
  } catch (err) {
    return err as BulwarkError
  }
  throw new Error('the line was accepted')
}

describe('decision journal lines', () => {
  const tricky = decisionRecord(4, {
    eventId: 'évt-😀-4',
    event: { type: 'signup', note: 'commas, brackets ] [ "quotes" \\ and ünïcödé 😀', n: [1, 2] },
  })

  it('are valid JSON led by the lengths of the metadata, event, decision and updates', () => {
    const line = decisionLine(tricky, 9)
    const parsed = JSON.parse(line)
    expect(parsed.slice(0, 2)).toEqual([9, 'decision'])
    const entry = decisionEntry(tricky, 9)
    expect(parsed[2]).toEqual([
      JSON.stringify(entry.meta).length,
      entry.event.length,
      entry.decision.length,
      entry.updates!.length,
    ])
    expect(parsed[4]).toEqual(tricky.event)
    expect(line).toBe(journalLine(entry))
  })

  it('read back to the entry that wrote them, slicing the exact stored text', () => {
    const entry = decisionEntry(tricky, 9)
    expect(parseJournalLine(decisionLine(tricky, 9), 'x')).toEqual(entry)
    const noUpdates = decisionRecord(5, { featureUpdates: [] })
    const back = parseJournalLine(decisionLine(noUpdates, 10), 'x')
    expect(back).toEqual(decisionEntry(noUpdates, 10))
    expect(back.kind === 'decision' && back.updates).toBeNull()
  })

  it('splice in the decision text the caller stringified already, unchanged', () => {
    const decisionJson = JSON.stringify(tricky.decision)
    const given = { ...tricky, decisionJson }
    expect(decisionLine(given, 9)).toBe(decisionLine(tricky, 9))
    expect(decisionEntry(given, 9)).toEqual(decisionEntry(tricky, 9))
    // The text is taken as it is, not stringified again from the object.
    const back = parseJournalLine(decisionLine({ ...tricky, decisionJson: '{"marker":1}' }, 9), 'x')
    expect(back.kind === 'decision' && back.decision).toBe('{"marker":1}')
  })

  it('of the earlier format (no lengths) are still read', () => {
    const entry = decisionEntry(tricky, 3)
    const old = `[3,"decision",${JSON.stringify(entry.meta)},${entry.event},${entry.decision},${entry.updates}]`
    expect(parseJournalLine(old, 'x')).toEqual(entry)
  })

  it('whose lengths do not fit the line are refused with their place', () => {
    const line = decisionLine(tricky, 9)
    const longer = line.replace(/^\[9,"decision",\[(\d+)/, (_m, n) => `[9,"decision",[${Number(n) + 1}`)
    const cut = `${line.slice(0, -3)}]`
    const noLengths = line.replace(/^\[9,"decision",\[[^\]]*\]/, '[9,"decision",[1,2]')
    for (const bad of [longer, cut, noLengths]) {
      const err = refusal(bad)
      expect(err).toBeInstanceOf(BulwarkError)
      expect(err.code).toBe('STORAGE_JOURNAL')
      expect(err.message).toContain('seg.log:7')
    }
  })
})
