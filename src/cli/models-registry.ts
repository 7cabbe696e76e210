/**
 * `bulwark models deploy | list | promote | rollback`: the model registry from the command line,
 * through a running server's API (--url, key from --key or BULWARK_API_KEY) or directly on a data
 * directory (--data-dir, for a server that is not running: a running one reloads registry models
 * only on its own changes). `deploy DIR` registers a trained model directory (the model file,
 * DIR/model.json or .txt or .onnx, and DIR/card.json if present) as challenger (--shadow, the
 * default) or champion (--champion).
 */

import { existsSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { BulwarkError } from '../core/errors.ts'
import { isModelFormat } from '../models/load.ts'
import { ModelOps } from '../models/service.ts'
import { type Command, type Io, positionalProblem, usageError } from './command.ts'
import { callServer } from './http.ts'

const TARGET_USAGE = `--url URL [--key KEY] | --data-dir DIR   where the registry is (key default: BULWARK_API_KEY)
    --actor NAME                          who makes the change, for the audit (default: $USER)`

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  'data-dir': { type: 'string' },
  actor: { type: 'string' },
} as const

type Target = { kind: 'http'; url: string; key: string } | { kind: 'local'; ops: ModelOps }

function target(values: { url?: string; key?: string; 'data-dir'?: string }, io: Io): Target | undefined {
  if ((values.url === undefined) === (values['data-dir'] === undefined)) {
    io.err('give either --url URL (a running server) or --data-dir DIR (a stopped one)')
    return undefined
  }
  if (values['data-dir'] !== undefined)
    return { kind: 'local', ops: new ModelOps(resolve(values['data-dir'])) }
  const key = values.key ?? process.env.BULWARK_API_KEY
  if (!key) {
    io.err('set --key or BULWARK_API_KEY to the API key of the server')
    return undefined
  }
  return { kind: 'http', url: values.url!.replace(/\/+$/, ''), key }
}

async function call(
  t: Extract<Target, { kind: 'http' }>,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const answer = await callServer(t.url, t.key, method, path, body)
  if (!answer.ok) {
    const err = answer.body?.error
    const details = err?.details?.text ? `\n${err.details.text}` : ''
    throw new Error(
      `${path} answered ${answer.status}: ${err ? `${err.code} ${err.message}` : 'no JSON'}${details}`,
    )
  }
  return answer.body
}

/** Runs a subcommand body, printing errors (BulwarkError and server answers) as one line. */
async function guarded(io: Io, t: Target, body: () => Promise<void>): Promise<number> {
  try {
    await body()
    return 0
  } catch (e) {
    if (e instanceof BulwarkError) io.err(`${e.code}: ${e.message}`)
    else io.err((e as Error).message)
    return 1
  } finally {
    if (t.kind === 'local') t.ops.close()
  }
}

const rolesText = (r: { champion: string | null; challenger: string | null }) =>
  `champion ${r.champion ?? '-'}, challenger ${r.challenger ?? '-'}`

const MODEL_FILES = ['model.json', 'model.txt', 'model.onnx']

