/**
 * Runs the real `bulwark` command (node bin/bulwark.js, through tsx) from the repository root
 * and collects its exit code and output. Each run costs about half a second, so test files start
 * their runs together in a beforeAll and assert on the results.
 */

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `bulwark ...args` with `input` on standard input (standard input is always closed). */
export function bulwark(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/bulwark.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

/** Starts every run at once; resolves to the results under the same keys. */
export async function runAll<K extends string>(
  runs: Readonly<Record<K, readonly [args: readonly string[], input?: string]>>,
): Promise<Record<K, Run>> {
  const entries = Object.entries(runs) as [K, readonly [readonly string[], string?]][]
  const results = await Promise.all(entries.map(([, [args, input]]) => bulwark(args, input)))
  return Object.fromEntries(entries.map(([k], i) => [k, results[i]!])) as Record<K, Run>
}

/** Lines of an output, without the final empty one. */
export const lines = (text: string): string[] => text.replace(/\n$/, '').split('\n')
