/**
 * The platform's own business as it shows up in events: weekly creator payouts (some through a
 * registered agency's account, some through an unregistered agency's shared bank account, a few
 * to a bank account changed hours ago) and marketing pushes that make a promo code explode for an
 * hour among existing users.
 */

import { clientFor } from './clients.ts'
import { DAY, HOUR, iso, make } from './event.ts'
import type { Alias, Rng } from './random.ts'
import { Daily, type Episode } from './source.ts'
import type { World } from './world.ts'

/** Weekly creator payouts; agencies collect for many creators on one account. */
export class Payouts extends Daily {
  private readonly rng: Rng
  private readonly agency: { id: string; type: string; country: string; addedIso: string }[]

  private readonly world: World

  constructor(world: World) {
    super('payouts', world.params.start)
    this.world = world
    this.rng = world.rng('payouts')
    const s = world.params.start
    this.agency = [
      { id: world.ids.next('pa'), type: 'agency', country: 'US', addedIso: iso(s - 200 * DAY) },
      // A talent agency that never registered as one: a shared *bank* account (naive rules flag it).
      { id: world.ids.next('pa'), type: 'bank', country: 'GB', addedIso: iso(s - 90 * DAY) },
    ]
  }

  protected plan(day: number): Episode[] {
    const rng = this.rng
    const out: Episode[] = []
    for (const c of this.world.pop.creators) {
      if (!rng.chance(1 / 7)) continue
      const t = day + rng.range(8, 20) * HOUR
      const r = rng.next()
      const changedBank = r < 0.03
      const account = c.rank % 10 === 3 ? this.agency[0]! : c.rank % 17 === 5 ? this.agency[1]! : c.payout
      const pa = changedBank
        ? {
            id: this.world.ids.next('pa'),
            type: 'bank',
            country: c.user.country,
            added_at: iso(t - rng.range(2, 40) * HOUR),
          }
        : { id: account.id, type: account.type, country: account.country, added_at: account.addedIso }
      if (changedBank) c.payout.id = pa.id
      const amount = Math.round(rng.logNormal(150, 1.2) * 100) / 100
      out.push([
        t,
        (emit) =>
          emit(
            t,
            make('payout', c.user, clientFor(rng, this.world.ids, c.user, t), {
              creator: { id: c.user.id },
              amount,
              currency: 'USD',
              payout_account: pa,
            }),
          ),
      ] as const)
    }
    return out
  }
}

/** A marketing push every few days: a code everyone can use explodes for an hour among existing users. */
export class Marketing extends Daily {
  private readonly rng: Rng
  private readonly world: World
  private readonly active: Alias

  constructor(world: World, active: Alias) {
    super('marketing', world.params.start)
    this.world = world
    this.active = active
    this.rng = world.rng('marketing')
  }

  protected plan(day: number, index: number): Episode[] {
    if (index % 3 !== 1) return []
    const rng = this.rng
    const t0 = day + rng.range(14, 22) * HOUR
    const n = Math.max(20, Math.round(300 * this.world.scale))
    return [
      [
        t0,
        (emit) => {
          for (let i = 0; i < n; i++) {
            const u = this.world.pop.users[this.active.draw(rng)]!
            const t = t0 + rng.exp(20 * 60_000)
            emit(
              t,
              make('promo_redeem', u, clientFor(rng, this.world.ids, u, t), {
                code: 'SPRING25',
                campaign: 'spring-sale',
                value: 2.5,
                new_user_only: false,
              }),
            )
          }
        },
      ] as const,
    ]
  }
}
