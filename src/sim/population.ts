/**
 * The benign population: users with countries and time zones, heavy-tailed activity (a Pareto
 * number of sessions a day), one to three devices, and the networks real people share —
 * households behind one home address (and the odd shared family tablet), carrier-grade NAT pools, offices and campuses with one
 * egress for hundreds, consumer VPN users on hosting ranges, travellers abroad. Creators are a
 * small share of users whose popularity follows a power law; they own content, live rooms and
 * payout accounts.
 */

import { benignDevice, commonFingerprints, type Device } from './agents.ts'
import type { Actor } from './event.ts'
import { DAY, iso } from './event.ts'
import type { Ids } from './ids.ts'
import { Carrier, COUNTRIES, type Country, homeIp, hostingIp } from './net.ts'
import { Alias, type Rng, zipf } from './random.ts'

export interface User extends Actor {
  readonly tz: number
  readonly timezone: string
  readonly locale: string
  readonly devices: Device[]
  readonly carrier: Carrier
  home: string
  readonly office?: string
  readonly vpn?: readonly string[]
  /** A traveller's sessions come from this country's networks. */
  readonly abroad?: Country
  /** Mean sessions per day. */
  readonly activity: number
  /** Uses a third-party client through the public API for part of their activity. */
  readonly thirdParty?: boolean
  /** The id of the user's profile page (viewed as content of kind `profile`). */
  readonly profile: string
  readonly card?: { fingerprint: string; bin: string; country: string; funding: string }
  readonly friends: User[]
  creator?: Creator
}

export interface Creator {
  readonly user: User
  readonly rank: number
  readonly content: string[]
  readonly profile: string
  readonly room: string
  readonly payout: { id: string; type: string; country: string; addedIso: string }
}

const COUNTRY_WEIGHTS = [25, 8, 7, 7, 12, 15, 10, 8, 8]
const ZONES: Record<Country, [number, string, string][]> = {
  US: [
    [-5, 'America/New_York', 'en-US'],
    [-6, 'America/Chicago', 'en-US'],
    [-8, 'America/Los_Angeles', 'en-US'],
  ],
  GB: [[0, 'Europe/London', 'en-GB']],
  DE: [[1, 'Europe/Berlin', 'de-DE']],
  FR: [[1, 'Europe/Paris', 'fr-FR']],
  BR: [[-3, 'America/Sao_Paulo', 'pt-BR']],
  IN: [
    [5.5, 'Asia/Kolkata', 'en-IN'],
    [5.5, 'Asia/Kolkata', 'hi-IN'],
  ],
  ID: [[7, 'Asia/Jakarta', 'id-ID']],
  JP: [[9, 'Asia/Tokyo', 'ja-JP']],
  MX: [[-6, 'America/Mexico_City', 'es-MX']],
}
const BINS: Record<Country, string> = {
  US: '414720',
  GB: '465859',
  DE: '520416',
  FR: '497010',
  BR: '516292',
  IN: '608001',
  ID: '461699',
  JP: '356600',
  MX: '415231',
}

/** Share of devices that report the `UTC` time zone. */
const UTC_SHARE = 0.03
/** Share of people outside the US whose phone or browser is set to US English. */
const ENGLISH_UI_SHARE = 0.12
/** Share of people who also use a third-party client (a creator tool, a TV app, an unofficial app). */
const THIRD_PARTY_SHARE = 0.03

export interface Population {
  readonly users: User[]
  readonly creators: Creator[]
  /** Draws a creator by popularity (Zipf). */
  readonly popularity: Alias
  readonly fingerprints: readonly string[]
  readonly carriers: ReadonlyMap<Country, readonly Carrier[]>
}

/**
 * A time zone and locale for someone in country `c`. A few devices report plain `UTC` whatever
 * the owner's real offset (clock set by hand, privacy browsers, some VPN apps, travellers who
 * gave up on time zones): the activity curve still follows the real offset. Many people abroad
 * run their phone in US English.
 */
export function zoneOf(rng: Rng, c: Country): [number, string, string] {
  const [offset, zone, locale] = rng.pick(ZONES[c])
  return [
    offset,
    rng.chance(UTC_SHARE) ? 'UTC' : zone,
    c !== 'US' && rng.chance(ENGLISH_UI_SHARE) ? 'en-US' : locale,
  ]
}

/**
 * A creator's followers: a power law over the popularity rank (0 = the most followed), set for
 * the 10,000-user world the evaluation measures and scaled with the population. A creator's
 * audience — the views, comments and joins drawn by rank from everyone — grows with the world,
 * so the follower count that goes with it grows too; with a fixed count, a five-times larger
 * world gave its lower-ranked creators 1,000–2,000 followers and five times the audience.
 */
