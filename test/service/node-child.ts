/**
 * A BulwarkNode in a child process for test/service/node.test.ts, driven by JSON lines on stdin
 * and answering one JSON line per command on stdout, so that a test can crash it for real
 * (SIGKILL, no close, no final snapshot) at a chosen point:
 *
 *   {"op":"decide","events":[…]}            decide in order; answers the decisions' features
 *   {"op":"decide-many","events":[…]}       decide 500 at a time; answers how many
 *   {"op":"decide-snapshot-inflight","events":[…]}
 *                                           start every decision, snapshot while they are in
 *                                           flight, then wait for them all
 *   {"op":"snapshot"}                       write the feature snapshot
 *   {"op":"submit-and-die","events":[…],"afterDecided":k}
 *                                           submit a batch to the inbox, wait until k of its
 *                                           events are decided (0: not at all), then SIGKILL;
 *                                           answers how many were decided (or pending) then
 *   {"op":"die"}                            SIGKILL now
 *
 * Usage: node --import tsx test/service/node-child.ts <dataDir> <policyDir> <piiKey>
 */

import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { BulwarkNode } from '../../src/service/node.ts'

const [dataDir, policyDir, piiKey] = process.argv.slice(2) as [string, string, string]

const say = (value: unknown) => writeSync(1, `${JSON.stringify(value)}\n`)
const die = (): never => {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}

const node = await BulwarkNode.open({ dataDir, policyDir, piiKey, snapshotEveryMs: 3_600_000 })
say({ ready: true })

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const cmd = JSON.parse(line) as { op: string; events?: Record<string, unknown>[]; afterDecided?: number }
  const events = cmd.events ?? []
  switch (cmd.op) {
    case 'decide': {
      const out = []
      for (const e of events) {
        const r = await node.decide(e)
        out.push({ id: r.decision.eventId, features: r.decision.features })
      }
      say({ decisions: out })
      break
    }
    case 'decide-many': {
      // Many at a time (one durable write covers many decisions); answers how many.
      for (let i = 0; i < events.length; i += 500)
        await Promise.all(events.slice(i, i + 500).map((e) => node.decide(e)))
      say({ decided: events.length })
      break
    }
    case 'decide-snapshot-inflight': {
      const pending = events.map((e) => node.decide(e))
      // Let every decision run up to its durable write, then snapshot while none is durable yet.
      for (let i = 0; i < 5; i++) await Promise.resolve()
      const inflight = node.engine.unrecordedEvents().length
      const snap = node.snapshot()
      await Promise.all(pending)
      await snap
      say({ inflight })
      break
    }
    case 'snapshot':
      await node.snapshot()
      say({ ok: true })
      break
    case 'submit-and-die': {
      const r = node.submit(events)
      if (r.rejected.length) {
        say({ error: r.rejected })
        break
      }
      const k = cmd.afterDecided ?? 0
      if (k === 0) {
        say({ pendingAtSubmit: node.pendingAsync })
        die()
      }
      while (events.length - node.pendingAsync < k) await new Promise((resolve) => setImmediate(resolve))
      say({ decidedBeforeKill: events.length - node.pendingAsync })
      die()
      break
    }
    case 'die':
      die()
      break
    default:
      say({ error: `unknown op ${cmd.op}` })
  }
}
