/**
 * Signups and new-user rewards carry nothing only crews send (the tells found while tuning at
 * raised evasion, 2026-12): benign newcomers also pick handles ending in five or more digits,
 * also score 0.5–0.7 on the captcha, also redeem CREATOR-PARTNER-100 and also sign up through a
 * VPN on a hosting address; no device of any event lacks a fingerprint; ring referees sign up with
 * the referrer's code; and incentive-fraud accounts that evade warm up like newcomers before
 * they claim.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { isHostingIp } from '../../src/sim/net.ts'
import { cleanup, type Simulated, simulated } from './simulated.ts'

afterAll(cleanup)

type Event = Record<string, any>
type Label = Simulated['labels'][number]

/** Events with their labels (labels.jsonl is in the same order as events.jsonl). */
const labelled = (w: Simulated): { e: Event; l: Label }[] => w.events.map((e, i) => ({ e, l: w.labels[i]! }))

const LONG_DIGITS = /\d{5,}$/
const localPart = (email: string): string => email.slice(0, email.indexOf('@'))

describe('benign newcomers sign up like crews can', () => {
  // Two worlds of ~40 newcomers each (the shares below are a few percent).
  const worlds = [5, 7].map((seed) => simulated({ seed, users: 3000, days: 2 }))
  const all = worlds.flatMap(labelled)
  const benign = all.filter((x) => !x.l.malicious).map((x) => x.e)
  const signups = benign.filter((e) => e.type === 'signup')

  it('some benign newcomers pick a username or e-mail local part ending in five or more digits', () => {
    expect(signups.length).toBeGreaterThan(60)
    const names = signups.filter((e) => LONG_DIGITS.test(e.username)).length
    expect(names).toBeGreaterThan(0)
    expect(names / signups.length).toBeLessThan(0.15)
    expect(signups.some((e) => LONG_DIGITS.test(localPart(e.email)))).toBe(true)
  })

  it('some benign captcha scores fall in [0.5, 0.7), the band evading crews score in', () => {
    const band = signups.filter((e) => e.captcha_score >= 0.5 && e.captcha_score < 0.7).length
    expect(band).toBeGreaterThan(0)
    expect(band / signups.length).toBeLessThan(0.1)
  })

  it('real newcomers redeem CREATOR-PARTNER-100 too', () => {
    const partner = benign.filter((e) => e.type === 'promo_redeem' && e.code === 'CREATOR-PARTNER-100')
    expect(partner.length).toBeGreaterThan(0)
    const young = new Set(signups.map((e) => e.actor.id))
    expect(partner.every((e) => young.has(e.actor.id) && e.new_user_only === true)).toBe(true)
  })

  it('some benign newcomers sign up from a hosting address (a VPN), and later come from it too', () => {
    const hosted = signups.filter((e) => isHostingIp(e.ip))
    expect(hosted.length).toBeGreaterThan(0)
    expect(hosted.length / signups.length).toBeLessThan(0.1)
    const vpnUsers = new Set(hosted.map((e) => e.actor.id))
    const later = benign.filter((e) => e.type !== 'signup' && vpnUsers.has(e.actor.id))
    expect(later.some((e) => isHostingIp(e.ip))).toBe(true)
  })

  it('every referral-ring referee signs up with the referrer’s code, as referred newcomers do', () => {
    expect(signups.some((e) => typeof e.referral_code === 'string')).toBe(true)
    for (const w of worlds) {
      const x = labelled(w)
      const ring = x.filter(({ l }) => l.campaign?.startsWith('referral-ring-'))
      const referrals = ring.filter(({ e }) => e.type === 'referral').map(({ e }) => e)
      const referees = ring.filter(({ e }) => e.type === 'signup').map(({ e }) => e)
      expect(referees.length).toBeGreaterThan(0)
      const codes = new Set(referrals.map((e) => e.code))
      expect(codes.size).toBe(1)
      for (const s of referees) expect(codes.has(s.referral_code)).toBe(true)
      for (const r of referrals) {
        const s = referees.find((e) => e.actor.id === r.actor.id)
        expect(s?.referral_code).toBe(r.code)
      }
    }
  })
})

