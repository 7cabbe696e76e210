/**
 * `bulwark simulate` from the command line: a small run writes the three files and prints the
 * manifest with --json; missing or malformed options exit 1 with a message naming the problem.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Run, runAll } from '../cli/run.ts'

const dir = mkdtempSync(join(tmpdir(), 'bulwark-sim-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let r: Record<'ok' | 'summary' | 'bare' | 'both' | 'evasion' | 'seed' | 'unknown', Run>

beforeAll(async () => {
  const small = ['--users', '200', '--days', '0.25']
  r = await runAll({
    ok: [['simulate', '--seed', '3', ...small, '--out', join(dir, 'a'), '--json']],
    summary: [['simulate', '--seed', '3', ...small, '--out', join(dir, 'b'), '--evasion', '0.8']],
    bare: [['simulate', '--seed', '3']],
    both: [['simulate', '--seed', '3', '--days', '1', '--events', '10', '--out', join(dir, 'c')]],
    evasion: [['simulate', '--seed', '3', '--days', '1', '--out', join(dir, 'd'), '--evasion', '1.5']],
    seed: [['simulate', '--seed', 'abc', '--days', '1', '--out', join(dir, 'e')]],
    unknown: [['simulate', '--seed', '3', '--days', '1', '--out', join(dir, 'f'), '--fast']],
  })
}, 60_000)

describe('bulwark simulate', () => {
  it('writes events, labels and manifest, and prints the manifest with --json', () => {
    expect(r.ok.stderr).toBe('')
    expect(r.ok.code).toBe(0)
    const manifest = JSON.parse(r.ok.stdout)
    expect(manifest.seed).toBe(3)
    expect(manifest.parameters).toMatchObject({ days: 0.25, users: 200, evasion: 0.3, intensity: 1 })
    const events = readFileSync(join(dir, 'a', 'events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
    expect(events).toHaveLength(manifest.events)
    expect(
      readFileSync(join(dir, 'a', 'labels.jsonl'), 'utf8')
        .trimEnd()
        .split('\n'),
    ).toHaveLength(manifest.events)
    expect(JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8'))).toEqual(manifest)
  })

  it('prints a summary per area on standard error without --json', () => {
    expect(r.summary.code).toBe(0)
    expect(r.summary.stdout).toBe('')
    expect(r.summary.stderr).toMatch(/^\d+ events \(\d+ benign from \d+ users, \d+ malicious\)/)
    expect(r.summary.stderr).toContain('  monetization_abuse: ')
    expect(r.summary.stderr).toMatch(/events\/s\)\n$/)
  })

  it('rejects missing, conflicting, malformed and unknown options with exit 1', () => {
    expect(r.bare.code).toBe(1)
    // The problem first, then the usage.
    expect(r.bare.stderr).toMatch(
      /^bulwark simulate: missing --out\n\nbulwark simulate --seed N \(--days D \| --events N\) --out DIR/,
    )
    expect(r.both.code).toBe(1)
    expect(r.both.stderr).toMatch(
      /^bulwark simulate: give either --days or --events, not both\n\nbulwark simulate --seed/,
    )
    expect(r.evasion.code).toBe(1)
    expect(r.evasion.stderr).toBe('--evasion must be between 0 and 1, got 1.5\n')
    expect(r.seed.code).toBe(1)
    expect(r.seed.stderr).toBe("--seed must be an integer, got 'abc'\n")
    expect(r.unknown.code).toBe(1)
    expect(r.unknown.stderr).toContain("Unknown option '--fast'")
    for (const d of ['c', 'd', 'e', 'f']) expect(existsSync(join(dir, d))).toBe(false)
  })
})
