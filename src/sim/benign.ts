/**
 * Benign traffic, assembled: app sessions of the population (a Poisson number per 10-minute
 * slice and time zone, following the diurnal curve, users drawn by their heavy-tailed activity),
 * logged-out visitors (visitors.ts), live rooms (live.ts), newcomers (newcomers.ts; in live
 * rooms newcomer-live.ts), viral spikes (viral.ts), creator payouts and marketing pushes
 * (business.ts).
 * Campaigns get a handle on it to pick victims, rooms and ads from the same world.
 */

import { Marketing, Payouts } from './business.ts'
import { clientFor, diurnal } from './clients.ts'
import type { Emit } from './event.ts'
import { DAY } from './event.ts'
import { Live } from './live.ts'
import { NewcomersLive } from './newcomer-live.ts'
import { Newcomers } from './newcomers.ts'
import type { User } from './population.ts'
import { Alias, type Rng } from './random.ts'
import { type Ad, type SessionWorld, session } from './session.ts'
import type { Source } from './source.ts'
import { Viral } from './viral.ts'
import { Visitors } from './visitors.ts'
import type { World } from './world.ts'

export interface BenignWorld {
  readonly sources: Source[]
  readonly live: Live
  readonly viral: Viral
  readonly newcomers: Newcomers
  readonly sessions: SessionWorld
  /** Draws a user by activity (who is around to be a victim, a viewer, a reporter). */
  readonly active: Alias
}

class Sessions implements Source {
  readonly name = 'sessions'
  private readonly rng: Rng
  private readonly zones: { tz: number; users: User[]; alias: Alias; total: number }[] = []

  private readonly world: World
  private readonly sw: SessionWorld

  constructor(world: World, sw: SessionWorld) {
    this.world = world
    this.sw = sw
    this.rng = world.rng('sessions')
    const byTz = new Map<number, User[]>()
    for (const u of world.pop.users) {
      const zone = byTz.get(u.tz)
      if (zone) zone.push(u)
      else byTz.set(u.tz, [u])
    }
    for (const [tz, users] of [...byTz].sort((a, b) => a[0] - b[0]))
      this.zones.push({
        tz,
        users,
        alias: new Alias(users.map((u) => u.activity)),
        total: users.reduce((s, u) => s + u.activity, 0),
      })
  }

  run(from: number, to: number, emit: Emit): void {
    const rng = this.rng
    const mid = (from + to) / 2
    for (const z of this.zones) {
      const n = rng.poisson((z.total * diurnal(mid, z.tz) * (to - from)) / DAY)
      for (let i = 0; i < n; i++) {
        const user = z.users[z.alias.draw(rng)]!
        const t = from + rng.next() * (to - from)
        session(this.sw, rng, user, clientFor(rng, this.world.ids, user, t), t, emit)
      }
    }
  }
}

export function benignSources(world: World): BenignWorld {
  const adRng = world.rng('ads')
  const advertisers = Array.from({ length: 40 }, () => world.ids.next('adv'))
  const ads: Ad[] = Array.from({ length: 200 }, () => ({
    id: world.ids.next('ad'),
    advertiser: adRng.pick(advertisers),
    campaign: world.ids.next('cmp'),
  }))
  const viral = new Viral(world.params.seed, world.params.start, world.pop)
  const sw: SessionWorld = { ids: world.ids, pop: world.pop, viral, ads }
  const active = new Alias(world.pop.users.map((u) => u.activity))
  const live = new Live(world, active)
  const newcomersLive = new NewcomersLive(world, live)
  const newcomers = new Newcomers(world, sw, newcomersLive)
  return {
    sources: [
      new Sessions(world, sw),
      new Visitors(world, sw),
      live,
      newcomers,
      newcomersLive,
      new Payouts(world),
      new Marketing(world, active),
    ],
    live,
    viral,
    newcomers,
    sessions: sw,
    active,
  }
}
