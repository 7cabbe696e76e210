/**
 * `bulwark actions …`: the enforcement API of a running server for an operator at a terminal —
 * list the outbox (by status), show one action, replay one or every dead action, read or flip
 * the kill switch and dry-run kinds, restore a demoted rule, see guard alerts and the audit.
 * Talks HTTP only: `--url`, the key from `--key` or BULWARK_API_KEY. Lists print one line per
 * action; everything else prints the server's JSON answer. Exit 1 when the server refuses (its
 * error code and message are printed) or cannot be reached.
 */

import { parseArgs } from 'node:util'
import type { Command, Io } from './command.ts'
import { answerError, callServer, ServerUnreachable } from './http.ts'

const USAGE = `bulwark actions <subcommand> [--url URL] [--key KEY]

  list [--status S] [--limit N]   actions, one per line (S: pending, done, dead, capped,
                                  dry_run, suppressed, skipped, reversed)
  show ID                         one action (JSON)
  replay ID                       send one again (dead, capped, dry_run, suppressed, skipped)
  replay-dead                     send every dead action again
  settings                        the kill switch, dry-run kinds and demoted rules
  kill-switch on|off              stop (or resume) carrying out actions
  dry-run KIND,KIND|none          record these kinds as dry_run instead of carrying them out
  restore RULE                    put a rule the anomaly guard demoted back to enforce
  alerts                          anomaly guard alerts
  audit [--limit N]               the enforcement audit trail

  --url URL   the server (default http://127.0.0.1:8080)
  --key KEY   its API key (default $BULWARK_API_KEY)`

class UsageError extends Error {}

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT'
  readonly path: string
  readonly body?: unknown
  /** Present the answer; default: its JSON. */
  readonly show?: (body: any) => string
}

const enc = encodeURIComponent

function need(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`${what} is required`)
  return v
}

function actionLine(a: Record<string, any>): string {
  const error = a.lastError ? `  (${a.lastError})` : ''
  return `${a.id}  ${a.status.padEnd(10)} ${a.kind.padEnd(8)} ${a.entity.type}:${a.entity.id}  attempts ${a.attempts}  ${a.rules.join(',') || '-'}${error}`
}

async function callOf(
  sub: string | undefined,
  arg: string | undefined,
  v: Record<string, any>,
  io: Io,
  url: string,
  key: string,
): Promise<Call> {
  const limit = v.limit ? `limit=${enc(v.limit)}` : ''
  switch (sub) {
    case 'list': {
      const q = [v.status ? `status=${enc(v.status)}` : '', limit].filter(Boolean).join('&')
      return {
        method: 'GET',
        path: `/v1/actions${q ? `?${q}` : ''}`,
        show: (b) => (b.actions.length ? b.actions.map(actionLine).join('\n') : 'no actions'),
      }
    }
    case 'show':
      return { method: 'GET', path: `/v1/actions/${enc(need(arg, 'the action id'))}` }
    case 'replay':
      return {
        method: 'POST',
        path: `/v1/actions/${enc(need(arg, 'the action id'))}/replay`,
        show: actionLine,
      }
    case 'replay-dead':
      return {
        method: 'POST',
        path: '/v1/actions/replay',
        show: (b) => `replayed ${b.replayed} dead action(s)`,
      }
    case 'settings':
      return { method: 'GET', path: '/v1/enforcement/settings' }
    case 'kill-switch':
      if (arg !== 'on' && arg !== 'off') throw new UsageError("kill-switch takes 'on' or 'off'")
      return { method: 'PUT', path: '/v1/enforcement/settings', body: { killSwitch: arg === 'on' } }
    case 'dry-run': {
      const kinds = need(arg, 'the kinds (or none)')
      return {
        method: 'PUT',
        path: '/v1/enforcement/settings',
        body: { dryRun: kinds === 'none' ? [] : kinds.split(',').map((k) => k.trim()) },
      }
    }
    case 'restore': {
      const rule = need(arg, 'the rule id')
      const current = await request(url, key, { method: 'GET', path: '/v1/enforcement/settings' }, io)
      if (!current) throw new UsageError('cannot read the current settings')
      return {
        method: 'PUT',
        path: '/v1/enforcement/settings',
        body: { demotedRules: (current.demotedRules as string[]).filter((r) => r !== rule) },
      }
    }
    case 'alerts':
      return { method: 'GET', path: '/v1/enforcement/alerts' }
    case 'audit':
      return { method: 'GET', path: `/v1/enforcement/audit${limit ? `?${limit}` : ''}` }
    default:
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'a subcommand is required')
  }
}

/** One HTTP call; the parsed answer, or undefined after printing why it failed. */
async function request(url: string, key: string, call: Call, io: Io): Promise<any> {
  try {
    const answer = await callServer(url, key, call.method, call.path, call.body)
    if (answer.ok) return answer.body
    io.err(answerError(answer, `${url}${call.path}`))
  } catch (e) {
    if (!(e instanceof ServerUnreachable)) throw e
    io.err(`bulwark actions: ${e.message}`)
  }
  return undefined
}

export const actionsCommand: Command = {
  name: 'actions',
  summary: 'Operate enforcement on a server: the outbox, replay, kill switch, dry run, alerts',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
      },
    })
    const [sub, arg, ...extra] = positionals
    const key = values.key ?? process.env.BULWARK_API_KEY
    const url = (values.url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
    let call: Call
    try {
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
      if (!key) throw new UsageError('pass --key or set BULWARK_API_KEY to the API key of the server')
      call = await callOf(sub, arg, values, io, url, key)
    } catch (e) {
      if (!(e instanceof UsageError)) throw e
      io.err(`bulwark actions: ${e.message}\n\n${USAGE}`)
      return 1
    }
    const body = await request(url, key!, call, io)
    if (body === undefined) return 1
    io.out(call.show ? call.show(body) : JSON.stringify(body, null, 2))
    return 0
  },
}
