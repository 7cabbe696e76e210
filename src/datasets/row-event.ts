/**
 * One dataset row → one event in Bulwark's envelope (`{type, id, time, …fields}`, nested by the
 * dotted field paths) and its label. The first field that fails makes the whole row an
 * `Invalid` naming the field; a field whose value is absent is left out of the event.
 */

import type { Label } from '../eval/labels.ts'
import { Invalid } from './convert.ts'
import type { Mapping } from './mapping.ts'
import type { Row } from './values.ts'

export interface RowEvent {
  readonly id: string
  /** Event time, ms since the epoch. */
  readonly ms: number
  readonly event: Record<string, unknown>
  readonly label: Label
}

export function rowEvent(mapping: Mapping, row: Row): RowEvent | Invalid {
  const plan = mapping.event!
  const id = plan.id(row)
  if (id instanceof Invalid) return new Invalid(`id: ${id.message}`)
  if (id === undefined || id === '') return new Invalid('id: empty')
  const time = plan.time(row)
  if (time instanceof Invalid) return time
  const event: Record<string, unknown> = { type: plan.type, id: String(id), time }
  for (const f of plan.fields) {
    const v = f.value(row)
    if (v instanceof Invalid) return new Invalid(`${f.name}: ${v.message}`)
    if (v !== undefined) setPath(event, f.path, v)
  }
  const label = mapping.label!(row)
  if (label instanceof Invalid) return label
  return { id: String(id), ms: Date.parse(time), event, label }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let obj = target
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!
    let next = obj[k]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      next = {}
      obj[k] = next
    }
    obj = next as Record<string, unknown>
  }
  obj[path.at(-1)!] = value
}
