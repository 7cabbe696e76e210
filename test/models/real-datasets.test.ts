/**
 * What docs/models.md "Real datasets" trains with, checked on made-up rows (the real data is
 * never read by tests): the Cresci training mapping carries the profile counts as actor fields the
 * starter pack accepts, and the e-commerce feature pack loads and computes device/IP reuse and
 * account-age buckets as its own pack tests expect.
 */

import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { importDataset } from '../../src/datasets/import.ts'
import { runPackTests } from '../../src/engine/pack-tests.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { mapping, replayStarter, type Scratch, scratch } from '../datasets/helpers.ts'

const dir: Scratch = scratch('real-datasets')
afterAll(() => dir.cleanup())

const HEADER =
  'id,name,screen_name,statuses_count,followers_count,friends_count,favourites_count,listed_count,created_at,url,verified,description,updated,dataset,is_fake\n'

describe('examples/datasets/training/fake-accounts-cresci2015.yaml', () => {
  it('maps the profile counts to actor fields, and the starter pack decides the events', async () => {
    const genuine = dir.file(
      'genuine_users.csv',
      `${HEADER}11,Ann,ann,5120,340,290,88,7,Fri Apr 06 10:58:22 +0000 2007,http://ann.example/x,,"likes, things",14-02-2015 10.54,E13,0\n`,
    )
    const fake = dir.file(
      'fake_users.csv',
      `${HEADER}22,Bo,bo1234,3,1,1450,0,0,Thu Sep 08 13:20:35 +0000 2011,,,,14-02-2015 10.40,INT,1\n`,
    )
    const path = 'examples/datasets/training/fake-accounts-cresci2015.yaml'
    const m = mapping(readFileSync(path, 'utf8'), path)
    const r = await importDataset(m, { inputs: [genuine, fake], out: `${dir.root}/cresci` })
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '))
    expect(r.summary).toMatchObject({ written: 2, failed: 0, malicious: 1, benign: 1 })
    const events = dir
      .read('cresci/events.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const actors = Object.fromEntries(events.map((e) => [e.actor.id, e.actor]))
    expect(actors['twitter-11']).toMatchObject({
      statuses: 5120,
      followers: 340,
      following: 290,
      favourites: 88,
      listed: 7,
    })
    expect(actors['twitter-22']).toMatchObject({ statuses: 3, followers: 1, following: 1450, favourites: 0 })
    const replayed = await replayStarter(dir.read('cresci/events.jsonl'))
    expect(replayed).toMatchObject({ decided: 2, rejected: 0 })
  })
})

describe('examples/datasets/training/ecommerce-fraud-pack', () => {
  const loaded = loadPack(readPackDir('examples/datasets/training/ecommerce-fraud-pack'))

  it('loads with its reuse and account-age features', () => {
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '))
    expect(loaded.pack.features.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'accounts_per_device_30d',
        'accounts_per_ip_30d',
        'ips_per_device_30d',
        'new_account_purchase_1m',
        'new_account_purchase_30d',
      ]),
    )
  })

  it('passes its own tests: shared devices counted, instant purchases bucketed', async () => {
    if (!loaded.ok) throw new Error('the pack does not load')
    const report = await runPackTests(loaded.pack)
    expect(report.failures).toEqual([])
    expect(report.passed).toBe(2)
  })
})
