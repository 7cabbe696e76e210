/**
 * The follow bot's mimicry: at full evasion every purchased follower first watches one of the
 * customer's videos, from the same client, for a human few seconds, and follows from that
 * surface shortly after — fake views counted as damage too; at evasion 0 the delivery follows
 * blind. Benign people always view before following, so a bot that never views at any evasion
 * level would be a simulator tell.
 */

import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, type Simulated, simulated } from './simulated.ts'

afterAll(cleanup)

const CAMPAIGN = 'follow-bot-1'

/** The follow bot's follows of its customer (not the popular creators it also follows) and its accounts' views. */
function delivery(w: Simulated) {
  const label = new Map(w.labels.map((l) => [l.event_id, l]))
  const ofCampaign = w.events.filter((e) => label.get(e.id)?.campaign === CAMPAIGN)
  const follows = ofCampaign.filter((e) => e.type === 'follow' && e.source !== 'suggestion')
  const bots = new Set(follows.map((f) => f.actor.id))
  const views = w.events.filter((e) => e.type === 'view' && bots.has(e.actor.id))
  return { label, ofCampaign, follows, views }
}

describe('follow bot', () => {
  it('at evasion 1: every bot watches the customer’s video from the same client, then follows', () => {
    const w = simulated({ seed: 1, users: 600, evasion: 1 })
    expect(w.manifest.campaigns[CAMPAIGN]?.evasion).toBe(1)
    const { label, follows, views } = delivery(w)
    expect(follows.length).toBeGreaterThan(3)
    for (const follow of follows) {
      const watched = views.filter(
        (v) => v.actor.id === follow.actor.id && v.content.author_id === follow.target.id,
      )
      expect(watched).toHaveLength(1)
      const view = watched[0]!
      expect(view.device.id).toBe(follow.device.id)
      expect(view.ip).toBe(follow.ip)
      expect(view.session).toEqual(follow.session)
      expect(view.content.kind).toBe('video')
      expect(['feed', 'profile']).toContain(view.surface)
      expect(follow.source).toBe(view.surface)
      const gap = Date.parse(follow.time) - Date.parse(view.time)
      expect(gap).toBeGreaterThan(view.watch_ms)
      expect(gap).toBeLessThan(view.watch_ms + 10 * 60_000)
      expect(label.get(view.id)).toEqual({
        event_id: view.id,
        malicious: true,
        area: 'fake_traffic',
        campaign: CAMPAIGN,
        damage: 1,
      })
    }
    const watch = views.map((v) => v.watch_ms).sort((a, b) => a - b)
    expect(watch[watch.length - 1]).toBeLessThanOrEqual(180_000)
    expect(watch[Math.floor(watch.length / 2)]).toBeGreaterThan(2000)
  })

  it('at evasion 0: the delivery follows blind, without a single view', () => {
    const w = simulated({ seed: 1, users: 600, evasion: 0 })
    expect(w.manifest.campaigns[CAMPAIGN]?.evasion).toBe(0)
    const { ofCampaign, follows, views } = delivery(w)
    expect(follows.length).toBeGreaterThan(3)
    expect(ofCampaign.every((e) => e.type === 'follow')).toBe(true)
    expect(views).toEqual([])
  })
})
