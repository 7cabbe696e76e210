/**
 * The registry from the command line (`bulwark models deploy | list | promote | rollback`), run
 * in-process with captured output: on a data directory (real SQLite, files copied into
 * DATA/models) and through a real server's API; a trained model directory (the card naming its
 * model file, as bulwark train writes it) deployed as challenger keeps its card; promote and rollback are audited; a directory
 * without a model, a second target and a promotion without challenger are refused with exit 1.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Io } from '../../src/cli/command.ts'
import { modelsCommand } from '../../src/cli/models.ts'
import { ModelRegistry } from '../../src/models/registry.ts'
import { startServer } from '../../src/server/start.ts'
import { API_KEY, PII_KEY, tempDir } from '../server/harness.ts'

const root = tempDir('bulwark-registry-')
afterAll(() => rmSync(root, { recursive: true, force: true }))

function capture(): Io & { text: () => string; errors: () => string } {
  const out: string[] = []
  const err: string[] = []
  return {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdin: async () => '',
    text: () => out.join('\n'),
    errors: () => err.join('\n'),
  }
}

async function bulwark(...args: string[]) {
  const io = capture()
  const code = await modelsCommand.run(args, io)
  return { code, out: io.text(), err: io.errors() }
}

function trainedDir(name: string, bias: number): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'fraud.model.json'),
    JSON.stringify({
      format: 'bulwark-logreg',
      version: 1,
      bias,
      features: [{ name: 'amount', weight: 0.01 }],
    }),
  )
  writeFileSync(
    join(dir, 'card.json'),
    JSON.stringify({
      name: 'fraud',
      model: { type: 'logreg', format: 'logreg', file: 'fraud.model.json', inputs: ['amount'] },
      data: { file: 'train.csv', sha256: 'ab12', rows: 100 },
      holdout: { auc: 0.9, f1: 0.8 },
    }),
  )
  return dir
}

describe('bulwark models deploy, list, promote, rollback', () => {
  it('works on a data directory, with every change audited', async () => {
    const data = join(root, 'data')
    const first = await bulwark(
      'deploy',
      trainedDir('m1', -5),
      '--champion',
      '--data-dir',
      data,
      '--actor',
      'ann',
    )
    expect(first.code, first.err).toBe(0)
    expect(first.out).toMatch(
      /^registered fraud [0-9a-f]{12} as champion \(champion [0-9a-f]{12}, challenger -\)$/,
    )
    const second = await bulwark(
      'deploy',
      trainedDir('m2', -3),
      '--shadow',
      '--data-dir',
      data,
      '--actor',
      'ben',
    )
    expect(second.code, second.err).toBe(0)
    const v1 = /registered fraud (\w+)/.exec(first.out)![1]!
    const v2 = /registered fraud (\w+)/.exec(second.out)![1]!
    expect((await bulwark('list', '--data-dir', data)).out).toBe(
      `name\tchampion\tchallenger\tversions\tdrifting\nfraud\t${v1}\t${v2}\t2\tno`,
    )
    expect((await bulwark('promote', 'fraud', '--data-dir', data, '--actor', 'cy')).out).toBe(
      `fraud: champion ${v2}, challenger -`,
    )
    expect((await bulwark('rollback', 'fraud', '--data-dir', data, '--actor', 'di')).out).toBe(
      `fraud: champion ${v1}, challenger -`,
    )
    const registry = new ModelRegistry(data)
    try {
      expect(registry.audit('fraud').map((a) => `${a.action}:${a.actor}:${a.version}`)).toEqual([
        `rollback:di:${v1}`,
        `promote:cy:${v2}`,
        `register:ben:${v2}`,
        `register:ann:${v1}`,
      ])
      const version = registry.version('fraud', v2)!
      expect(version.trainingData).toEqual({ file: 'train.csv', sha256: 'ab12', rows: 100 })
      expect(version.metrics).toEqual({ auc: 0.9, f1: 0.8 })
      expect(version.card).toMatchObject({ name: 'fraud', model: { file: 'fraud.model.json' } })
      expect(readdirSync(join(data, 'models', 'fraud')).sort()).toEqual([`${v1}.json`, `${v2}.json`].sort())
      // A name is a directory on disk: one too long for a file name is refused before any I/O.
      const long = registry.register({
        name: `m${'x'.repeat(300)}`,
        content: Buffer.from(
          JSON.stringify({
            format: 'bulwark-logreg',
            version: 1,
            bias: 0,
            features: [{ name: 'amount', weight: 1 }],
          }),
        ),
        role: 'challenger',
        actor: 'eve',
      })
      await expect(long).rejects.toMatchObject({ code: 'MODEL_REGISTRY_INVALID' })
      await expect(long).rejects.toThrow(/must be 1 to 100 lower-case letters/)
    } finally {
      registry.close()
    }
    const again = await bulwark('promote', 'fraud', '--data-dir', data)
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/MODEL_REGISTRY_CONFLICT: model 'fraud' has no challenger to promote/)
  })

  it('works through a running server', async () => {
    const packDir = join(root, 'pack')
    mkdirSync(packDir, { recursive: true })
    writeFileSync(
      join(packDir, 'bulwark.yaml'),
      'name: p\nevents:\n  payment:\n    fields: { amount: double }\n',
    )
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(root, 'served'),
      policyDir: packDir,
      apiKey: API_KEY,
      piiKey: PII_KEY,
      snapshotEveryMs: 3_600_000,
    })
    try {
      const target = ['--url', server.url, '--key', API_KEY]
      const d = await bulwark('deploy', trainedDir('m3', -4), ...target)
      expect(d.code, d.err).toBe(0)
      expect(d.out).toMatch(/as challenger \(champion -, challenger [0-9a-f]{12}\)/)
      const p = await bulwark('promote', 'fraud', ...target)
      expect(p.code, p.err).toBe(0)
      expect((await bulwark('list', ...target)).out).toMatch(/^name\t.*\nfraud\t[0-9a-f]{12}\t-\t1\tno$/)
      const none = await bulwark('rollback', 'fraud', ...target)
      expect(none.code).toBe(1)
      expect(none.err).toMatch(/answered 409: MODEL_REGISTRY_CONFLICT/)
    } finally {
      await server.stop()
    }
  })

  it('refuses a directory without a model file and an ambiguous target', async () => {
    const empty = join(root, 'empty')
    mkdirSync(empty, { recursive: true })
    const r = await bulwark('deploy', empty, '--data-dir', join(root, 'x'))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/has no model file \(model\.json, model\.txt, model\.onnx\)/)
    // The card names a file that is not there.
    writeFileSync(join(empty, 'card.json'), JSON.stringify({ model: { file: 'gone.json' } }))
    const named = await bulwark('deploy', empty, '--data-dir', join(root, 'x'))
    expect(named.err).toMatch(/has no model file \(gone\.json, model\.json/)
    const both = await bulwark('list', '--data-dir', root, '--url', 'http://127.0.0.1:1')
    expect(both.code).toBe(1)
    expect(both.err).toMatch(/either --url URL/)
  })
})
