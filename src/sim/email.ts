/**
 * E-mail addresses at signup. People use the big providers (by country), privacy relays (Apple
 * Hide My Email, DuckDuckGo), work and university domains, their ISP's mailbox — and a few use a
 * throwaway inbox. Farms use throwaway inboxes (the real `disposable-email-domains` list), their
 * own catch-all domains registered by the dozen, or, when evading, Gmail with dot/plus variants.
 */

import { createRequire } from 'node:module'
import type { Country } from './net.ts'
import type { Rng } from './random.ts'

const BIG: Record<Country, string[]> = {
  US: [
    'gmail.com',
    'gmail.com',
    'gmail.com',
    'yahoo.com',
    'outlook.com',
    'icloud.com',
    'hotmail.com',
    'aol.com',
  ],
  GB: [
    'gmail.com',
    'gmail.com',
    'hotmail.co.uk',
    'outlook.com',
    'icloud.com',
    'yahoo.co.uk',
    'btinternet.com',
  ],
  DE: ['gmail.com', 'gmx.de', 'web.de', 't-online.de', 'outlook.com', 'icloud.com'],
  FR: ['gmail.com', 'orange.fr', 'free.fr', 'hotmail.fr', 'outlook.com', 'laposte.net'],
  BR: ['gmail.com', 'gmail.com', 'hotmail.com', 'outlook.com', 'uol.com.br', 'bol.com.br'],
  IN: ['gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'rediffmail.com', 'outlook.com'],
  ID: ['gmail.com', 'gmail.com', 'yahoo.com', 'yahoo.co.id', 'outlook.com'],
  JP: ['gmail.com', 'yahoo.co.jp', 'icloud.com', 'docomo.ne.jp', 'ezweb.ne.jp', 'softbank.ne.jp'],
  MX: ['gmail.com', 'gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com.mx'],
}
const RELAYS = ['privaterelay.appleid.com', 'duck.com', 'simplelogin.com']
const WORK = ['acme-logistics.com', 'northwind.io', 'contoso.co.uk', 'initech.de', 'umbrella-health.org']

let disposable: readonly string[] | undefined
/** The community list of throwaway inbox domains (the package the starter pack's list uses). */
export function disposableDomains(): readonly string[] {
  disposable ??= createRequire(import.meta.url)('disposable-email-domains') as string[]
  return disposable
}

/** Throwaway providers with a public web inbox, the ones farms actually script against. */
const POPULAR_BURNERS = [
  'mailinator.com',
  'guerrillamail.com',
  'yopmail.com',
  '10minutemail.com',
  'sharklasers.com',
]

const SYLLABLES = ['ka', 'ri', 'mo', 'lu', 'ne', 'ta', 'so', 'vi', 'da', 'el', 'an', 'jo', 'mi', 'ra', 'zo']
/** A plausible local part: names, initials, digits. */
export function localPart(rng: Rng): string {
  const n = 2 + rng.int(3)
  let s = ''
  for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES)
  if (rng.chance(0.5)) s += rng.chance(0.5) ? '.' : '_'
  if (rng.chance(0.6)) s += String(rng.int(rng.chance(0.5) ? 100 : 10000))
  return s
}

/**
 * Share of people whose handle ends in five or more digits — a birth date (19870412, 120487), a
 * birth year glued to a day, the tail of a phone number: 6.5% of benign newcomers (within the
 * 5–8% seen on consumer sign-up forms). Their username always carries it, their e-mail local
 * part the same digits 60% of the time (people reuse a handle). Every other handle is
 * `localPart`'s, at most four digits.
 */
export const LONG_DIGITS_SHARE = 0.065
const SAME_TAIL_IN_EMAIL = 0.6

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** Five to eight digits a person puts after their name: a birth date, or a phone number's tail. */
function longDigits(rng: Rng): string {
  const year = 1965 + rng.int(45)
  const month = 1 + rng.int(12)
  const day = 1 + rng.int(28)
  const r = rng.next()
  if (r < 0.35) return `${year}${pad(month, 2)}${pad(day, 2)}`
  if (r < 0.55) return `${pad(day, 2)}${pad(month, 2)}${year}`
  if (r < 0.75) return `${pad(day, 2)}${pad(month, 2)}${pad(year % 100, 2)}`
  return pad(rng.int(10 ** (5 + rng.int(3))), 5)
}

/**
 * A person's username and e-mail local part, from the two `localPart`s they would otherwise
 * use: now and then (`LONG_DIGITS_SHARE`) their digits become a birth date or a phone tail.
 * Draws only from `rng`, so callers can keep it on a stream of its own.
 */
export function personalHandles(
  rng: Rng,
  username: string,
  local: string,
): { username: string; local: string } {
  if (!rng.chance(LONG_DIGITS_SHARE)) return { username, local }
  const tail = longDigits(rng)
  const strip = (s: string) => s.replace(/\d+$/, '')
  return {
    username: `${strip(username)}${tail}`,
    local: rng.chance(SAME_TAIL_IN_EMAIL) ? `${strip(local)}${tail}` : local,
  }
}

/** The handles a benign newcomer picks (two `localPart`s, then `personalHandles`), all from `rng`. */
export const newcomerHandles = (rng: Rng): { username: string; local: string } =>
  personalHandles(rng, localPart(rng), localPart(rng))

/** `email` with its local part replaced. */
export const withLocalPart = (email: string, local: string): string =>
  `${local}${email.slice(email.indexOf('@'))}`

export function benignEmail(rng: Rng, country: Country, campus?: string): string {
  const r = rng.next()
  const domain = campus
    ? campus
    : r < 0.82
      ? rng.pick(BIG[country])
      : r < 0.9
        ? rng.pick(RELAYS)
        : r < 0.975
          ? rng.pick(WORK)
          : rng.chance(0.5)
            ? rng.pick(POPULAR_BURNERS)
            : rng.pick(disposableDomains())
  return `${localPart(rng)}@${domain}`
}

export type FarmMail = 'disposable' | 'catchall' | 'gmail'

/** A farm's address of the given kind; `catchall` uses one of the farm's own domains. */
export function farmEmail(rng: Rng, kind: FarmMail, ownDomains: readonly string[]): string {
  if (kind === 'disposable') {
    const domain = rng.chance(0.6) ? rng.pick(POPULAR_BURNERS) : rng.pick(disposableDomains())
    return `${localPart(rng)}${rng.int(1000)}@${domain}`
  }
  if (kind === 'catchall') return `${localPart(rng)}@${rng.pick(ownDomains)}`
  return `${localPart(rng)}${rng.int(100000)}@gmail.com`
}

/** Cheap domains a farm registers for catch-all inboxes. */
export function farmDomains(rng: Rng, n: number): string[] {
  const tlds = ['xyz', 'top', 'shop', 'online', 'site', 'click']
  return Array.from(
    { length: n },
    () => `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}mail${rng.int(100)}.${rng.pick(tlds)}`,
  )
}

export const emailDomain = (email: string): string => email.slice(email.indexOf('@') + 1).toLowerCase()
