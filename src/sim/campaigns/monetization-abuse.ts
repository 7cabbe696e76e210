/**
 * Monetization abuse: stolen cards laundered through gifts, ad click fraud, and payouts of
 * stolen balances after an account takeover.
 *   laundering  card testing (tiny probes, mostly declined, many cards on one device), then
 *               big coin purchases on fresh accounts with the cards that work, gifted to a
 *               colluding new creator, who cashes out. Damage: gift value (USD) and payout.
 *   click-fraud bots clicking a rival's or a partner's ads. Damage: 1 per invalid click billed.
 *               Evasion 0: servers, script agents, clicks 100 ms after render, the same ad again
 *               and again; evasion 1: real phones' user agents on residential proxies, human
 *               click latency, one or two clicks per device per ad.
 *   takeover    credential stuffing, a login on a real creator's account from a new device,
 *               a changed e-mail, a new payout account and a payout of the balance — at once at
 *               low evasion, after waiting out the 48-hour window at high evasion. Damage: payout.
 */

import { BOT_AGENTS } from '../agents.ts'
import type { Emit } from '../event.ts'
import { DAY, HOUR, iso, MINUTE, SECOND } from '../event.ts'
import { COUNTRIES } from '../net.ts'
import type { Episode } from '../source.ts'
import { type Account, Campaign } from './common.ts'

const DECLINES = [
  'do_not_honor',
  'incorrect_cvc',
  'stolen_card',
  'expired_card',
  'insufficient_funds',
] as const

export class MonetizationAbuse extends Campaign {
  private hosting: string[] = []
  private host: Account | undefined

  protected day(day: number, index: number): Episode[] {
    if (index === 0) this.hosting = this.servers(3)
    const t0 = this.when(day)
    if (this.spec.kind === 'click-fraud') return [[t0, (emit) => this.clicks(t0, emit)] as const]
    if (this.spec.kind === 'takeover') return [[t0, (emit) => this.takeover(t0, emit)] as const]
    return [[t0, (emit) => this.launder(t0, emit)] as const]
  }

  private launder(t: number, emit: Emit): void {
    const rng = this.rng
    const room = this.world.ids.next('r')
    this.host ??= this.signup(
      emit,
      t,
      { device: this.device(), ip: this.address(this.hosting) },
      { domains: ['hostmail.top'] },
    )
    const host = this.host
    const tester = { device: this.device(), ip: this.address(this.hosting) }
    const buyer = this.signup(emit, t, tester, { domains: ['coinmail.xyz'] })
    const cards = Array.from({ length: Math.max(4, this.volume(12)) }, () => ({
      fingerprint: this.world.ids.hex('card'),
      bin: rng.pick(['414720', '552433', '400022']),
      country: rng.pick(COUNTRIES),
      funding: 'credit',
    }))
    const good: typeof cards = []
    for (const card of cards) {
      t += this.gap(30 * SECOND)
      const ok = rng.chance(0.3)
      if (ok) good.push(card)
      emit(
        t,
        this.make('payment', buyer.actor, buyer.client, {
          amount: rng.pick([0.99, 1, 1.5, 2]),
          currency: 'USD',
          purpose: 'coins',
          method: 'card',
          success: ok,
          ...(ok ? {} : { decline_reason: rng.pick(DECLINES) }),
          card,
        }),
        this.truth(0),
      )
    }
    let coins = 0
    for (const card of good) {
      t += this.gap(10 * MINUTE)
      const amount = rng.pick([199.99, 299.99, 499.99])
      this.buyCoins(emit, t, buyer, card, amount)
      coins += Math.round(amount * 100)
    }
    const r = { id: room, host_id: host.actor.id, viewers: 3 + rng.int(20) }
    while (coins > 0) {
      t += this.gap(30 * SECOND)
      const value = Math.min(coins, rng.chance(0.7) ? 34999 : 1000)
      coins -= value
      emit(
        t,
        this.make('live_gift', buyer.actor, buyer.client, {
          room: r,
          creator: { id: host.actor.id },
          gift_id: value >= 34999 ? 'universe' : 'galaxy',
          coins: value,
        }),
        this.truth(value / 100),
      )
    }
    const at = t + (1 + 60 * this.e) * HOUR
    const fresh = !rng.chance(this.e)
    emit(
      at,
      this.make('payout', host.actor, host.client, {
        creator: { id: host.actor.id },
        amount: Math.round(good.length * 250 * 0.5),
        currency: 'USD',
        payout_account: {
          id: this.world.ids.next('pa'),
          type: rng.pick(['crypto', 'debit_card', 'bank']),
          country: rng.pick(COUNTRIES),
          added_at: iso(fresh ? at - 20 * MINUTE : at - 3 * DAY),
        },
      }),
      this.truth(good.length * 125),
    )
  }

