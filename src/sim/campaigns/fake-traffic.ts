/**
 * Fake traffic sold to creators: view bots, follower deliveries and engagement pods. The
 * customer is an ordinary creator; the damage is 1 per fake view or follow that gets counted.
 *   view-bot      replays one video. Evasion 0: one client on a server looping it with near-zero
 *                 watch time; evasion 1: dozens of phones behind residential proxies watching a
 *                 human-looking few seconds each, spread over the day.
 *   follow-bot    a purchased follower delivery. Evasion 0: hundreds of freshly made accounts in
 *                 an hour, following blind; evasion 1: aged accounts, dripped over the day, each
 *                 first watching one of the customer's videos for a human few seconds (from its
 *                 feed or the creator's profile) and following a few popular creators after, to
 *                 look organic. Each account mimics with probability = evasion; its views are
 *                 fake traffic too (damage 1 each when counted).
 *   mass-follow   follow-for-follow bots: accounts following strangers by the hundred an hour
 *                 (evasion: fewer per account, slower, aged accounts) to harvest follow-backs.
 *   pod           an engagement pod: a group of established accounts (real people running an
 *                 automation app) who view, comment on and follow every member's new post within
 *                 minutes of it going up.
 */

import { BROWSERS } from '../agents.ts'
import type { Emit } from '../event.ts'
import { HOUR, MINUTE, SECOND } from '../event.ts'
import { proxyIp } from '../net.ts'
import type { Creator } from '../population.ts'
import { dwell } from '../session.ts'
import type { Episode } from '../source.ts'
import { textFields } from '../text.ts'
import { type Account, Campaign } from './common.ts'

