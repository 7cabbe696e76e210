/**
 * The outbox's guarantee end to end: a real `bulwark serve` child process delivering signed
 * webhooks to a real receiver that is down at first, then up, and the server killed with
 * SIGKILL in the middle of the deliveries and restarted on the same data directory. Every
 * acknowledged decision's webhook arrives, each action once after idempotency, all signed.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { API_KEY, client, PII_KEY, tempDir } from '../server/harness.ts'
import { eventually, type Receiver, SECRET, startReceiver } from './receiver.ts'
import { ENFORCE_PACK, signup } from './setup.ts'

const BIN = new URL('../../bin/bulwark.js', import.meta.url).pathname

async function serve(dataDir: string, config: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--policy', ENFORCE_PACK, '--data', dataDir, '--port', '0', '--config', config],
    {
      env: { ...process.env, BULWARK_API_KEY: API_KEY, BULWARK_PII_KEY: PII_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
  return { url, child }
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })

let rec: Receiver | undefined
let live: ChildProcess | undefined
afterAll(async () => {
  live?.kill('SIGKILL')
  await rec?.close()
})

it('delivers every action exactly once after idempotency across a receiver outage and kill -9', async () => {
  rec = await startReceiver()
  const dataDir = tempDir('bulwark-enf-kill-')
  const config = join(dataDir, '..', `${dataDir.split('/').pop()}.yaml`)
  writeFileSync(
    config,
    [
      'destinations:',
      `  default: { url: "${rec.url}", secret: "${SECRET}", timeout_ms: 2000 }`,
      'outbox: { max_attempts: 1000, base_delay_ms: 20, max_delay_ms: 200, poll_ms: 25 }',
    ].join('\n'),
  )
  const N = 80
  let server = await serve(dataDir, config)
  live = server.child
  const api = client(server.url)
  const acknowledged: string[] = []
  const attempted = new Set<string>()
  const failures: string[] = []
  /** Decides events in parallel; those the kill interrupts are simply not acknowledged. */
  const send = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, async (_, i) => {
        const e = signup(95, `k${from + i}`)
        attempted.add(e.id)
        const r = await api.call('POST', '/v1/decide', e).catch((err: Error) => {
          failures.push(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`)
          return undefined
        })
        if (r?.status === 200) acknowledged.push(e.id)
        else if (r) failures.push(`${r.status} ${JSON.stringify(r.body)}`)
      }),
    )
  // The receiver is down: the first half queues up and is retried.
  rec.down = true
  await send(0, N / 2)
  expect(acknowledged.length, failures.join('; ')).toBe(N / 2)
  await eventually(async () => {
    const r = await api.call('GET', '/v1/actions?status=pending&limit=1000')
    return r.body.actions.some((a: any) => a.kind === 'webhook' && a.attempts > 0)
  }, 'failed attempts while the receiver is down')
  // Up again (answering slowly, so deliveries spread out): the second half goes out while the
  // backlog drains. After a quarter the receiver stops answering, so deliveries are in flight
  // when the server is killed.
  rec.down = false
  rec.maxDelayMs = 100
  rec.holdAfter = N / 4
  const sending = send(N / 2, N)
  await eventually(() => rec!.held > 0, 'deliveries in flight')
  await killed(server.child)
  await sending
  expect(rec.deliveries.size).toBe(N / 4)
  rec.holdAfter = undefined

  server = await serve(dataDir, config)
  live = server.child
  const after = client(server.url)
  const arrived = () => new Set([...rec!.bodies.values()].map((b) => b.decisionId))
  await eventually(() => acknowledged.every((id) => arrived().has(id)), 'every acknowledged webhook', 30_000)
  await eventually(async () => {
    const r = await after.call('GET', '/v1/actions?status=pending')
    return r.body.actions.length === 0
  }, 'an empty outbox')

  // One webhook action per decision, each seen once after deduplication on Idempotency-Key
  // (a few were sent twice: the kill fell between a send and its status write); all signed.
  const perDecision = new Map<string, number>()
  for (const body of rec.bodies.values())
    perDecision.set(body.decisionId, (perDecision.get(body.decisionId) ?? 0) + 1)
  for (const id of acknowledged) expect(perDecision.get(id), id).toBe(1)
  for (const id of perDecision.keys()) expect(attempted.has(id)).toBe(true)
  expect(acknowledged.length).toBeGreaterThanOrEqual(N / 2)
  expect(rec.badSignatures).toBe(0)
  expect((await after.call('GET', '/v1/actions?status=dead')).body.actions).toEqual([])
}, 60_000)