const TOP_CREATOR_FOLLOWERS = 2_000_000
const FOLLOWERS_CALIBRATED_USERS = 10_000
const creatorFollowers = (rng: Rng, rank: number, n: number): number =>
  Math.round(
    (TOP_CREATOR_FOLLOWERS * (n / FOLLOWERS_CALIBRATED_USERS)) / (rank + 1) ** 1.1 + rng.logNormal(200, 1),
  )

export function buildPopulation(rng: Rng, ids: Ids, n: number, start: number): Population {
  const countries = new Alias(COUNTRY_WEIGHTS)
  const carriers = new Map<Country, Carrier[]>()
  const perCarrier = Math.max(4, Math.round(n / 400))
  for (const c of COUNTRIES)
    carriers.set(c, [new Carrier(rng, c, perCarrier), new Carrier(rng, c, perCarrier)])
  const offices = Array.from({ length: Math.max(3, Math.round(n / 150)) }, () => ({
    c: rng.pick(COUNTRIES),
    ip: '',
  }))
  const fingerprints = commonFingerprints(ids)
  const users: User[] = []
  const households = new Map<Country, string>()
  const homeDevices = new Map<Country, Device>()
  for (let i = 0; i < n; i++) {
    const country = COUNTRIES[countries.draw(rng)]!
    const [tz, timezone, locale] = zoneOf(rng, country)
    const createdAt = start - Math.min(3000, 3 + rng.logNormal(400, 1.1)) * DAY
    const devices = [benignDevice(rng, ids, fingerprints)]
    if (rng.chance(0.2)) devices.push(benignDevice(rng, ids, fingerprints))
    // Two people per home on average: a new household, or the last one of the country.
    let household = households.get(country)
    if (!household || rng.chance(0.5)) {
      household = homeIp(rng, country)
      households.set(country, household)
      homeDevices.set(country, devices[0]!)
    } else if (rng.chance(0.15)) devices.push(homeDevices.get(country)!) // the family tablet
    const office = rng.chance(0.3) ? rng.pick(offices) : undefined
    if (office && !office.ip) office.ip = homeIp(rng, office.c)
    const user: User = {
      id: ids.next('u'),
      createdAt,
      createdIso: iso(createdAt),
      country,
      followers: Math.round(rng.logNormal(60, 1.3)),
      emailVerified: rng.chance(0.85),
      phoneVerified: rng.chance(0.5),
      tz,
      timezone,
      locale,
      devices,
      carrier: rng.pick(carriers.get(country)!),
      home: household,
      ...(office ? { office: office.ip } : {}),
      ...(rng.chance(0.05) ? { vpn: [hostingIp(rng, 0.6), hostingIp(rng, 0.6)] } : {}),
      ...(rng.chance(0.03) ? { abroad: rng.pick(COUNTRIES) } : {}),
      activity: Math.min(60, rng.pareto(0.7, 1.4)),
      ...(rng.chance(THIRD_PARTY_SHARE) ? { thirdParty: true } : {}),
      profile: ids.next('c'),
      ...(rng.chance(0.3)
        ? {
            card: {
              fingerprint: ids.hex('card'),
              bin: BINS[country],
              country: rng.chance(0.05) ? rng.pick(COUNTRIES) : country, // expats
              funding: rng.pick(['credit', 'debit', 'debit', 'prepaid']),
            },
          }
        : {}),
      friends: [],
    }
    users.push(user)
  }
  for (const u of users) {
    const k = 2 + rng.int(8)
    for (let j = 0; j < k; j++) u.friends.push(users[rng.int(users.length)]!)
  }
  const nCreators = Math.max(10, Math.round(n * 0.02))
  const creators: Creator[] = []
  for (let r = 0; r < nCreators; r++) {
    const user = users[rng.int(users.length)]!
    if (user.creator) continue
    user.followers = creatorFollowers(rng, r, n)
    const creator: Creator = {
      user,
      rank: creators.length,
      content: Array.from({ length: 5 + rng.int(40) }, () => ids.next('c')),
      profile: user.profile,
      room: ids.next('r'),
      payout: {
        id: ids.next('pa'),
        type: rng.pick(['bank', 'bank', 'paypal', 'debit_card']),
        country: user.country,
        addedIso: iso(Math.min(start - 30 * DAY, user.createdAt + rng.range(10, 300) * DAY)),
      },
    }
    user.creator = creator
    creators.push(creator)
  }
  return { users, creators, popularity: new Alias(zipf(creators.length, 1.1)), fingerprints, carriers }
}
