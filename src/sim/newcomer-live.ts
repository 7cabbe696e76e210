/**
 * Newcomers in live rooms. Real platforms see brand-new accounts in live streams all the time:
 * someone signs up because of a stream and joins it minutes later, chats like everyone else
 * ("first time here", the room's chant at a hype moment), sends a small first gift; friends or
 * students who signed up on one campus Wi-Fi join the same stream together.
 *
 * `Newcomers` hands every session of a new account (the signup session and the few of the next
 * days) to this source; a session finds a stream on air with a modest probability, weighted by
 * the room's popularity, as established viewers' joins are. The campus orientation sends a
 * handful of its students into the day's most popular stream from the campus address within
 * minutes. Everything here draws from its own random stream (`newcomers-live`) and reuses the
 * session's client, so every other event of the world stays the same, event for event.
 *
 * Rates (per session of an account in its first days): 12% in the signup session (many sign up
 * because of something they saw, a shared stream among it), 6% in each later session, when a
 * stream is on air — about one newcomer in five joins a stream in their first days,
 * while about 12% of established users join one on any given day. Chat draws from the same lines as other viewers'
 * (about one message a join, the hype chant half the time at a hype moment); 3% of joins, 10%
 * at a hype moment, send one small gift (1–30 coins; coins bought in the app store, which, as for
 * established viewers, sends no payment event here).
 */

import type { Client, Emit } from './event.ts'
import { DAY, HOUR, MINUTE, make, SECOND } from './event.ts'
import type { Live, Stream } from './live.ts'
import type { User } from './population.ts'
import type { Rng } from './random.ts'
import type { Source } from './source.ts'
import { chatLine, textFields } from './text.ts'
import type { World } from './world.ts'

/** Chance that a newcomer's session includes a live stream: the signup session, later ones. */
const JOIN_FIRST_SESSION = 0.12
const JOIN_LATER_SESSION = 0.06
/** Small gifts a first-time gifter sends (coins). */
const SMALL_GIFTS: readonly (readonly [string, number])[] = [
  ['rose', 1],
  ['rose', 1],
  ['heart', 5],
  ['finger-heart', 5],
  ['donut', 30],
]

interface NewcomerSession {
  readonly user: User
  readonly client: Client
  readonly start: number
  readonly end: number
  readonly first: boolean
}

/** The campus orientation: its address, when the sign-ups end, and the students so far. */
export interface CampusOrientation {
  readonly ip: string
  readonly until: number
}

interface WatchParty {
  readonly campus: CampusOrientation
  readonly students: { user: User; client: Client }[]
  /** When the party starts (infinite: no stream to watch), and in which stream. */
  at?: number
  stream?: Stream
}

export class NewcomersLive implements Source {
  readonly name = 'newcomers-live'
  private readonly rng: Rng
  private readonly world: World
  private readonly live: Live
  private readonly enabled: boolean
  private pending: NewcomerSession[] = []
  private readonly parties: WatchParty[] = []
  /** Joins, comments and gifts emitted (for tests and the manifest's curious reader). */
  readonly emitted = { joins: 0, comments: 0, gifts: 0 }

  constructor(world: World, live: Live) {
    this.world = world
    this.live = live
    this.rng = world.rng('newcomers-live')
    this.enabled = world.params.newcomersInLive !== false
  }

  /** A session of a newcomer (`first`: the signup session). */
  session(user: User, client: Client, start: number, end: number, first: boolean): void {
    if (this.enabled) this.pending.push({ user, client, start, end, first })
  }

  /** A student of the campus orientation signed up from the campus address. */
  student(campus: CampusOrientation, user: User, client: Client): void {
    if (!this.enabled) return
    let party = this.parties.find((p) => p.campus === campus)
    if (!party) {
      party = { campus, students: [] }
      this.parties.push(party)
    }
    party.students.push({ user, client })
  }

  run(from: number, to: number, emit: Emit): void {
    if (!this.enabled) return
    const due = this.pending.filter((s) => s.start < to).sort((a, b) => a.start - b.start)
    if (due.length) this.pending = this.pending.filter((s) => s.start >= to)
    for (const s of due) this.visit(s, emit)
    for (const party of this.parties) this.watchParty(party, from, to, emit)
  }

