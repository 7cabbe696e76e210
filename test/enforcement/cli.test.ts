/**
 * `bulwark actions` against a real in-process server: listing the outbox, flipping the kill
 * switch and dry run, replaying, and the errors an operator sees.
 */

import { afterAll, beforeAll, expect, it } from 'vitest'
import { actionsCommand } from '../../src/cli/actions.ts'
import type { Io } from '../../src/cli/command.ts'
import { API_KEY } from '../server/harness.ts'
import { type Started, signup, startEnforcing } from './setup.ts'

let s: Started
beforeAll(async () => {
  s = await startEnforcing()
})
afterAll(async () => s?.stop())

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = {
    out: (t) => {
      out += `${t}\n`
    },
    err: (t) => {
      err += `${t}\n`
    },
    stdin: async () => '',
  }
  const code = await actionsCommand.run([...args, '--url', s.server.url, '--key', API_KEY], io)
  return { code, out, err }
}

it('lists actions one per line and replays a skipped one', async () => {
  const e = signup(95, 'cli-user')
  await s.api.call('POST', '/v1/decide', e)
  const list = await cli('list', '--status', 'skipped')
  expect(list.code).toBe(0)
  const line = list.out.split('\n').find((l) => l.includes('webhook') && l.includes('user:cli-user'))!
  expect(line).toContain("no destination 'default' configured")
  const id = line.split(' ')[0]!
  const replay = await cli('replay', id)
  expect(replay.code).toBe(0)
  expect(replay.out).toContain(id)
  expect((await cli('list', '--status', 'dead')).out.trim()).toBe('no actions')
})

it('flips the kill switch and dry run, and restores nothing that is not demoted', async () => {
  expect(JSON.parse((await cli('kill-switch', 'on')).out).killSwitch).toBe(true)
  expect(JSON.parse((await cli('settings')).out).killSwitch).toBe(true)
  expect(JSON.parse((await cli('kill-switch', 'off')).out).killSwitch).toBe(false)
  expect(JSON.parse((await cli('dry-run', 'label,list_add')).out).dryRun).toEqual(['label', 'list_add'])
  expect(JSON.parse((await cli('dry-run', 'none')).out).dryRun).toEqual([])
  const audit = JSON.parse((await cli('audit', '--limit', '10')).out)
  expect(audit.audit.filter((a: any) => a.change === 'settings').length).toBeGreaterThanOrEqual(4)
  expect(JSON.parse((await cli('restore', 'high-risk')).out).demotedRules).toEqual([])
})

it('reports the server error or a usage error with exit 1', async () => {
  const missing = await cli('replay', 'NOPE')
  expect(missing.code).toBe(1)
  expect(missing.err).toContain('NOT_FOUND')
  const bad = await cli('frobnicate')
  expect(bad.code).toBe(1)
  expect(bad.err).toContain("unknown subcommand 'frobnicate'")
  const dry = await cli('dry-run', 'nuke')
  expect(dry.code).toBe(1)
  expect(dry.err).toContain('INVALID_REQUEST')
})
