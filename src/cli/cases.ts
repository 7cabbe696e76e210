/**
 * `bulwark cases …` and `bulwark appeals …`: the human-review API of a running server for an
 * operator at a terminal — list, show, open, claim, renew, release and decide cases, see the
 * queues, open and look up appeals. Talks HTTP only (like `bulwark labels`): `--url`, the key from
 * `--key` or BULWARK_API_KEY, the reviewer from `--reviewer` or BULWARK_REVIEWER. Lists print one
 * line per case; everything else prints the server's JSON answer. Exit 1 when the server refuses
 * (its error code and message are printed) or cannot be reached.
 */

import { parseArgs } from 'node:util'
import type { Command, Io } from './command.ts'
import { answerError, callServer, ServerUnreachable } from './http.ts'

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  reviewer: { type: 'string' },
  queue: { type: 'string' },
  status: { type: 'string' },
  kind: { type: 'string' },
  entity: { type: 'string' },
  decision: { type: 'string' },
  priority: { type: 'string' },
  verdict: { type: 'string' },
  reason: { type: 'string' },
  note: { type: 'string' },
  statement: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string
}

class UsageError extends Error {}

interface Call {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly body?: Record<string, unknown>
}

/** `TYPE:ID` (the id may itself contain colons). */
function entityArg(v: string | undefined): { type: string; id: string } {
  const at = v?.indexOf(':') ?? -1
  if (v === undefined || at <= 0 || at === v.length - 1) throw new UsageError('--entity TYPE:ID is required')
  return { type: v.slice(0, at), id: v.slice(at + 1) }
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`${what} is required`)
  return v
}

const enc = encodeURIComponent

function reviewer(values: Values): string {
  return need(values.reviewer ?? process.env.BULWARK_REVIEWER, '--reviewer (or BULWARK_REVIEWER)')
}

/** The request a `cases` subcommand makes. */
function casesCall(sub: string | undefined, id: string | undefined, v: Values): Call {
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams()
      if (v.queue) q.set('queue', v.queue)
      if (v.status) q.set('status', v.status)
      if (v.kind) q.set('kind', v.kind)
      if (v.entity) {
        const e = entityArg(v.entity)
        q.set('entity_type', e.type)
        q.set('entity_id', e.id)
      }
      if (v.limit) q.set('limit', v.limit)
      return { method: 'GET', path: `/v1/cases${q.size ? `?${q}` : ''}` }
    }
    case 'show':
      return { method: 'GET', path: `/v1/cases/${enc(need(id, 'a case id'))}` }
    case 'queues':
      return { method: 'GET', path: '/v1/review/queues' }
    case 'next':
      return {
        method: 'POST',
        path: `/v1/review/queues/${enc(need(v.queue ?? id, '--queue Q'))}/next`,
        body: { reviewer: reviewer(v) },
      }
    case 'open':
      return {
        method: 'POST',
        path: '/v1/cases',
        body: {
          entity: entityArg(v.entity),
          ...(v.decision ? { decision_id: v.decision } : {}),
          ...(v.queue ? { queue: v.queue } : {}),
          ...(v.priority ? { priority: Number(v.priority) } : {}),
          ...(v.note ? { note: v.note } : {}),
        },
      }
    case 'claim':
    case 'renew':
    case 'release':
      return {
        method: 'POST',
        path: `/v1/cases/${enc(need(id, 'a case id'))}/${sub}`,
        body: { reviewer: reviewer(v) },
      }
    case 'decide':
      return {
        method: 'POST',
        path: `/v1/cases/${enc(need(id, 'a case id'))}/decide`,
        body: {
          reviewer: reviewer(v),
          verdict: need(v.verdict, '--verdict violation|no_violation|escalate'),
          reason: need(v.reason, '--reason CODE'),
          ...(v.note ? { note: v.note } : {}),
        },
      }
    default:
      throw new UsageError(`unknown subcommand '${sub ?? ''}'`)
  }
}

