/**
 * The shapes every part of the world shares: actors, the client an action comes from, the ground
 * truth of a malicious event, and `Emit`, through which sources hand events to the scheduler.
 * `make` builds an event of the starter pack's envelope: `actor`, `device`, `ip`, `user_agent`,
 * `session` — the common fields — plus the type's own fields. Ids and times are added by the
 * writer, in time order.
 */

import type { AREAS } from '../eval/labels.ts'
import type { Device } from './agents.ts'
import type { Country } from './net.ts'

export type Area = (typeof AREAS)[number]

export interface Actor {
  readonly id: string
  /** Account creation, ms since the epoch. */
  readonly createdAt: number
  readonly createdIso: string
  readonly country: Country
  followers: number
  readonly verified?: boolean
  emailVerified?: boolean
  phoneVerified?: boolean
}

export interface Client {
  readonly device: Device
  readonly ip: string
  readonly session?: { readonly id: string; readonly locale: string; readonly timezone: string }
}

export interface Truth {
  readonly area: Area
  readonly campaign: string
  /** Damage units if this action gets through (0 for supporting actions such as logins). */
  readonly damage: number
}

export interface SimEvent {
  readonly type: string
  readonly [field: string]: unknown
}

/** Hands one event (time in ms) to the scheduler; `truth` only for malicious events. */
export type Emit = (time: number, event: SimEvent, truth?: Truth) => void

export function actorOf(a: Actor): Record<string, unknown> {
  const o: Record<string, unknown> = {
    id: a.id,
    created_at: a.createdIso,
    country: a.country,
    followers: a.followers,
  }
  if (a.verified) o.verified = true
  if (a.emailVerified !== undefined) o.email_verified = a.emailVerified
  if (a.phoneVerified !== undefined) o.phone_verified = a.phoneVerified
  return o
}

const deviceCache = new WeakMap<Device, Record<string, unknown>>()
export function deviceOf(d: Device): Record<string, unknown> {
  let o = deviceCache.get(d)
  if (!o) {
    o = { id: d.id, fingerprint: d.fingerprint, platform: d.platform }
    if (d.appVersion) o.app_version = d.appVersion
    if (d.emulator) o.emulator = true
    if (d.rooted) o.rooted = true
    deviceCache.set(d, o)
  }
  return o
}

/** An event by a logged-in actor from a client. */
export function make(type: string, actor: Actor, client: Client, fields: Record<string, unknown>): SimEvent {
  const e: Record<string, unknown> = {
    type,
    actor: actorOf(actor),
    device: deviceOf(client.device),
    ip: client.ip,
    user_agent: client.device.ua,
  }
  if (client.session) e.session = client.session
  return Object.assign(e, fields) as SimEvent
}

/** An event by a logged-out visitor (cookie / install id as the actor). */
export function guestEvent(
  type: string,
  visitor: string,
  client: Client,
  fields: Record<string, unknown>,
): SimEvent {
  return {
    type,
    actor: { id: visitor, guest: true },
    device: deviceOf(client.device),
    ip: client.ip,
    user_agent: client.device.ua,
    ...fields,
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString()

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
export const SECOND = 1000
