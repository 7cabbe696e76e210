/**
 * `npm run bench [-- --json] [-- --duration S] [-- --connections N] [-- --rounds R]
 * [-- --policy DIR]`: the main job's speed, in one run on one machine.
 *
 * 1. In-process decide() with the policy pack over a realistic event mix: µs per event, p50/p99.
 *    Then the same mix through the server's own decide path with durable recording but no HTTP
 *    (a node on embedded storage, as many decisions in flight as connections): decisions per
 *    second and CPU per decision, every thread of this process counted.
 * 2. HTTP load (autocannon) on POST /v1/decide of a real server — durable recording on, every
 *    request a different event — and on a bare Fastify hello-world server sent the very same
 *    requests (same bodies, connections and duration), so the ratio prices Bulwark's work, not
 *    the cost of uploading and parsing a JSON body. The hello-world's GET / is measured too and
 *    reported as `hello_get_rps` / `ratio_get`. Between the two, the durable floor
 *    (bench/floor-server.ts: the same POSTs, each appended to Bulwark's journal and answered once
 *    on stable storage, nothing decided) splits the gap into the price of durability
 *    (`floor_rps` / `hello_rps`) and the price of Bulwark's own work (`ratio_floor`, decide /
 *    floor). Each server runs in its own process; bodies are serialised before the run so the
 *    load generator costs the same for all. The servers are measured in turn for `--rounds`
 *    rounds (default 3), the others stopped meanwhile; the round with the median decide / hello
 *    ratio is reported, and every round's ratio beside it.
 *
 * Each run also counts the CPU it cost per request: the server process's, every thread included
 * (event loop, ingest worker, garbage collector, libuv pool; from /proc on Linux), and the load
 * generator's (this process). Both share the machine's cores, so these say what a throughput
 * goal asks of the server's work, whatever the machine's speed at the moment.
 *
 * Last line: {"decide_rps","hello_rps","ratio","decide_p50_ms","decide_p99_ms",
 * "inprocess_p50_us","inprocess_p99_us","recorded_dps","recorded_cpu_us","hello_get_rps",
 * "ratio_get","floor_rps","ratio_floor","rounds","round_ratios","decide_cpu_us","floor_cpu_us",
 * "hello_cpu_us","loadgen_cpu_us"} (the last four: µs of CPU per request in the median round;
 * the server ones absent without /proc).
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { systemClock } from '../src/core/clock.ts'
import { memoryEngine } from '../src/engine/pack-tests.ts'
import { readPackDir } from '../src/policy/bundle.ts'
import { loadPack } from '../src/policy/load.ts'
import { BulwarkNode } from '../src/service/node.ts'
import { eventMix } from './event-mix.ts'

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    policy: { type: 'string' },
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const roundCount = Number(values.rounds)
if (!Number.isInteger(roundCount) || roundCount < 1)
  throw new Error(`--rounds must be a positive whole number, got ${values.rounds}`)
const log = (line: string) => process.stderr.write(`${line}\n`)
/**
 * CPU a process has used, every thread counted (user + system, ms), from /proc/PID/stat — in
 * clock ticks of 10 ms, Linux's USER_HZ; undefined where there is no /proc.
 */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}
const ratioOf = (a: autocannon.Result, b: autocannon.Result) =>
  Math.round((a.requests.average / b.requests.average) * 1000) / 1000
const policyDir =
  values.policy ??
  (existsSync('policies/starter/bulwark.yaml') ? 'policies/starter' : 'test/fixtures/packs/mini')
const loaded = loadPack(readPackDir(policyDir))
if (!loaded.ok) throw new Error(`${policyDir} does not load`)
const pack = loaded.pack

// ── 1. in process ─────────────────────────────────────────────────────────
const engine = memoryEngine(pack, systemClock)
const mix = eventMix(pack, 1)
const n = Number(values.events)
const events = Array.from({ length: n }, (_, i) => mix(i))
for (let i = 0; i < 2000; i++) await engine.decide({ ...events[i % n]!, id: `warm-${i}` })
const latencies = new Float64Array(n)
let hits = 0
for (let i = 0; i < n; i++) {
  const t0 = process.hrtime.bigint()
  const { decision } = await engine.decide(events[i]!)
  latencies[i] = Number(process.hrtime.bigint() - t0) / 1000
  hits += decision.hits.length
}
latencies.sort()
const pct = (a: Float64Array, p: number) => a[Math.min(a.length - 1, Math.floor(a.length * p))]!

