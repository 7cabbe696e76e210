/**
 * `bulwark test DIR [--filter TEXT]`: the starter and mini packs pass their own tests (exit 0);
 * a copy of the mini pack whose expectations are wrong fails (exit 1) with each failing test
 * named and each failing step as file:line with what was expected and what happened.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { tempPacks } from '../policy/temp-packs.ts'
import { lines, type Run, runAll } from './run.ts'

const packs = tempPacks('cli-test')
afterAll(() => packs.cleanup())

const MINI = 'test/fixtures/packs/mini'

/** The mini pack with three wrong expectations (see the comments for the lines they are on). */
function brokenMini(): Record<string, string> {
  const files = { ...readPackDir(MINI) }
  const tests = files['tests/farm.yaml']!
  const broken = tests
    // Test 1, step at line 7: the fourth signup scores 80, not 70.
    .replace(
      'hits: [device-farm, datacenter-signup], score: 80',
      'hits: [device-farm, datacenter-signup], score: 70',
    )
    // Test 2, step at line 16: two hours later the device is not a farm, so the outcome is allow.
    .replace(
      'expect: { outcome: allow, not_hits: [device-farm], features: { signups_per_device_1h: 1 } }',
      'expect: { outcome: block, not_hits: [device-farm], features: { signups_per_device_1h: 1 } }',
    )
    // Test 3, step at line 21: a signup without its required device is rejected.
    .replace('{ type: signup, actor: { id: u1 }, device: { id: d3 }, ', '{ type: signup, actor: { id: u1 }, ')
  expect(broken.split('\n').filter((l, i) => l !== tests.split('\n')[i])).toHaveLength(3)
  return { ...files, 'tests/farm.yaml': broken }
}

let starterTests: number
let r: Record<'starter' | 'mini' | 'broken' | 'filtered', Run>

beforeAll(async () => {
  const starter = loadPack(readPackDir('policies/starter'))
  if (!starter.ok) throw new Error('the starter pack does not load')
  starterTests = starter.pack.tests.length
  const dir = packs.write(brokenMini())
  r = await runAll({
    starter: [['test', 'policies/starter']],
    mini: [['test', MINI]],
    broken: [['test', dir]],
    filtered: [['test', dir, '--filter', 'spread over']],
  })
}, 60_000)

describe('bulwark test', () => {
  it('passes every test of the starter pack and exits 0', () => {
    expect(starterTests).toBeGreaterThan(50)
    expect(r.starter.stderr).toBe('')
    expect(r.starter.stdout).toBe(`${starterTests} passed, 0 failed\n`)
    expect(r.starter.code).toBe(0)
  })

  it('passes every test of the mini fixture pack and exits 0', () => {
    expect(r.mini.stderr).toBe('')
    expect(r.mini.stdout).toBe('3 passed, 0 failed\n')
    expect(r.mini.code).toBe(0)
  })

  it('reports each failing test and step readably and exits 1', () => {
    expect(r.broken.code).toBe(1)
    expect(r.broken.stderr).toBe('')
    const out = lines(r.broken.stdout)
    expect(out).toHaveLength(7)
    expect(out.slice(0, 5)).toEqual([
      '✗ a device farm is blocked on the fourth signup and labelled',
      '    tests/farm.yaml:7: expected score 70, got 80',
      '✗ signups spread over two hours are not a farm',
      '    tests/farm.yaml:16: expected outcome block, got allow (hits: none)',
      '✗ disposable e-mail is challenged, a look-alike domain is not',
    ])
    expect(out[5]).toMatch(/^ {4}tests\/farm\.yaml:21: the event was rejected: device\b.*required/)
    expect(out[6]).toBe('0 passed, 3 failed')
  })

  it('--filter runs only the tests whose name contains the text', () => {
    expect(r.filtered.code).toBe(1)
    expect(lines(r.filtered.stdout)).toEqual([
      '✗ signups spread over two hours are not a farm',
      '    tests/farm.yaml:16: expected outcome block, got allow (hits: none)',
      '0 passed, 1 failed',
    ])
  })
})
