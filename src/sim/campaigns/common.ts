/**
 * What every campaign shares: its spec (id, area, intensity, evasion), its own random stream, the
 * ground truth it stamps on its events, and the attacker's toolbox — fresh accounts (with the
 * signup that creates them, itself a fake-account action), bought aged accounts, networks and
 * pacing. Evasion is one number per campaign in [0, 1]; each tool reads it the same way:
 *   rate      actions per identity slow down (gaps stretch up to ~10×),
 *   rotation  devices, addresses and user agents rotate instead of being reused,
 *   mimicry   timing follows the human day and human dwell/latency instead of machine speed;
 *             an account's username and e-mail local part come from benign newcomers' own
 *             generator (with probability = evasion, drawn on `campaign/<id>/names`).
 */

import { BOT_AGENTS, type Device, reinstall, scriptedDevice } from '../agents.ts'
import type { BenignWorld } from '../benign.ts'
import { diurnalTime } from '../clients.ts'
import { emailDomain, type FarmMail, farmEmail, localPart, newcomerHandles, withLocalPart } from '../email.ts'
import type { Actor, Area, Client, Emit, SimEvent, Truth } from '../event.ts'
import { DAY, iso, make } from '../event.ts'
import { COUNTRIES, type Country, hostingIp, proxyIp } from '../net.ts'
import { zoneOf } from '../population.ts'
import type { Rng } from '../random.ts'
import { Daily, type Episode } from '../source.ts'
import type { World } from '../world.ts'

export interface CampaignSpec {
  readonly id: string
  readonly area: Area
  readonly kind: string
  /** Volume multiplier (the global --intensity times this campaign's own size). */
  readonly intensity: number
  /** 0..1: the global --evasion scaled by this campaign's sophistication. */
  readonly evasion: number
}

export interface Account {
  readonly actor: Actor
  client: Client
}

export abstract class Campaign extends Daily {
  protected readonly rng: Rng
  protected readonly e: number
  /**
   * The handles a careful crew copies from real newcomers draw on a stream of their own: the
   * main stream, and every id the campaign takes from the world's shared counters, stay as they
   * were without them.
   */
  private readonly names: Rng
  private readonly sessions = new WeakMap<Client, NonNullable<Client['session']>>()

  protected readonly world: World
  protected readonly benign: BenignWorld
  readonly spec: CampaignSpec

  constructor(world: World, benign: BenignWorld, spec: CampaignSpec) {
    super(spec.id, world.params.start)
    this.world = world
    this.benign = benign
    this.spec = spec
    this.rng = world.rng(`campaign/${spec.id}`)
    this.names = world.rng(`campaign/${spec.id}/names`)
    this.e = spec.evasion
  }

  protected abstract day(day: number, index: number): Episode[]

  protected plan(day: number, index: number): Episode[] {
    return this.day(day, index)
  }

  /**
   * An event from one of the campaign's clients. Real apps and browsers report a session
   * (locale, time zone); so do the attackers' phones and browsers — with the account's locale
   * when they take care, a default one (en-US, UTC) when not. Plain scripts send none.
   */
  protected make(type: string, actor: Actor, client: Client, fields: Record<string, unknown>): SimEvent {
    if (client.session || BOT_AGENTS.includes(client.device.ua)) return make(type, actor, client, fields)
    let session = this.sessions.get(client)
    if (!session) {
      const [, timezone, locale] = this.rng.chance(this.e)
        ? zoneOf(this.rng, actor.country)
        : [0, 'UTC', 'en-US']
      session = { id: this.world.ids.next('s'), locale, timezone }
      this.sessions.set(client, session)
    }
    return make(type, actor, { ...client, session }, fields)
  }

  /** A successful card purchase of coins, which this campaign's own damage does not count. */
  protected buyCoins(emit: Emit, t: number, a: Account, card: Record<string, unknown>, amount: number): void {
    const fields = { amount, currency: 'USD', purpose: 'coins', method: 'card', success: true, card }
    emit(t, this.make('payment', a.actor, a.client, fields), this.truth(0))
  }

  /** Ground truth of one of this campaign's actions. */
  protected truth(damage: number, area: Area = this.spec.area): Truth {
    return { area, campaign: area === this.spec.area ? this.spec.id : accountsCampaign(this.spec.id), damage }
  }

  /** How many of something a day: base × intensity × population scale, at least `min`. */
  protected volume(base: number, min = 1): number {
    return Math.max(min, this.rng.poisson(base * this.spec.intensity * this.world.scale))
  }

