/**
 * Test harness for the HTTP API: start a real server (in this process, or as a child process
 * that can be killed with SIGKILL) on a free port with a fresh data directory, and call it.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '../../src/server/start.ts'

export const MINI_PACK = new URL('../fixtures/packs/mini', import.meta.url).pathname
export const API_KEY = 'test-api-key-0123456789'
export const PII_KEY = 'test-pii-key-0123456789abcdef'

export const tempDir = (prefix = 'bulwark-') => mkdtempSync(join(tmpdir(), prefix))

export async function inProcess(
  options: { dataDir?: string; policyDir?: string; bodyLimit?: number } = {},
): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: options.dataDir ?? tempDir(),
    policyDir: options.policyDir ?? MINI_PACK,
    apiKey: API_KEY,
    piiKey: PII_KEY,
    snapshotEveryMs: 3_600_000,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  })
}

export interface Client {
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>
}

export function client(url: string, apiKey = API_KEY): Client {
  return {
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && !(body instanceof Uint8Array)
            ? { 'content-type': 'application/json' }
            : {}),
          ...headers,
        },
        ...(body !== undefined
          ? {
              body:
                body instanceof Uint8Array ? body : typeof body === 'string' ? body : JSON.stringify(body),
            }
          : {}),
      })
      return { status: res.status, body: await replyBody(res) }
    },
  }
}

/** A reply's body: parsed JSON, or the text itself (metrics and docs are not JSON). */
export async function replyBody(res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return text
  }
}

/** A server in a child process, as `bulwark serve` runs it, so it can be killed for real. */
export interface ChildServer {
  readonly url: string
  readonly process: ChildProcess
  kill(signal: NodeJS.Signals): Promise<number | null>
}

export async function childServer(dataDir: string, policyDir = MINI_PACK): Promise<ChildServer> {
  const bin = new URL('../../bin/bulwark.js', import.meta.url).pathname
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--policy', policyDir, '--data', dataDir, '--port', '0'],
    {
      env: { ...process.env, BULWARK_API_KEY: API_KEY, BULWARK_PII_KEY: PII_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
  return {
    url,
    process: child,
    kill: (signal) =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code))
        child.kill(signal)
      }),
  }
}

let counter = 0
/** A valid signup event; `over` replaces fields. */
export function signup(over: Record<string, unknown> = {}): Record<string, unknown> {
  counter++
  return {
    type: 'signup',
    actor: { id: `u${counter}` },
    device: { id: `d${counter}` },
    ip: '203.0.113.7',
    email: `user${counter}@example.com`,
    ...over,
  }
}
