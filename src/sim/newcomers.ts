/**
 * New users behaving like new users: a signup (mostly from a phone, a good captcha score, now
 * and then a poor one), then onboarding — dozens of suggested accounts followed in a minute and
 * a burst of short views — maybe the new-user promotion, a referral that qualifies hours later,
 * and a few more sessions over the next days. Once per world, a campus orientation: dozens of
 * students sign up from one university address with the university's e-mail domain.
 * What newcomers do in live rooms is in newcomer-live.ts, which sees each of their sessions.
 */

import { benignDevice } from './agents.ts'
import { clientFor, diurnalTime } from './clients.ts'
import { benignEmail, emailDomain, localPart } from './email.ts'
import type { Client, Emit } from './event.ts'
import { DAY, HOUR, iso, make, SECOND } from './event.ts'
import { COUNTRIES, type Country, homeIp } from './net.ts'
import type { CampusOrientation, NewcomersLive } from './newcomer-live.ts'
import { type User, zoneOf } from './population.ts'
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

export class Newcomers extends Daily {
  private readonly rng: Rng
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
    const client: Client = campus
      ? { ...clientFor(rng, ids, user, t), ip: campus.ip }
      : clientFor(rng, ids, user, t)
    const email = benignEmail(rng, country, campus?.domain)
    const referrer = rng.chance(0.25) ? user.friends[0]! : undefined
    emit(
      t,
      make('signup', user, client, {
        email,
        email_domain: emailDomain(email),
        username: localPart(rng),
        method: rng.pick(['email', 'phone', 'google', 'apple']),
        captcha_score: Math.round((rng.chance(0.08) ? rng.range(0.1, 0.5) : rng.range(0.7, 1)) * 100) / 100,
        ...(referrer ? { referral_code: referrer.id.slice(2).toUpperCase() } : {}),
      }),
    )
    t += rng.exp(40 * SECOND)
    for (let i = 10 + rng.int(30); i > 0; i--) {
      const c = pop.creators[Math.min(pop.creators.length - 1, rng.int(25))]!
      t += rng.exp(1.5 * SECOND)
      emit(
        t,
        make('follow', user, client, {
          target: { id: c.user.id, follows_actor: false, followers: ++c.user.followers },
          source: rng.chance(0.7) ? 'onboarding' : 'suggestion',
        }),
      )
    }
    if (rng.chance(0.25))
      emit(t + rng.exp(60 * SECOND), make('promo_redeem', user, client, { ...rng.pick(NEW_USER_CODES) }))
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
      const later = clientFor(rng, ids, user, at)
      this.live?.session(user, later, at, session(this.sw, rng, user, later, at, emit), false)
    }
  }
}