  /** A start time in the day: any hour for bots, the human curve when mimicking. */
  protected when(day: number, tz = 0): number {
    return this.rng.chance(this.e) ? diurnalTime(this.rng, day, tz) : day + this.rng.next() * DAY
  }

  /** The gap before the next action: `fast` at no evasion, up to ~10× slower at full evasion. */
  protected gap(fast: number): number {
    return this.rng.exp(fast * (1 + 9 * this.e * this.e))
  }

  /**
   * A time up to `lead` before `t` but not before the running episode (accounts made ahead of
   * a raid, a delivery, a pile-on): the scheduler cannot go back in time.
   */
  protected before(t: number, lead: number): number {
    const lo = Math.max(this.now, t - lead)
    return lo + this.rng.next() * Math.max(0, t - lo)
  }

  /** An address: rented hosting at low evasion, a residential proxy exit when rotating. */
  protected address(hosting: readonly string[]): string {
    return this.rng.chance(this.e) ? proxyIp(this.rng) : this.rng.pick(hosting)
  }

  /** A handful of rented servers (most in the big clouds, some elsewhere). */
  protected servers(n: number): string[] {
    return Array.from({ length: n }, () => hostingIp(this.rng, 0.75))
  }

  /** A device for automation; reuses `base`'s hardware with a fresh install id when not rotating. */
  protected device(base?: Device): Device {
    if (base && !this.rng.chance(this.e)) return reinstall(this.world.ids, base)
    return scriptedDevice(this.rng, this.world.ids, this.e, this.world.pop.fingerprints)
  }

  /** An account bought aged on a marketplace: months old, a few followers, no signup in view. */
  protected aged(t: number, client: Client): Account {
    const createdAt = t - this.rng.range(60, 900) * DAY
    const actor: Actor = {
      id: this.world.ids.next('u'),
      createdAt,
      createdIso: iso(createdAt),
      country: this.rng.pick(COUNTRIES),
      followers: Math.round(this.rng.logNormal(40, 1)),
      emailVerified: true,
      phoneVerified: this.rng.chance(0.5),
    }
    return { actor, client }
  }

  /**
   * A fresh account made now: emits its signup (a fake-account action, damage 1: an account that
   * survives). Low evasion: disposable inboxes, bad captcha scores, emulators or scripts on
   * hosting addresses; high evasion: Gmail/catch-all, passable captchas, residential proxies,
   * and (with probability = evasion) a username and e-mail local part like a real newcomer's.
   * `fields` are added to the signup (a ring's referees send the referrer's `referral_code`).
   */
  protected signup(
    emit: Emit,
    t: number,
    client: Client,
    mail: { domains: string[]; country?: Country },
    fields: Record<string, unknown> = {},
  ): Account {
    const rng = this.rng
    const country = mail.country ?? rng.pick(COUNTRIES)
    const actor: Actor = {
      id: this.world.ids.next('u'),
      createdAt: t,
      createdIso: iso(t),
      country,
      followers: 0,
      emailVerified: false,
      phoneVerified: false,
    }
    const kind: FarmMail = rng.chance(this.e)
      ? rng.chance(0.5)
        ? 'gmail'
        : 'catchall'
      : rng.chance(0.7)
        ? 'disposable'
        : 'catchall'
    const farmed = farmEmail(rng, kind, mail.domains)
    const captcha = rng.chance(this.e) ? rng.range(0.5, 0.95) : rng.range(0.05, 0.5)
    const farmedName = `${localPart(rng)}${rng.int(10000)}`
    const method = rng.chance(0.8) ? 'email' : 'phone'
    const human = this.names.chance(this.e) ? newcomerHandles(this.names) : undefined
    const email = human ? withLocalPart(farmed, human.local) : farmed
    emit(
      t,
      this.make('signup', actor, client, {
        email,
        email_domain: emailDomain(email),
        username: human ? human.username : farmedName,
        method,
        captcha_score: Math.round(captcha * 100) / 100,
        ...fields,
      }),
      this.truth(1, 'fake_accounts'),
    )
    return { actor, client }
  }
}

/**
 * The id under which a crew's own account creation is labelled (area fake_accounts), so that
 * every campaign id belongs to exactly one area: `raid-1` → `raid-1-accounts`.
 */
export const accountsCampaign = (id: string): string => `${id}-accounts`

/** The spec of a crew's account creation, as listed in the manifest. */
export const accountsSpec = (c: CampaignSpec): CampaignSpec => ({
  ...c,
  id: accountsCampaign(c.id),
  area: 'fake_accounts',
  kind: `${c.kind}-accounts`,
})

export type CampaignClass = new (world: World, benign: BenignWorld, spec: CampaignSpec) => Campaign
