/**
 * Identifiers: time-ordered, URL-safe, 26 characters (the ULID layout: 48-bit milliseconds then
 * 80 random bits, in Crockford base32), so ids sort by creation time and never collide.
 */

import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** Random bytes per id (80 bits). */
const RANDOM_BYTES = 10
/**
 * Random bytes drawn from the CSPRNG in one call and handed out 10 at a time: one call per 4,096
 * ids instead of one per id (a call costs far more than the bytes). Each id's bytes are used once.
 */
const pool = Buffer.alloc(RANDOM_BYTES * 4096)
let poolAt = pool.length

/** The last time encoded, and its 10 characters: ids made in the same millisecond share them. */
let lastTime = -1
let lastTimeText = ''

function timeText(now: number): string {
  if (now === lastTime) return lastTimeText
  let text = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    text = ALPHABET[t % 32]! + text
    t = Math.floor(t / 32)
  }
  lastTime = now
  lastTimeText = text
  return text
}

export function newId(now = Date.now()): string {
  if (poolAt === pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  const at = poolAt
  poolAt += RANDOM_BYTES
  let rand = ''
  let acc = 0
  let bits = 0
  for (let i = at; i < at + RANDOM_BYTES; i++) {
    // Only the low `bits` (< 13) bits of acc are read: what shifts out of 32 bits is spent.
    acc = (acc << 8) | pool[i]!
    bits += 8
    while (bits >= 5) {
      rand += ALPHABET[(acc >> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return timeText(now) + rand
}

/** 32-bit FNV-1a: a fast, stable hash for bucketing (rollouts), not for security. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
