/**
 * Pseudonymisation of PII: a keyed HMAC-SHA256 of the value, so the same email always maps to
 * the same pseudonym (features and lookups still work) while the raw value is never stored and
 * cannot be recovered without the key. The key comes from configuration (BULWARK_PII_KEY).
 */

import { createHmac } from 'node:crypto'

export class Pseudonymiser {
  private readonly key: Buffer
  private readonly cache = new Map<string, string>()

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
    if (this.key.length < 16) throw new Error('the PII key must be at least 16 bytes')
  }

  /** `p:` + the first 22 base64url characters (132 bits) of HMAC-SHA256(key, value). */
  pseudonym(value: string): string {
    let p = this.cache.get(value)
    if (p === undefined) {
      p = `p:${createHmac('sha256', this.key).update(value).digest('base64url').slice(0, 22)}`
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
}
