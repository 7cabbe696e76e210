/**
 * New users behaving like new users: a signup (mostly from a phone, a good captcha score, now
 * and then a poor one), then onboarding — dozens of suggested accounts followed in a minute and
 * a burst of short views — maybe the new-user promotion, a referral that qualifies hours later,
 * and a few more sessions over the next days. Some pick a handle ending in a birth date or a
 * phone number's tail (`personalHandles` in email.ts, 6.5%), some arrive through a creator
 * partnership and redeem its code (3%), some sign up with a consumer VPN on (3%); each of these
 * draws from a stream of its own (`newcomers/names`, `/partner`, `/vpn`), so every other
 * newcomer's events are what they were without them. Once per world, a campus orientation:
 * dozens of students sign up from one university address with the university's e-mail domain.
 * What newcomers do in live rooms is in newcomer-live.ts, which sees each of their sessions.
 */

import { benignDevice } from './agents.ts'
import { clientFor, diurnalTime } from './clients.ts'
import { benignEmail, emailDomain, localPart, personalHandles, withLocalPart } from './email.ts'
import type { Client, Emit } from './event.ts'
import { DAY, HOUR, iso, make, SECOND } from './event.ts'
import { COUNTRIES, type Country, homeIp, hostingIp } from './net.ts'
import type { CampusOrientation, NewcomersLive } from './newcomer-live.ts'
import { type Creator, type User, zoneOf } from './population.ts'
import type { Rng } from './random.ts'
import { type SessionWorld, session } from './session.ts'
import { Daily, type Episode } from './source.ts'
import type { World } from './world.ts'

/** New-user promotion codes real newcomers redeem (one is also on the "under attack" list). */
export const WELCOME = { code: 'WELCOME50', campaign: 'welcome', value: 5, new_user_only: true } as const
const NEW_USER_CODES = [
  WELCOME,
  WELCOME,
  WELCOME,
  { code: 'NEWFRIEND10', campaign: 'newfriend', value: 1, new_user_only: true },
  { code: 'HOLIDAY-GIFT', campaign: 'holiday', value: 3, new_user_only: true },
] as const

/**
 * A creator partnership's code: newcomers who arrive through a partner creator's video redeem it
 * (3% of newcomers, instead of any other new-user code). Farms redeem it too — it leaked.
 */
export const CREATOR_PARTNER = {
  code: 'CREATOR-PARTNER-100',
  campaign: 'creator-partner',
  value: 10,
  new_user_only: true,
} as const
const CREATOR_PARTNER_SHARE = 0.03
/**
 * Newcomers who sign up with a consumer VPN on: 3% (established users: 5%, population.ts). Their
 * signup session comes through it, as 70% of their later sessions do (as established users').
 */
const VPN_SHARE = 0.03
const VPN_SESSIONS = 0.7

/**
 * Onboarding: the new account follows 10–40 suggested popular accounts within a minute or so of
 * signing up. `follow` sends each follow (at, whom, from which surface); returns when the last
 * one was sent. Benign newcomers and incentive-fraud accounts that warm up both use it.
 */
export function onboardingFollows(
  rng: Rng,
  creators: readonly Creator[],
  t: number,
  follow: (at: number, target: Creator, source: 'onboarding' | 'suggestion') => void,
): number {
  t += rng.exp(40 * SECOND)
  for (let i = 10 + rng.int(30); i > 0; i--) {
    const c = creators[Math.min(creators.length - 1, rng.int(25))]!
    t += rng.exp(1.5 * SECOND)
    follow(t, c, rng.chance(0.7) ? 'onboarding' : 'suggestion')
  }
  return t
}

export class Newcomers extends Daily {
  private readonly rng: Rng
  /** Handles with long digit tails, creator-partner codes, VPNs: each on a stream of its own. */
  private readonly names: Rng
  private readonly partner: Rng
  private readonly vpn: Rng
  /** Newcomers created so far (counted in the manifest's benign users). */
  count = 0

  private readonly world: World
  private readonly sw: SessionWorld
  private readonly live: NewcomersLive | undefined

  constructor(world: World, sw: SessionWorld, live?: NewcomersLive) {
    super('newcomers', world.params.start)
    this.world = world
    this.sw = sw
    this.live = live
    this.rng = world.rng('newcomers')
    this.names = world.rng('newcomers/names')
    this.partner = world.rng('newcomers/partner')
    this.vpn = world.rng('newcomers/vpn')
  }