  private clicks(t: number, emit: Emit): void {
    const rng = this.rng
    const ads = this.benign.sessions.ads
    const targets = Array.from({ length: 1 + rng.int(4) }, () => rng.pick(ads))
    const n = this.volume(800)
    const bots = Array.from({ length: 1 + Math.round(this.e * 60) }, () => {
      const d = this.device()
      return this.aged(t, {
        device: rng.chance(this.e) ? d : { ...d, platform: 'web', ua: rng.pick(BOT_AGENTS) },
        ip: this.address(this.hosting),
      })
    })
    for (let i = 0; i < n; i++) {
      t += this.gap(6 * SECOND) / bots.length
      const bot = rng.pick(bots)
      if (rng.chance(this.e)) bot.client = { ...bot.client, ip: this.address(this.hosting) }
      const ad = rng.pick(targets)
      const ms = rng.chance(this.e) ? Math.round(rng.logNormal(1800, 0.6)) : 60 + rng.int(300)
      emit(
        t,
        this.make('ad_click', bot.actor, bot.client, {
          ad: { id: ad.id, advertiser_id: ad.advertiser, campaign_id: ad.campaign },
          placement: rng.pick(['feed', 'search', 'profile']),
          click_id: this.world.ids.hex('click'),
          ms_since_impression: ms,
        }),
        this.truth(1),
      )
    }
  }

  private takeover(t: number, emit: Emit): void {
    const rng = this.rng
    const cs = this.world.pop.creators
    const victim = cs[Math.floor(cs.length * rng.range(0.05, 0.8))]!
    const client = { device: this.device(), ip: this.address(this.hosting) }
    for (let k = rng.int(6 - Math.round(5 * this.e)); k > 0; k--) {
      t += this.gap(20 * SECOND)
      emit(
        t,
        this.make('login', victim.user, client, {
          success: false,
          method: 'password',
          failure_reason: 'bad_password',
        }),
        this.truth(0),
      )
    }
    t += this.gap(30 * SECOND)
    emit(t, this.make('login', victim.user, client, { success: true, method: 'password' }), this.truth(0))
    emit(
      t + 2 * MINUTE,
      this.make('profile_update', victim.user, client, {
        changed: ['email', 'phone'],
        email: `recover.${rng.int(1e6)}@proton.me`,
      }),
      this.truth(0),
    )
    const added = t + 5 * MINUTE
    const at = added + (rng.chance(this.e) ? rng.range(49, 72) * HOUR : rng.range(10, 60) * MINUTE)
    const amount = Math.round(rng.logNormal(1500, 0.8) * 100) / 100
    emit(
      at,
      this.make('payout', victim.user, client, {
        creator: { id: victim.user.id },
        amount,
        currency: 'USD',
        payout_account: {
          id: this.world.ids.next('pa'),
          type: rng.pick(['crypto', 'debit_card', 'paypal']),
          country: rng.pick(COUNTRIES),
          added_at: iso(added),
        },
      }),
      this.truth(amount),
    )
  }
}
