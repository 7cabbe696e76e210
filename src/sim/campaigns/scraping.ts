/**
 * Scrapers: profile enumeration (walking the user graph to harvest profiles) and content crawls
 * (downloading videos for re-upload or data resale). Damage: 1 per page fetched.
 *   evasion 0: a few logged-out clients on rented servers with crawler / headless user agents,
 *              nothing rendered (watch 0), several requests a second, around the clock;
 *   evasion 1: a rotating residential-proxy pool (new exit every few requests), real browser
 *              strings, a new cookie and device every few dozen pages, a fake dwell of a
 *              second or two, and the fleet spread thin so no single client looks busy.
 */

import { BROWSERS, type Device, MOBILE_BROWSERS } from '../agents.ts'
import type { Client, Emit } from '../event.ts'
import { guestEvent, HOUR, SECOND } from '../event.ts'
import type { Episode } from '../source.ts'
import { Campaign } from './common.ts'

export class Scraper extends Campaign {
  private hosting: string[] = []

  protected day(day: number, index: number): Episode[] {
    if (index === 0) this.hosting = this.servers(4)
    const pages = this.volume(this.spec.kind === 'profile-enum' ? 12_000 : 8000)
    const workers = 1 + Math.round(this.e * 30)
    const out: Episode[] = []
    for (let w = 0; w < workers; w++) {
      const t0 = this.when(day)
      out.push([t0, (emit) => this.crawl(t0, Math.ceil(pages / workers), emit)] as const)
    }
    return out
  }

  private fresh(): Client {
    const rng = this.rng
    const d = this.device()
    const device: Device = rng.chance(this.e)
      ? { ...d, platform: 'web', ua: rng.pick(rng.chance(0.7) ? BROWSERS : MOBILE_BROWSERS) }
      : d
    return { device, ip: this.address(this.hosting) }
  }

  private crawl(t: number, pages: number, emit: Emit): void {
    const rng = this.rng
    const { pop } = this.world
    let client = this.fresh()
    let visitor = this.world.ids.next('g')
    const rotateEvery = Math.round(5000 * (1 - this.e) + 30)
    const end = t + (2 + 20 * this.e) * HOUR
    for (let i = 0; i < pages && t < end; i++) {
      t += this.gap(0.4 * SECOND)
      if (i % rotateEvery === rotateEvery - 1) {
        client = this.fresh()
        visitor = this.world.ids.next('g')
      } else if (rng.chance(this.e * 0.3)) client = { ...client, ip: this.address(this.hosting) }
      const user = pop.users[rng.int(pop.users.length)]!
      const creator = pop.creators[rng.int(pop.creators.length)]!
      const content =
        this.spec.kind === 'profile-enum'
          ? { id: user.profile, author_id: user.id, kind: 'profile' }
          : { id: rng.pick(creator.content), author_id: creator.user.id, kind: 'video' }
      const watch = rng.chance(this.e) ? Math.round(rng.logNormal(1200, 0.6)) : 0
      emit(
        t,
        guestEvent('view', visitor, client, {
          content,
          surface: rng.chance(this.e) ? 'search' : 'api',
          watch_ms: watch,
        }),
        this.truth(1),
      )
    }
  }
}