export class FakeTraffic extends Campaign {
  private hosting: string[] = []
  private pod: Account[] = []
  /**
   * The follow bot's viewing draws on a stream of their own: the campaign's main stream, and so
   * every id it takes from the world's shared counters, stays as it was without the views.
   */
  private readonly mimicry = this.world.rng(`campaign/${this.spec.id}/mimicry`)

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    if (index === 0) this.hosting = this.servers(2)
    const cs = this.world.pop.creators
    const customer = cs[Math.floor(cs.length * rng.range(0.2, 1))]!
    const t0 = this.when(day)
    if (this.spec.kind === 'view-bot') return [[t0, (emit) => this.views(t0, customer, emit)] as const]
    if (this.spec.kind === 'follow-bot') return [[t0, (emit) => this.follows(t0, customer, emit)] as const]
    if (this.spec.kind === 'mass-follow') return [[t0, (emit) => this.massFollow(t0, emit)] as const]
    return [[t0, (emit) => this.podDay(t0, emit)] as const]
  }

  private views(t: number, customer: Creator, emit: Emit): void {
    const rng = this.rng
    const n = this.volume(1500)
    const bots = Array.from({ length: 1 + Math.round(this.e * 40) }, () =>
      this.aged(t, { device: this.device(), ip: this.address(this.hosting) }),
    )
    const content = customer.content[0]!
    for (let i = 0; i < n; i++) {
      t += this.gap(2 * SECOND) / bots.length
      const bot = rng.pick(bots)
      if (rng.chance(this.e * 0.2)) bot.client = { ...bot.client, ip: this.address(this.hosting) }
      const watch = rng.chance(this.e) ? dwell(rng) : rng.int(1500)
      emit(
        t,
        this.make('view', bot.actor, bot.client, {
          content: { id: content, author_id: customer.user.id, kind: 'video' },
          surface: rng.pick(['share', 'feed']),
          watch_ms: watch,
        }),
        this.truth(1),
      )
    }
  }

  private follows(t: number, customer: Creator, emit: Emit): void {
    const rng = this.rng
    const n = this.volume(300)
    const span = (1 + 23 * this.e) * HOUR
    const hosting = this.hosting
    for (let i = 0; i < n; i++) {
      const at = t + rng.next() * span
      const client = { device: this.device(), ip: this.address(hosting) }
      const a = rng.chance(this.e)
        ? this.aged(at, client)
        : this.signup(emit, this.before(at, rng.range(1, 30) * MINUTE), client, {
            domains: ['quickinbox.xyz'],
          })
      const blindSource = rng.pick(['profile', 'search', 'api'])
      const viewed = this.mimicry.chance(this.e) ? this.watchFirst(at, customer, a, emit) : null
      const followAt = viewed ? viewed.until : at
      customer.user.followers++
      emit(
        followAt,
        this.make('follow', a.actor, client, {
          target: { id: customer.user.id, follows_actor: false, followers: customer.user.followers },
          source: viewed ? viewed.surface : blindSource,
        }),
        this.truth(1),
      )
      if (rng.chance(this.e))
        for (let k = 1 + rng.int(3); k > 0; k--) {
          const cs = this.world.pop.creators
          const other = cs[rng.int(Math.min(20, cs.length))]!
          emit(
            followAt + k * this.gap(30 * SECOND),
            this.make('follow', a.actor, client, {
              target: { id: other.user.id, follows_actor: false, followers: other.user.followers },
              source: 'suggestion',
            }),
            this.truth(1),
          )
        }
    }
  }

  /**
   * Mimicry of a fan: the bot account watches one of the customer's videos (recent ones most
   * likely, as people see them) for a human-looking time from its own client, on its feed or the
   * creator's profile, and follows from there a few seconds after it ends. The view is fake
   * traffic (damage 1). Returns when the follow comes and from which surface.
   */
  private watchFirst(
    at: number,
    customer: Creator,
    a: Account,
    emit: Emit,
  ): { until: number; surface: 'feed' | 'profile' } {
    const rng = this.mimicry
    const content = customer.content[Math.floor(customer.content.length * rng.next() ** 2)]!
    const surface = rng.pick(['feed', 'profile'] as const)
    const watch = dwell(rng)
    emit(
      at,
      this.make('view', a.actor, a.client, {
        content: { id: content, author_id: customer.user.id, kind: 'video' },
        surface,
        watch_ms: watch,
      }),
      this.truth(1),
    )
    return { until: at + watch + 1 * SECOND + rng.exp(6 * SECOND), surface }
  }

  /** Follow-for-follow: each bot account follows strangers by the hundred to harvest follow-backs. */
  private massFollow(t0: number, emit: Emit): void {
    const rng = this.rng
    const { pop } = this.world
    const total = this.volume(600)
    const perAccount = Math.max(20, Math.round(400 * (1 - this.e)))
    for (let done = 0; done < total; done += perAccount) {
      let t = t0 + rng.next() * 6 * HOUR
      const client = { device: this.device(), ip: this.address(this.hosting) }
      const a = rng.chance(this.e)
        ? this.aged(t, client)
        : this.signup(emit, this.before(t, rng.range(1, 20) * HOUR), client, { domains: ['f4fmail.xyz'] })
      for (let i = Math.min(perAccount, total - done); i > 0; i--) {
        t += this.gap(6 * SECOND)
        const u = pop.users[rng.int(pop.users.length)]!
        emit(
          t,
          this.make('follow', a.actor, a.client, {
            target: { id: u.id, follows_actor: false, followers: u.followers },
            source: rng.pick(['profile', 'search', 'api']),
          }),
          this.truth(1),
        )
      }
    }
  }

  private podDay(t: number, emit: Emit): void {
    const rng = this.rng
    if (!this.pod.length)
      this.pod = Array.from({ length: Math.max(6, this.volume(20)) }, () =>
        this.aged(t, { device: { ...this.device(), ua: rng.pick(BROWSERS) }, ip: proxyIp(rng) }),
      )
    for (const author of this.pod) {
      if (!rng.chance(0.5)) continue
      const at = t + rng.next() * 12 * HOUR
      const content = this.world.ids.next('c')
      emit(
        at,
        this.make('post', author.actor, author.client, {
          content: { id: content, author_id: author.actor.id, kind: 'video' },
          ...textFields('new drop, go show some love #fyp #viral'),
          hashtags: ['fyp', 'viral'],
          media_count: 1,
        }),
        this.truth(0),
      )
      for (const m of this.pod) {
        if (m === author) continue
        const when = at + this.gap(90 * SECOND)
        const target = { id: author.actor.id, follows_actor: true, followers: author.actor.followers }
        emit(
          when,
          this.make('view', m.actor, m.client, {
            content: { id: content, author_id: author.actor.id, kind: 'video' },
            surface: 'following',
            watch_ms: Math.round(rng.logNormal(9000, 0.5)),
          }),
          this.truth(1),
        )
        if (rng.chance(0.7))
          emit(
            when + 20 * SECOND,
            this.make('comment', m.actor, m.client, {
              content: { id: content, author_id: author.actor.id, kind: 'video' },
              target,
              ...textFields(
                rng.pick(['great content 🔥 keep it up', 'love this so much!! 💯', 'amazing as always 👏👏']),
              ),
            }),
            this.truth(1),
          )
      }
    }
  }
}
