/**
 * Time as a dependency: the system clock in production, a manual clock in pack tests and
 * replays, so windows and `now` follow the event stream rather than the wall.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export class ManualClock implements Clock {
  private t: number
  constructor(start: number) {
    this.t = start
  }
  now(): number {
    return this.t
  }
  set(t: number): void {
    this.t = t
  }
  advance(ms: number): void {
    this.t += ms
  }
}