  /** Streams on air at `t` (a stream may have started the day before). */
  private onAir(t: number): Stream[] {
    const day = Math.floor((t - this.world.params.start) / DAY)
    return [...this.live.streams(day - 1), ...this.live.streams(day)].filter(
      (s) => s.start <= t && t < s.end - MINUTE,
    )
  }

  /** Picks a stream by popularity (its planned joins), as established viewers spread. */
  private pickStream(streams: readonly Stream[]): Stream {
    const total = streams.reduce((sum, s) => sum + s.joins, 0)
    let x = this.rng.next() * total
    for (const s of streams) {
      x -= s.joins
      if (x < 0) return s
    }
    return streams[streams.length - 1]!
  }

  private visit(s: NewcomerSession, emit: Emit): void {
    const rng = this.rng
    if (!rng.chance(s.first ? JOIN_FIRST_SESSION : JOIN_LATER_SESSION)) return
    const t = s.start + rng.next() * Math.max(SECOND, s.end - s.start)
    const streams = this.onAir(t)
    if (!streams.length) return
    const source = rng.pick(['share', 'share', 'feed', 'feed', 'following', 'notification'])
    this.watch(this.pickStream(streams), s.user, s.client, t, source, emit)
  }

  /** The orientation's watch party: a handful of students join one popular stream together. */
  private watchParty(party: WatchParty, from: number, to: number, emit: Emit): void {
    const rng = this.rng
    if (party.at === undefined) {
      if (party.campus.until >= to) return
      // Once sign-ups are over, the most popular stream that comes on air in the next 12 hours.
      const t0 = Math.max(from, party.campus.until)
      const day = Math.floor((t0 - this.world.params.start) / DAY)
      const candidates = [
        ...this.live.streams(day - 1),
        ...this.live.streams(day),
        ...this.live.streams(day + 1),
      ]
        .filter((s) => s.end - 20 * MINUTE > t0 && s.start < t0 + 12 * HOUR)
        .sort((a, b) => b.joins - a.joins)
      party.stream = candidates[0]
      const at = party.stream ? Math.max(t0, party.stream.start) + rng.range(5, 30) * MINUTE : 0
      party.at = party.stream && at < party.stream.end - 10 * MINUTE ? at : Number.POSITIVE_INFINITY
    }
    const stream = party.stream
    if (!stream || party.at < from || party.at >= to) return
    const n = Math.min(party.students.length, 3 + rng.int(4))
    for (const i of rng.sample(party.students.length, n)) {
      const { user, client } = party.students[i]!
      const source = rng.pick(['share', 'share', 'share', 'following', 'feed'])
      this.watch(stream, user, client, party.at + rng.exp(2 * MINUTE), source, emit)
    }
  }

  /** A join, chat like other viewers' (hype chants included) and maybe a small gift. */
  private watch(s: Stream, user: User, client: Client, t: number, source: string, emit: Emit): void {
    const rng = this.rng
    if (user === s.creator.user || t >= s.end) return
    const length = s.end - s.start
    const stay = Math.min(s.end - t, rng.logNormal(6 * MINUTE, 1))
    const viewers = Math.max(1, Math.round((s.joins * 6 * MINUTE) / length))
    const room = { id: s.creator.room, host_id: s.creator.user.id, viewers }
    emit(t, make('live_join', user, client, { room, source }))
    this.emitted.joins++
    for (let c = rng.poisson(1); c > 0; c--) {
      emit(
        t + rng.next() * stay,
        make('live_comment', user, client, { room, ...textFields(chatLine(rng, false)) }),
      )
      this.emitted.comments++
    }
    let gifted = false
    const gift = (at: number) => {
      const [gift_id, coins] = rng.pick(SMALL_GIFTS)
      emit(at, make('live_gift', user, client, { room, creator: { id: s.creator.user.id }, gift_id, coins }))
      this.emitted.gifts++
      gifted = true
    }
    if (rng.chance(0.03)) gift(t + rng.next() * stay)
    for (const h of s.hype) {
      if (h < t || h > t + stay) continue
      if (rng.chance(0.5)) {
        emit(
          h + rng.exp(20 * SECOND),
          make('live_comment', user, client, { room, ...textFields(chatLine(rng, true)) }),
        )
        this.emitted.comments++
      }
      if (!gifted && rng.chance(0.1)) gift(h + rng.exp(40 * SECOND))
    }
  }
}
