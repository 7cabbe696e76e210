/**
 * `npm run bench:lists [-- --json] [-- --policy DIR]`: what a list change and a list lookup cost
 * with the pack's lists (the starter pack holds a 121,570-domain disposable-e-mail list), beside
 * baselines in the same run.
 *
 * 1. A change: adding one entry to one list through the registry (src/features/lists.ts: a small
 *    layer over that list's pack set), against rebuilding every list of the pack from scratch —
 *    what each change, from the API or a `list_add` action, cost before the layers, on the event
 *    loop. Median µs of 200 changes each.
 * 2. A lookup: `matches()` of an e-mail address on the disposable list standing under two layers
 *    of run-time entries (1,000 compacted and 100 recent), against the same list as one plain set
 *    over all of them. Median ns over 1,000,000 lookups, half of them hits.
 *
 * Last line: {"add_us","rebuild_all_us","add_ratio","lookup_layered_ns","lookup_flat_ns",
 * "lookup_ratio"}; add_ratio is add / rebuild (lower is better), lookup_ratio layered / flat.
 */

import { parseArgs } from 'node:util'
import type { DomainSet } from '../src/core/net/sets.ts'
import { ListRegistry } from '../src/features/lists.ts'
import { readPackDir } from '../src/policy/bundle.ts'
import { buildSet } from '../src/policy/lists.ts'
import { loadPack } from '../src/policy/load.ts'
import type { ListEntry } from '../src/store/repository.ts'

const { values } = parseArgs({
  options: { json: { type: 'boolean' }, policy: { type: 'string', default: 'policies/starter' } },
})
const loaded = loadPack(readPackDir(values.policy!))
if (!loaded.ok) throw new Error(`${values.policy} does not load`)
const lists = loaded.pack.lists
const plans = [...lists.values()]
const domains = plans
  .filter((p) => p.kind === 'domains')
  .sort((a, b) => b.entries.length - a.entries.length)[0]
const target = plans.find((p) => p.kind === 'values') ?? plans[0]
if (!domains || !target) throw new Error(`${values.policy} needs a domains list and another list`)

const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!
const entry = (list: string, value: string): ListEntry => ({ list, value, source: 'bench', addedAt: 0 })

// ── 1. a change ───────────────────────────────────────────────────────────
const CHANGES = 200
const registry = new ListRegistry()
registry.usePack(lists, 0)
const adds: number[] = []
for (let i = 0; i < CHANGES; i++) {
  const t0 = process.hrtime.bigint()
  registry.add([entry(target.name, `bench-${i}`)], 0)
  adds.push(Number(process.hrtime.bigint() - t0) / 1000)
}
const rebuilds: number[] = []
for (let i = 0; i < CHANGES; i++) {
  const t0 = process.hrtime.bigint()
  for (const p of plans) buildSet(p.kind, i === 0 ? p.entries : [...p.entries, `bench-${i}.example`])
  rebuilds.push(Number(process.hrtime.bigint() - t0) / 1000)
}

// ── 2. a lookup ───────────────────────────────────────────────────────────
const extra = Array.from({ length: 1100 }, (_, i) => `run-time-${i}.example`)
const layeredRegistry = new ListRegistry()
layeredRegistry.usePack(lists, 0)
layeredRegistry.load(
  extra.slice(0, 1000).map((v) => entry(domains.name, v)),
  0,
)
for (const v of extra.slice(1000)) layeredRegistry.add([entry(domains.name, v)], 0)
const layered = layeredRegistry.current[domains.name] as DomainSet
const flat = buildSet('domains', [...domains.entries, ...extra]) as DomainSet
const probes = Array.from({ length: 4096 }, (_, i) =>
  i % 2 === 0
    ? `user${i}@${domains.entries[(i * 7919) % domains.entries.length]}`
    : `user${i}@mail${i}.clean-provider.example`,
)
const LOOKUPS = 1_000_000
function lookups(set: DomainSet): number {
  const samples: number[] = []
  let hits = 0
  for (let s = 0; s < 5; s++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < LOOKUPS; i++) if (set.matches(probes[i & 4095]!)) hits++
    samples.push(Number(process.hrtime.bigint() - t0) / LOOKUPS)
  }
  if (hits === 0) throw new Error('no lookup hit: the probes are wrong')
  return median(samples)
}
lookups(flat)
lookups(layered)
const flatNs = lookups(flat)
const layeredNs = lookups(layered)

const result = {
  add_us: Math.round(median(adds) * 100) / 100,
  rebuild_all_us: Math.round(median(rebuilds)),
  add_ratio: Math.round((median(adds) / median(rebuilds)) * 1e5) / 1e5,
  lookup_layered_ns: Math.round(layeredNs),
  lookup_flat_ns: Math.round(flatNs),
  lookup_ratio: Math.round((layeredNs / flatNs) * 1000) / 1000,
}
if (!values.json) {
  console.log(
    `policy ${loaded.pack.name}: ${plans.length} lists, the largest ${domains.name} (${domains.entries.length} entries)`,
  )
  console.log(`add one entry to '${target.name}'      ${result.add_us} µs (median of ${CHANGES})`)
  console.log(
    `rebuild every list (before)   ${result.rebuild_all_us} µs   add / rebuild = ${result.add_ratio}`,
  )
  console.log(`lookup, two run-time layers   ${result.lookup_layered_ns} ns`)
  console.log(
    `lookup, one flat set          ${result.lookup_flat_ns} ns   layered / flat = ${result.lookup_ratio}`,
  )
}
console.log(JSON.stringify(result))
