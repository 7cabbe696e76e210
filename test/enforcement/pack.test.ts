/**
 * Enforcement in a pack: actions, ladders, caps and guard settings compile into the plan, and
 * each bad reference is reported at its file:line:column without loading the pack.
 */

import { describe, expect, it } from 'vitest'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { ENFORCE_PACK } from './setup.ts'

const base = readPackDir(ENFORCE_PACK)

function load(patch: Record<string, string>) {
  return loadPack({ ...base, ...patch })
}

describe('pack enforcement', () => {
  it('compiles rule actions, outcome actions, ladders, caps and guard settings', () => {
    const r = load({})
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    const high = r.pack.rules.find((x) => x.id === 'high-risk')!
    expect(high.actions).toEqual([
      { kind: 'label', name: 'flagged', clear: false, entity: 'user', ttlMs: 86_400_000 },
      { kind: 'list_add', list: 'blocked_users', entity: 'user', ttlMs: 30 * 86_400_000 },
    ])
    expect(r.pack.rules.find((x) => x.id === 'capped-rule')!.safety).toEqual({ dailyCap: 2, demote: false })
    const e = r.pack.enforcement!
    expect(e.onOutcome.get('block')).toEqual([{ kind: 'webhook', destination: 'default' }])
    expect(e.ladders.get('abuse')!.steps.map((s) => [s.at, s.do, s.forMs])).toEqual([
      [1, 'warned', undefined],
      [3, 'limited', undefined],
      [5, 'suspended', 7 * 86_400_000],
    ])
    expect(e.guard).toEqual({ demote: true, minHits: 20, z: 4 })
  })

  it('reports unknown lists, labels, ladders and entities at their place', () => {
    const rules = `rules:
  - id: bad
    when: event.risk > 1
    then:
      outcome: block
      actions:
        - list_add: { list: nowhere }
        - label: { entity: user, name: nope }
        - strike: { ladder: missing }
        - label: { entity: planet, name: x }
`
    const r = load({ 'rules/risk.yaml': rules })
    expect(r.ok).toBe(false)
    if (r.ok) return
    const text = formatDiagnostics(r.diagnostics)
    expect(text).toContain("rules/risk.yaml:7:29: POLICY_REFERENCE unknown list 'nowhere'")
    expect(text).toContain("rules/risk.yaml:8:40: POLICY_REFERENCE unknown label of user 'nope'")
    expect(text).toContain("rules/risk.yaml:9:29: POLICY_REFERENCE unknown ladder 'missing'")
    expect(text).toContain("rules/risk.yaml:10:28: POLICY_REFERENCE unknown entity 'planet'")
  })

  it('checks shapes with the schema and ladder steps against declared labels', () => {
    const shape = load({
      'bulwark.yaml': base['bulwark.yaml']!.replace('- webhook: {}', '- webhook: {}\n      - teleport: {}'),
    })
    expect(shape.ok).toBe(false)
    if (shape.ok) return
    expect(formatDiagnostics(shape.diagnostics)).toMatch(
      /bulwark\.yaml:19:9: POLICY_SCHEMA .*unknown key 'teleport'/,
    )
    const step = load({ 'bulwark.yaml': base['bulwark.yaml']!.replace('do: suspended', 'do: exiled') })
    expect(step.ok).toBe(false)
    if (step.ok) return
    expect(formatDiagnostics(step.diagnostics)).toMatch(
      /bulwark\.yaml:26:24: POLICY_REFERENCE unknown label of user 'exiled'/,
    )
  })

  it('refuses list_add from a PII entity (its raw id would sit in the outbox)', () => {
    const manifest = base['bulwark.yaml']!.replace(
      'risk: { type: int, required: true }',
      'risk: { type: int, required: true }\n      email: { type: string, pii: true }',
    ).replace('device: device.id', 'device: device.id\n  email: email')
    const rules = `rules:
  - id: bad
    when: event.risk > 1
    then: { outcome: block, actions: [{ list_add: { list: blocked_users, entity: email } }] }
`
    const r = load({ 'bulwark.yaml': manifest, 'rules/risk.yaml': rules })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(formatDiagnostics(r.diagnostics)).toContain('PII')
  })
})