function appealsCall(sub: string | undefined, id: string | undefined, v: Values): Call {
  switch (sub) {
    case 'open':
      return {
        method: 'POST',
        path: '/v1/appeals',
        body: {
          entity: entityArg(v.entity),
          decision_id: need(v.decision, '--decision EVENT_ID'),
          statement: need(v.statement, '--statement TEXT'),
        },
      }
    case 'show':
      return { method: 'GET', path: `/v1/appeals/${enc(need(id, 'an appeal id'))}` }
    default:
      throw new UsageError(`unknown subcommand '${sub ?? ''}'`)
  }
}

/** One line per case: id, kind, queue, status, priority, entity, claim or verdict. */
function caseLine(c: Record<string, any>): string {
  const state = c.decision
    ? `${c.decision.verdict} (${c.decision.reason}) by ${c.decision.reviewer}`
    : c.claim && !c.claim.expired
      ? `claimed by ${c.claim.reviewer} until ${c.claim.expires_at}`
      : c.overdue
        ? 'overdue'
        : ''
  return [c.id, c.kind, c.queue, c.status, `p${c.priority}`, `${c.entity.type}:${c.entity.id}`, state]
    .filter(Boolean)
    .join('  ')
}

async function run(name: string, usage: string, args: string[], io: Io, callOf: typeof casesCall) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS })
  const [sub, id, ...extra] = positionals
  let call: Call
  try {
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
    call = callOf(sub, id, values as Values)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    io.err(`bulwark ${name}: ${e.message}\n\n${usage}`)
    return 1
  }
  const key = values.key ?? process.env.BULWARK_API_KEY
  if (!key) {
    io.err(`bulwark ${name}: pass --key or set BULWARK_API_KEY to the API key of the server`)
    return 1
  }
  const url = (values.url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  let body: any
  try {
    const answer = await callServer(url, key, call.method, call.path, call.body)
    if (!answer.ok) {
      io.err(answerError(answer, `${url}${call.path}`))
      return 1
    }
    body = answer.body
  } catch (e) {
    if (!(e instanceof ServerUnreachable)) throw e
    io.err(`bulwark ${name}: ${e.message}`)
    return 1
  }
  if (sub === 'list' && !values.json) {
    const cases = (body?.cases ?? []) as Record<string, any>[]
    io.out(cases.length ? cases.map(caseLine).join('\n') : 'no cases')
  } else io.out(JSON.stringify(body, null, 2))
  return 0
}

const COMMON = `  --url URL        the server (default http://127.0.0.1:8080)
  --key KEY        the API key (default: BULWARK_API_KEY)
  --reviewer NAME  who acts (default: BULWARK_REVIEWER)`

export const casesCommand: Command = {
  name: 'cases',
  summary: 'Work review cases on a running server (list, claim, decide)',
  usage: `bulwark cases <subcommand> [options]

  bulwark cases list [--queue Q] [--status open|closed] [--kind review|appeal|qa] [--entity TYPE:ID] [--limit N] [--json]
  bulwark cases show ID
  bulwark cases open --entity TYPE:ID [--decision EVENT_ID] [--queue Q] [--priority 0-100] [--note TEXT]
  bulwark cases next --queue Q --reviewer NAME      (claims the queue's next case)
  bulwark cases claim|renew|release ID --reviewer NAME
  bulwark cases decide ID --reviewer NAME --verdict violation|no_violation|escalate --reason CODE [--note TEXT]
  bulwark cases queues

  Lists print one line per case (open ones first, highest priority first); the other
  subcommands print the server's JSON. A claim locks a case for the queue's claim timeout;
  decide needs your live claim and a reason code of the case's queue (see bulwark cases queues).
${COMMON}

  Exit 1 when the server refuses (its error code is printed) or cannot be reached.`,
  run(args, io) {
    return run('cases', this.usage, args, io, casesCall)
  },
}

export const appealsCommand: Command = {
  name: 'appeals',
  summary: "Open or look up a user's appeal of a decision on a running server",
  usage: `bulwark appeals <subcommand> [options]

  bulwark appeals open --entity TYPE:ID --decision EVENT_ID --statement TEXT
  bulwark appeals show ID

  Opens a case in the appeals queue (one per decision and entity: a repeat shows the same
  appeal); reviewers work it with bulwark cases. An overturn reverses what the decision enforced.
${COMMON}`,
  run(args, io) {
    return run('appeals', this.usage, args, io, appealsCall)
  },
}