// ── 1b. in process, recorded ──────────────────────────────────────────────
// The server's own decide path without HTTP: a node on embedded storage in a temporary directory
// (journal, ingest worker, review, enforcement), `connections` decisions in flight, each awaited
// until durable, for `duration` seconds; each event is parsed from its JSON text, as a request's.
const recorded = await (async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-node-'))
  const node = await BulwarkNode.open({ dataDir: dir, policyDir, piiKey: 'bench-pii-key-0123456789' })
  try {
    const texts = events.map((e) => JSON.stringify({ ...e, id: undefined }).slice(0, -1))
    let next = 0
    const run = async (ms: number) => {
      const until = performance.now() + ms
      let done = 0
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < until) {
            const i = next++
            await node.decide(JSON.parse(`${texts[i % n]},"id":"recorded-${i}"}`))
            done++
          }
        }),
      )
      return done
    }
    await run(1000)
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const done = await run(duration * 1000)
    const cpu = process.cpuUsage(c0)
    return {
      dps: Math.round((done / (performance.now() - t0)) * 1000),
      cpuUs: Math.round((cpu.user + cpu.system) / done),
    }
  } finally {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  }
})()
log(`in process, recorded: ${recorded.dps} decisions/s, ${recorded.cpuUs} µs of CPU each`)

// ── 2. over HTTP ──────────────────────────────────────────────────────────
async function start(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.stderr!.on('data', (d: Buffer) => {
      out += d
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
  })
  return { url, child }
}

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration, ...options }, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
const server = await start(
  ['bin/bulwark.js', 'serve', '--policy', policyDir, '--data', dataDir, '--port', '0'],
  { BULWARK_API_KEY: 'bench-key' },
)
// Bodies without their id, serialised once; each request appends a fresh id.
const httpMix = eventMix(pack, 2)
const bodies = Array.from({ length: n }, (_, i) => {
  const text = JSON.stringify({ ...httpMix(i), id: undefined })
  return text.slice(0, -1)
})
let counter = 0
const post = (url: string, tag: string): autocannon.Options => ({
  url,
  method: 'POST',
  headers: { authorization: 'Bearer bench-key', 'content-type': 'application/json' },
  requests: [
    {
      setupRequest: (req) => {
        const i = counter++
        return { ...req, body: `${bodies[i % n]},"id":"${tag}-${i}"}` }
      },
    },
  ],
})
// The servers are started once and measured in turn, round after round; each waits stopped
// (SIGSTOP) while another is measured, so none of its background work lands on another's run.
// A ratio is taken within each round, and the median round's is reported: the machine's other
// load drifts over minutes, and a single run of each moved the ratio by ±25%.
const floor = await start(['--import', 'tsx', 'bench/floor-server.ts'], { BULWARK_API_KEY: 'bench-key' })
const hello = await start(['--import', 'tsx', 'bench/hello-server.ts'])
const servers = [server, floor, hello]
// A bench that fails half-way must not leave stopped servers behind.
process.on('exit', () => {
  for (const s of servers) s.child.kill('SIGKILL')
})
/** A run and the CPU it cost per request: the server process (all its threads) and this one (the load generator). */
interface Measured {
  readonly result: autocannon.Result
  readonly serverCpuUs: number | undefined
  readonly loadgenCpuUs: number
}
const measure = async (
  on: { child: ChildProcess },
  run: () => Promise<autocannon.Result>,
): Promise<Measured> => {
  for (const s of servers) s.child.kill(s === on ? 'SIGCONT' : 'SIGSTOP')
  const server0 = processCpuMs(on.child.pid!)
  const own0 = process.cpuUsage()
  const result = await run()
  const own = process.cpuUsage(own0)
  const server1 = processCpuMs(on.child.pid!)
  const requests = Math.max(1, result.requests.total)
  return {
    result,
    serverCpuUs:
      server0 === undefined || server1 === undefined
        ? undefined
        : Math.round(((server1 - server0) * 1000) / requests),
    loadgenCpuUs: Math.round((own.user + own.system) / requests),
  }
}
interface Round {
  readonly decide: Measured
  readonly floor: Measured
  readonly hello: Measured
  readonly helloGet: Measured
}
const rounds: Round[] = []
for (let r = 0; r < roundCount; r++) {
  rounds.push({
    decide: await measure(server, () => load(post(`${server.url}/v1/decide`, `bench-${r}`))),
    floor: await measure(floor, () => load(post(`${floor.url}/v1/decide`, `floor-${r}`))),
    hello: await measure(hello, () => load(post(`${hello.url}/v1/decide`, `hello-${r}`))),
    helloGet: await measure(hello, () => load({ url: `${hello.url}/` })),
  })
  log(`round ${r + 1}: decide / hello = ${ratioOf(rounds[r]!.decide.result, rounds[r]!.hello.result)}`)
}
for (const s of servers) {
  s.child.kill('SIGCONT')
  s.child.kill('SIGTERM')
}
await Promise.all(servers.map((s) => new Promise((r) => s.child.once('exit', r))))
rmSync(dataDir, { recursive: true, force: true })

