/**
 * BulwarkNode on a temporary data directory, crashed for real: the node runs in a child process
 * (node-child.ts) that is killed with SIGKILL — no close, no final snapshot — and the test then
 * reopens the data directory in this process.
 * - inbox durability: every event accepted by submit() is decided exactly once, whether the
 *   crash comes before any of them is decided, in the middle of the batch, not at all, or while
 *   a node restarted on a torn inbox file is still working through it;
 * - feature recovery is exact: after snapshot + more decisions + crash (or a crash with no
 *   snapshot, a snapshot taken while decisions are in flight, a replay over many pages), every
 *   feature value equals what a node that was never interrupted gives for the same next events;
 * - no raw PII in any file of the data directory once the inbox has drained;
 * - policy update and activation keep serving, a broken pack changes nothing, and a restart
 *   serves the version activated last.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { BulwarkError } from '../../src/core/errors.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { packVersion } from '../../src/policy/load.ts'
import { InboxCipher } from '../../src/service/inbox.ts'
import { BulwarkNode } from '../../src/service/node.ts'
import { packDirs } from '../engine/pack-dir.ts'

const PII_KEY = 'node-test-pii-key-0123456789'
const ROOT = new URL('../../', import.meta.url).pathname
const CHILD = new URL('./node-child.ts', import.meta.url).pathname

const dirs = packDirs('node')
/** Children still running when a test fails midway are killed here. */
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  dirs.cleanup()
})

const FILES = {
  'bulwark.yaml': `name: node-tests
entities: { user: actor.id, device: device.id, ip: ip, email: email }
labels: { device: [farm_device] }
scoring: { thresholds: { challenge: 30, review: 60, block: 90 } }
events:
  signup:
    fields:
      device: { type: object, required: true, fields: { id: { type: string, required: true } } }
      ip: { type: ip, required: true, pii: true }
      email: { type: string, required: true, pii: true }
      amount: { type: int, required: true }
  login:
    fields:
      device: { type: object, fields: { id: string } }
      success: bool
`,
  'features/f.yaml': `features:
  signups_per_device_1h: { count: { on: signup, by: device.id, window: 1h } }
  accounts_per_ip_24h: { distinct: { of: actor.id, on: signup, by: ip, window: 24h } }
  emails_per_device_24h: { distinct: { of: email, on: signup, by: device.id, window: 24h } }
  amount_per_user_1h: { sum: { of: amount, on: signup, by: actor.id, window: 1h } }
  max_amount_per_device_1h: { max: { of: amount, on: signup, by: device.id, window: 1h } }
  min_amount_per_ip_1h: { min: { of: amount, on: signup, by: ip, window: 1h } }
  first_signup_on_device: { first_seen: { on: signup, by: device.id } }
  last_signup_from_ip: { last_seen: { on: signup, by: ip } }
  failed_logins_1h: { count: { on: login, by: actor.id, window: 1h, where: "!event.success" } }
  logins_per_device_1h: { count: { on: login, by: device.id, window: 1h } }
  fail_share: { expr: "double(features.failed_logins_1h) / 10.0" }
`,
  'rules/r.yaml': `rules:
  - id: device-farm
    on: signup
    when: features.signups_per_device_1h > 12
    then: { outcome: block, score: 80, labels: [{ entity: device, name: farm_device, ttl: 30d }] }
  - id: farm-device-login
    on: login
    when: labels.device.farm_device
    then: { outcome: review, score: 40 }
  - id: login-burst
    on: login
    when: features.failed_logins_1h >= 3
    then: { outcome: challenge, score: 30 }
`,
}
const POLICY = dirs.write(FILES)

// ── a child process running a node ────────────────────────────────────

interface Child {
  send(cmd: Record<string, unknown>): Promise<any>
  /** Sends a command after which the child kills itself; resolves with its exit signal. */
  sendAndWaitForDeath(cmd: Record<string, unknown>): Promise<{ lines: any[]; signal: NodeJS.Signals | null }>
  readonly process: ChildProcess
}

