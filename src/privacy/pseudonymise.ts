/**
 * Pseudonymisation of PII: a keyed HMAC-SHA256 of the value, so the same email always maps to
 * the same pseudonym (features and lookups still work) while the raw value is never stored and
 * cannot be recovered without the key. The key comes from configuration (BULWARK_PII_KEY).
 */

import { HmacSha256 } from './hmac-sha256.ts'

/** base64url digits, by value. */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64 = Array.from(BASE64URL, (c) => c.charCodeAt(0))
const P = 'p'.charCodeAt(0)
const COLON = ':'.charCodeAt(0)

export class Pseudonymiser {
  private readonly key: Buffer
  /** The HMAC with the key's pads hashed once (src/privacy/hmac-sha256.ts). */
  private readonly hmac: HmacSha256
  private readonly cache = new Map<string, string>()

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
    if (this.key.length < 16) throw new Error('the PII key must be at least 16 bytes')
    this.hmac = new HmacSha256(this.key)
  }

  /** `p:` + the first 22 base64url characters (132 bits) of HMAC-SHA256(key, value). */
  pseudonym(value: string): string {
    let p = this.cache.get(value)
    if (p === undefined) {
      p = this.compute(value)
      // A bounded memo: hot identifiers (a busy IP, a shared device) repeat across events. It
      // holds raw values, so it is kept small on purpose — at most ~50,000, all dropped at once
      // when it fills — rather than sized for the best hit rate: about 47% on the starter-pack
      // mix, against a ceiling of 51% (half the values, mostly IPs, are first sightings). A
      // larger or generational memo would save little HMAC time and keep more raw PII alive.
      if (this.cache.size > 50_000) this.cache.clear()
      this.cache.set(value, p)
    }
    return p
  }

  /** The pseudonym, without the memo: 22 base64url digits are 132 bits, bytes 0 to 16. */
  private compute(value: string): string {
    const d = this.hmac.update(value)
    // Five groups of 3 bytes, 4 digits each, then 2 digits from bytes 15 and 16.
    const g0 = (d[0]! << 16) | (d[1]! << 8) | d[2]!
    const g1 = (d[3]! << 16) | (d[4]! << 8) | d[5]!
    const g2 = (d[6]! << 16) | (d[7]! << 8) | d[8]!
    const g3 = (d[9]! << 16) | (d[10]! << 8) | d[11]!
    const g4 = (d[12]! << 16) | (d[13]! << 8) | d[14]!
    // One flat string in one call (concatenating 22 one-character strings builds a rope).
    return String.fromCharCode(
      P,
      COLON,
      B64[g0 >> 18]!,
      B64[(g0 >> 12) & 63]!,
      B64[(g0 >> 6) & 63]!,
      B64[g0 & 63]!,
      B64[g1 >> 18]!,
      B64[(g1 >> 12) & 63]!,
      B64[(g1 >> 6) & 63]!,
      B64[g1 & 63]!,
      B64[g2 >> 18]!,
      B64[(g2 >> 12) & 63]!,
      B64[(g2 >> 6) & 63]!,
      B64[g2 & 63]!,
      B64[g3 >> 18]!,
      B64[(g3 >> 12) & 63]!,
      B64[(g3 >> 6) & 63]!,
      B64[g3 & 63]!,
      B64[g4 >> 18]!,
      B64[(g4 >> 12) & 63]!,
      B64[(g4 >> 6) & 63]!,
      B64[g4 & 63]!,
      B64[d[15]! >> 2]!,
      B64[((d[15]! & 3) << 4) | (d[16]! >> 4)]!,
    )
  }
}
