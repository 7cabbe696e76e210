/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) of short strings under one fixed key, computed
 * in JavaScript. The key's inner and outer pad blocks are hashed once, at construction; each
 * message then costs its own blocks plus one outer block — for the identifiers pseudonymised per
 * event (an IP, a device id: one block) that is two compressions and no native call, object or
 * buffer per value, which is several times cheaper than `createHmac(...).update(...).digest()`.
 * The output is bit-for-bit HMAC-SHA256 (test/privacy/hmac-sha256.test.ts checks it against
 * node:crypto on many random strings). Strings are hashed as UTF-8, lone surrogates as U+FFFD,
 * exactly as Node encodes them.
 */

import { createHash } from 'node:crypto'

/** SHA-256 round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

/** SHA-256 initial state: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

const BLOCK = 64

export class HmacSha256 {
  /** SHA-256 state after the key XOR ipad block, and after the key XOR opad block. */
  private readonly inner = new Int32Array(8)
  private readonly outer = new Int32Array(8)
  /** The running state of the hash being computed. */
  private readonly state = new Int32Array(8)
  /** Message schedule. */
  private readonly w = new Int32Array(64)
  /** The message as UTF-8, padded; grows (in whole blocks) for a longer message. */
  private bytes = new Uint8Array(4 * BLOCK)
  /** The 32-byte digest of the last message. */
  readonly digest = new Uint8Array(32)

  constructor(key: Uint8Array) {
    // A key longer than a block is replaced by its hash (RFC 2104).
    const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key
    const pad = new Uint8Array(BLOCK)
    for (const [fill, into] of [
      [0x36, this.inner],
      [0x5c, this.outer],
    ] as const) {
      pad.fill(fill)
      for (let i = 0; i < k.length; i++) pad[i] = k[i]! ^ fill
      this.state.set(IV)
      this.compress(pad, 0)
      into.set(this.state)
    }
  }

  /** HMAC-SHA256 of `message` (as UTF-8) into `digest`. */
  update(message: string): Uint8Array {
    // Inner hash: the ipad block (already in `inner`) then the message.
    const length = this.encode(message)
    this.state.set(this.inner)
    this.finish(length, BLOCK + length)
    // Outer hash: the opad block then the inner digest (32 bytes: one final block).
    const bytes = this.bytes
    const s = this.state
    for (let i = 0; i < 8; i++) {
      const v = s[i]!
      bytes[4 * i] = v >>> 24
      bytes[4 * i + 1] = v >>> 16
      bytes[4 * i + 2] = v >>> 8
      bytes[4 * i + 3] = v
    }
    s.set(this.outer)
    this.finish(32, BLOCK + 32)
    const d = this.digest
    for (let i = 0; i < 8; i++) {
      const v = s[i]!
      d[4 * i] = v >>> 24
      d[4 * i + 1] = v >>> 16
      d[4 * i + 2] = v >>> 8
      d[4 * i + 3] = v
    }
    return d
  }

  /** Writes `text` as UTF-8 at the start of `bytes` (growing it as needed); returns its length. */
  private encode(text: string): number {
    const n = text.length
    // At most 3 bytes per UTF-16 unit, plus room for the padding.
    if (3 * n + 2 * BLOCK > this.bytes.length)
      this.bytes = new Uint8Array(Math.ceil((3 * n + 2 * BLOCK) / BLOCK) * BLOCK)
    const b = this.bytes
    let at = 0
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i)
      if (c < 0x80) {
        b[at++] = c
        continue
      }
      if (c < 0x800) {
        b[at++] = 0xc0 | (c >> 6)
        b[at++] = 0x80 | (c & 63)
        continue
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          // A surrogate pair: one code point above U+FFFF, four bytes.
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          b[at++] = 0xf0 | (c >> 18)
          b[at++] = 0x80 | ((c >> 12) & 63)
          b[at++] = 0x80 | ((c >> 6) & 63)
          b[at++] = 0x80 | (c & 63)
          continue
        }
        c = 0xfffd // a lone surrogate is written as the replacement character
      }
      b[at++] = 0xe0 | (c >> 12)
      b[at++] = 0x80 | ((c >> 6) & 63)
      b[at++] = 0x80 | (c & 63)
    }
    return at
  }

  /**
   * Pads the `length` bytes at the start of `bytes` (`total` bytes hashed in all, earlier blocks
   * included) and compresses them into `state`.
   */
  private finish(length: number, total: number): void {
    const b = this.bytes
    b[length] = 0x80
    // The padded length: room for the 0x80 byte and the 8-byte bit count, in whole blocks.
    const padded = Math.ceil((length + 9) / BLOCK) * BLOCK
    b.fill(0, length + 1, padded - 4)
    const bits = total * 8 // messages here are far below 2^32 bits
    b[padded - 4] = bits >>> 24
    b[padded - 3] = bits >>> 16
    b[padded - 2] = bits >>> 8
    b[padded - 1] = bits
    for (let at = 0; at < padded; at += BLOCK) this.compress(b, at)
  }

  /** The SHA-256 compression of the block at `at` into `state`. */
  private compress(block: Uint8Array, at: number): void {
    const w = this.w
    for (let i = 0; i < 16; i++) {
      const j = at + 4 * i
      w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!
      const y = w[i - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    const s = this.state
    let a = s[0]!
    let b = s[1]!
    let c = s[2]!
    let d = s[3]!
    let e = s[4]!
    let f = s[5]!
    let g = s[6]!
    let h = s[7]!
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    s[0] = (s[0]! + a) | 0
    s[1] = (s[1]! + b) | 0
    s[2] = (s[2]! + c) | 0
    s[3] = (s[3]! + d) | 0
    s[4] = (s[4]! + e) | 0
    s[5] = (s[5]! + f) | 0
    s[6] = (s[6]! + g) | 0
    s[7] = (s[7]! + h) | 0
  }
}
