/**
 * `bulwark dataset` end to end, in process: offline rows from events replayed through the
 * starter pack (point-in-time feature values, event fields, text, labels), the same rows online
 * from a real BulwarkNode's SQLite store with labels recorded after the decisions, the time
 * window, a simulated world fed on to `bulwark train` whose model.yaml loads in a pack, and the
 * errors.
 */

import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Io } from '../../src/cli/command.ts'
import { main } from '../../src/cli/main.ts'
import { parseCsv } from '../../src/datasets/csv.ts'
import { BulwarkNode } from '../../src/service/node.ts'
import { tempDir } from '../models/train-helpers.ts'

const POLICY = new URL('../../policies/starter', import.meta.url).pathname
const dir = tempDir('dataset')

async function run(args: string[]) {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    out: (t) => {
      stdout += `${t}\n`
    },
    err: (t) => {
      stderr += `${t}\n`
    },
    stdin: async () => '',
  }
  const code = await main(args, io)
  return { code, stdout, stderr }
}

/** CSV rows as objects keyed by the header. */
function csvRows(path: string): Record<string, string>[] {
  const [header, ...records] = parseCsv(readFileSync(path, 'utf8'))
  return records.map((r) => Object.fromEntries(header!.fields.map((n, i) => [n, r.fields[i]!])))
}

const T0 = Date.parse('2026-02-01T10:00:00Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()
const signup = (id: string, minutes: number, captcha: number) => ({
  id,
  time: at(minutes),
  type: 'signup',
  actor: { id: `user-${id}`, created_at: at(-24 * 60) },
  device: { id: 'device-farm-1', emulator: minutes > 0 },
  ip: '203.0.113.7',
  user_agent: 'test-agent',
  email: `${id}@example.org`,
  captcha_score: captcha,
})
const EVENTS = [
  signup('s1', 0, 0.9),
  signup('s2', 1, 0.2),
  signup('s3', 2, 0.1),
  {
    id: 'm1',
    time: at(3),
    type: 'message',
    actor: { id: 'user-s3' },
    target: { id: 'user-x' },
    text: 'win a free prize, "click" now',
  },
]
const LABELS = [
  { event_id: 's1', malicious: false },
  { event_id: 's2', malicious: true, area: 'fake_accounts', campaign: 'farm' },
  { event_id: 's3', malicious: true, area: 'fake_accounts', campaign: 'farm' },
]

let offline: Record<string, string>[]

beforeAll(async () => {
  writeFileSync(join(dir, 'events.jsonl'), EVENTS.map((e) => JSON.stringify(e)).join('\n'))
  writeFileSync(join(dir, 'labels.jsonl'), LABELS.map((l) => JSON.stringify(l)).join('\n'))
  const r = await run([
    'dataset',
    '--policy',
    POLICY,
    '--events',
    join(dir, 'events.jsonl'),
    '--labels',
    join(dir, 'labels.jsonl'),
    '--out',
    join(dir, 'rows.csv'),
  ])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  offline = csvRows(join(dir, 'rows.csv'))
})

describe('bulwark dataset (offline)', () => {
  it('writes one row per event with point-in-time feature values', () => {
    expect(offline.map((r) => r.event_id)).toEqual(['s1', 's2', 's3', 'm1'])
    // The device's signup count as each decision saw it — never the final count of 3. Offline
    // rows compute every feature on every type (what a model reading it will be served): the
    // message, with no device, reads 0 as a rule would.
    expect(offline.map((r) => r['features.signups_per_device_24h'])).toEqual(['1', '2', '3', '0'])
    // A time feature is its age in seconds at the event, in a column that says so.
    expect(Object.keys(offline[0]!)).toContain('features.first_post_actor_90d.age_s')
    expect(offline.map((r) => r['features.first_post_actor_90d.age_s'])).toEqual(['', '', '', ''])
    expect(offline[0]!.type).toBe('signup')
    expect(offline[3]!.type).toBe('message')
    expect(offline[1]!.time).toBe(at(1))
  })

  it('keeps numeric and boolean event fields and text, not identifiers', () => {
    expect(offline.map((r) => r.captcha_score)).toEqual(['0.9', '0.2', '0.1', ''])
    expect(offline.map((r) => r['device.emulator'])).toEqual(['0', '1', '1', ''])
    // A time field is its age in seconds at the event: the account was created a day before s1.
    expect(offline.map((r) => r['actor.created_at.age_s'])).toEqual(['86400', '86460', '86520', ''])
    expect(offline[3]!.text).toBe('win a free prize, "click" now')
    const columns = Object.keys(offline[0]!)
    for (const id of ['device.id', 'actor.id', 'ip', 'email', 'user_agent', 'actor.created_at'])
      expect(columns).not.toContain(id)
    expect(columns.slice(0, 3)).toEqual(['event_id', 'time', 'type'])
    expect(columns.slice(-3)).toEqual(['malicious', 'area', 'campaign'])
  })

  it('joins the labels: malicious 1/0, area and campaign; empty when unlabelled', () => {
    expect(offline.map((r) => [r.malicious, r.area, r.campaign])).toEqual([
      ['0', '', ''],
      ['1', 'fake_accounts', 'farm'],
      ['1', 'fake_accounts', 'farm'],
      ['', '', ''],
    ])
  })

  it('writes JSON Lines with every column, missing as null', async () => {
    const out = join(dir, 'rows.jsonl')
    const r = await run([
      'dataset',
      '--policy',
      POLICY,
      '--events',
      join(dir, 'events.jsonl'),
      '--labels',
      join(dir, 'labels.jsonl'),
      '--out',
      out,
      '--json',
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 4, labelled: 3, malicious: 2 })
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines[2]['features.signups_per_device_24h']).toBe(3)
    expect(lines[3]['features.signups_per_device_24h']).toBe(0)
    expect(lines[3].captcha_score).toBeNull()
    expect(lines[1].malicious).toBe(1)
    expect(Object.keys(lines[0])).toEqual(Object.keys(offline[0]!))
  })
})