async function startChild(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, POLICY, PII_KEY], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const lines: any[] = []
  let wake: (() => void) | undefined
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line))
    wake?.()
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_, signal) => resolve(signal)),
  )
  let dead = false
  void exited.then(() => {
    dead = true
    wake?.()
  })
  const next = async () => {
    while (lines.length === 0) {
      if (dead) throw new Error(`the child exited: ${stderr}`)
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
    return lines.shift()
  }
  const ready = await next()
  expect(ready).toEqual({ ready: true })
  return {
    process: child,
    async send(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`)
      const answer = await next()
      if (answer?.error) throw new Error(JSON.stringify(answer.error))
      return answer
    },
    async sendAndWaitForDeath(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`)
      const signal = await exited
      return { lines: lines.splice(0), signal }
    },
  }
}

// ── events ────────────────────────────────────────────────────────────

/** Event times: within the last few minutes, so every window holds them all. */
const BASE = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000
const at = (i: number) => new Date(BASE + i * 100).toISOString()

/** A deterministic mix of signups and logins over a few devices, IPs and users. */
function traffic(
  prefix: string,
  from: number,
  count: number,
  onlySignups = false,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (let i = from; i < from + count; i++) {
    const user = `user-${(i * 7) % 23}`
    if (!onlySignups && i % 4 === 3) {
      out.push({
        type: 'login',
        id: `${prefix}-${i}`,
        time: at(i),
        actor: { id: user },
        device: { id: `dev-${i % 6}` },
        success: i % 3 !== 0,
      })
    } else {
      out.push({
        type: 'signup',
        id: `${prefix}-${i}`,
        time: at(i),
        actor: { id: `${user}-${i % 5}` },
        device: { id: `dev-${i % 6}` },
        ip: `198.51.100.${i % 9}`,
        email: `person${i % 11}@example.org`,
        amount: (i * 37) % 101,
      })
    }
  }
  return out
}

/** Events after the crash that read every entity's features: each device, IP and user. */
function probes(prefix: string, from: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  let i = from
  for (let d = 0; d < 6; d++)
    out.push({
      type: 'signup',
      id: `${prefix}-p${i}`,
      time: at(i++),
      actor: { id: `probe-${d}` },
      device: { id: `dev-${d}` },
      ip: `198.51.100.${d}`,
      email: `person${d}@example.org`,
      amount: 1,
    })
  for (let u = 0; u < 23; u++)
    out.push({
      type: 'login',
      id: `${prefix}-p${i}`,
      time: at(i++),
      actor: { id: `user-${u}` },
      device: { id: `dev-${u % 6}` },
      success: false,
    })
  return out
}

const openNode = (dataDir: string, extra: { clock?: ManualClock; policyDir?: string } = {}) =>
  BulwarkNode.open({
    dataDir,
    policyDir: extra.policyDir ?? POLICY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
    ...(extra.clock ? { clock: extra.clock } : {}),
  })

async function decideAll(node: BulwarkNode, events: Record<string, unknown>[]) {
  const out = []
  for (const e of events) out.push((await node.decide(e)).decision)
  return out
}

/** What a node that is never interrupted answers for `before` then `after`. */
async function uninterrupted(before: Record<string, unknown>[], after: Record<string, unknown>[]) {
  const node = await openNode(dirs.dir('reference'))
  try {
    await decideAll(node, before)
    return await decideAll(node, after)
  } finally {
    await node.close()
  }
}

