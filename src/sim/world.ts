/**
 * The world and its clock. `simulate` builds the population and every source (benign traffic,
 * live rooms, newcomers, viral spikes, the campaigns), then walks simulated time in 10-minute
 * slices: each source produces what starts in the slice, events land in per-slice buckets, and
 * a bucket whose slice is over is sorted by (time, emission order) and handed to the sink. Only
 * the slices still open are in memory. Same parameters → same calls in the same order → same bytes.
 */

import { type BenignWorld, benignSources } from './benign.ts'
import { buildCampaigns, type CampaignSpec } from './campaigns/index.ts'
import type { Emit, SimEvent, Truth } from './event.ts'
import { DAY, MINUTE } from './event.ts'
import { Ids } from './ids.ts'
import { buildPopulation, type Population } from './population.ts'
import { Rng } from './random.ts'
import type { Source } from './source.ts'

export interface SimParams {
  readonly seed: number
  /** Simulated time starts here (ms since the epoch). */
  readonly start: number
  /** Length in days; without it the world runs until `events` events are written. */
  readonly days?: number
  /** Stop after this many events. */
  readonly events?: number
  /** Benign population size. */
  readonly users: number
  /** 0..1, scales every campaign's evasion. */
  readonly evasion: number
  /** Scales every campaign's volume. */
  readonly intensity: number
  /** Benign newcomers join, chat and gift in live rooms (default true; off only to compare worlds). */
  readonly newcomersInLive?: boolean
}

export interface World {
  readonly params: SimParams
  readonly ids: Ids
  readonly pop: Population
  /** Population size relative to the default 20,000 users: campaign volumes follow it. */
  readonly scale: number
  rng(name: string): Rng
}

export interface Sink {
  event(time: number, event: SimEvent, truth: Truth | undefined): void
  /** False once the sink wants no more events (`--events N` reached). */
  readonly open: boolean
}

export const DEFAULT_USERS = 20_000
const SLICE = 10 * MINUTE
/** The longest a world without `days` may run. */
const MAX_DAYS = 3650

interface Pending {
  readonly t: number
  readonly seq: number
  readonly e: SimEvent
  readonly truth: Truth | undefined
}

export function createWorld(params: SimParams): World {
  const ids = new Ids(params.seed)
  const root = new Rng(params.seed, 'world')
  const pop = buildPopulation(root.fork('population'), ids, params.users, params.start)
  return {
    params,
    ids,
    pop,
    scale: params.users / DEFAULT_USERS,
    rng: (name) => new Rng(params.seed, name),
  }
}

/** Runs the world into the sink; returns the campaigns that ran. */
export function simulate(
  params: SimParams,
  sink: Sink,
): { world: World; benign: BenignWorld; campaigns: CampaignSpec[] } {
  const world = createWorld(params)
  const benign: BenignWorld = benignSources(world)
  const { specs, sources: attackers } = buildCampaigns(world, benign)
  const sources: Source[] = [...benign.sources, ...attackers]
  const end = params.start + (params.days ?? MAX_DAYS) * DAY
  const buckets = new Map<number, Pending[]>()
  let seq = 0
  let sliceStart = params.start
  const emit: Emit = (time, e, truth) => {
    const t = Math.max(Math.round(time), sliceStart)
    if (t >= end) return
    const k = Math.floor((t - params.start) / SLICE)
    const b = buckets.get(k)
    if (b) b.push({ t, seq: seq++, e, truth })
    else buckets.set(k, [{ t, seq: seq++, e, truth }])
  }
  for (let k = 0; sliceStart < end && sink.open; k++, sliceStart += SLICE) {
    for (const s of sources) s.run(sliceStart, sliceStart + SLICE, emit)
    const b = buckets.get(k)
    if (!b) continue
    buckets.delete(k)
    b.sort((x, y) => x.t - y.t || x.seq - y.seq)
    for (const p of b) {
      if (!sink.open) break
      sink.event(p.t, p.e, p.truth)
    }
  }
  return { world, benign, campaigns: specs }
}