describe('bulwark dataset (online)', () => {
  it('reads the decisions a node recorded and joins labels that arrived later, as offline', async () => {
    const dataDir = join(dir, 'node')
    const node = await BulwarkNode.open({
      dataDir,
      policyDir: POLICY,
      piiKey: 'dataset-test-pii-key-0123456789',
      snapshotEveryMs: 3_600_000,
    })
    try {
      for (const e of EVENTS) await node.decide(e)
      await node.addLabels(LABELS.map((l) => ({ ...l, source: 'review' })))
    } finally {
      await node.close()
    }
    const out = join(dir, 'online.csv')
    const r = await run(['dataset', '--data-dir', dataDir, '--out', out])
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('wrote 4 rows (3 labelled, 2 malicious)')
    const online = csvRows(out)
    expect(online.map((row) => row.event_id)).toEqual(['s1', 's2', 's3', 'm1'])
    // Online rows hold what the serving decisions computed: the message did not compute the
    // device's signups (no rule or model of its type reads them), so that cell is empty.
    const signups = (rows: Record<string, string>[]) =>
      rows.map((row) => row['features.signups_per_device_24h'])
    expect(signups(online)).toEqual([...signups(offline).slice(0, 3), ''])
    for (const column of [
      'device.emulator',
      'actor.created_at.age_s',
      'text',
      'malicious',
      'area',
      'campaign',
    ])
      expect(online.map((row) => row[column])).toEqual(offline.map((row) => row[column]))

    const windowed = join(dir, 'window.csv')
    const w = await run([
      'dataset',
      '--data-dir',
      dataDir,
      '--since',
      at(1),
      '--until',
      at(3),
      '--out',
      windowed,
    ])
    expect(w.code).toBe(0)
    expect(csvRows(windowed).map((row) => row.event_id)).toEqual(['s2', 's3'])
  })
})

