/**
 * Clients: devices (install id, hardware fingerprint, platform, app version) and the user agent
 * each one sends. Real clients are the platform's iOS/Android apps (Android builds on OkHttp
 * send "okhttp/x.y", as real apps do), desktop and mobile browsers. Automation sends what
 * automation really sends: HTTP libraries, headless Chrome, crawler frameworks — unless it is
 * evading, in which case it copies a current browser string exactly.
 */

import type { Ids } from './ids.ts'
import type { Rng } from './random.ts'

export type Platform = 'ios' | 'android' | 'web' | 'desktop'

export interface Device {
  readonly id: string
  readonly fingerprint: string
  readonly platform: Platform
  readonly appVersion?: string
  readonly emulator?: boolean
  readonly rooted?: boolean
  readonly ua: string
}

const APP_VERSIONS = ['31.4.1', '31.4.1', '31.4.0', '31.3.2', '31.2.0', '30.9.5', '29.1.0']
const IPHONES = ['iPhone14,2', 'iPhone14,5', 'iPhone15,2', 'iPhone15,3', 'iPhone16,1', 'iPhone16,2']
const IOS = ['17.4.1', '17.5.1', '17.6', '18.0.1', '18.1']
const ANDROIDS = ['SM-S918B', 'SM-A546E', 'Pixel 8', 'Pixel 7a', '2201117TG', 'CPH2581', 'moto g84 5G']
const ANDROID_OS = ['12', '13', '14', '14', '15']

export const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
]
export const MOBILE_BROWSERS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
]

/** What scripts and crawlers send when nobody bothers to hide them. */
export const BOT_AGENTS = [
  'python-requests/2.31.0',
  'python-httpx/0.27.0',
  'curl/8.5.0',
  'Go-http-client/2.0',
  'axios/1.6.8',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'Scrapy/2.11.1 (+https://scrapy.org)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36',
  'Java/17.0.10',
]

/** The platform's own app user agents. */
function appAgent(rng: Rng, platform: 'ios' | 'android', version: string): string {
  if (platform === 'ios')
    return `Clipwave/${version} (${rng.pick(IPHONES)}; iOS ${rng.pick(IOS)}; Scale/3.00)`
  if (rng.chance(0.4)) return 'okhttp/4.12.0'
  return `Clipwave/${version} (Linux; Android ${rng.pick(ANDROID_OS)}; ${rng.pick(ANDROIDS)})`
}

/** Shared fingerprints of identical popular phone models (they collide in real fingerprinting). */
const COMMON_FINGERPRINTS = 24

/** A real person's device. Mobile-heavy, as on a short-video platform. */
export function benignDevice(rng: Rng, ids: Ids, common: readonly string[]): Device {
  const r = rng.next()
  const platform: Platform = r < 0.42 ? 'ios' : r < 0.8 ? 'android' : r < 0.95 ? 'web' : 'desktop'
  const fingerprint = platform === 'ios' && rng.chance(0.15) ? rng.pick(common) : ids.hex('fp')
  if (platform === 'web' || platform === 'desktop')
    return {
      id: ids.next('d'),
      fingerprint,
      platform,
      ua: rng.pick(rng.chance(0.8) ? BROWSERS : MOBILE_BROWSERS),
    }
  const appVersion = rng.pick(APP_VERSIONS)
  return {
    id: ids.next('d'),
    fingerprint,
    platform,
    appVersion,
    ua: appAgent(rng, platform, appVersion),
    ...(platform === 'android' && rng.chance(0.03) ? { rooted: true } : {}),
    // Android emulators on a PC (BlueStacks and the like) for gaming and streaming.
    ...(platform === 'android' && rng.chance(0.006) ? { emulator: true } : {}),
  }
}

export const commonFingerprints = (ids: Ids): string[] =>
  Array.from({ length: COMMON_FINGERPRINTS }, () => ids.hex('fp'))

/** A new install id on the same hardware (reinstall / app data reset): the fingerprint stays. */
export const reinstall = (ids: Ids, d: Device): Device => ({ ...d, id: ids.next('d') })

/**
 * A client for automation: at low evasion it says what it is, at high evasion it passes as real —
 * a device drawn as a real person's, so an iPhone may share one of the `common` fingerprints of
 * popular models as real iPhones do (only iOS devices draw from `common`).
 */
export function scriptedDevice(
  rng: Rng,
  ids: Ids,
  evasion: number,
  common: readonly string[],
  fingerprint?: string,
): Device {
  if (rng.chance(evasion)) {
    const d = benignDevice(rng, ids, common)
    return fingerprint ? { ...d, fingerprint } : d
  }
  const emulator = rng.chance(0.5)
  if (emulator) {
    const appVersion = rng.pick(APP_VERSIONS)
    return {
      id: ids.next('d'),
      fingerprint: fingerprint ?? ids.hex('fp'),
      platform: 'android',
      appVersion,
      emulator: true,
      ua: `Clipwave/${appVersion} (Linux; Android 11; sdk_gphone_x86_64)`,
    }
  }
  return {
    id: ids.next('d'),
    fingerprint: fingerprint ?? ids.hex('fp'),
    platform: 'web',
    ua: rng.pick(BOT_AGENTS),
  }
}
