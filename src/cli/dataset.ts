/**
 * `bulwark dataset`: point-in-time training rows (src/datasets/training/), offline by replaying
 * events through a pack with their labels, or online from the decisions a node recorded and the
 * labels that arrived later.
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BulwarkError } from '../core/errors.ts'
import { offlineDataset } from '../datasets/training/offline.ts'
import { onlineDataset } from '../datasets/training/online.ts'
import { rowFormatOf } from '../datasets/training/write.ts'
import { toTimestamp } from '../policy/fields.ts'
import { openRepository } from '../store/index.ts'
import { type Command, type Io, missingFlags, usageError } from './command.ts'
import { flags, readEvents, readLabels } from './eval-input.ts'
import { loadPackFrom } from './pack.ts'

function instant(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const t = toTimestamp(/^\d+$/.test(value) ? Number(value) : value)
  if (t === undefined)
    throw new BulwarkError('DATASET_INVALID', {
      detail: `--${name} must be an RFC 3339 time or epoch milliseconds, got '${value}'`,
    })
  return t.toMillis()
}

export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'Build point-in-time training rows from replayed events or recorded decisions',
  usage: `bulwark dataset --policy DIR --events FILE --labels FILE --out FILE.csv|FILE.jsonl

  or:  bulwark dataset --data-dir DIR [--since T] [--until T] --out FILE.csv|FILE.jsonl

  Writes one row per decided event: event_id, time, type; features.NAME for every feature as
  the decision saw it (a time feature as its age in seconds at the event; empty when the event
  type does not compute it); the event's numeric and boolean fields, flattened (actor.followers);
  its text fields (text, actor.bio, …); and the label columns malicious (1/0, empty when
  unlabelled), area and campaign. Feed it to \`bulwark train --label malicious\`.

  Offline (--policy, --events, --labels): replays the events through the pack in event-time
  order, as \`bulwark eval\` does; labels.jsonl lines are {"event_id","malicious","area"?,"campaign"?}.
  Online (--data-dir): reads the decisions recorded in DIR/bulwark.db (the directory
  \`bulwark serve --data\` uses) with event time in [--since, --until) (RFC 3339 or epoch ms;
  default: all) and joins the ground-truth label in force for each event.
  Exit 1 on a bad flag, a pack that does not load, or a file that cannot be read or written.`,
  async run(args, io: Io) {
    const values = flags(
      'dataset',
      this.usage,
      args,
      {
        policy: { type: 'string' },
        events: { type: 'string' },
        labels: { type: 'string' },
        'data-dir': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      },
      io,
    )
    if (!values) return 1
    const offline = values.policy !== undefined || values.events !== undefined || values.labels !== undefined
    const online = values['data-dir'] !== undefined
    if (offline === online || !values.out) {
      io.err(
        usageError(
          'dataset',
          'give --out and either --policy, --events and --labels, or --data-dir',
          this.usage,
        ),
      )
      return 1
    }
    try {
      rowFormatOf(values.out)
      let summary: { rows: number; labelled: number; malicious: number; columns: readonly string[] }
      if (offline) {
        const missing = missingFlags(values, ['policy', 'events', 'labels'])
        if (missing) {
          io.err(usageError('dataset', missing, this.usage))
          return 1
        }
        // Every feature on every event type: the rows must hold what a model reading any
        // feature will be served (see LoadOptions.everyFeature).
        const pack = await loadPackFrom(values.policy!, io, { everyFeature: true })
        if (!pack) return 1
        const events = await readEvents(values.events!, io)
        if (!events) return 1
        const labels = await readLabels(values.labels!, io)
        if (!labels) return 1
        const result = await offlineDataset(pack, events, labels, values.out)
        for (const p of result.replay.problems) io.err(`${values.events}:${p.line}: ${p.code} ${p.message}`)
        summary = result.summary
      } else {
        const since = instant(values.since, 'since', Number.NEGATIVE_INFINITY)
        const until = instant(values.until, 'until', Number.POSITIVE_INFINITY)
        const db = join(values['data-dir']!, 'bulwark.db')
        if (!existsSync(db))
          throw new BulwarkError('DATASET_INVALID', { detail: `no recorded decisions: ${db} does not exist` })
        const repo = await openRepository(`sqlite:${db}`)
        try {
          summary = await onlineDataset(repo, { since, until }, values.out)
        } finally {
          await repo.close()
        }
      }
      if (values.json) io.out(JSON.stringify({ out: values.out, ...summary }))
      else
        io.out(
          `wrote ${summary.rows} rows (${summary.labelled} labelled, ${summary.malicious} malicious) × ${summary.columns.length} columns to ${values.out}`,
        )
      return 0
    } catch (e) {
      if (e instanceof BulwarkError) {
        io.err(`bulwark dataset: ${e.code} ${e.message}`)
        return 1
      }
      throw e
    }
  },
}