describe('bulwark dataset → train on a simulated world', () => {
  it('builds rows from `bulwark simulate`, trains a GBDT on them, and the model loads in a pack', async () => {
    const sim = join(dir, 'sim')
    expect(
      (await run(['simulate', '--seed', '3', '--events', '4000', '--users', '400', '--out', sim])).code,
    ).toBe(0)
    const rows = join(sim, 'rows.csv')
    const d = await run([
      'dataset',
      '--policy',
      POLICY,
      '--events',
      join(sim, 'events.jsonl'),
      '--labels',
      join(sim, 'labels.jsonl'),
      '--out',
      rows,
      '--json',
    ])
    expect(d.code).toBe(0)
    const summary = JSON.parse(d.stdout)
    expect(summary.rows).toBe(4000)
    expect(summary.labelled).toBe(4000)
    expect(summary.malicious).toBeGreaterThan(20)
    const t = await run([
      'train',
      '--data',
      rows,
      '--type',
      'gbdt',
      '--label',
      'malicious',
      '--out',
      join(sim, 'model'),
      '--json',
      '--rounds',
      '30',
    ])
    expect(t.stderr).toBe('')
    expect(t.code).toBe(0)
    const card = JSON.parse(t.stdout)
    expect(card.data.rows).toBe(4000)
    expect(card.model.inputs.some((n: string) => n.startsWith('features.'))).toBe(true)
    expect(card.holdout.auc).toBeGreaterThan(0.8)
    expect(JSON.parse(readFileSync(join(sim, 'model', 'card.json'), 'utf8'))).toEqual(card)

    // A model on the features and the actor's fields (declared for every event type) drops into
    // a copy of the starter pack as models/risk/ with the model.yaml train wrote.
    const header = parseCsv(readFileSync(rows, 'utf8').slice(0, 20_000))[0]!.fields
    const inputs = header.filter((c) => c.startsWith('features.') || c.startsWith('actor.'))
    expect(inputs).toContain('features.first_post_actor_90d.age_s')
    const risk = join(sim, 'risk')
    const r = await run([
      'train',
      '--data',
      rows,
      '--type',
      'gbdt',
      '--label',
      'malicious',
      '--out',
      risk,
      '--rounds',
      '10',
      '--features',
      inputs.join(','),
    ])
    expect(r.code).toBe(0)
    const yaml = readFileSync(join(risk, 'model.yaml'), 'utf8')
    expect(yaml).toContain(
      "'features.first_post_actor_90d.age_s': 'double((now - features.first_post_actor_90d).getSeconds())'",
    )
    expect(yaml).toContain("'actor.followers': 'event.actor.followers'")
    expect(yaml).toContain("'actor.created_at.age_s': 'double((now - event.actor.created_at).getSeconds())'")
    expect(yaml).toContain('mode: shadow')
    const pack = join(sim, 'pack')
    cpSync(POLICY, pack, { recursive: true })
    cpSync(risk, join(pack, 'models', 'risk'), { recursive: true })
    const check = await run(['check', pack])
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)

    // Served as trained: replayed through the pack with the model, every decision's model
    // inputs are exactly its training row's cells (features a type's rules never read included,
    // ages in whole seconds) — no training/serving skew.
    const decided = join(sim, 'decisions.jsonl')
    const replayed = await run([
      'replay',
      '--policy',
      pack,
      '--events',
      join(sim, 'events.jsonl'),
      '--out',
      decided,
    ])
    expect(replayed.code).toBe(0)
    const table = parseCsv(readFileSync(rows, 'utf8'))
    const cols = table[0]!.fields
    const byEvent = new Map(table.slice(1).map((r) => [r.fields[0]!, r.fields]))
    let compared = 0
    const skew: string[] = []
    for (const line of readFileSync(decided, 'utf8').trim().split('\n')) {
      const d = JSON.parse(line)
      const served = d.models?.find((m: { model: string }) => m.model === 'risk')?.inputs
      const row = byEvent.get(d.eventId)
      expect(served).toBeDefined()
      expect(row).toBeDefined()
      for (const name of inputs) {
        const cell = row![cols.indexOf(name)]!
        const want = cell === '' ? null : Number(cell)
        if (served[name] !== want && skew.length < 5)
          skew.push(`${d.eventId} ${name}: row ${cell}, served ${served[name]}`)
      }
      compared++
    }
    expect(skew).toEqual([])
    expect(compared).toBe(4000)
  })
})

describe('bulwark dataset and train errors', () => {
  it('reports bad flags and inputs with a clear message and exit 1', async () => {
    const both = await run(['dataset', '--data-dir', dir, '--policy', POLICY, '--out', join(dir, 'x.csv')])
    expect(both.code).toBe(1)
    expect(both.stderr).toContain('either --policy, --events and --labels, or --data-dir')
    const ext = await run(['dataset', '--data-dir', dir, '--out', join(dir, 'x.parquet')])
    expect(ext.stderr).toContain('DATASET_INVALID cannot build the dataset: --out must end in .csv or .jsonl')
    const noDb = await run(['dataset', '--data-dir', join(dir, 'nothing'), '--out', join(dir, 'x.csv')])
    expect(noDb.stderr).toContain('DATASET_INVALID cannot build the dataset: no recorded decisions')
    const since = await run([
      'dataset',
      '--data-dir',
      dir,
      '--since',
      'yesterday',
      '--out',
      join(dir, 'x.csv'),
    ])
    expect(since.stderr).toContain('--since must be an RFC 3339 time')
    const type = await run([
      'train',
      '--data',
      join(dir, 'rows.csv'),
      '--type',
      'forest',
      '--label',
      'malicious',
      '--out',
      join(dir, 'm'),
    ])
    expect(type.code).toBe(1)
    expect(type.stderr).toContain('--type must be gbdt or logreg')
    const rounds = await run([
      'train',
      '--data',
      join(dir, 'rows.csv'),
      '--type',
      'gbdt',
      '--label',
      'malicious',
      '--out',
      join(dir, 'm'),
      '--rounds',
      'many',
    ])
    expect(rounds.stderr).toContain(
      'TRAIN_OPTIONS_INVALID invalid training option: --rounds must be a number',
    )
    const missing = await run(['train', '--data', join(dir, 'rows.csv')])
    expect(missing.stderr).toContain('missing --type, --label, --out')
  })
})
