/**
 * A seeded stream of varied events (signup, login, payment, comment, message, follow,
 * live_gift, promo_redeem, ad_click, payout), each with the features and policy lists the
 * benchmark rules read. Every event carries every field so all engines see the same document.
 */

import { parseCidr } from '../../src/core/net/ip.ts'
import { CidrSet, DomainSet, ValueSet } from '../../src/core/net/sets.ts'
import { seededRandom as rng } from '../../src/core/random.ts'

export interface BenchEvent {
  type: string
  actor: {
    id: string
    age_days: number
    verified: boolean
    country: string
    followers: number
    following: number
    posts: number
    email_verified: boolean
    phone_verified: boolean
  }
  device: { id: string; os: string; emulator: boolean; rooted: boolean }
  ip: string
  email: string
  user_agent: string
  amount: number
  currency: string
  card_country: string
  text: string
  target: { id: string; age_days: number; followers: number }
  tags: string[]
  hour: number
  promo_code: string
  referrer: string
}

export type Features = Record<string, number>

export const FEATURE_NAMES = {
  int: [
    'signups_device_1h',
    'signups_ip_24h',
    'accounts_per_device',
    'logins_failed_1h',
    'logins_1h',
    'countries_7d',
    'payments_1h',
    'chargebacks_90d',
    'comments_1m',
    'messages_1m',
    'targets_1h',
    'follows_1h',
    'views_1m',
    'reports_against_24h',
    'gifts_1h',
    'referrals_24h',
    'promo_ip_24h',
    'clicks_1m',
    'devices_per_account',
    'duplicate_text_1h',
    'links_1h',
    'new_followers_1h',
  ],
  double: ['amount_24h', 'payout_24h', 'gift_value_1h', 'click_ctr', 'avg_session_s'],
} as const

export interface BenchLists {
  high_risk_countries: ValueSet
  banned_devices: ValueSet
  disposable_domains: DomainSet
  datacenter: CidrSet
  tor_exits: CidrSet
}

const TYPES = [
  'signup',
  'login',
  'payment',
  'comment',
  'message',
  'follow',
  'live_gift',
  'promo_redeem',
  'ad_click',
  'payout',
]
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'BR', 'IN', 'NG', 'RU', 'CN', 'VN', 'ID', 'KP']
const OS = ['ios', 'android', 'windows', 'macos', 'linux']
const DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'outlook.com',
  'mailinator.com',
  'guerrillamail.com',
  'tempmail.net',
  'corp.example.com',
  'mail.mailinator.com',
]
const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0',
  'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/119.0',
  'python-requests/2.31.0',
  'curl/8.4.0',
  'okhttp/4.12.0',
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36',
]
const TEXTS = [
  'great stream, thanks!',
  'FREE MONEY click here http://bit.ly/xyz',
  'you are so dumb, nobody likes you',
  'check my profile for a surprise ;)',
  'Earn $500/day working from home!!! WhatsApp me',
  'lol',
  'congrats on 10k followers',
  'buy cheap followers at f0llowers.example',
  'what song is this?',
  'DM me for crypto signals 🚀🚀🚀',
]
const TAGS = ['music', 'gaming', 'crypto', 'giveaway', 'news', 'spam', 'promo', 'live', 'irl', 'nsfw']

export function makeLists(): BenchLists {
  const r = rng(7)
  const cidrs = Array.from(
    { length: 2000 },
    () => `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.0/24`,
  )
  return {
    high_risk_countries: new ValueSet(['KP', 'NG', 'RU', 'VN']),
    banned_devices: new ValueSet(Array.from({ length: 500 }, (_, i) => `dev-${i * 7}`)),
    disposable_domains: new DomainSet(['mailinator.com', 'guerrillamail.com', 'tempmail.net', 'yopmail.com']),
    datacenter: new CidrSet(cidrs.map((c) => parseCidr(c)!)),
    tor_exits: new CidrSet(['185.220.100.0/22', '104.244.72.0/21'].map((c) => parseCidr(c)!)),
  }
}

export function makeEvents(n: number, seed = 42): { event: BenchEvent; features: Features }[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
  const int = (max: number) => Math.floor(r() * r() * max)
  return Array.from({ length: n }, (_, i) => {
    const ip =
      r() < 0.1
        ? `185.220.${100 + Math.floor(r() * 4)}.${Math.floor(r() * 256)}`
        : `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`
    const event: BenchEvent = {
      type: pick(TYPES),
      actor: {
        id: `u${Math.floor(r() * 5000)}`,
        age_days: int(2000),
        verified: r() < 0.3,
        country: pick(COUNTRIES),
        followers: int(50000),
        following: int(5000),
        posts: int(500),
        email_verified: r() < 0.7,
        phone_verified: r() < 0.5,
      },
      device: { id: `dev-${Math.floor(r() * 4000)}`, os: pick(OS), emulator: r() < 0.05, rooted: r() < 0.05 },
      ip,
      email: `user${i}@${pick(DOMAINS)}`,
      user_agent: pick(AGENTS),
      amount: Math.round(r() * r() * 200000) / 100,
      currency: pick(['USD', 'EUR', 'GBP', 'BRL']),
      card_country: pick(COUNTRIES),
      text: pick(TEXTS),
      target: { id: `u${Math.floor(r() * 5000)}`, age_days: int(2000), followers: int(100000) },
      tags: Array.from({ length: int(5) }, () => pick(TAGS)),
      hour: Math.floor(r() * 24),
      promo_code: r() < 0.3 ? `PROMO${int(100)}` : '',
      referrer: r() < 0.2 ? `u${Math.floor(r() * 5000)}` : '',
    }
    const features: Features = {}
    for (const name of FEATURE_NAMES.int) features[name] = int(name.endsWith('1m') ? 40 : 25)
    for (const name of FEATURE_NAMES.double) features[name] = Math.round(r() * r() * 500000) / 100
    return { event, features }
  })
}

/** A deep copy with every int field as a bigint, for engines that represent CEL ints so. */
export function withBigInts<T>(value: T, isDouble: (path: string) => boolean, path = ''): T {
  if (typeof value === 'number') return (isDouble(path) ? value : BigInt(value)) as T
  if (Array.isArray(value)) return value.map((v) => withBigInts(v, isDouble, path)) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withBigInts(v, isDouble, path ? `${path}.${k}` : k)]),
    ) as T
  }
  return value
}
