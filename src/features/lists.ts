/**
 * The lists rules read as `lists.<name>`: each pack list's own entries plus the entries added at
 * run time through the API (with optional expiry). Sets are rebuilt on change and swapped whole,
 * so a decision always sees a consistent list; lookups are O(1) (values), O(labels) (domains)
 * or O(log n) (CIDRs).
 */

import { buildSet, type ListPlan, type ListSet } from '../policy/lists.ts'
import type { ListEntry } from '../store/repository.ts'

export class ListRegistry {
  private plans = new Map<string, ListPlan>()
  private added = new Map<string, Map<string, ListEntry>>()
  /** The object rules read; replaced (never mutated) when anything changes. */
  current: Readonly<Record<string, ListSet>> = {}

  /** Adopts a pack's lists (on load or reload); API entries of lists that still exist are kept. */
  usePack(lists: ReadonlyMap<string, ListPlan>, now: number): void {
    this.plans = new Map(lists)
    this.rebuild(now)
  }

  load(entries: Iterable<ListEntry>, now: number): void {
    for (const e of entries) this.put(e)
    this.rebuild(now)
  }

  add(entries: readonly ListEntry[], now: number): void {
    for (const e of entries) this.put(e)
    this.rebuild(now)
  }

  remove(list: string, values: readonly string[], now: number): void {
    const m = this.added.get(list)
    for (const v of values) m?.delete(v)
    this.rebuild(now)
  }

  has(list: string): boolean {
    return this.plans.has(list)
  }

  kind(list: string): ListPlan['kind'] | undefined {
    return this.plans.get(list)?.kind
  }

  /** Pack entries and API entries of a list, for the API. */
  entries(list: string, now: number): { pack: readonly string[]; added: ListEntry[] } | undefined {
    const plan = this.plans.get(list)
    if (!plan) return undefined
    return {
      pack: plan.entries,
      added: [...(this.added.get(list)?.values() ?? [])].filter(
        (e) => e.expiresAt === undefined || e.expiresAt > now,
      ),
    }
  }

  /** Rebuilds when an API entry has expired since the last build; call periodically. */
  expire(now: number): boolean {
    const expired = [...this.added.values()].some((m) =>
      [...m.values()].some((e) => e.expiresAt !== undefined && e.expiresAt <= now),
    )
    if (expired) this.rebuild(now)
    return expired
  }

  private put(e: ListEntry): void {
    let m = this.added.get(e.list)
    if (!m) {
      m = new Map()
      this.added.set(e.list, m)
    }
    m.set(e.value, e)
  }

  private rebuild(now: number): void {
    const next: Record<string, ListSet> = {}
    for (const [name, plan] of this.plans) {
      const extra = [...(this.added.get(name)?.values() ?? [])]
        .filter((e) => e.expiresAt === undefined || e.expiresAt > now)
        .map((e) => e.value)
      next[name] = buildSet(plan.kind, extra.length ? [...plan.entries, ...extra] : plan.entries)
    }
    this.current = next
  }
}
