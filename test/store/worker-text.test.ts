/**
 * The ingest worker keeps text exact: decisions with characters beyond Latin-1 (accents, CJK,
 * emoji, a surrogate pair) recorded in the same chunks as plain ASCII ones come back from SQLite
 * byte for byte, and every line of a chunk is applied (the worker decodes a chunk line by line).
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteRepository } from '../../src/store/sqlite.ts'
import { decisionRecord } from './records.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-worker-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TEXTS = ['plain ascii', 'café crème', '東京の部屋', 'gift 🎁 for you', 'naïve\u2028line', 'x']

describe('ingest worker text', () => {
  it('stores mixed-script events exactly, every line of every chunk', async () => {
    const repo = new SqliteRepository(join(dir, 'text.db'))
    await repo.migrate()
    const records = Array.from({ length: 60 }, (_, i) => {
      const r = decisionRecord(i)
      return { ...r, event: { ...r.event, content: { text: TEXTS[i % TEXTS.length] } } }
    })
    // All in one turn: they share journal chunks, ASCII and non-Latin-1 lines mixed.
    await Promise.all(records.map((r) => repo.record(r)))
    const stored = await repo.decisionsAfter(0, 100)
    expect(stored.map((d) => d.eventId)).toEqual(records.map((r) => r.eventId))
    for (let i = 0; i < records.length; i++) {
      expect(stored[i]!.event).toEqual(records[i]!.event)
      expect(JSON.stringify(stored[i]!.event)).toBe(JSON.stringify(records[i]!.event))
    }
    await repo.close()
  })
})
