/**
 * Cyberbullying: pile-ons and persistent harassers. A pile-on picks one victim (often a small
 * creator who said something) and, for an hour or two, a mob of real accounts and fresh alts
 * floods their comments and DMs with abuse, while part of the mob mass-reports the victim to get
 * them suspended. A persistent harasser messages one target day after day, switching to an alt
 * when blocked. Damage: 1 per abusive message delivered, 1 per false report.
 *   evasion 0: plain insults, death wishes spelled out, the mob arrives within minutes;
 *   evasion 1: obfuscated spelling (l33t, s p a c e d, f*ck), the mob trickles in over hours,
 *              more established accounts and fewer day-old alts.
 */

import { abuseText } from '../abuse-text.ts'
import { clientFor } from '../clients.ts'
import type { Actor, Client, Emit } from '../event.ts'
import { DAY, HOUR, MINUTE } from '../event.ts'
import { proxyIp } from '../net.ts'
import type { User } from '../population.ts'
import type { Episode } from '../source.ts'
import { textFields } from '../text.ts'
import { Campaign } from './common.ts'

export class Bullying extends Campaign {
  private target: User | undefined
  private harasser: { actor: Actor; client: Client } | undefined

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    const tz = rng.pick([-5, 0, 1])
    if (this.spec.kind === 'harasser') {
      // A few bursts a day; evading harassers spread more, shorter bursts over their waking hours.
      const bursts = 1 + Math.round(3 * this.e) + rng.int(2)
      return Array.from({ length: bursts }, () => {
        const t = this.when(day, tz)
        return [t, (emit: Emit) => this.harass(t, Math.max(1, Math.round(8 / bursts)), emit)] as const
      })
    }
    // A pile-on on the first day of the world, then on most days; a slow mob that would still be
    // arriving after midnight starts early enough to be seen.
    if (index > 0 && !rng.chance(0.7)) return []
    const t0 = Math.min(this.when(day, tz), day + DAY - this.span() - HOUR)
    return [[t0, (emit) => this.pileOn(t0, emit)] as const]
  }

  /** How long the mob keeps arriving: minutes when blatant, hours when evading. */
  private span(): number {
    return (0.5 + 4 * this.e) * HOUR
  }

  private pileOn(t0: number, emit: Emit): void {
    const rng = this.rng
    const cs = this.world.pop.creators
    const victim = rng.chance(0.7)
      ? cs[Math.floor(cs.length * rng.range(0.3, 1))]!.user
      : rng.pick(this.world.pop.users)
    const content = victim.creator?.content[0] ?? this.world.ids.next('c')
    const mob = Math.max(6, this.volume(30))
    const span = this.span()
    for (let m = 0; m < mob; m++) {
      const t = t0 + span * rng.next() ** 1.5
      const alt = rng.chance(0.6 - 0.3 * this.e)
      const client = { device: this.device(), ip: proxyIp(rng) }
      const member = alt
        ? this.signup(emit, this.before(t, rng.range(2, 60) * MINUTE), client, { domains: ['mailbox-x.top'] })
        : ((u) => ({ actor: u as Actor, client: clientFor(rng, this.world.ids, u, t) }))(
            rng.pick(this.world.pop.users),
          )
      const target = { id: victim.id, follows_actor: false, followers: victim.followers }
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const at = t + k * this.gap(2 * MINUTE)
        const text = abuseText(rng, this.e, rng.chance(0.2))
        const e = rng.chance(0.7)
          ? this.make('comment', member.actor, member.client, {
              content: { id: content, author_id: victim.id, kind: 'video' },
              target,
              ...textFields(text),
            })
          : this.make('message', member.actor, member.client, {
              target,
              first_contact: true,
              ...textFields(text),
            })
        emit(at, e, this.truth(1))
      }
      if (rng.chance(0.35))
        emit(
          t + this.gap(5 * MINUTE),
          this.make('report', member.actor, member.client, {
            target: { id: victim.id, follows_actor: false },
            reason: rng.pick(['harassment', 'hate', 'fake_account', 'spam']),
          }),
          this.truth(1),
        )
    }
  }

  private harass(t: number, messages: number, emit: Emit): void {
    const rng = this.rng
    this.target ??= rng.pick(this.world.pop.users)
    if (!this.harasser || rng.chance(this.e * 0.5)) {
      const client = { device: this.device(), ip: proxyIp(rng) }
      this.harasser = this.harasser
        ? this.signup(emit, t, client, { domains: ['anon-box.xyz'] })
        : this.aged(t, client)
    }
    const h = this.harasser
    for (let k = messages + rng.int(3); k > 0; k--) {
      t += this.gap(3 * MINUTE)
      emit(
        t,
        this.make('message', h.actor, h.client, {
          target: { id: this.target.id, follows_actor: false, followers: this.target.followers },
          first_contact: k === 1,
          ...textFields(abuseText(rng, this.e, rng.chance(0.15))),
        }),
        this.truth(1),
      )
    }
  }
}
