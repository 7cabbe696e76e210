/**
 * Account farms. An operator with a rack of phones (or emulators) and rented servers creates
 * accounts in runs, then keeps them warm: logs each in from the farm phones, fills in a profile,
 * watches a few videos. Damage: 1 per account created (an account that survives becomes
 * inventory for every other kind of abuse).
 *   evasion 0: one install id reused, script user agents, hosting addresses, throwaway inboxes,
 *              runs of dozens back to back at any hour;
 *   evasion 1: install id reset and fingerprint spoofed per account, real app user agents,
 *              4G modems / residential proxies, Gmail and catch-all inboxes, human-paced runs.
 */

import type { Device } from '../agents.ts'
import { farmDomains } from '../email.ts'
import type { Client, Emit } from '../event.ts'
import { DAY, HOUR, MINUTE, SECOND } from '../event.ts'
import { mobileIp } from '../net.ts'
import { pickContent } from '../session.ts'
import type { Episode } from '../source.ts'
import { type Account, Campaign } from './common.ts'

export class FakeAccountFarm extends Campaign {
  private phones: Device[] = []
  private hosting: string[] = []
  private domains: string[] = []

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    if (index === 0) {
      this.phones = Array.from({ length: 2 + rng.int(6) }, () => this.device())
      this.hosting = this.servers(3)
      this.domains = farmDomains(rng, 3)
    }
    const total = this.volume(60)
    const runs = Math.max(1, Math.round(1 + this.e * 6))
    const out: Episode[] = []
    for (let r = 0; r < runs; r++) {
      const t0 = this.when(day, rng.pick([-5, 1, 5.5, 7]))
      const n = Math.ceil(total / runs)
      out.push([t0, (emit) => this.run_(t0, n, emit)] as const)
    }
    return out
  }

  private client(phone: Device): Client {
    const rng = this.rng
    // The install id is reset between accounts unless the operator is careless.
    const device = rng.chance(0.2 + 0.8 * this.e) ? this.device(phone) : phone
    const ip = rng.chance(this.e)
      ? rng.chance(0.5)
        ? mobileIp(rng, 'ID')
        : this.address(this.hosting)
      : rng.pick(this.hosting)
    return { device, ip }
  }

  private run_(t: number, n: number, emit: Emit): void {
    const rng = this.rng
    const accounts: Account[] = []
    for (let i = 0; i < n; i++) {
      t += this.gap(25 * SECOND)
      accounts.push(this.signup(emit, t, this.client(rng.pick(this.phones)), { domains: this.domains }))
    }
    // Warm-up: logins from the farm phones (several accounts per phone), a profile, a few views.
    const warm = t + rng.range(1, 6) * HOUR
    for (const [i, a] of accounts.entries()) {
      const at = warm + i * this.gap(40 * SECOND)
      const phone = this.phones[i % this.phones.length]!
      const client: Client = { device: phone, ip: a.client.ip }
      emit(at, this.make('login', a.actor, client, { success: true, method: 'password' }), this.truth(0))
      if (rng.chance(0.6))
        emit(
          at + 30 * SECOND,
          this.make('profile_update', a.actor, client, {
            changed: ['display_name', 'bio'],
            display_name: `${a.actor.id.slice(2, 6)} official`,
            bio: rng.pick([
              'follow for follow',
              'dm for promo',
              '🔥 daily content 🔥',
              'living my best life',
            ]),
          }),
          this.truth(0),
        )
      for (let v = rng.int(6); v > 0; v--) {
        const [creator, content] = pickContent(rng, this.world.pop)
        emit(
          at + MINUTE + v * this.gap(5 * SECOND),
          this.make('view', a.actor, client, {
            content: { id: content, author_id: creator.user.id, kind: 'video' },
            surface: 'feed',
            watch_ms: rng.chance(this.e) ? Math.round(rng.logNormal(5000, 0.8)) : rng.int(400),
          }),
          this.truth(0),
        )
      }
      if (rng.chance(0.3))
        emit(
          at + DAY * rng.range(0.5, 2),
          this.make('login', a.actor, client, { success: true, method: 'token' }),
          this.truth(0),
        )
    }
  }
}
