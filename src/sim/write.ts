/**
 * Output: `events.jsonl` (what the platform would send Bulwark: id, time, then the event),
 * `labels.jsonl` (one ground-truth line per event, in the same order, in the format
 * src/eval/labels.ts reads) and `manifest.json` (parameters and counts). Lines are built as
 * strings and written in ~1 MB chunks with synchronous writes: no array of a million strings.
 */

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { AREAS } from '../eval/labels.ts'
import { accountsSpec } from './campaigns/common.ts'
import type { CampaignSpec } from './campaigns/index.ts'
import type { SimEvent, Truth } from './event.ts'
import type { Ids } from './ids.ts'
import type { Sink } from './world.ts'

const CHUNK = 1 << 20

class Buffered {
  private buf = ''
  private readonly fd: number
  constructor(path: string) {
    this.fd = openSync(path, 'w')
  }
  write(line: string): void {
    this.buf += line
    if (this.buf.length >= CHUNK) this.flush()
  }
  flush(): void {
    if (this.buf) writeSync(this.fd, this.buf)
    this.buf = ''
  }
  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

export interface Counts {
  events: number
  benign: number
  malicious: number
  first: string | null
  last: string | null
  byType: Record<string, number>
  byArea: Record<string, { events: number; damage: number }>
  byCampaign: Record<string, { events: number; damage: number }>
}

const round = (x: number): number => Math.round(x * 100) / 100

/** A sink writing events and labels into `dir`, numbering events with opaque ids in time order. */
export class DirectorySink implements Sink {
  private readonly events: Buffered
  private readonly labels: Buffered
  readonly counts: Counts = {
    events: 0,
    benign: 0,
    malicious: 0,
    first: null,
    last: null,
    byType: {},
    byArea: Object.fromEntries(AREAS.map((a) => [a, { events: 0, damage: 0 }])),
    byCampaign: {},
  }

  readonly dir: string
  private readonly ids: Ids
  private readonly limit: number

  constructor(dir: string, ids: Ids, limit = Number.POSITIVE_INFINITY) {
    this.dir = dir
    this.ids = ids
    this.limit = limit
    mkdirSync(dir, { recursive: true })
    this.events = new Buffered(join(dir, 'events.jsonl'))
    this.labels = new Buffered(join(dir, 'labels.jsonl'))
  }

  get open(): boolean {
    return this.counts.events < this.limit
  }

  event(time: number, e: SimEvent, truth: Truth | undefined): void {
    const id = this.ids.next('ev')
    const when = new Date(time).toISOString()
    const body = JSON.stringify(e)
    this.events.write(`{"id":"${id}","time":"${when}",${body.slice(1)}\n`)
    const c = this.counts
    c.events++
    c.first ??= when
    c.last = when
    c.byType[e.type] = (c.byType[e.type] ?? 0) + 1
    if (!truth) {
      c.benign++
      this.labels.write(`{"event_id":"${id}","malicious":false}\n`)
      return
    }
    c.malicious++
    const damage = round(truth.damage)
    this.labels.write(
      `{"event_id":"${id}","malicious":true,"area":"${truth.area}","campaign":"${truth.campaign}","damage":${damage}}\n`,
    )
    const a = c.byArea[truth.area]!
    a.events++
    a.damage += damage
    const k = c.byCampaign[truth.campaign] ?? { events: 0, damage: 0 }
    c.byCampaign[truth.campaign] = k
    k.events++
    k.damage += damage
  }

  close(): void {
    this.events.close()
    this.labels.close()
  }
}

export interface Manifest {
  readonly generator: string
  readonly seed: number
  readonly parameters: Record<string, unknown>
  readonly events: number
  readonly from: string | null
  readonly to: string | null
  readonly benign: { readonly users: number; readonly events: number; readonly viral: readonly ViralSpike[] }
  readonly malicious: { readonly events: number; readonly damage: number }
  readonly byType: Record<string, number>
  readonly areas: Record<string, { events: number; damage: number; campaigns: string[] }>
  readonly campaigns: Record<string, CampaignSpec & { events: number; damage: number }>
}

/** A genuine viral spike (benign truth, for analysts): when it started and which post. */
export interface ViralSpike {
  readonly start: string
  readonly content: string
  readonly author: string
}

export function manifestOf(
  parameters: Record<string, unknown> & { seed: number },
  counts: Counts,
  campaigns: readonly CampaignSpec[],
  benign: { users: number; viral: readonly ViralSpike[] },
): Manifest {
  // Crews that make their own accounts have a second, fake_accounts campaign: `<id>-accounts`.
  campaigns = [
    ...campaigns,
    ...campaigns
      .filter((c) => c.area !== 'fake_accounts')
      .map(accountsSpec)
      .filter((c) => counts.byCampaign[c.id]),
  ]
  const areas: Manifest['areas'] = {}
  for (const a of AREAS)
    areas[a] = {
      events: counts.byArea[a]!.events,
      damage: round(counts.byArea[a]!.damage),
      campaigns: campaigns.filter((c) => c.area === a).map((c) => c.id),
    }
  const byCampaign: Manifest['campaigns'] = {}
  for (const c of campaigns) {
    const k = counts.byCampaign[c.id] ?? { events: 0, damage: 0 }
    byCampaign[c.id] = { ...c, events: k.events, damage: round(k.damage) }
  }
  return {
    generator: 'bulwark simulate',
    seed: parameters.seed,
    parameters,
    events: counts.events,
    from: counts.first,
    to: counts.last,
    benign: { users: benign.users, events: counts.benign, viral: benign.viral },
    malicious: {
      events: counts.malicious,
      damage: round(Object.values(counts.byArea).reduce((s, a) => s + a.damage, 0)),
    },
    byType: Object.fromEntries(Object.entries(counts.byType).sort(([a], [b]) => a.localeCompare(b))),
    areas,
    campaigns: byCampaign,
  }
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}
