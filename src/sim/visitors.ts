/**
 * Logged-out visitors: people opening a shared link in a browser or the app before signing up.
 * A cookie id, a real browser, a home or mobile address, a few views with human dwell.
 */

import { benignDevice, MOBILE_BROWSERS } from './agents.ts'
import { diurnal } from './clients.ts'
import type { Emit } from './event.ts'
import { DAY, guestEvent } from './event.ts'
import { COUNTRIES, homeIp, mobileIp } from './net.ts'
import type { Rng } from './random.ts'
import { dwell, pickContent, type SessionWorld } from './session.ts'
import type { Source } from './source.ts'
import type { World } from './world.ts'

export class Visitors implements Source {
  readonly name = 'visitors'
  private readonly rng: Rng
  private readonly world: World
  private readonly sw: SessionWorld

  constructor(world: World, sw: SessionWorld) {
    this.world = world
    this.sw = sw
    this.rng = world.rng('visitors')
  }

  run(from: number, to: number, emit: Emit): void {
    const rng = this.rng
    const { ids, params } = this.world
    const n = rng.poisson((params.users * 0.3 * diurnal((from + to) / 2, 0) * (to - from)) / DAY)
    for (let i = 0; i < n; i++) {
      let t = from + rng.next() * (to - from)
      const country = rng.pick(COUNTRIES)
      const d = benignDevice(rng, ids, this.world.pop.fingerprints)
      const device =
        d.platform === 'web' || d.platform === 'desktop'
          ? d
          : { ...d, platform: 'web' as const, ua: rng.pick(MOBILE_BROWSERS) }
      const client = { device, ip: rng.chance(0.5) ? homeIp(rng, country) : mobileIp(rng, country) }
      const visitor = ids.next('g')
      for (let k = rng.geometric(2.5); k > 0; k--) {
        const [creator, content] = pickContent(rng, this.sw.pop)
        const watch = dwell(rng)
        emit(
          t,
          guestEvent('view', visitor, client, {
            content: { id: content, author_id: creator.user.id, kind: 'video' },
            surface: 'share',
            watch_ms: watch,
          }),
        )
        t += watch + rng.exp(5000)
      }
    }
  }
}
