/**
 * The list registry (src/features/lists.ts): run-time entries layered over the pack's entries
 * answer exactly as one set built from scratch over both, under any sequence of adds (past the
 * compaction threshold too), removals, expiries and pack reloads; a change touches only its own
 * list; the pack's sets are shared between registries; `current` is replaced, never mutated; and
 * expired entries leave memory.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseIp } from '../../src/core/net/ip.ts'
import type { CidrSet, DomainSet, ValueSet } from '../../src/core/net/sets.ts'
import { ListRegistry, RECENT_MAX } from '../../src/features/lists.ts'
import { buildSet, type ListKind, type ListPlan, type ListSet } from '../../src/policy/lists.ts'
import { loadPack } from '../../src/policy/load.ts'
import type { ListEntry } from '../../src/store/repository.ts'

function plans(...list: ListPlan[]): Map<string, ListPlan> {
  return new Map(list.map((p) => [p.name, p]))
}

const packLists = plans(
  { name: 'devices', kind: 'values', entries: ['d-1', 'd-2'] },
  { name: 'domains', kind: 'domains', entries: ['mailinator.com', 'tempmail.net'] },
  { name: 'ranges', kind: 'cidrs', entries: ['10.0.0.0/8', '2001:db8::/32'] },
)

function entry(list: string, value: string, expiresAt?: number): ListEntry {
  return { list, value, ...(expiresAt !== undefined ? { expiresAt } : {}), source: 'test', addedAt: 0 }
}

/** Whether `set` holds `probe`, whatever its kind. */
function holds(set: ListSet, probe: string): boolean {
  if (set.kind === 'values') return (set as ValueSet).has(probe)
  if (set.kind === 'domains') return (set as DomainSet).matches(probe)
  const ip = parseIp(probe)
  return ip !== undefined && (set as CidrSet).contains(ip)
}

const VALUES = ['d-1', 'd-2', 'd-3', 'd-4', 'd-5']
const DOMAINS = ['mailinator.com', 'spam.org', 'bad.example.com', 'example.com', 'x.tempmail.net']
const RANGES = ['10.0.0.0/8', '192.168.1.0/24', '192.168.0.0/16', '203.0.113.7', '2001:db8:1::/48']
const PROBES: Record<ListKind, string[]> = {
  values: [...VALUES, 'd-9'],
  domains: [
    'bob@mailinator.com',
    'a.spam.org',
    'bad.example.com',
    'good.example.com',
    'example.com',
    'y@tempmail.net',
    'clean.io',
  ],
  cidrs: [
    '10.1.2.3',
    '192.168.1.9',
    '192.168.7.7',
    '203.0.113.7',
    '203.0.113.8',
    '2001:db8:1::1',
    '2001:db9::1',
  ],
}
const CANDIDATES: Record<string, string[]> = { devices: VALUES, domains: DOMAINS, ranges: RANGES }

