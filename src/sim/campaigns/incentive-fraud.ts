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
 * Warm-up: each referee and farm account, with probability = evasion, first does what a real
 * newcomer does in onboarding (the same `onboardingFollows`: 10–40 suggested popular accounts
 * in a minute or so) and watches 2–6 videos or photos from its feed, from its own client, and
 * claims only after — the claim moves later by the warm-up's length. The warm-up's events are
 * labelled as the fake accounts' own activity (area fake_accounts, damage 0, as a farm's warm-up
 * logins and views are), not as incentive fraud: that area's benign friction is measured on the
 * event types its rewards use, and a follow is not a reward. Its draws are on
 * `campaign/<id>/warmup`. Ring referees sign up with the referrer's code, as every referred
 * signup does.
 */

import type { Device } from '../agents.ts'
import type { Emit } from '../event.ts'
import { HOUR, MINUTE, SECOND } from '../event.ts'
import { proxyIp } from '../net.ts'
import { onboardingFollows } from '../newcomers.ts'
import { dwell, pickContent } from '../session.ts'
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
  /** The warm-up draws on a stream of its own, so the main stream and the ids it takes stay as they were. */
  private readonly warmup = this.world.rng(`campaign/${this.spec.id}/warmup`)

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
      const a = this.signup(emit, t, client, { domains: ['refmail.site'] }, { referral_code: code })
      const warm = this.warmUp(t, a, emit)
      const at = t + rng.range(0.5, 2 + 30 * this.e) * HOUR + warm
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
      const warm = this.warmUp(t, a, emit)
      emit(
        t + this.gap(90_000) + warm,
        this.make('promo_redeem', a.actor, a.client, { ...promo }),
        this.truth(promo.value),
      )
    }
  }

  /**
   * With probability = evasion, the fresh account `a` (signed up at `t`) behaves like a newcomer
   * first: onboarding follows of suggested popular accounts, then a few views from its feed, all
   * from its own client. Returns how long that took (0 when it does not warm up). The follows do
   * not add to the creators' follower counts, which other events report (as the follow bot's
   * suggestion follows), so nothing else in the world moves.
   */
  private warmUp(t: number, a: Account, emit: Emit): number {
    const rng = this.warmup
    if (!rng.chance(this.e)) return 0
    const { pop } = this.world
    let end = onboardingFollows(rng, pop.creators, t, (at, c, source) =>
      emit(
        at,
        this.make('follow', a.actor, a.client, {
          target: { id: c.user.id, follows_actor: false, followers: c.user.followers },
          source,
        }),
        this.truth(0, 'fake_accounts'),
      ),
    )
    end += 10 * SECOND
    for (let i = 2 + rng.int(5); i > 0; i--) {
      end += rng.exp(4 * SECOND)
      const [creator, content] = pickContent(rng, pop)
      const watch = dwell(rng)
      emit(
        end,
        this.make('view', a.actor, a.client, {
          content: { id: content, author_id: creator.user.id, kind: rng.chance(0.85) ? 'video' : 'photo' },
          surface: rng.pick(['feed', 'feed', 'feed', 'following']),
          watch_ms: watch,
        }),
        this.truth(0, 'fake_accounts'),
      )
      end += watch
    }
    return end - t
  }
}