/** Claims of new-user rewards by incentive-fraud accounts, with what each account did before. */
function claims(w: Simulated) {
  const x = labelled(w)
  return x
    .filter(
      ({ e, l }) => l.area === 'incentive_fraud' && (e.type === 'referral' || e.type === 'promo_redeem'),
    )
    .map(({ e: claim, l }) => ({
      claim,
      campaign: l.campaign!,
      before: x.filter(
        ({ e }) =>
          e.actor.id === claim.actor.id && e.time < claim.time && (e.type === 'view' || e.type === 'follow'),
      ),
    }))
}

describe('at full evasion', () => {
  const w = simulated({ seed: 1, users: 3000, evasion: 1 })

  it('crews name their accounts as newcomers do (long digit tails as rare as theirs)', () => {
    const x = labelled(w)
    const careful = new Set(
      Object.values(w.manifest.campaigns)
        .filter((c) => c.evasion === 1)
        .map((c) => c.id),
    )
    const signups = x.filter(({ e, l }) => e.type === 'signup' && l.malicious && careful.has(l.campaign!))
    expect(signups.length).toBeGreaterThan(20)
    const long = signups.filter(
      ({ e }) => LONG_DIGITS.test(e.username) || LONG_DIGITS.test(localPart(e.email)),
    )
    expect(long.length / signups.length).toBeLessThan(0.2)
  })

  it('every incentive-fraud account that claims follows suggested accounts and views first, from its own client', () => {
    expect(w.manifest.campaigns['referral-ring-1']?.evasion).toBe(1)
    expect(w.manifest.campaigns['promo-farm-1']?.evasion).toBe(1)
    const all = claims(w)
    expect(all.length).toBeGreaterThan(5)
    for (const { claim, campaign, before } of all) {
      const follows = before.filter(({ e }) => e.type === 'follow')
      const views = before.filter(({ e }) => e.type === 'view')
      expect(follows.length).toBeGreaterThanOrEqual(10)
      expect(follows.length).toBeLessThanOrEqual(40)
      expect(views.length).toBeGreaterThanOrEqual(2)
      for (const { e, l } of before) {
        expect(e.device.id).toBe(claim.device.id)
        expect(e.ip).toBe(claim.ip)
        // the fake accounts' own activity, as a farm's warm-up: not a reward, so not incentive fraud
        expect(l).toEqual({
          event_id: e.id,
          malicious: true,
          area: 'fake_accounts',
          campaign: `${campaign}-accounts`,
          damage: 0,
        })
      }
      for (const { e } of follows) expect(['onboarding', 'suggestion']).toContain(e.source)
    }
  })
})

describe('incentive-fraud accounts at evasion 0', () => {
  it('no account views or follows anything before it claims', () => {
    const w = simulated({ seed: 1, users: 3000, evasion: 0 })
    const all = claims(w)
    expect(all.length).toBeGreaterThan(0)
    for (const { before } of all) expect(before).toEqual([])
  })
})

describe('devices', () => {
  it('every event’s device has a fingerprint, evading crews’ iPhones included', () => {
    // The exact check: every event with a `device` has a non-empty string `device.fingerprint`.
    // Every platform the simulator emits (ios, android, web, desktop) has one.
    for (const evasion of [1, 0.5]) {
      const w = simulated({ seed: 3, users: 1500, evasion })
      const devices = w.events.filter((e) => e.device)
      expect(devices.length).toBeGreaterThan(1000)
      const missing = devices.filter((e) => typeof e.device.fingerprint !== 'string' || !e.device.fingerprint)
      expect(missing.map((e) => `${e.type} ${e.device.platform}`)).toEqual([])
    }
  })
})