  protected plan(day: number, index: number): Episode[] {
    const rng = this.rng
    const n = rng.poisson(this.world.params.users * 0.004)
    const out: Episode[] = []
    for (let i = 0; i < n; i++) {
      const country = rng.pick(COUNTRIES)
      const t = diurnalTime(rng, day, zoneOf(rng, country)[0])
      out.push([t, (emit) => this.arrive(t, country, undefined, emit)] as const)
    }
    if (index === 0 && rng.chance(0.8)) {
      const country: Country = rng.pick(['US', 'GB', 'DE'])
      const ip = homeIp(rng, country)
      const domain = `student.${rng.pick(['uni-north', 'westfield', 'lakeshore'])}.edu`
      const t0 = day + (10 - zoneOf(rng, country)[0]) * HOUR
      const campus = { ip, domain, until: t0 + 1.5 * HOUR }
      const students = Math.max(8, Math.round(45 * Math.sqrt(this.world.scale)))
      for (let i = 0; i < students; i++) {
        const t = t0 + rng.next() * 1.5 * HOUR
        out.push([t, (emit) => this.arrive(t, country, campus, emit)] as const)
      }
    }
    return out
  }

  private arrive(
    start: number,
    country: Country,
    campus: (CampusOrientation & { domain: string }) | undefined,
    emit: Emit,
  ): void {
    const rng = this.rng
    const { ids, pop } = this.world
    const [tz, timezone, locale] = zoneOf(rng, country)
    const created = start
    const user: User = {
      id: ids.next('u'),
      createdAt: created,
      createdIso: iso(created),
      country,
      followers: 0,
      emailVerified: false,
      phoneVerified: false,
      tz,
      timezone,
      locale,
      devices: [benignDevice(rng, ids, pop.fingerprints)],
      carrier: rng.pick(pop.carriers.get(country)!),
      home: homeIp(rng, country),
      activity: 1,
      profile: ids.next('c'),
      friends: [rng.pick(pop.users)],
    }
    this.count++
    let t = start
    // Campus students sign up on the campus Wi-Fi; anyone else may have a VPN on.
    const vpn =
      !campus && this.vpn.chance(VPN_SHARE) ? [hostingIp(this.vpn, 0.6), hostingIp(this.vpn, 0.6)] : undefined
    const onVpn = (c: Client): Client => ({ ...c, ip: this.vpn.pick(vpn!) })
    const home: Client = campus
      ? { ...clientFor(rng, ids, user, t), ip: campus.ip }
      : clientFor(rng, ids, user, t)
    const client = vpn ? onVpn(home) : home
    const plainEmail = benignEmail(rng, country, campus?.domain)
    const referrer = rng.chance(0.25) ? user.friends[0]! : undefined
    const plainUsername = localPart(rng)
    const method = rng.pick(['email', 'phone', 'google', 'apple'])
    // 8% score poorly (0.1–0.7: shared devices, old phones, privacy browsers), the rest 0.7–1.
    const captcha = rng.chance(0.08) ? rng.range(0.1, 0.7) : rng.range(0.7, 1)
    const handles = personalHandles(this.names, plainUsername, plainEmail.slice(0, plainEmail.indexOf('@')))
    const email = withLocalPart(plainEmail, handles.local)
    emit(
      t,
      make('signup', user, client, {
        email,
        email_domain: emailDomain(email),
        username: handles.username,
        method,
        captcha_score: Math.round(captcha * 100) / 100,
        ...(referrer ? { referral_code: referrer.id.slice(2).toUpperCase() } : {}),
      }),
    )
    t = onboardingFollows(rng, pop.creators, t, (at, c, source) =>
      emit(
        at,
        make('follow', user, client, {
          target: { id: c.user.id, follows_actor: false, followers: ++c.user.followers },
          source,
        }),
      ),
    )
    const partner = this.partner.chance(CREATOR_PARTNER_SHARE)
    if (rng.chance(0.25)) {
      const at = t + rng.exp(60 * SECOND)
      const code = rng.pick(NEW_USER_CODES)
      emit(at, make('promo_redeem', user, client, { ...(partner ? CREATOR_PARTNER : code) }))
    } else if (partner)
      emit(t + this.partner.exp(60 * SECOND), make('promo_redeem', user, client, { ...CREATOR_PARTNER }))
    const first = t + 10 * SECOND
    t = session(this.sw, rng, user, client, first, emit)
    this.live?.session(user, client, first, t, true)
    if (campus) this.live?.student(campus, user, client)
    if (referrer) {
      const rd = referrer.devices[0]!
      emit(
        t + rng.range(1, 20) * HOUR,
        make('referral', user, client, {
          referrer: {
            id: referrer.id,
            created_at: referrer.createdIso,
            device_id: rd.id,
            ip: rng.chance(0.3) ? client.ip : referrer.home,
          },
          code: referrer.id.slice(2).toUpperCase(),
          reward: 3,
        }),
      )
    }
    for (let k = rng.int(5); k > 0; k--) {
      const at = start + rng.range(0.2, 4) * DAY
      const plain = clientFor(rng, ids, user, at)
      const later = vpn && this.vpn.chance(VPN_SESSIONS) ? onVpn(plain) : plain
      this.live?.session(user, later, at, session(this.sw, rng, user, later, at, emit), false)
    }
  }
}
