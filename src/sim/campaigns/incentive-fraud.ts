/**
 * Incentive fraud: referral rings and promo-code farming. Damage: the reward value in USD.
 *   referral-ring  one referrer "invites" accounts the ring makes itself, on a few phones,
 *                  collecting the reward for each qualified referral (and the referees' own
 *                  half). Evasion 0: referees on the referrer's own phone or two, one home
 *                  address; evasion 1: a phone (or reset install + spoofed fingerprint) per
 *                  referee, residential proxies, referrals spread over days.
 *   promo-farm     fresh accounts redeeming the new-user code — the leaked WELCOME50 at low
 *                  evasion, a quieter code at high evasion — on a couple of devices, or with the
 *                  install id reset each time.
 */

import type { Device } from '../agents.ts'
import type { Emit } from '../event.ts'
import { HOUR, MINUTE } from '../event.ts'
import { proxyIp } from '../net.ts'
import type { Episode } from '../source.ts'
import { type Account, Campaign } from './common.ts'

const CODES = [
  { code: 'WELCOME50', campaign: 'welcome', value: 5, new_user_only: true },
  { code: 'CREATOR-PARTNER-100', campaign: 'creator-partner', value: 10, new_user_only: true },
  { code: 'NEWFRIEND10', campaign: 'newfriend', value: 1, new_user_only: true },
  { code: 'HOLIDAY-GIFT', campaign: 'holiday', value: 3, new_user_only: true },
]

export class IncentiveFraud extends Campaign {
  private referrer: Account | undefined
  private phones: Device[] = []
  private home = ''

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    if (index === 0) {
      this.phones = Array.from({ length: 1 + Math.round(this.e * 6) }, () => this.device())
      this.home = proxyIp(rng)
    }
    const n = this.volume(this.spec.kind === 'referral-ring' ? 25 : 50)
    const bursts = 1 + Math.round(this.e * 5)
    const out: Episode[] = []
    for (let b = 0; b < bursts; b++) {
      const t0 = this.when(day, rng.pick([-3, 7, 5.5]))
      const k = Math.ceil(n / bursts)
      out.push([
        t0,
        (emit) =>
          this.spec.kind === 'referral-ring' ? this.referrals(t0, k, emit) : this.promos(t0, k, emit),
      ] as const)
    }
    return out
  }

  private client() {
    const rng = this.rng
    const device = this.device(rng.pick(this.phones))
    return {
      device: rng.chance(this.e) ? device : rng.pick(this.phones),
      ip: rng.chance(this.e) ? proxyIp(rng) : this.home,
    }
  }

  private referrals(t: number, n: number, emit: Emit): void {
    const rng = this.rng
    this.referrer ??= this.aged(t, { device: this.phones[0]!, ip: this.home })
    const ref = this.referrer
    const code = ref.actor.id.slice(2).toUpperCase()
    for (let i = 0; i < n; i++) {
      t += this.gap(3 * MINUTE)
      const client = this.client()
      const a = this.signup(emit, t, client, { domains: ['refmail.site'] })
      const at = t + rng.range(0.5, 2 + 30 * this.e) * HOUR
      emit(
        at,
        this.make('referral', a.actor, a.client, {
          referrer: {
            id: ref.actor.id,
            created_at: ref.actor.createdIso,
            device_id: ref.client.device.id,
            ip: ref.client.ip,
          },
          code,
          reward: 3,
        }),
        this.truth(6),
      )
    }
  }

  private promos(t: number, n: number, emit: Emit): void {
    const rng = this.rng
    const promo = rng.chance(this.e) ? rng.pick(CODES.slice(2)) : rng.pick(CODES.slice(0, 2))
    for (let i = 0; i < n; i++) {
      t += this.gap(2 * MINUTE)
      const a = this.signup(emit, t, this.client(), { domains: ['promobox.online'] })
      emit(
        t + this.gap(90_000),
        this.make('promo_redeem', a.actor, a.client, { ...promo }),
        this.truth(promo.value),
      )
    }
  }
}
