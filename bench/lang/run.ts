/**
 * `npm run bench:lang [-- --json] [-- --events N]`: 100 risk rules over varied events with four
 * evaluators in one run — Bulwark's compiled closures, the same logic hand-written in JS (the
 * physical limit), @bufbuild/cel's planner and @marcbachmann/cel-js. All four must agree on every
 * rule and event before anything is timed. Reports µs per event for all 100 rules, the median of
 * several samples; the last line is JSON.
 */

import { parse as bufParse, plan as bufPlan, CelScalar, celEnv, celFunc } from '@bufbuild/cel'
import { strings as bufStrings } from '@bufbuild/cel/ext'
import { Environment as McEnvironment } from '@marcbachmann/cel-js'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression, type Program } from '../../src/lang/program.ts'
import { isCelError } from '../../src/lang/runtime/values.ts'
import { objectType, T, type Type } from '../../src/lang/types.ts'
import {
  type BenchEvent,
  type BenchLists,
  FEATURE_NAMES,
  type Features,
  makeEvents,
  makeLists,
  withBigInts,
} from './events.ts'
import { RULES } from './rules.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const nEvents = Number(args[args.indexOf('--events') + 1] || 10_000) || 10_000
const SAMPLES = 7

if (RULES.length !== 100) throw new Error(`the benchmark needs exactly 100 rules, has ${RULES.length}`)

// ── inputs ──────────────────────────────────────────────────────────────────
const lists = makeLists()
const data = makeEvents(nEvents)
const DOUBLE_FIELDS = new Set(['amount', ...FEATURE_NAMES.double])
const isDouble = (path: string) => DOUBLE_FIELDS.has(path.split('.').at(-1)!)
const portableLists = {
  high_risk_countries: Object.fromEntries(['KP', 'NG', 'RU', 'VN'].map((c) => [c, true])),
  banned_devices: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`dev-${i * 7}`, true])),
}
for (const c of Object.keys(portableLists.high_risk_countries))
  if (!lists.high_risk_countries.has(c)) throw new Error('list mismatch')
const listByName = lists as unknown as Record<
  string,
  { matches?: (s: string) => boolean; containsText?: (s: string) => boolean }
>
const inDomains = (s: string, name: string) => listByName[name]!.matches!(s)
const inCidrs = (s: string, name: string) => listByName[name]!.containsText!(s)

// ── Bulwark ─────────────────────────────────────────────────────────────────
const eventType = objectType('event', {
  type: T.string,
  actor: objectType('actor', {
    id: T.string,
    age_days: T.int,
    verified: T.bool,
    country: T.string,
    followers: T.int,
    following: T.int,
    posts: T.int,
    email_verified: T.bool,
    phone_verified: T.bool,
  }),
  device: objectType('device', { id: T.string, os: T.string, emulator: T.bool, rooted: T.bool }),
  ip: T.string,
  email: T.string,
  user_agent: T.string,
  amount: T.double,
  currency: T.string,
  card_country: T.string,
  text: T.string,
  target: objectType('target', { id: T.string, age_days: T.int, followers: T.int }),
  tags: { kind: 'list', elem: T.string },
  hour: T.int,
  promo_code: T.string,
  referrer: T.string,
})
const featureFields: Record<string, Type> = {}
for (const n of FEATURE_NAMES.int) featureFields[n] = T.int
for (const n of FEATURE_NAMES.double) featureFields[n] = T.double
const opaque = (name: string): Type => ({ kind: 'opaque', name, params: [] })
const env = Environment.create({
  variables: {
    event: eventType,
    features: objectType('features', featureFields),
    lists: objectType('lists', {
      high_risk_countries: opaque('value_list'),
      banned_devices: opaque('value_list'),
      disposable_domains: opaque('domain_list'),
      datacenter: opaque('cidr_list'),
      tor_exits: opaque('cidr_list'),
    }),
  },
})
const programs: Program[] = RULES.map((r) => {
  const c = compileExpression(r.cel, env, { expected: T.bool })
  if (!c.ok) throw new Error(`${r.id}: ${c.diagnostics.map((d) => d.message).join('; ')}`)
  return c.program
})
const frameSize = Math.max(...programs.map((p) => p.frameSize))
const frame: unknown[] = new Array(frameSize).fill(undefined)
const slot = (n: string) => env.slots.get(n)!
const [EVENT, FEATURES, LISTS] = [slot('event'), slot('features'), slot('lists')]
frame[LISTS] = lists

function bulwark(i: number): number {
  const d = data[i]!
  frame[EVENT] = d.event
  frame[FEATURES] = d.features
  let hits = 0
  for (let r = 0; r < programs.length; r++) if (programs[r]!.evaluateFrame(frame) === true) hits++
  return hits
}

