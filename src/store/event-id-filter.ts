/**
 * Which event ids may already have a decision, answered from memory: a Bloom filter over every
 * event id the database holds (read from the event-id index after open, 50,000 ids per loop turn,
 * answering "maybe" for every id until it is done) and every id recorded since. "No" is certain, so the duplicate check on the request path skips its SQLite lookup for
 * a new id; "maybe" (a recorded id, or a few percent of new ones) falls back to the lookup.
 *
 * Sound only because one repository owns the database for writing (see sqlite.ts): every decision
 * it will ever hold was either there at open or recorded through it. The filter grows by adding
 * layers twice as large as the last (a scalable Bloom filter; about 1% false "maybe" per full
 * layer), so it is never rebuilt and stays near 10 bits per id.
 */

import type Database from 'better-sqlite3'

/** Probes per id: with 10 bits per id, about 1% false "maybe". */
const PROBES = 7
const BITS_PER_ID = 10
const FIRST_CAPACITY = 1 << 16
/** Ids read from the database per loop turn while loading (a few tens of ms). */
const LOAD_CHUNK = 50_000

interface Layer {
  readonly bits: Uint32Array
  /** bits.length * 32 - 1 (a power of two minus one). */
  readonly mask: number
  readonly capacity: number
  count: number
}

export class EventIdFilter {
  private readonly layers: Layer[] = []
  /** False while the database's ids are still being read: every answer is "maybe". */
  private complete = true
  /** Resolves once the database's ids are all in (or the database closed first). */
  loaded: Promise<void> = Promise.resolve()

  constructor(expected = 0) {
    this.layers.push(layer(Math.max(FIRST_CAPACITY, expected * 2)))
  }

  /**
   * A filter that comes to hold every event id a decisions table holds: one walk of its unique
   * index, a chunk now and one per loop turn after (about 1.7 s of CPU per million ids).
   */
  static fromDatabase(db: Database.Database): EventIdFilter {
    // The highest seq, a cheap upper bound of the row count, sizes the first layer.
    const rows = (db.prepare('SELECT max(seq) FROM decisions').pluck().get() as number | null) ?? 0
    const filter = new EventIdFilter(rows)
    if (rows === 0) return filter
    filter.complete = false
    const first = db.prepare('SELECT event_id FROM decisions ORDER BY event_id LIMIT ?').pluck()
    const next = db
      .prepare('SELECT event_id FROM decisions WHERE event_id > ? ORDER BY event_id LIMIT ?')
      .pluck()
    filter.loaded = new Promise((resolve) => {
      let after: string | undefined
      const step = () => {
        if (!db.open) return resolve()
        const ids = (after === undefined ? first.all(LOAD_CHUNK) : next.all(after, LOAD_CHUNK)) as string[]
        for (const id of ids) filter.add(id)
        if (ids.length < LOAD_CHUNK) {
          filter.complete = true
          return resolve()
        }
        after = ids[ids.length - 1]!
        setImmediate(step)
      }
      step()
    })
    return filter
  }

  /** Ids added so far (counting repeats). */
  get size(): number {
    let n = 0
    for (const l of this.layers) n += l.count
    return n
  }

  add(id: string): void {
    let last = this.layers[this.layers.length - 1]!
    if (last.count >= last.capacity) {
      last = layer(last.capacity * 2)
      this.layers.push(last)
    }
    const h1 = hashA(id)
    const h2 = hashB(id) | 1
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & last.mask
      last.bits[bit >>> 5]! |= 1 << (bit & 31)
    }
    last.count++
  }

  /** False: the id was never added. True: it may have been. */
  mayHave(id: string): boolean {
    if (!this.complete) return true
    const h1 = hashA(id)
    const h2 = hashB(id) | 1
    for (const l of this.layers) if (inLayer(l, h1, h2)) return true
    return false
  }
}

function layer(capacity: number): Layer {
  // A power of two of bits, at least BITS_PER_ID per id of capacity.
  const words = 2 ** Math.ceil(Math.log2(Math.ceil((capacity * BITS_PER_ID) / 32)))
  return { bits: new Uint32Array(words), mask: words * 32 - 1, capacity, count: 0 }
}

function inLayer(l: Layer, h1: number, h2: number): boolean {
  for (let i = 0; i < PROBES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & l.mask
    if ((l.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false
  }
  return true
}

/** FNV-1a over the UTF-16 code units. */
function hashA(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** A second, independent mix (murmur-style multiply and rotate) for double hashing. */
function hashB(s: string): number {
  let h = 0x9747b28c ^ s.length
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995)
    h ^= h >>> 13
  }
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  return (h ^ (h >>> 16)) >>> 0
}
