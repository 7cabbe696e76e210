/**
 * IngestFeed: one chunk in flight to the ingest worker at a time, at most one message per
 * interval; chunks made durable meanwhile go together, bytes in order, once it reports back and
 * the interval has passed, or at once before a call; nothing is kept when there is no worker.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import { IngestFeed } from '../../src/store/ingest-feed.ts'

const chunk = (text: string) => {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text))
  b.write(text)
  return b
}

describe('IngestFeed', () => {
  it('sends the first chunk at once and the rest together after the worker reports', () => {
    const sent: string[] = []
    const feed = new IngestFeed((c) => {
      sent.push(c.toString())
      return true
    })
    feed.push(chunk('a\n'))
    feed.push(chunk('b\n'))
    feed.push(chunk('cé\n'))
    expect(sent).toEqual(['a\n'])
    expect(feed.waiting).toBe(2)
    feed.acknowledged()
    expect(sent).toEqual(['a\n', 'b\ncé\n'])
    feed.acknowledged()
    expect(sent).toHaveLength(2)
    feed.push(chunk('d\n'))
    expect(sent.at(-1)).toBe('d\n')
  })

  it('flushes what waits before a call, and the joined chunk owns its ArrayBuffer', () => {
    const sent: Buffer[] = []
    const feed = new IngestFeed((c) => {
      sent.push(c)
      return true
    })
    feed.push(chunk('a\n'))
    feed.push(chunk('b\n'))
    feed.push(chunk('c\n'))
    feed.flush()
    expect(sent.map(String)).toEqual(['a\n', 'b\nc\n'])
    expect(sent[1]!.byteOffset).toBe(0)
    expect(sent[1]!.buffer.byteLength).toBe(4)
    expect(feed.waiting).toBe(0)
  })

  it('keeps nothing while there is no worker', () => {
    let sent = 0
    const feed = new IngestFeed(() => {
      sent++
      return false
    })
    feed.push(chunk('a\n'))
    feed.push(chunk('b\n'))
    expect(sent).toBe(2)
    expect(feed.waiting).toBe(0)
  })

  describe('with a minimum interval', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('holds chunks until the interval since the last message has passed', () => {
      vi.useFakeTimers()
      let clock = 1000
      const sent: string[] = []
      const feed = new IngestFeed(
        (c) => {
          sent.push(c.toString())
          return true
        },
        { minIntervalMs: 10, now: () => clock },
      )
      feed.push(chunk('a\n'))
      expect(sent).toEqual(['a\n'])
      feed.acknowledged()
      clock += 4
      feed.push(chunk('b\n'))
      feed.push(chunk('c\n'))
      expect(sent).toEqual(['a\n'])
      clock += 6
      vi.advanceTimersByTime(6)
      expect(sent).toEqual(['a\n', 'b\nc\n'])
      // Busy when the interval passes: sent on the report instead.
      clock += 20
      feed.push(chunk('d\n'))
      vi.advanceTimersByTime(20)
      expect(sent).toHaveLength(2)
      feed.acknowledged()
      expect(sent.at(-1)).toBe('d\n')
      // A call does not wait for the interval.
      feed.push(chunk('e\n'))
      feed.flush()
      expect(sent.at(-1)).toBe('e\n')
    })
  })
})