export const modelsDeployCommand: Command = {
  name: 'deploy',
  summary: 'Register a trained model directory as challenger (or champion)',
  usage: `bulwark models deploy DIR [--shadow | --champion] [--name NAME] TARGET
    DIR holds the model file and, if present, card.json (as bulwark train writes them: the card
    names the file and format; else model.json, model.txt or model.onnx); the card's training
    data reference and holdout metrics are kept with the version.
    --shadow     register as challenger: scored beside the champion, never deciding (default)
    --champion   register as champion
    --name NAME  the model's name (default: card.json "name", else the directory's name)
    ${TARGET_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...OPTIONS,
        shadow: { type: 'boolean' },
        champion: { type: 'boolean' },
        name: { type: 'string' },
      },
    })
    const problem =
      positionalProblem(positionals, ['DIR']) ??
      (values.shadow && values.champion ? 'give --shadow or --champion, not both' : undefined)
    if (problem) {
      io.err(usageError('models deploy', problem, this.usage))
      return 1
    }
    const dir = positionals[0]!
    let card: Record<string, any> | undefined
    const cardPath = join(dir, 'card.json')
    if (existsSync(cardPath)) {
      try {
        card = JSON.parse(readFileSync(cardPath, 'utf8'))
      } catch (e) {
        io.err(`${cardPath} is not JSON: ${(e as Error).message}`)
        return 1
      }
    }
    // The card names the model file (bulwark train writes model.file); else the usual names.
    const named = typeof card?.model?.file === 'string' ? [card.model.file as string] : []
    const file = [...named, ...MODEL_FILES].map((f) => join(dir, f)).find((p) => existsSync(p))
    if (!file) {
      io.err(`${dir} has no model file (${[...named, ...MODEL_FILES].join(', ')})`)
      return 1
    }
    const format =
      typeof card?.model?.format === 'string' && isModelFormat(card.model.format)
        ? card.model.format
        : undefined
    const name = values.name ?? (typeof card?.name === 'string' ? card.name : basename(resolve(dir)))
    const t = target(values, io)
    if (!t) return 1
    const role = values.champion ? 'champion' : 'challenger'
    const actor = values.actor ?? process.env.USER ?? 'cli'
    const content = readFileSync(file)
    return guarded(io, t, async () => {
      const out =
        t.kind === 'http'
          ? await call(t, 'POST', '/v1/models', {
              name,
              content: content.toString('base64'),
              ...(format ? { format } : {}),
              ...(card ? { card } : {}),
              role,
              actor,
            })
          : await t.ops.register({
              name,
              content,
              ...(format ? { format } : {}),
              ...(card ? { card } : {}),
              role,
              actor,
            })
      io.out(`registered ${name} ${out.version.version} as ${role} (${rolesText(out.roles)})`)
    })
  },
}

export const modelsListCommand: Command = {
  name: 'list',
  summary: 'List registered models, their champion and challenger, and drift',
  usage: `bulwark models list TARGET
    ${TARGET_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS })
    const problem = positionalProblem(positionals, [])
    if (problem) {
      io.err(usageError('models list', problem, this.usage))
      return 1
    }
    const t = target(values, io)
    if (!t) return 1
    return guarded(io, t, async () => {
      const models = t.kind === 'http' ? (await call(t, 'GET', '/v1/models')).models : t.ops.list()
      io.out('name\tchampion\tchallenger\tversions\tdrifting')
      for (const m of models)
        io.out(
          `${m.name}\t${m.champion ?? '-'}\t${m.challenger ?? '-'}\t${m.versions}\t${m.drifting ? 'yes' : 'no'}`,
        )
    })
  },
}

function roleChange(action: 'promote' | 'rollback'): Command {
  return {
    name: action,
    summary:
      action === 'promote'
        ? 'Make the challenger the champion (audited)'
        : 'Restore the champion the latest promotion replaced (audited)',
    usage: `bulwark models ${action} NAME TARGET
    ${TARGET_USAGE}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS })
      const problem = positionalProblem(positionals, ['NAME'])
      if (problem) {
        io.err(usageError(`models ${action}`, problem, this.usage))
        return 1
      }
      const name = positionals[0]!
      const t = target(values, io)
      if (!t) return 1
      const actor = values.actor ?? process.env.USER ?? 'cli'
      return guarded(io, t, async () => {
        const roles =
          t.kind === 'http'
            ? await call(t, 'POST', `/v1/models/${encodeURIComponent(name)}/${action}`, { actor })
            : await t.ops[action](name, actor)
        io.out(`${name}: ${rolesText(roles)}`)
      })
    },
  }
}

export const modelsPromoteCommand = roleChange('promote')
export const modelsRollbackCommand = roleChange('rollback')

/** The registry subcommands, for the `bulwark models` dispatch table. */
export const MODELS_REGISTRY_SUBCOMMANDS: Command[] = [
  modelsDeployCommand,
  modelsListCommand,
  modelsPromoteCommand,
  modelsRollbackCommand,
]
