/**
 * The mappings shipped in examples/datasets/ load and validate, and each turns a few made-up rows
 * in its dataset's layout (written here; the real data is never read by tests) into events the
 * starter pack replays with 0 rejected and labels that src/eval/labels.ts accepts.
 */

import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { importDataset } from '../../src/datasets/import.ts'
import { parseLabels } from '../../src/eval/labels.ts'
import { mapping, replayStarter, type Scratch, scratch } from './helpers.ts'

const DIR = 'examples/datasets'
const dir: Scratch = scratch('examples')
afterAll(() => dir.cleanup())

/** Made-up rows in each dataset's layout: file name → text. */
const SAMPLES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'sms-spam': {
    'SMSSpamCollection.tsv': 'ham\tSee you at "the" usual place\nspam\tWIN a prize, call 0800 000 000\n',
  },
  'toxic-davidson': {
    'labeled_data.csv':
      ',count,hate_speech,offensive_language,neither,class,tweet\n0,3,0,0,3,2,"nice day, all"\n1,3,0,3,0,1,"you are ""awful""\nreally"\n',
  },
  'fake-accounts-cresci2015': {
    'genuine_users.csv':
      'id,name,created_at,followers_count,verified,description,url,updated,dataset\n11,Ann,Fri Apr 06 10:58:22 +0000 2007,120,,"I like, things",http://www.ann.example/x,14-02-2015 10.54,E13\n',
    'fake_users.csv':
      'id,name,created_at,followers_count,verified,description,url,updated,dataset\n22,Bo,Thu Sep 08 13:20:35 +0000 2011,3,,,,14-02-2015 10.40,INT\n',
  },
  'ecommerce-fraud': {
    'fraud_data_dev.csv':
      'user_id,signup_time,purchase_time,purchase_value,device_id,source,browser,sex,age,ip_address,class\n1,1/1/2015 0:00,1/1/2015 0:01,34,DEVAAAA,Ads,Chrome,F,30,3232235777.5,1\n2,2/3/2015 10:00,3/4/2015 11:30,12,DEVBBBB,SEO,Safari,M,41,167772161,0\n',
  },
  'ad-clicks-talkingdata': {
    'train_sample_dev.csv':
      'ip,app,device,os,channel,click_time,attributed_time,is_attributed\n1000,12,1,13,497,2017-11-07 09:30:38,,0\n2000,3,1,19,379,2017-11-07 10:00:00,2017-11-07 10:05:00,1\n',
  },
}

const shipped = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))

describe('examples/datasets', () => {
  it('ships a mapping for each dataset', () => {
    expect(shipped.sort()).toEqual([...Object.keys(SAMPLES), 'cloud-ip-ranges'].sort())
  })

  it.each(shipped)('%s loads, validates and states its source and caveats', (name) => {
    const m = mapping(readFileSync(`${DIR}/${name}.yaml`, 'utf8'), `${DIR}/${name}.yaml`)
    expect(m.description).toMatch(/@ [0-9a-f]{8}/)
    expect(m.description.toLowerCase()).toContain('caveat')
  })

  it.each(Object.keys(SAMPLES))('%s maps made-up rows to events the starter pack accepts', async (name) => {
    const inputs = Object.entries(SAMPLES[name]!).map(([file, text]) => dir.file(`in/${name}/${file}`, text))
    const m = mapping(readFileSync(`${DIR}/${name}.yaml`, 'utf8'))
    const r = await importDataset(m, { inputs, out: `${dir.root}/${name}` })
    if (!r.ok) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`)
    expect(r.summary.problems).toEqual([])
    expect(r.summary).toMatchObject({ written: 2, malicious: 1, benign: 1 })
    const labels = parseLabels(dir.read(`${name}/labels.jsonl`))
    expect(labels.problems).toEqual([])
    expect(labels.byEvent.size).toBe(2)
    const replayed = await replayStarter(dir.read(`${name}/events.jsonl`))
    expect(replayed.problems).toEqual([])
    expect(replayed).toMatchObject({ decided: 2, rejected: 0 })
  })

  it('cloud-ip-ranges writes the datacenter list file', async () => {
    const input = dir.file('ipv4_merged.txt', '192.0.2.0/24\n198.51.100.0/24\n')
    const m = mapping(readFileSync(`${DIR}/cloud-ip-ranges.yaml`, 'utf8'), 'cloud-ip-ranges.yaml')
    const r = await importDataset(m, { inputs: [input], out: `${dir.root}/cloud` })
    expect(r.ok && r.summary).toMatchObject({ kind: 'list', written: 2, failed: 0 })
    expect(dir.read('cloud/lists/datacenter.txt').split('\n').slice(1)).toEqual([
      '192.0.2.0/24',
      '198.51.100.0/24',
      '',
    ])
  })
})
