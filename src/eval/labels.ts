/**
 * Ground truth for evaluation: `labels.jsonl`, one line per labelled event —
 * `{"event_id", "malicious", "area"?, "campaign"?, "damage"?}` — written by the simulator or by a
 * dataset import. `area`, `campaign` and `damage` describe malicious events; a malicious event
 * without `damage` counts 1 unit, one without `area` is scored under `unassigned`. A line that
 * does not parse is reported by number and skipped; a repeated event id keeps its last label.
 */

import { forEachLine } from '../engine/replay.ts'

/** The eight abuse areas Bulwark measures, in report order. */
export const AREAS = [
  'fake_accounts',
  'fake_traffic',
  'spam',
  'scraping',
  'cyberbullying',
  'live_room',
  'incentive_fraud',
  'monetization_abuse',
] as const

/** Where a malicious event without an area is counted. */
export const UNASSIGNED_AREA = 'unassigned'

export interface Label {
  readonly malicious: boolean
  readonly area?: string
  readonly campaign?: string
  /** Units of harm if the action gets through (malicious events; 1 when absent). */
  readonly damage?: number
}

export interface LabelProblem {
  readonly line: number
  readonly message: string
}

export interface Labels {
  readonly byEvent: ReadonlyMap<string, Label>
  readonly lines: number
  /** Lines that did not parse (all of them; `problems` keeps the first 20). */
  readonly rejected: number
  readonly problems: readonly LabelProblem[]
}

const MAX_PROBLEMS = 20

/** Parses labels from a string or a file's bytes (UTF-8). */
export function parseLabels(input: string | Uint8Array): Labels {
  const byEvent = new Map<string, Label>()
  const problems: LabelProblem[] = []
  let rejected = 0
  const problem = (line: number, message: string) => {
    rejected++
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message })
  }
  let lines = 0
  forEachLine(input, (raw, n) => {
    const text = raw.trim()
    if (text === '') return
    lines++
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      problem(n, (e as Error).message)
      return
    }
    const label = readLabel(parsed)
    if (typeof label === 'string') problem(n, label)
    else byEvent.set(label.eventId, label.label)
  })
  return { byEvent, lines, rejected, problems }
}

function readLabel(raw: unknown): { eventId: string; label: Label } | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a label must be a JSON object'
  const r = raw as Record<string, unknown>
  if (typeof r.event_id !== 'string' || r.event_id === '') return 'event_id must be a non-empty string'
  if (typeof r.malicious !== 'boolean') return 'malicious must be true or false'
  if (r.area !== undefined && typeof r.area !== 'string') return 'area must be a string'
  if (r.campaign !== undefined && typeof r.campaign !== 'string') return 'campaign must be a string'
  if (r.damage !== undefined && (typeof r.damage !== 'number' || !(r.damage >= 0)))
    return 'damage must be a number ≥ 0'
  const label: Label = {
    malicious: r.malicious,
    ...(typeof r.area === 'string' ? { area: r.area } : {}),
    ...(typeof r.campaign === 'string' ? { campaign: r.campaign } : {}),
    ...(typeof r.damage === 'number' ? { damage: r.damage } : {}),
  }
  return { eventId: r.event_id, label }
}

/** The damage a malicious event would do: its `damage`, or 1. */
export const damageOf = (label: Label): number => label.damage ?? 1

/** The area a malicious event is scored under. */
export const areaOf = (label: Label): string => label.area ?? UNASSIGNED_AREA