async function waitUntilIdle(node: BulwarkNode) {
  for (let i = 0; node.pendingAsync > 0; i++) {
    if (i > 3000) throw new Error(`the inbox is stuck at ${node.pendingAsync}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

// ── inbox ─────────────────────────────────────────────────────────────

describe('inbox durability', () => {
  const K = 120
  const batch = (prefix: string, n = K) =>
    Array.from({ length: n }, (_, i) => ({
      type: 'signup',
      id: `${prefix}-${i}`,
      time: at(i),
      actor: { id: `${prefix}-user-${i}` },
      device: { id: `${prefix}-device` },
      ip: '203.0.113.9',
      email: `${prefix}-${i}@example.org`,
      amount: 1,
    }))

  /** Every accepted event decided once: n rows, and the device counter saw 1..n, each once. */
  async function expectDecidedExactlyOnce(node: BulwarkNode, prefix: string, n = K) {
    const counts: number[] = []
    for (let i = 0; i < n; i++) {
      const d = await node.decision(`${prefix}-${i}`)
      expect(d, `${prefix}-${i}`).toBeDefined()
      counts.push(d!.decision.features.signups_per_device_1h as number)
    }
    expect(counts).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    const rows = await node.repository.decisionsAfter(0, 10_000)
    expect(rows.filter((r) => r.eventId.startsWith(`${prefix}-`)).length).toBe(n)
    const next = await node.decide({
      ...batch(prefix)[0]!,
      id: `${prefix}-next`,
      time: at(n),
      actor: { id: 'n' },
    })
    expect(next.decision.features.signups_per_device_1h).toBe(n + 1)
  }

  it('a batch accepted just before SIGKILL, none of it decided, is decided exactly once after restart', async () => {
    const dataDir = dirs.dir('inbox-none')
    const child = await startChild(dataDir)
    const { signal } = await child.sendAndWaitForDeath({
      op: 'submit-and-die',
      events: batch('ib0'),
      afterDecided: 0,
    })
    expect(signal).toBe('SIGKILL')
    expect(readFileSync(join(dataDir, 'inbox.jsonl'), 'utf8').trim().split('\n').length).toBe(K)

    const node = await openNode(dataDir)
    try {
      await waitUntilIdle(node)
      await expectDecidedExactlyOnce(node, 'ib0')
      expect(statSync(join(dataDir, 'inbox.jsonl')).size).toBe(0)
    } finally {
      await node.close()
    }
  }, 60_000)

  it('a batch half decided when SIGKILL comes is finished after restart, nothing decided twice', async () => {
    const dataDir = dirs.dir('inbox-half')
    const child = await startChild(dataDir)
    const { lines, signal } = await child.sendAndWaitForDeath({
      op: 'submit-and-die',
      events: batch('ib1'),
      afterDecided: K / 2,
    })
    expect(signal).toBe('SIGKILL')
    const decidedBefore = lines[0].decidedBeforeKill as number
    expect(decidedBefore).toBeGreaterThanOrEqual(K / 2)
    expect(decidedBefore).toBeLessThan(K)

    const node = await openNode(dataDir)
    try {
      // The decisions made before the crash are there, with the counts they saw then.
      expect(node.recovery.replayedDecisions).toBeGreaterThanOrEqual(decidedBefore)
      await waitUntilIdle(node)
      await expectDecidedExactlyOnce(node, 'ib1')
    } finally {
      await node.close()
    }
  }, 60_000)

  it('a torn last line left by a crash is dropped; the events before it and batches after it are kept', async () => {
    const dataDir = dirs.dir('inbox-torn')
    // The inbox file after a crash in the middle of an append: whole lines, then a torn one that
    // was never acknowledged. The lines are encrypted, except the first few: plain {id, body}
    // lines, as written before the inbox was encrypted, are still read.
    const cipher = new InboxCipher(PII_KEY)
    const leftover = batch('ib3old', 1_000)
    const fileLines = leftover.map((e, i) =>
      i < 10 ? JSON.stringify({ id: e.id, body: e }) : cipher.seal({ id: e.id, body: e }),
    )
    const torn = cipher.seal({ id: 'torn', body: { ...leftover[0]!, id: 'torn' } })
    writeFileSync(join(dataDir, 'inbox.jsonl'), `${fileLines.join('\n')}\n${torn.slice(0, torn.length - 5)}`)
    // A node starts on it and, while it is still working through the leftovers, accepts a new
    // batch and crashes.
    const child = await startChild(dataDir)
    const { lines, signal } = await child.sendAndWaitForDeath({
      op: 'submit-and-die',
      events: batch('ib3new'),
      afterDecided: 0,
    })
    expect(signal).toBe('SIGKILL')
    expect(lines[0].pendingAtSubmit).toBeGreaterThan(K) // the leftovers were still being decided

    const node = await openNode(dataDir)
    try {
      await waitUntilIdle(node)
      expect(await node.decision('torn')).toBeUndefined()
      await expectDecidedExactlyOnce(node, 'ib3old', 1_000)
      await expectDecidedExactlyOnce(node, 'ib3new')
    } finally {
      await node.close()
    }
  }, 60_000)

  it('keeps accepted events encrypted: no raw value in the file, decided after a crash with the same PII key only', async () => {
    const dataDir = dirs.dir('inbox-encrypted')
    const child = await startChild(dataDir)
    const { signal } = await child.sendAndWaitForDeath({
      op: 'submit-and-die',
      events: batch('ib4'),
      afterDecided: 0,
    })
    expect(signal).toBe('SIGKILL')
    const bytes = readFileSync(join(dataDir, 'inbox.jsonl'))
    expect(bytes.toString('utf8').trim().split('\n').length).toBe(K)
    for (const raw of ['ib4-0@example.org', '@example.org', '203.0.113.9', 'ib4-device', 'signup'])
      expect(bytes.includes(raw), raw).toBe(false)

    // Another PII key cannot read it: the start stops rather than lose the accepted events.
    const wrongKey = BulwarkNode.open({ dataDir, policyDir: POLICY, piiKey: `${PII_KEY}-other` })
    await expect(wrongKey).rejects.toMatchObject({ code: 'STORAGE_INBOX' })
    await expect(wrongKey).rejects.toThrow(/inbox\.jsonl:1: the line does not decrypt with this PII key/)

    const node = await openNode(dataDir)
    try {
      await waitUntilIdle(node)
      await expectDecidedExactlyOnce(node, 'ib4')
      expect(statSync(join(dataDir, 'inbox.jsonl')).size).toBe(0)
    } finally {
      await node.close()
    }
  }, 60_000)

  it('close() finishes what was accepted; reopening decides nothing again', async () => {
    const dataDir = dirs.dir('inbox-close')
    const node = await openNode(dataDir)
    const r = node.submit([...batch('ib2'), { type: 'signup', actor: { id: 'x' } }])
    expect(r.accepted.length).toBe(K)
    expect(r.rejected.map((x) => x.index)).toEqual([K])
    await node.close()
    const again = await openNode(dataDir)
    try {
      expect(again.pendingAsync).toBe(0)
      await expectDecidedExactlyOnce(again, 'ib2')
    } finally {
      await again.close()
    }
  }, 60_000)
})

// ── feature recovery ──────────────────────────────────────────────────

describe('feature snapshot and recovery', () => {
  const N = 160
  const M = 120

  async function expectSameAsUninterrupted(
    dataDir: string,
    before: Record<string, unknown>[],
    prefix: string,
  ): Promise<BulwarkNode['recovery']> {
    const after = probes(prefix, N + M)
    const want = await uninterrupted(before, after)
    const node = await openNode(dataDir)
    try {
      const got = await decideAll(node, after)
      for (let i = 0; i < after.length; i++) {
        expect(got[i]!.features, String(after[i]!.id)).toEqual(want[i]!.features)
        expect(got[i]!.outcome, String(after[i]!.id)).toBe(want[i]!.outcome)
      }
      // The probes do read non-trivial state: counts well above what the probes add themselves.
      expect(want[0]!.features.signups_per_device_1h).toBeGreaterThan(10)
      const logins = want.filter((d) => d.eventType === 'login')
      expect(logins.reduce((n, d) => n + (d.features.failed_logins_1h as number), 0)).toBeGreaterThan(
        logins.length + 5,
      )
      return node.recovery
    } finally {
      await node.close()
    }
  }

  it('snapshot, more decisions, SIGKILL: every feature equals an uninterrupted run', async () => {
    const dataDir = dirs.dir('snap')
    const first = traffic('s1', 0, N)
    const second = traffic('s1', N, M, true)
    const child = await startChild(dataDir)
    await child.send({ op: 'decide', events: first })
    await child.send({ op: 'snapshot' })
    const answered = await child.send({ op: 'decide', events: second })
    expect(answered.decisions.length).toBe(M)
    expect((await child.sendAndWaitForDeath({ op: 'die' })).signal).toBe('SIGKILL')

    const recovery = await expectSameAsUninterrupted(dataDir, [...first, ...second], 's1')
    // The snapshot was used: only the decisions after it were replayed.
    expect(recovery.snapshotSeq).toBeGreaterThanOrEqual(N)
    expect(recovery.replayedDecisions).toBe(M)
  }, 90_000)

  it('SIGKILL with no snapshot at all: replaying every decision gives the same features', async () => {
    const dataDir = dirs.dir('nosnap')
    const events = traffic('s2', 0, N + M)
    const child = await startChild(dataDir)
    await child.send({ op: 'decide', events })
    expect((await child.sendAndWaitForDeath({ op: 'die' })).signal).toBe('SIGKILL')

    const recovery = await expectSameAsUninterrupted(dataDir, events, 's2')
    expect(recovery.snapshotSeq).toBe(0)
    // Every decision updated some feature (logins count per device), so every one is replayed.
    expect(recovery.replayedDecisions).toBe(events.length)
  }, 90_000)

  it('a snapshot taken while decisions are in flight counts each of them once', async () => {
    const dataDir = dirs.dir('inflight')
    const first = traffic('s3', 0, N / 2)
    const inflight = traffic('s3', N / 2, N / 2, true)
    const second = traffic('s3', N, M, true)
    const child = await startChild(dataDir)
    await child.send({ op: 'decide', events: first })
    const snap = await child.send({ op: 'decide-snapshot-inflight', events: inflight })
    // The snapshot really was taken with decisions applied in memory but not yet durable.
    expect(snap.inflight).toBeGreaterThan(0)
    await child.send({ op: 'decide', events: second })
    expect((await child.sendAndWaitForDeath({ op: 'die' })).signal).toBe('SIGKILL')

    const recovery = await expectSameAsUninterrupted(dataDir, [...first, ...inflight, ...second], 's3')
    expect(recovery.snapshotSeq).toBeGreaterThan(0)
    expect(recovery.replayedDecisions).toBe(M)
  }, 90_000)

  it('a clean close snapshots everything: nothing to replay on reopen, same features', async () => {
    const dataDir = dirs.dir('clean')
    const events = traffic('s4', 0, N + M)
    const node = await openNode(dataDir)
    await decideAll(node, events)
    await node.close()
    const recovery = await expectSameAsUninterrupted(dataDir, events, 's4')
    expect(recovery.replayedDecisions).toBe(0)
    expect(recovery.snapshotSeq).toBeGreaterThanOrEqual(N + M)
  }, 60_000)

  it('recovers exactly when replay takes many pages (of 10,000 feature updates)', async () => {
    const dataDir = dirs.dir('pages')
    const DEVICES = 3
    const TOTAL = 3_000 // 8 feature updates each: 24,000 updates, three pages
    const events = Array.from({ length: TOTAL }, (_, i) => ({
      type: 'signup',
      id: `pg-${i}`,
      time: new Date(BASE + i * 50).toISOString(),
      actor: { id: `pg-user-${i}` },
      device: { id: `pg-dev-${i % DEVICES}` },
      ip: `198.51.100.${i % 7}`,
      email: 'pg@example.org',
      amount: 2,
    }))
    const child = await startChild(dataDir)
    expect(await child.send({ op: 'decide-many', events })).toEqual({ decided: TOTAL })
    expect((await child.sendAndWaitForDeath({ op: 'die' })).signal).toBe('SIGKILL')

    const node = await openNode(dataDir)
    try {
      expect(node.recovery.snapshotSeq).toBe(0)
      expect(node.recovery.replayedDecisions).toBe(TOTAL)
      expect(node.recovery.replayedUpdates).toBeGreaterThan(20_000)
      const after = new Date(BASE + TOTAL * 50).toISOString()
      for (let d = 0; d < DEVICES; d++) {
        const r = await node.decide({
          ...events[d]!,
          id: `pg-probe-${d}`,
          time: after,
          actor: { id: `pg-p${d}` },
        })
        expect(r.decision.features.signups_per_device_1h, `pg-dev-${d}`).toBe(TOTAL / DEVICES + 1)
        expect(r.decision.features.amount_per_user_1h).toBe(2)
      }
      const ip = await node.decide({ ...events[0]!, id: 'pg-probe-ip', time: after, actor: { id: 'pg-ip' } })
      // The users of 198.51.100.0: every seventh, then the device probe pg-p0, then this one.
      expect(ip.decision.features.accounts_per_ip_24h).toBe(Math.ceil(TOTAL / 7) + 2)
    } finally {
      await node.close()
    }
  }, 60_000)

  it('recorded decisions keep the features they saw across the crash', async () => {
    const dataDir = dirs.dir('kept')
    const events = traffic('s5', 0, 60)
    const child = await startChild(dataDir)
    const answered = await child.send({ op: 'decide', events })
    expect((await child.sendAndWaitForDeath({ op: 'die' })).signal).toBe('SIGKILL')
    const node = await openNode(dataDir)
    try {
      for (const a of answered.decisions) {
        const stored = await node.decision(a.id)
        expect(stored?.decision.features, a.id).toEqual(a.features)
      }
      // A repeated id after the restart is the recorded decision, not a new one.
      const again = await node.decide(events[10]!)
      expect(again.duplicate).toBe(true)
      expect(again.decision.features).toEqual(answered.decisions[10].features)
    } finally {
      await node.close()
    }
  }, 60_000)
})

// ── PII at rest ───────────────────────────────────────────────────────

/** Names of the files under `dir` whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8')
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && readFileSync(path).includes(needle))
}

describe('PII at rest', () => {
  it('no raw e-mail or IP in any file of the data directory once the inbox has drained', async () => {
    const dataDir = dirs.dir('pii')
    const node = await openNode(dataDir)
    const email = (i: number) => `raw.person${i}@pii-example.org`
    const ip = (i: number) => `192.0.2.${100 + i}`
    const event = (i: number) => ({
      type: 'signup',
      id: `pii-${i}`,
      time: at(i),
      actor: { id: `plain-user-${i}` },
      device: { id: 'plain-device-7' },
      ip: ip(i % 3),
      email: email(i),
      amount: 3,
    })
    try {
      await decideAll(
        node,
        Array.from({ length: 5 }, (_, i) => event(i)),
      )
      node.submit(Array.from({ length: 5 }, (_, i) => event(i + 5)))
      await waitUntilIdle(node)
      const last = (await node.decide(event(10))).decision
      // Distinct e-mails per device and distinct users per IP were counted (on pseudonyms).
      expect(last.features.emails_per_device_24h).toBe(11)
      expect(last.features.accounts_per_ip_24h).toBe(4)
      await node.snapshot()
      for (let i = 0; i <= 10; i++) expect(filesContaining(dataDir, email(i)), email(i)).toEqual([])
      for (let i = 0; i < 3; i++) expect(filesContaining(dataDir, ip(i)), ip(i)).toEqual([])
    } finally {
      await node.close()
    }
    for (let i = 0; i <= 10; i++) expect(filesContaining(dataDir, email(i)), email(i)).toEqual([])
    for (let i = 0; i < 3; i++) expect(filesContaining(dataDir, ip(i)), ip(i)).toEqual([])
    // The control: the plain identifiers are in the very files searched (database and snapshot).
    expect(filesContaining(dataDir, 'plain-device-7')).toEqual(
      expect.arrayContaining([join(dataDir, 'bulwark.db'), join(dataDir, 'features.snapshot')]),
    )
    expect(filesContaining(dataDir, 'plain-user-3')).toContain(join(dataDir, 'bulwark.db'))
  })
})

// ── policy ────────────────────────────────────────────────────────────

describe('policy update and activation', () => {
  const v2Files = { ...FILES, 'rules/r.yaml': FILES['rules/r.yaml'].replace('score: 80', 'score: 85') }
  const farm = (device: string, n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({
      type: 'signup',
      id: `${prefix}-${i}`,
      actor: { id: `${prefix}-u${i}` },
      device: { id: device },
      ip: '203.0.113.1',
      email: 'a@example.org',
      amount: 1,
    }))
  const farmScore = async (node: BulwarkNode, prefix: string) => {
    const ds = await decideAll(node, farm(`${prefix}-dev`, 13, prefix))
    const last = ds.at(-1)!
    expect(last.hits.map((h) => h.rule)).toContain('device-farm')
    return { score: last.score, version: last.policyVersion }
  }

  it('keeps serving while packs are updated; a broken pack is refused whole and changes nothing', async () => {
    const node = await openNode(dirs.dir('policy'))
    try {
      const v1 = node.policy().version
      expect(await farmScore(node, 'a')).toEqual({ score: 80, version: v1 })

      const versions = new Set<string>()
      let failures = 0
      let stop = false
      const background = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            const r = await node.decide({
              type: 'login',
              actor: { id: `t${i}` },
              device: { id: 'x' },
              success: true,
            })
            versions.add(r.decision.policyVersion)
          } catch {
            failures++
          }
          await new Promise((r) => setImmediate(r))
        }
      })()

      const broken: Record<string, Record<string, string>> = {
        'a type error': {
          ...v2Files,
          'rules/r.yaml': `${v2Files['rules/r.yaml']}  - id: oops\n    when: event.nope > 1\n    then: { outcome: block }\n`,
        },
        'a YAML error': { ...v2Files, 'features/f.yaml': 'features: {\n' },
        'an unknown label': {
          ...v2Files,
          'rules/r.yaml': v2Files['rules/r.yaml'].replace('name: farm_device', 'name: not_declared'),
        },
        'no manifest': { 'rules/r.yaml': v2Files['rules/r.yaml'] },
      }
      for (const [what, files] of Object.entries(broken)) {
        const err = await node.updatePolicy(files, 'test').catch((e: unknown) => e)
        expect(err, what).toBeInstanceOf(BulwarkError)
        expect((err as BulwarkError).code, what).toBe('POLICY_REJECTED')
        expect(node.policy().version, what).toBe(v1)
      }
      expect(await farmScore(node, 'b')).toEqual({ score: 80, version: v1 })
      expect((await node.repository.policyVersions(10)).map((v) => v.version)).toEqual([v1])

      const info = await node.updatePolicy(v2Files, 'upload')
      expect(info.version).not.toBe(v1)
      expect(info.source).toBe('upload')
      expect(node.policy().version).toBe(info.version)
      expect(await farmScore(node, 'c')).toEqual({ score: 85, version: info.version })

      stop = true
      await background
      expect(failures).toBe(0)
      expect([...versions].every((v) => v === v1 || v === info.version)).toBe(true)
      expect(versions.has(info.version)).toBe(true)
    } finally {
      await node.close()
    }
  })

  it('activates a stored version by id, refuses an unknown one, and serves the last activated after restart', async () => {
    const dataDir = dirs.dir('activate')
    const clock = new ManualClock(Date.now())
    const node = await openNode(dataDir, { clock })
    let v1: string
    let v2: string
    try {
      v1 = node.policy().version
      clock.advance(1000)
      v2 = (await node.updatePolicy(v2Files, 'upload')).version
      clock.advance(1000)
      const back = await node.activateVersion(v1)
      expect(back.version).toBe(v1)
      expect(back.source).toBe(`version ${v1}`)
      expect(await farmScore(node, 'd')).toEqual({ score: 80, version: v1 })

      const err = await node.activateVersion('000000000000').catch((e: unknown) => e)
      expect((err as BulwarkError).code).toBe('NOT_FOUND')
      expect(node.policy().version).toBe(v1)
      expect(new Set((await node.repository.policyVersions(10)).map((v) => v.version))).toEqual(
        new Set([v1, v2]),
      )
    } finally {
      await node.close()
    }
    // Without --policy the node serves the version it served last.
    const again = await BulwarkNode.open({ dataDir, piiKey: PII_KEY, snapshotEveryMs: 3_600_000 })
    try {
      expect(again.policy().version).toBe(v1)
      expect(await farmScore(again, 'e')).toEqual({ score: 80, version: v1 })
    } finally {
      await again.close()
    }
  })

  // Versions are ordered by their loaded-at time: two activations in the same millisecond, or a
  // wall clock stepped back between them, must still leave the last one activated as the latest.
  for (const [what, step] of [
    ['in the same millisecond', 0],
    ['after the clock stepped back', -60_000],
  ] as const) {
    it(`serves the last activated version after restart, when activated ${what}`, async () => {
      const dataDir = dirs.dir('tie')
      const clock = new ManualClock(Date.now())
      const node = await openNode(dataDir, { clock })
      const v1 = node.policy().version
      let v2: string
      try {
        v2 = (await node.updatePolicy(v2Files, 'upload')).version
        clock.advance(step)
        expect((await node.activateVersion(v1)).version).toBe(v1)
        expect((await node.repository.policyVersions(1))[0]!.version).toBe(v1)
      } finally {
        await node.close()
      }
      clock.advance(step)
      const again = await BulwarkNode.open({ dataDir, piiKey: PII_KEY, clock, snapshotEveryMs: 3_600_000 })
      try {
        expect(again.policy().version).toBe(v1)
        expect(again.policy().version).not.toBe(v2)
      } finally {
        await again.close()
      }
    })
  }

  it('an explicit policy directory wins over the stored versions at start', async () => {
    const dataDir = dirs.dir('explicit')
    const node = await openNode(dataDir)
    const v2 = (await node.updatePolicy(v2Files, 'upload')).version
    await node.close()
    const again = await openNode(dataDir)
    try {
      expect(again.policy().version).not.toBe(v2)
      expect(again.policy().version).toBe(packVersion(readPackDir(POLICY)))
    } finally {
      await again.close()
    }
  })
})