describe('ListRegistry', () => {
  it('answers as a set built from scratch over pack and run-time entries, whatever happens', () => {
    const list = fc.constantFrom('devices', 'domains', 'ranges')
    const time = fc.integer({ min: 0, max: 50 })
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        list,
        pick: fc.nat(),
        expiresAt: fc.option(time, { nil: undefined }),
        copies: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), list, pick: fc.nat() }),
      fc.record({ kind: fc.constant('expire' as const) }),
      fc.record({ kind: fc.constant('reload' as const) }),
      fc.record({ kind: fc.constant('tick' as const), by: fc.integer({ min: 0, max: 10 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const registry = new ListRegistry()
        let now = 0
        registry.usePack(packLists, now)
        // The model: every run-time entry ever added and not removed or expired-and-dropped.
        const model = new Map<string, Map<string, ListEntry>>()
        for (const o of ops) {
          if (o.kind === 'add') {
            const value = CANDIDATES[o.list]![o.pick % CANDIDATES[o.list]!.length]!
            const batch = Array.from({ length: o.copies }, () => entry(o.list, value, o.expiresAt))
            registry.add(batch, now)
            const m = model.get(o.list) ?? new Map()
            m.set(value, batch.at(-1)!)
            model.set(o.list, m)
          } else if (o.kind === 'remove') {
            const value = CANDIDATES[o.list]![o.pick % CANDIDATES[o.list]!.length]!
            registry.remove(o.list, [value], now)
            model.get(o.list)?.delete(value)
          } else if (o.kind === 'expire') registry.expire(now)
          else if (o.kind === 'reload') registry.usePack(packLists, now)
          else {
            // Time passes as on a server: its maintenance drops what expired (until then an
            // expired entry may still answer, as the documentation says).
            now += o.by
            registry.expire(now)
          }
          for (const [name, plan] of packLists) {
            const live = [...(model.get(name)?.values() ?? [])]
              .filter((e) => e.expiresAt === undefined || e.expiresAt > now)
              .map((e) => e.value)
            const oracle = buildSet(plan.kind, [...plan.entries, ...live])
            const set = registry.current[name]!
            for (const probe of PROBES[plan.kind])
              expect(holds(set, probe), `${name} ${probe}`).toBe(holds(oracle, probe))
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('layers adds until RECENT_MAX, then compacts, answering the same throughout', () => {
    const registry = new ListRegistry()
    registry.usePack(packLists, 0)
    const n = RECENT_MAX * 2 + 10
    for (let i = 0; i < n; i++) registry.add([entry('devices', `dev-${i}`)], 0)
    const set = registry.current.devices as ValueSet
    for (let i = 0; i < n; i++) expect(set.has(`dev-${i}`)).toBe(true)
    expect(set.has('d-1')).toBe(true)
    expect(set.has(`dev-${n}`)).toBe(false)
    // The top layer holds only what came after the last compaction.
    expect(set.size).toBeLessThanOrEqual(RECENT_MAX)
  })

  it('changes only the list an entry went to, and replaces current instead of mutating it', () => {
    const registry = new ListRegistry()
    registry.usePack(packLists, 0)
    const before = registry.current
    registry.add([entry('devices', 'd-7')], 0)
    expect(registry.current).not.toBe(before)
    expect((before.devices as ValueSet).has('d-7')).toBe(false)
    expect((registry.current.devices as ValueSet).has('d-7')).toBe(true)
    expect(registry.current.domains).toBe(before.domains)
    expect(registry.current.ranges).toBe(before.ranges)
    registry.remove('devices', ['d-7'], 0)
    expect((registry.current.devices as ValueSet).has('d-7')).toBe(false)
    expect(registry.current.domains).toBe(before.domains)
  })

  it('builds a pack list once for every registry on that pack', () => {
    const a = new ListRegistry()
    const b = new ListRegistry()
    a.usePack(packLists, 0)
    b.usePack(packLists, 0)
    expect(b.current.domains).toBe(a.current.domains)
    // Run-time entries stay each registry's own.
    a.add([entry('domains', 'spam.org')], 0)
    expect((a.current.domains as DomainSet).matches('x@spam.org')).toBe(true)
    expect((b.current.domains as DomainSet).matches('x@spam.org')).toBe(false)
  })

  it('drops expired entries from memory: expire() reports a change once, then none', () => {
    const registry = new ListRegistry()
    registry.usePack(packLists, 0)
    registry.add([entry('devices', 'd-8', 100), entry('devices', 'd-9')], 0)
    expect(registry.expire(50)).toBe(false)
    expect(registry.expire(100)).toBe(true)
    expect((registry.current.devices as ValueSet).has('d-8')).toBe(false)
    expect((registry.current.devices as ValueSet).has('d-9')).toBe(true)
    expect(registry.expire(200)).toBe(false)
    expect(registry.entries('devices', 0)!.added.map((e) => e.value)).toEqual(['d-9'])
  })

  it('an entry added already expired takes a value out of force at once', () => {
    const registry = new ListRegistry()
    registry.usePack(packLists, 0)
    registry.add([entry('devices', 'd-6', 1_000)], 0)
    expect((registry.current.devices as ValueSet).has('d-6')).toBe(true)
    registry.add([entry('devices', 'd-6', 5)], 10)
    expect((registry.current.devices as ValueSet).has('d-6')).toBe(false)
  })

  it('at(now) drops entries whose expiry has come, a second late at most', () => {
    const registry = new ListRegistry()
    registry.usePack(packLists, 0)
    registry.add(
      [entry('devices', 'd-8', 10_000), entry('devices', 'd-9', 10_400), entry('devices', 'd-7')],
      0,
    )
    const holds = (now: number, v: string) => (registry.at(now).devices as ValueSet).has(v)
    expect(holds(9_999, 'd-8')).toBe(true)
    expect(holds(10_000, 'd-8')).toBe(false)
    // d-9 expires within the second after that pass: it may answer until then, not after.
    expect(holds(11_000, 'd-9')).toBe(false)
    expect(holds(11_000, 'd-7')).toBe(true)
    // A new entry expiring sooner than anything due is honoured on time.
    registry.add([entry('devices', 'd-6', 11_200)], 11_000)
    expect(holds(11_199, 'd-6')).toBe(true)
    expect(holds(11_200, 'd-6')).toBe(false)
  })

  it("builds a public source list once for every pack that names it, beside the pack's own entries", () => {
    const load = () => {
      const r = loadPack({
        'bulwark.yaml': 'name: p\nevents:\n  signup:\n    fields:\n      email: string\n',
        'lists/email.yaml': [
          'lists:',
          '  disposable: { kind: domains, source: disposable-email-domains }',
          '  disposable_plus: { kind: domains, source: disposable-email-domains, values: [burner.example] }',
        ].join('\n'),
      })
      if (!r.ok) throw new Error(JSON.stringify(r.diagnostics))
      return r.pack
    }
    const a = new ListRegistry()
    const b = new ListRegistry()
    a.usePack(load().lists, 0)
    b.usePack(load().lists, 0)
    // Two loads of the pack (a reload, a backtest's baseline): the same source set.
    expect(b.current.disposable).toBe(a.current.disposable)
    const plus = a.current.disposable_plus as DomainSet
    expect(plus.matches('x@mailinator.com')).toBe(true)
    expect(plus.matches('x@burner.example')).toBe(true)
    expect((a.current.disposable as DomainSet).matches('x@burner.example')).toBe(false)
    expect(load().lists.get('disposable_plus')!.entries.length).toBeGreaterThan(100_000)
  })
})
