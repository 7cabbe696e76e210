/**
 * Genuine viral spikes: a few times a day an ordinary creator's post takes off. For a few hours
 * it is a large share of everyone's feed — many views, likes-by-comment and follows within
 * minutes, from established accounts all over the world — then it decays. Naive "too many views
 * / follows too fast" rules fire on it; that is the point.
 */

import { DAY, HOUR, MINUTE } from './event.ts'
import type { Creator, Population } from './population.ts'
import { Rng } from './random.ts'

export interface Spike {
  readonly start: number
  readonly creator: Creator
  readonly content: string
  /** Peak share of feed views that go to the post. */
  readonly peak: number
  /** Decay time constant, ms. */
  readonly decay: number
}

export class Viral {
  private readonly days = new Map<number, Spike[]>()
  readonly all: Spike[] = []

  private readonly seed: number
  private readonly start: number
  private readonly pop: Population

  constructor(seed: number, start: number, pop: Population) {
    this.seed = seed
    this.start = start
    this.pop = pop
  }

  private spikesOf(day: number): Spike[] {
    let spikes = this.days.get(day)
    if (spikes) return spikes
    const rng = new Rng(this.seed, `viral/${day}`)
    const n = 1 + rng.int(3)
    const cs = this.pop.creators
    spikes = Array.from({ length: n }, () => {
      // An ordinary creator: from the middle and tail of the popularity ranking.
      const creator = cs[Math.floor(cs.length * (0.3 + 0.7 * rng.next()))]!
      return {
        start: this.start + day * DAY + rng.next() * DAY,
        creator,
        content: creator.content[0]!,
        peak: rng.range(0.12, 0.3),
        decay: rng.range(1.5, 4) * HOUR,
      }
    })
    this.days.set(day, spikes)
    this.all.push(...spikes)
    return spikes
  }

  /** The spike on at time `t` (if any) with the share of views it takes right now. */
  at(t: number): { creator: Creator; content: string; share: number } | undefined {
    const day = Math.floor((t - this.start) / DAY)
    let best: { creator: Creator; content: string; share: number } | undefined
    for (const d of [day - 1, day]) {
      if (d < 0) continue
      for (const s of this.spikesOf(d)) {
        const dt = t - s.start
        if (dt < 0 || dt > 4 * s.decay) continue
        const ramp = Math.min(1, dt / (20 * MINUTE))
        const share = s.peak * ramp * Math.exp(-dt / s.decay)
        if (!best || share > best.share) best = { creator: s.creator, content: s.content, share }
      }
    }
    return best
  }
}
