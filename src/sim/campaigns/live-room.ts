/**
 * Live-room abuse: raids, viewer bots and self-gifting.
 *   raid          a mob of alts joins a live room together and floods the chat with the same
 *                 copypasta and abuse. Damage: 1 per chat message delivered (joins: 0).
 *   viewbot       accounts joining a creator's stream to inflate the viewer count. Damage: 1
 *                 per fake join counted.
 *   self-gift     a small creator's own alt accounts — on one or two shared phones — buy coins
 *                 and gift them to the creator's room to climb the rankings and unlock bonuses.
 *                 Damage: the gift's value in USD (100 coins = 1 USD).
 * Evasion stretches arrivals, mutates the copypasta, spreads bots over residential proxies and
 * aged accounts, and gives each alt its own phone.
 */

import { raidText } from '../abuse-text.ts'
import type { Device } from '../agents.ts'
import type { Emit } from '../event.ts'
import { HOUR, MINUTE, SECOND } from '../event.ts'
import { giftOf, type Stream } from '../live.ts'
import { proxyIp } from '../net.ts'
import type { Episode } from '../source.ts'
import { textFields } from '../text.ts'
import { type Account, Campaign } from './common.ts'

export class LiveRoomAbuse extends Campaign {
  private hosting: string[] = []
  private alts: Account[] = []
  private phones: Device[] = []

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    if (index === 0) this.hosting = this.servers(2)
    const streams = this.benign.live.streams(index)
    if (!streams.length) return []
    const s = rng.pick(this.spec.kind === 'raid' ? streams : streams.slice(Math.floor(streams.length / 3)))
    const t0 = s.start + rng.next() * (s.end - s.start) * 0.7
    // Raiders and viewer bots make their accounts in the hours before (from the day's start on).
    const prep = Math.max(day, t0 - 6 * HOUR)
    if (this.spec.kind === 'raid') return [[prep, (emit) => this.raid(s, t0, emit)] as const]
    if (this.spec.kind === 'viewbot') return [[prep, (emit) => this.viewbot(s, t0, emit)] as const]
    return [[t0, (emit) => this.selfGift(s, t0, emit)] as const]
  }

  private room(s: Stream) {
    return { id: s.creator.room, host_id: s.creator.user.id, viewers: Math.round(s.joins / 4) + 1 }
  }

  private raid(s: Stream, t0: number, emit: Emit): void {
    const rng = this.rng
    const n = Math.max(10, this.volume(40))
    const script = rng.int(3)
    for (let i = 0; i < n; i++) {
      const t = t0 + this.gap(60 * SECOND) * rng.next() * 3
      const client = { device: this.device(), ip: this.address(this.hosting) }
      const a = rng.chance(this.e)
        ? this.aged(t, client)
        : this.signup(emit, this.before(t, rng.range(5, 120) * MINUTE), client, { domains: ['raidmail.top'] })
      emit(
        t,
        this.make('live_join', a.actor, a.client, {
          room: this.room(s),
          source: rng.chance(0.6) ? 'external' : 'share',
        }),
        this.truth(0),
      )
      for (let k = 2 + rng.int(10); k > 0; k--)
        emit(
          t + k * this.gap(4 * SECOND),
          this.make('live_comment', a.actor, a.client, {
            room: this.room(s),
            ...textFields(raidText(rng, script, this.e)),
          }),
          this.truth(1),
        )
    }
  }

  private viewbot(s: Stream, t0: number, emit: Emit): void {
    const rng = this.rng
    const n = Math.max(15, this.volume(200))
    for (let i = 0; i < n; i++) {
      const t = t0 + rng.next() * (2 + 40 * this.e) * MINUTE
      const client = { device: this.device(), ip: this.address(this.hosting) }
      const a = rng.chance(this.e)
        ? this.aged(t, client)
        : this.signup(emit, this.before(t, rng.range(1, 12) * HOUR), client, { domains: ['viewmail.xyz'] })
      emit(
        t,
        this.make('live_join', a.actor, a.client, {
          room: this.room(s),
          source: rng.pick(['feed', 'api', 'share']),
        }),
        this.truth(1),
      )
    }
  }

  private selfGift(s: Stream, t0: number, emit: Emit): void {
    const rng = this.rng
    if (!this.alts.length) {
      this.phones = Array.from({ length: 1 + Math.round(this.e * 4) }, () => this.device())
      this.alts = Array.from({ length: 3 + rng.int(5) }, (_, i) =>
        this.aged(t0, { device: this.phones[i % this.phones.length]!, ip: proxyIp(rng) }),
      )
    }
    for (const a of this.alts) {
      let t = t0 + rng.next() * 20 * MINUTE
      const card = {
        fingerprint: this.world.ids.hex('card'),
        bin: '535316',
        country: a.actor.country,
        funding: 'prepaid',
      }
      const amount = rng.pick([19.99, 49.99, 99.99])
      this.buyCoins(emit, t, a, card, amount)
      let coins = Math.round(amount * 100)
      emit(
        t + 5 * SECOND,
        this.make('live_join', a.actor, a.client, { room: this.room(s), source: 'following' }),
        this.truth(0),
      )
      while (coins > 0) {
        t += this.gap(20 * SECOND)
        const g = rng.chance(0.5) ? (['galaxy', 1000] as const) : giftOf(rng)
        const value = Math.min(coins, g[1])
        coins -= value
        emit(
          t,
          this.make('live_gift', a.actor, a.client, {
            room: this.room(s),
            creator: { id: s.creator.user.id },
            gift_id: g[0],
            coins: value,
          }),
          this.truth(value / 100),
        )
      }
    }
  }
}
