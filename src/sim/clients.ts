/**
 * Which device and network a real person's session comes from, and when people are awake.
 * Phones hop between the carrier's NAT pool and home Wi-Fi; laptops at work use the office
 * egress on weekdays; VPN users arrive from hosting ranges; travellers from abroad.
 */

import type { Client } from './event.ts'
import { HOUR } from './event.ts'
import type { Ids } from './ids.ts'
import { homeIp, mobileIp } from './net.ts'
import type { User } from './population.ts'
import type { Rng } from './random.ts'

/** Relative activity by local hour (mean 1): quiet nights, a lunch bump, an evening peak. */
const SHAPE = [
  0.45, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 0.9, 0.95, 1.0, 1.1, 1.3, 1.2, 1.05, 1.05, 1.15, 1.3, 1.5, 1.75,
  1.9, 1.85, 1.5, 0.9,
]
const MEAN = SHAPE.reduce((s, x) => s + x, 0) / 24

export const localHour = (t: number, tz: number): number => (((t / HOUR + tz) % 24) + 24) % 24

/** Activity multiplier at time `t` for someone in UTC offset `tz`. */
export function diurnal(t: number, tz: number): number {
  const h = localHour(t, tz)
  const i = Math.floor(h)
  const f = h - i
  return (SHAPE[i]! * (1 - f) + SHAPE[(i + 1) % 24]! * f) / MEAN
}

/** A time in [day, day + 1d) drawn to follow the diurnal curve of offset `tz`. */
export function diurnalTime(rng: Rng, day: number, tz: number): number {
  for (;;) {
    const t = day + rng.next() * 24 * HOUR
    if (rng.next() * 2.2 < diurnal(t, tz)) return t
  }
}

const isWorkHours = (t: number, tz: number): boolean => {
  const local = t + tz * HOUR
  const weekday = new Date(local).getUTCDay()
  const h = new Date(local).getUTCHours()
  return weekday >= 1 && weekday <= 5 && h >= 9 && h < 18
}

export function clientFor(rng: Rng, ids: Ids, user: User, t: number): Client {
  const device = user.devices.length > 1 && rng.chance(0.35) ? user.devices[1]! : user.devices[0]!
  const session = { id: ids.next('s'), locale: user.locale, timezone: user.timezone }
  const mobile = device.platform === 'ios' || device.platform === 'android'
  let ip: string
  if (user.abroad) ip = rng.chance(0.5) ? homeIp(rng, user.abroad) : mobileIp(rng, user.abroad)
  else if (user.vpn && rng.chance(0.7)) ip = rng.pick(user.vpn)
  else if (user.office && isWorkHours(t, user.tz) && (!mobile || rng.chance(0.4))) ip = user.office
  else if (mobile && rng.chance(0.55)) ip = user.carrier.session(rng)
  else ip = user.home
  return { device, ip, session }
}
