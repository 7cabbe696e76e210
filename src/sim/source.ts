/**
 * What the scheduler runs. A `Source` produces every action that *starts* in a time slice (its
 * events may run on past the slice, never before it). `Daily` is the shape of most sources: each
 * simulated day it plans episodes (a session, a raid, a farm's signup run) at chosen times, and
 * runs each when the scheduler reaches its slice — so a world of unknown length (`--events N`)
 * unfolds one day at a time.
 */

import type { Emit } from './event.ts'
import { DAY } from './event.ts'

export interface Source {
  readonly name: string
  run(from: number, to: number, emit: Emit): void
}

export type Episode = readonly [time: number, act: (emit: Emit) => void]

export abstract class Daily implements Source {
  private queue: Episode[] = []
  private head = 0
  private nextDay: number
  private dayIndex = 0
  /** The time of the episode running now: nothing it emits may be earlier. */
  protected now = 0

  readonly name: string

  constructor(name: string, start: number) {
    this.name = name
    this.nextDay = start
  }

  /** The episodes of the day starting at `day` (the `index`-th simulated day). */
  protected abstract plan(day: number, index: number): Episode[]

  run(_from: number, to: number, emit: Emit): void {
    while (this.nextDay < to) {
      const planned = this.plan(this.nextDay, this.dayIndex++)
      this.queue = this.queue.slice(this.head).concat(planned)
      this.queue.sort((a, b) => a[0] - b[0])
      this.head = 0
      this.nextDay += DAY
    }
    while (this.head < this.queue.length && this.queue[this.head]![0] < to) {
      const [time, act] = this.queue[this.head++]!
      this.now = time
      act(emit)
    }
  }
}
