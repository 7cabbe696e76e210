/**
 * `importDataset` end to end (src/datasets/import.ts): CSV written by the test → events.jsonl
 * the starter pack replays with 0 rejected, and labels.jsonl as src/eval/labels.ts reads it;
 * synthetic and column times; failed rows counted and reported by line; several inputs labelled
 * by file; --limit; JSON and JSON Lines inputs; list mappings; columns an input lacks; events
 * checked against a pack as they are written (--policy).
 */

import { readdirSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { importDataset } from '../../src/datasets/import.ts'
import { packEventCheck } from '../../src/datasets/pack-check.ts'
import { parseLabels } from '../../src/eval/labels.ts'
import { mapping, replayStarter, type Scratch, scratch, starterPack } from './helpers.ts'

const dir: Scratch = scratch('import')
afterAll(() => dir.cleanup())

const MESSAGES = `description: test messages
input: { format: csv }
event:
  type: message
  id: m-{_row}
  time: { start: '2026-01-01T00:00:00Z', step: 2s }
  fields:
    actor.id: u-{sender}
    target.id: { template: 'u-{recipient}', required: true }
    text: { column: text, required: true }
    first_contact: { column: first, as: bool }
label:
  malicious: row.label == "spam"
  area: spam
  campaign: camp-{campaign}
  damage: { column: damage, as: double }
`

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

describe('importDataset', () => {
  it('turns a tricky CSV into events the starter pack accepts and labels eval reads', async () => {
    const csv =
      '\uFEFFsender,recipient,text,first,label,campaign,damage\r\n' +
      'a,b,"hello, there",true,ham,,\r\n' +
      'c,d,"WIN a ""free"" phone\r\ncall now",1,spam,p1,2.5\r\n' +
      'e,f,plain,,spam,,\r\n'
    const input = dir.file('messages.csv', csv)
    const out = `${dir.root}/out-messages`
    const r = await importDataset(mapping(MESSAGES), { inputs: [input], out })
    if (!r.ok) throw new Error('import failed')
    expect(r.summary).toMatchObject({ rows: 3, written: 3, failed: 0, malicious: 2, benign: 1, problems: [] })
    expect(r.summary.from).toBe('2026-01-01T00:00:00.000Z')
    expect(r.summary.to).toBe('2026-01-01T00:00:04.000Z')

    const events = jsonLines(dir.read('out-messages/events.jsonl'))
    expect(events[0]).toEqual({
      type: 'message',
      id: 'm-1',
      time: '2026-01-01T00:00:00Z',
      actor: { id: 'u-a' },
      target: { id: 'u-b' },
      text: 'hello, there',
      first_contact: true,
    })
    expect(events[1].text).toBe('WIN a "free" phone\r\ncall now')
    expect(events[2]).not.toHaveProperty('first_contact')

    const labels = parseLabels(dir.read('out-messages/labels.jsonl'))
    expect(labels.problems).toEqual([])
    expect(Object.fromEntries(labels.byEvent)).toEqual({
      'm-1': { malicious: false },
      'm-2': { malicious: true, area: 'spam', campaign: 'camp-p1', damage: 2.5 },
      'm-3': { malicious: true, area: 'spam' },
    })

    const replayed = await replayStarter(dir.read('out-messages/events.jsonl'))
    expect(replayed).toMatchObject({ lines: 3, decided: 3, rejected: 0 })
  })

  it('counts failed rows and reports each by its line, without stopping', async () => {
    const csv = [
      'sender,recipient,text,first,label,campaign,damage',
      'a,b,ok,yes,ham,,', // line 2
      'a,b,"spans\ntwo lines",maybe,ham,,', // line 3: bad bool
      'a,b,too,many,fields,here,x,y', // line 5
      'a,,no recipient,,ham,,', // line 6: required template empty
      'a,b,,,ham,,', // line 7: required text empty
      'a,b,fine,,spam,,lots', // line 8: bad damage
      'a,b,"unclosed', // line 9
    ].join('\n')
    const r = await importDataset(mapping(MESSAGES), {
      inputs: [dir.file('bad.csv', csv)],
      out: `${dir.root}/out-bad`,
    })
    if (!r.ok) throw new Error('import failed')
    const path = `${dir.root}/bad.csv`
    expect(r.summary).toMatchObject({ rows: 7, written: 1, failed: 6 })
    expect(r.summary.problems).toEqual([
      { file: path, line: 3, message: 'first_contact: "maybe" is not a boolean' },
      { file: path, line: 5, message: 'expected 7 fields, found 8' },
      { file: path, line: 6, message: 'target.id: the template is empty' },
      { file: path, line: 7, message: "text: column 'text' is empty" },
      { file: path, line: 8, message: 'label.damage: "lots" is not a number' },
      { file: path, line: 9, message: 'a quoted field is not closed before the end of the input' },
    ])
    expect(jsonLines(dir.read('out-bad/events.jsonl')).map((e) => e.id)).toEqual(['m-1'])
  })

  it('reads times from a column with a pattern, and spaces synthetic times by a rate', async () => {
    const csv = 'when,user\n1/2/2015 3:04,a\n12/31/2015 23:59,b\n13/1/2015 0:00,c\n'
    const byColumn = `description: t
event:
  type: login
  time: { column: when, format: M/D/YYYY H:mm }
  fields: { actor.id: '{user}', success: true }
label: { malicious: false }
`
    const r = await importDataset(mapping(byColumn), {
      inputs: [dir.file('times.csv', csv)],
      out: `${dir.root}/out-t`,
    })
    if (!r.ok) throw new Error('import failed')
    expect(jsonLines(dir.read('out-t/events.jsonl')).map((e) => e.time)).toEqual([
      '2015-01-02T03:04:00Z',
      '2015-12-31T23:59:00Z',
    ])
    expect(r.summary.problems.map((p) => [p.line, p.message])).toEqual([
      [4, 'time: "13/1/2015 0:00" is not a time (M/D/YYYY H:mm)'],
    ])

    const byRate = byColumn.replace(
      '{ column: when, format: M/D/YYYY H:mm }',
      "{ start: '2026-03-01T10:00:00+01:00', rate: 4 }",
    )
    await importDataset(mapping(byRate), { inputs: [`${dir.root}/times.csv`], out: `${dir.root}/out-r` })
    expect(jsonLines(dir.read('out-r/events.jsonl')).map((e) => e.time)).toEqual([
      '2026-03-01T09:00:00Z',
      '2026-03-01T09:00:00.250Z',
      '2026-03-01T09:00:00.500Z',
    ])
  })

  it('reads several inputs in order: _file labels by file, _row numbers across them, ids must not repeat', async () => {
    const genuine = dir.file('genuine.csv', 'id,name\n1,Ann\n2,Bo\n')
    const fake = dir.file('fake.csv', 'id,name\n3,Xy\n3,Xz\n')
    const text = `description: two files
event:
  type: profile_update
  id: p-{id}
  time: { start: '2026-01-01T00:00:00Z', step: 1m }
  fields: { actor.id: 'u-{id}', display_name: { column: name }, bio: 'row {_row} line {_line} of {_file}' }
label:
  malicious: row._file == "fake.csv"
  area: fake_accounts
`
    const r = await importDataset(mapping(text), { inputs: [genuine, fake], out: `${dir.root}/out-two` })
    if (!r.ok) throw new Error('import failed')
    expect(r.summary.inputs).toEqual([
      { file: genuine, rows: 2 },
      { file: fake, rows: 2 },
    ])
    expect(r.summary).toMatchObject({ rows: 4, written: 3, failed: 1, malicious: 1 })
    expect(r.summary.problems).toEqual([
      { file: fake, line: 3, message: "event id 'p-3' repeats the row at fake.csv:2" },
    ])
    const events = jsonLines(dir.read('out-two/events.jsonl'))
    expect(events.map((e) => e.bio)).toEqual([
      'row 1 line 2 of genuine.csv',
      'row 2 line 3 of genuine.csv',
      'row 3 line 2 of fake.csv',
    ])
    expect(jsonLines(dir.read('out-two/labels.jsonl')).map((l) => l.malicious)).toEqual([false, false, true])
    expect((await replayStarter(dir.read('out-two/events.jsonl'))).rejected).toBe(0)

    const limited = await importDataset(mapping(text), {
      inputs: [genuine, fake],
      out: `${dir.root}/out-lim`,
      limit: 3,
    })
    expect(limited.ok && limited.summary).toMatchObject({ rows: 3, written: 3 })
  })

  it('reads JSON Lines and JSON arrays, nested objects as dotted columns', async () => {
    const text = `description: json
event:
  type: signup
  id: s-{user.id}
  time: { column: ts, format: epoch_ms }
  fields:
    actor.id: '{user.id}'
    device.id: '{device}'
    ip: { column: ip, as: ip }
    user_agent: '{ua}'
    email: '{user.email}'
    email_domain: { column: user.email, as: email_domain }
    captcha_score: { column: score, as: double }
label:
  malicious: double(row.score) < 0.5
  area: fake_accounts
`
    const rows = [
      {
        user: { id: 'a', email: 'A@Mail.Example' },
        device: 'd1',
        ip: 167772161,
        ua: 'Mozilla/5.0',
        ts: 1767225600000,
        score: 0.9,
      },
      {
        user: { id: 'b', email: 'b@x.example' },
        device: 'd2',
        ip: '10.0.0.2',
        ua: 'curl/8',
        ts: 1767225601000,
        score: 0.1,
      },
    ]
    const jsonl = dir.file('rows.jsonl', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n{oops\n`)
    const r = await importDataset(mapping(text), { inputs: [jsonl], out: `${dir.root}/out-jsonl` })
    if (!r.ok) throw new Error('import failed')
    expect(r.summary).toMatchObject({ rows: 3, written: 2, failed: 1, malicious: 1 })
    expect(r.summary.problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^invalid JSON/) })
    expect(jsonLines(dir.read('out-jsonl/events.jsonl'))[0]).toEqual({
      type: 'signup',
      id: 's-a',
      time: '2026-01-01T00:00:00Z',
      actor: { id: 'a' },
      device: { id: 'd1' },
      ip: '10.0.0.1',
      user_agent: 'Mozilla/5.0',
      email: 'A@Mail.Example',
      email_domain: 'mail.example',
      captcha_score: 0.9,
    })
    expect((await replayStarter(dir.read('out-jsonl/events.jsonl'))).rejected).toBe(0)

    const json = dir.file('rows.json', JSON.stringify(rows))
    const j = await importDataset(mapping(text), { inputs: [json], out: `${dir.root}/out-json` })
    expect(j.ok && j.summary).toMatchObject({ rows: 2, written: 2, failed: 0 })
    expect(dir.read('out-json/events.jsonl')).toBe(dir.read('out-jsonl/events.jsonl'))
  })

  it('writes a list file for a list mapping, each entry checked and written once', async () => {
    const text = `description: ranges
kind: list
input: { format: csv, header: false, columns: [cidr] }
list: { name: datacenter, value: { column: cidr, as: cidr } }
`
    const input = dir.file(
      'ranges.txt',
      '3.5.140.0/22\n13.34.0.0/16\nnot-a-range\n3.5.140.0/22\n\n10.0.0.1\n',
    )
    const r = await importDataset(mapping(text, 'ranges.yaml'), {
      inputs: [input],
      out: `${dir.root}/out-list`,
    })
    if (!r.ok) throw new Error('import failed')
    expect(r.summary).toMatchObject({ kind: 'list', rows: 5, written: 3, failed: 1 })
    expect(r.summary.problems).toEqual([
      { file: input, line: 3, message: '"not-a-range" is not a CIDR range' },
    ])
    expect(dir.read('out-list/lists/datacenter.txt')).toBe(
      '# datacenter: 3 entries written by bulwark import (mapping ranges.yaml)\n3.5.140.0/22\n13.34.0.0/16\n10.0.0.1\n',
    )
  })

  it('stops with diagnostics in the mapping when an input lacks a column it reads, leaving no files', async () => {
    const input = dir.file('nolabel.csv', 'sender,recipient,text,first,lable,campaign,damage\na,b,c,,ham,,\n')
    dir.file('out-miss/events.jsonl', 'from an earlier import\n')
    const r = await importDataset(mapping(MESSAGES), { inputs: [input], out: `${dir.root}/out-miss` })
    expect(readdirSync(`${dir.root}/out-miss`)).toEqual(['events.jsonl'])
    expect(dir.read('out-miss/events.jsonl')).toBe('from an earlier import\n')
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`)).toEqual([
      "13:14: unknown column 'label' (did you mean 'lable'?)",
    ])
  })

  it('with a pack check, fails the rows whose events the pack would reject and lists undeclared fields', async () => {
    const text = `description: checked
event:
  type: message
  time: { start: '2026-01-01T00:00:00Z', step: 1s }
  fields:
    actor.id: u-{sender}
    target.id: '{recipient}'
    text: { column: text }
    mood: happy
label: { malicious: false }
`
    const input = dir.file('checked.csv', 'sender,recipient,text\na,b,hi\na,,no target\n')
    const r = await importDataset(mapping(text), {
      inputs: [input],
      out: `${dir.root}/out-checked`,
      check: packEventCheck(starterPack()),
    })
    if (!r.ok) throw new Error('import failed')
    expect(r.summary).toMatchObject({ rows: 2, written: 1, failed: 1, undeclared: ['mood'] })
    expect(r.summary.problems).toEqual([
      { file: input, line: 3, message: 'pack starter rejects the event: target is required' },
    ])
  })
})