// ── hand-written ────────────────────────────────────────────────────────────
const handwritten = RULES.map((r) => r.js)
function hand(i: number): number {
  const d = data[i]!
  const e = d.event
  const f = d.features
  let hits = 0
  for (let r = 0; r < handwritten.length; r++) if (handwritten[r]!(e, f, lists)) hits++
  return hits
}

// ── @bufbuild/cel ───────────────────────────────────────────────────────────
const bufEnv = celEnv({
  funcs: [
    ...bufStrings,
    celFunc('inDomains', [CelScalar.STRING, CelScalar.STRING], CelScalar.BOOL, inDomains),
    celFunc('inCidrs', [CelScalar.STRING, CelScalar.STRING], CelScalar.BOOL, inCidrs),
  ],
})
const bufPrograms = RULES.map((r) => bufPlan(bufEnv, bufParse(r.portable)))
// Both reference engines represent CEL ints as bigints; they get their own converted copy.
const bigData: Record<string, any>[] = data.map((d) => ({
  event: withBigInts(d.event, isDouble),
  features: withBigInts(d.features, isDouble),
  lists: portableLists,
}))
function bufbuild(i: number): number {
  const ctx = bigData[i]!
  let hits = 0
  for (let r = 0; r < bufPrograms.length; r++) if (bufPrograms[r]!(ctx) === true) hits++
  return hits
}

// ── @marcbachmann/cel-js ────────────────────────────────────────────────────
const mcEnv = new McEnvironment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
  .registerFunction('inDomains(string, string): bool', inDomains)
  .registerFunction('inCidrs(string, string): bool', inCidrs)
const mcPrograms = RULES.map((r) => mcEnv.parse(r.portable))
function marcbachmann(i: number): number {
  const ctx = bigData[i]!
  let hits = 0
  for (let r = 0; r < mcPrograms.length; r++) if (mcPrograms[r]!(ctx) === true) hits++
  return hits
}

// ── agreement, then timing ─────────────────────────────────────────────────
function outcome(fn: () => unknown): string {
  try {
    const v = fn()
    if (isCelError(v) || (v && typeof v === 'object' && 'message' in v)) return 'error'
    return String(v)
  } catch {
    return 'error'
  }
}

let hitTotal = 0
for (let i = 0; i < data.length; i++) {
  const d = data[i]!
  const big = bigData[i]!
  frame[EVENT] = d.event
  frame[FEATURES] = d.features
  for (let r = 0; r < RULES.length; r++) {
    const results = [
      outcome(() => programs[r]!.evaluateFrame(frame)),
      outcome(() => RULES[r]!.js(d.event as BenchEvent, d.features as Features, lists as BenchLists)),
      outcome(() => bufPrograms[r]!(big)),
      outcome(() => mcPrograms[r]!(big)),
    ]
    if (new Set(results).size !== 1) {
      throw new Error(
        `rule ${RULES[r]!.id} disagrees on event ${i}: bulwark=${results[0]} js=${results[1]} bufbuild=${results[2]} marcbachmann=${results[3]}`,
      )
    }
    if (results[0] === 'true') hitTotal++
  }
}

function time(fn: (i: number) => number): number {
  const n = data.length
  const samples: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    let sink = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) sink += fn(i)
    const ns = Number(process.hrtime.bigint() - t0)
    if (sink < 0) console.log(sink)
    samples.push(ns / n / 1000)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

// Warm-up so every engine runs optimised code before it is measured.
for (const fn of [bulwark, hand, bufbuild, marcbachmann])
  for (let i = 0; i < Math.min(2000, data.length); i++) fn(i)
const result = {
  rules: RULES.length,
  events: data.length,
  bulwark_us: time(bulwark),
  handwritten_us: time(hand),
  bufbuild_us: time(bufbuild),
  marcbachmann_us: time(marcbachmann),
}
const round = (x: number) => Math.round(x * 1000) / 1000
const r3 = Object.fromEntries(
  Object.entries(result).map(([k, v]) => [k, k.endsWith('_us') ? round(v) : v]),
) as typeof result

console.log(
  `${RULES.length} rules × ${data.length} events; all four evaluators agree (${hitTotal} rule hits).`,
)
console.log('µs per event (all rules), median of', SAMPLES, 'samples:')
console.log(
  `  bulwark        ${r3.bulwark_us.toFixed(3)}  (${(result.bulwark_us / result.handwritten_us).toFixed(2)}× hand-written)`,
)
console.log(`  hand-written   ${r3.handwritten_us.toFixed(3)}`)
console.log(
  `  @bufbuild/cel  ${r3.bufbuild_us.toFixed(3)}  (bulwark is ${(result.bufbuild_us / result.bulwark_us).toFixed(1)}× faster)`,
)
console.log(
  `  cel-js         ${r3.marcbachmann_us.toFixed(3)}  (bulwark is ${(result.marcbachmann_us / result.bulwark_us).toFixed(1)}× faster)`,
)
if (json) console.log(JSON.stringify(r3))
