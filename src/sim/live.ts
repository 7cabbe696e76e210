/**
 * Live rooms. Streaming creators go live in their evening; viewers arrive in proportion to the
 * creator's popularity (thousands for the top rooms, many behind the same carrier NAT), chat in
 * short chants, and gift — mostly small gifts, a few whales, and real bursts at hype moments
 * (a battle, a shout-out) when dozens of viewers gift within a minute or two.
 */

import { clientFor, diurnalTime } from './clients.ts'
import type { Emit } from './event.ts'
import { HOUR, MINUTE, make, SECOND } from './event.ts'
import type { Creator, User } from './population.ts'
import type { Alias, Rng } from './random.ts'
import { Daily, type Episode } from './source.ts'
import { chatLine, textFields } from './text.ts'
import type { World } from './world.ts'

export interface Stream {
  readonly creator: Creator
  readonly start: number
  readonly end: number
  readonly joins: number
  readonly hype: readonly number[]
}

const GIFTS: readonly (readonly [string, number])[] = [
  ['rose', 1],
  ['rose', 1],
  ['rose', 1],
  ['heart', 5],
  ['finger-heart', 5],
  ['donut', 30],
  ['cap', 99],
  ['hat', 199],
  ['perfume', 20],
  ['galaxy', 1000],
  ['lion', 29999],
  ['universe', 34999],
]

/** A gift a viewer sends: mostly small; the big ones are rare (whales). */
export const giftOf = (rng: Rng): readonly [string, number] => {
  const g = rng.pick(GIFTS)
  return g[1] >= 1000 && !rng.chance(0.15) ? rng.pick(GIFTS.slice(0, 8)) : g
}

export class Live extends Daily {
  private readonly byDay = new Map<number, Stream[]>()
  private readonly rng: Rng

  private readonly world: World
  private readonly viewers: Alias

  constructor(world: World, viewers: Alias) {
    super('live', world.params.start)
    this.world = world
    this.viewers = viewers
    this.rng = world.rng('live')
  }

  /** The streams of a simulated day (planned when the day starts). */
  streams(day: number): readonly Stream[] {
    return this.byDay.get(day) ?? []
  }

  protected plan(day: number, index: number): Episode[] {
    const rng = this.rng
    const { pop, scale } = this.world
    const streamers = pop.creators.slice(0, Math.max(5, Math.ceil(pop.creators.length * 0.4)))
    const streams: Stream[] = []
    for (const creator of streamers) {
      if (!rng.chance(0.35)) continue
      let start = diurnalTime(rng, day, creator.user.tz)
      start = Math.max(day, start + (rng.next() - 0.5) * 2 * HOUR)
      const length = rng.range(0.75, 3) * HOUR
      const joins = Math.max(3, Math.round((1500 * scale) / (creator.rank + 1) ** 0.8))
      const hype = Array.from({ length: 1 + rng.int(3) }, () => start + rng.next() * length)
      streams.push({ creator, start, end: start + length, joins, hype })
    }
    this.byDay.set(index, streams)
    return streams.map((s) => [s.start, (emit: Emit) => this.broadcast(s, emit)] as const)
  }

  private broadcast(s: Stream, emit: Emit): void {
    const rng = this.rng
    const { ids, pop } = this.world
    const host = s.creator.user
    const length = s.end - s.start
    const room = (viewers: number) => ({ id: s.creator.room, host_id: host.id, viewers })
    for (let j = 0; j < s.joins; j++) {
      const viewer: User = pop.users[this.viewers.draw(rng)]!
      if (viewer === host) continue
      const t = s.start + length * rng.next() ** 1.3
      const stay = Math.min(s.end - t, rng.logNormal(6 * MINUTE, 1))
      const concurrent = Math.max(1, Math.round((s.joins * 6 * MINUTE) / length))
      const client = clientFor(rng, ids, viewer, t)
      emit(
        t,
        make('live_join', viewer, client, {
          room: room(concurrent),
          source:
            viewer.thirdParty && rng.chance(0.5)
              ? 'api'
              : rng.pick(['feed', 'feed', 'following', 'notification', 'share']),
        }),
      )
      for (let c = rng.poisson(1.2); c > 0; c--)
        emit(
          t + rng.next() * stay,
          make('live_comment', viewer, client, {
            room: room(concurrent),
            ...textFields(chatLine(rng, false)),
          }),
        )
      if (rng.chance(0.05)) this.gift(rng, s, viewer, client, t + rng.next() * stay, concurrent, emit)
      for (const h of s.hype) {
        if (h < t || h > t + stay) continue
        if (rng.chance(0.5))
          emit(
            h + rng.exp(20 * SECOND),
            make('live_comment', viewer, client, {
              room: room(concurrent),
              ...textFields(chatLine(rng, true)),
            }),
          )
        if (rng.chance(0.25)) this.gift(rng, s, viewer, client, h + rng.exp(40 * SECOND), concurrent, emit)
      }
    }
  }

  private gift(
    rng: Rng,
    s: Stream,
    viewer: User,
    client: ReturnType<typeof clientFor>,
    t: number,
    viewers: number,
    emit: Emit,
  ) {
    const [gift, coins] = giftOf(rng)
    const repeat = rng.chance(0.2) ? 1 + rng.int(5) : 1
    for (let i = 0; i < repeat; i++)
      emit(
        t + i * 1500,
        make('live_gift', viewer, client, {
          room: { id: s.creator.room, host_id: s.creator.user.id, viewers },
          creator: { id: s.creator.user.id },
          gift_id: gift,
          coins,
        }),
      )
  }
}