// The round whose decide / hello ratio is the median speaks for the run.
const byRatio = [...rounds].sort(
  (a, b) => ratioOf(a.decide.result, a.hello.result) - ratioOf(b.decide.result, b.hello.result),
)
const median = byRatio[Math.floor((byRatio.length - 1) / 2)]!
const decide = median.decide.result
const durableFloor = median.floor.result
const baseline = median.hello.result
const baselineGet = median.helloGet.result
const result = {
  decide_rps: Math.round(decide.requests.average),
  hello_rps: Math.round(baseline.requests.average),
  ratio: ratioOf(decide, baseline),
  decide_p50_ms: decide.latency.p50,
  decide_p99_ms: decide.latency.p99,
  inprocess_p50_us: Math.round(pct(latencies, 0.5) * 10) / 10,
  inprocess_p99_us: Math.round(pct(latencies, 0.99) * 10) / 10,
  recorded_dps: recorded.dps,
  recorded_cpu_us: recorded.cpuUs,
  hello_get_rps: Math.round(baselineGet.requests.average),
  ratio_get: ratioOf(decide, baselineGet),
  floor_rps: Math.round(durableFloor.requests.average),
  ratio_floor: ratioOf(decide, durableFloor),
  rounds: rounds.length,
  round_ratios: rounds.map((r) => ratioOf(r.decide.result, r.hello.result)),
  // CPU per request in the median round (µs; the server's own only where /proc tells it).
  decide_cpu_us: median.decide.serverCpuUs,
  floor_cpu_us: median.floor.serverCpuUs,
  hello_cpu_us: median.hello.serverCpuUs,
  loadgen_cpu_us: median.hello.loadgenCpuUs,
}
const non2xx = rounds.reduce(
  (n, r) =>
    n + r.decide.result.non2xx + r.decide.result.errors + r.floor.result.non2xx + r.floor.result.errors,
  0,
)
console.log(
  `policy ${pack.name} ${pack.version}: ${pack.rules.length} rules, ${pack.features.length} features`,
)
console.log(
  `in process: ${n} events, p50 ${result.inprocess_p50_us} µs, p99 ${result.inprocess_p99_us} µs (${hits} rule hits)`,
)
console.log(
  `in process, recorded (no HTTP; ${connections} in flight, each durable): ${result.recorded_dps} decisions/s, ${result.recorded_cpu_us} µs of CPU each`,
)
console.log(
  `HTTP, ${connections} connections × ${duration} s, ${rounds.length} rounds (the median round; decide / hello by round: ${result.round_ratios.join(', ')}):`,
)
console.log(
  `  POST /v1/decide (durable)  ${result.decide_rps} req/s, p50 ${result.decide_p50_ms} ms, p99 ${result.decide_p99_ms} ms, ${non2xx} non-2xx/errors`,
)
console.log(`  hello world, same POSTs    ${result.hello_rps} req/s   decide / hello = ${result.ratio}`)
console.log(
  `  hello world, GET /         ${result.hello_get_rps} req/s   decide / hello GET = ${result.ratio_get}`,
)
console.log(
  `  durable floor, same POSTs  ${result.floor_rps} req/s   floor / hello = ${Math.round((durableFloor.requests.average / baseline.requests.average) * 1000) / 1000}, decide / floor = ${result.ratio_floor}`,
)
if (result.decide_cpu_us !== undefined)
  console.log(
    `  CPU per request (every thread of the server; the load generator beside it): decide ${result.decide_cpu_us} µs, floor ${result.floor_cpu_us} µs, hello ${result.hello_cpu_us} µs; load generator ${result.loadgen_cpu_us} µs`,
  )
if (non2xx) console.log(`WARNING: ${non2xx} requests failed`)
if (values.json) console.log(JSON.stringify(result))
