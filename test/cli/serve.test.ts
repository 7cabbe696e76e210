/**
 * `bulwark serve` as run from a shell (a child process, stopped with SIGTERM): what it prints at
 * start is true — the PII key generated now, or read back from the data directory, or given; the
 * feature state recovered on top of a snapshot, from the database alone, or not at all.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './run.ts'

const MINI_PACK = join(ROOT, 'test/fixtures/packs/mini')
const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-serve-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

interface Started {
  readonly child: ChildProcess
  readonly out: string
  readonly url: string
}

/** Starts `bulwark serve` and resolves once it has printed its banner. */
function serve(env: Record<string, string> = {}): Promise<Started> {
  const { BULWARK_API_KEY: _a, BULWARK_PII_KEY: _p, PORT: _port, ...base } = process.env
  const child = spawn(
    process.execPath,
    ['bin/bulwark.js', 'serve', '--policy', MINI_PACK, '--data', dataDir, '--port', '0'],
    {
      cwd: ROOT,
      env: { ...base, BULWARK_API_KEY: 'serve-test-key', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url && out.includes('API reference:')) {
        clearTimeout(timer)
        resolve({ child, out, url })
      }
    })
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)))
  })
}

function stop(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.removeAllListeners('exit')
    s.child.once('exit', (code) => resolve(code))
    s.child.kill('SIGTERM')
  })
}

describe('bulwark serve at start', () => {
  it('says where the PII key came from and how the feature state was recovered, truthfully', async () => {
    const keyFile = join(dataDir, 'pii.key')

    // A new data directory: the key is generated, there is nothing to recover.
    const first = await serve()
    expect(first.out).toContain(`PII key: generated into ${keyFile} (set BULWARK_PII_KEY in production)\n`)
    expect(first.out).toContain('No feature snapshot and no recorded decisions: features start empty.\n')
    expect(first.out).not.toContain('on top of')
    const decided = await fetch(`${first.url}/v1/decide`, {
      method: 'POST',
      headers: { authorization: 'Bearer serve-test-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'signup',
        actor: { id: 'u1' },
        device: { id: 'd1' },
        ip: '203.0.113.7',
        email: 'a@example.com',
      }),
    })
    expect(decided.status).toBe(200)
    expect(await stop(first)).toBe(0)

    // Again: the key is read back, and the clean stop left a snapshot holding everything.
    const second = await serve()
    expect(second.out).toContain(
      `PII key: read from ${keyFile}, generated at an earlier start (set BULWARK_PII_KEY in production)\n`,
    )
    expect(second.out).not.toContain('generated into')
    expect(second.out).toContain("Recovered 0 decisions' feature updates on top of the feature snapshot.\n")
    expect(await stop(second)).toBe(0)

    // Without the snapshot, the decision's updates are replayed from the database; a given key
    // is not mentioned.
    rmSync(join(dataDir, 'features.snapshot'))
    const third = await serve({ BULWARK_PII_KEY: readFileSync(keyFile, 'utf8') })
    expect(third.out).not.toContain('PII key:')
    expect(third.out).toContain(
      "Recovered 1 decisions' feature updates from the database (no feature snapshot).\n",
    )
    expect(await stop(third)).toBe(0)
  }, 90_000)
})
