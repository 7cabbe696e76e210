/**
 * The lists rules read as `lists.<name>`: each pack list's own entries plus the entries added at
 * run time through the API or by `list_add` actions (with optional expiry).
 *
 * A change costs what it changes, not what the lists hold. The pack's entries of a list are built
 * into a set once per pack (and shared by every engine on that pack: backtests, pack tests), over
 * the set of the public list it names as `source`, which is built once per process. The run-time
 * entries stand on it as two small layers (src/core/net/sets.ts) — the ones compacted together at
 * the last rebuild, and the few added since, rebuilt on each add until there are RECENT_MAX of
 * them. Only the list that changed is touched: adding one device to a block list no longer
 * rebuilds a 120,000-domain disposable-e-mail list (35 ms of the event loop, every time).
 *
 * `current` is replaced (never mutated) on every change, and the sets are immutable, so a
 * decision sees one consistent state of every list from start to end. A decision reads it through
 * `at(now)`, which first drops entries whose expiry has come (checked against the next expiry
 * due, one comparison per decision): an entry is in force until its expiry, a second at most
 * after it, not until the next maintenance pass.
 */

import { buildSet, type ListPlan, type ListSet, sourceEntries } from '../policy/lists.ts'
import type { ListEntry } from '../store/repository.ts'

/** Entries added since the last compaction that are layered, at most, before compacting again. */
export const RECENT_MAX = 1024

/**
 * How late an expiry may take effect through `at()`: expiries closer together than this are
 * handled in one pass, so a list whose entries expire one after another is not rescanned for each.
 */
const EXPIRY_SLACK_MS = 1000

/** The pack's own entries of a list, built once per plan (plans are immutable, packs share them). */
const packSets = new WeakMap<ListPlan, ListSet>()
/**
 * A public list a pack names as `source` (121,570 disposable-e-mail domains), built once per
 * process: every pack that names it — a reload, a backtest's two packs — stands on the same set.
 */
const sourceSets = new Map<string, ListSet>()

function packSet(plan: ListPlan): ListSet {
  let set = packSets.get(plan)
  if (set === undefined) {
    if (plan.source === undefined || plan.own === undefined) set = buildSet(plan.kind, plan.entries)
    else {
      const source = sourceSet(plan.source, plan.kind)
      set = plan.own.length ? buildSet(plan.kind, plan.own, source) : source
    }
    packSets.set(plan, set)
  }
  return set
}

function sourceSet(source: string, kind: ListPlan['kind']): ListSet {
  const key = `${kind}:${source}`
  let set = sourceSets.get(key)
  if (set === undefined) {
    const entries = sourceEntries(source, kind)
    // The pack loaded, so the source exists and has this kind; an empty set if not, to be safe.
    set = buildSet(kind, typeof entries === 'string' ? [] : entries)
    sourceSets.set(key, set)
  }
  return set
}

/** The layers of one list of the serving pack. */
interface Layers {
  readonly plan: ListPlan
  /** The pack's entries and the run-time entries in force at the last compaction. */
  compacted: ListSet
  /** Values added since, each in force when added. */
  recent: string[]
}

export class ListRegistry {
  private layers = new Map<string, Layers>()
  /** Run-time entries by list and value; kept across pack reloads for lists that come back. */
  private added = new Map<string, Map<string, ListEntry>>()
  /** The object rules read; replaced (never mutated) when anything changes. */
  current: Readonly<Record<string, ListSet>> = {}
  /** No run-time entry expires before this time (so `at()` needs no pass before it). */
  private nextExpiry = Number.POSITIVE_INFINITY

  /** `current` as of `now`: run-time entries expired by then are dropped first. */
  at(now: number): Readonly<Record<string, ListSet>> {
    if (now >= this.nextExpiry) this.expire(now)
    return this.current
  }

  /** Adopts a pack's lists (on load or reload); API entries of lists that still exist are kept. */
  usePack(lists: ReadonlyMap<string, ListPlan>, now: number): void {
    this.layers = new Map()
    const next: Record<string, ListSet> = {}
    for (const [name, plan] of lists) {
      const layers: Layers = { plan, compacted: packSet(plan), recent: [] }
      this.layers.set(name, layers)
      next[name] = this.compact(name, layers, now)
    }
    this.current = next
  }

  load(entries: Iterable<ListEntry>, now: number): void {
    const touched = new Set<string>()
    for (const e of entries) {
      this.put(e)
      touched.add(e.list)
    }
    this.rebuild(touched, now)
  }

  add(entries: readonly ListEntry[], now: number): void {
    const fresh = new Map<string, string[]>()
    // An entry that arrives expired may replace one in force: its list is compacted instead.
    const stale = new Set<string>()
    for (const e of entries) {
      this.put(e)
      if (e.expiresAt !== undefined && e.expiresAt <= now) stale.add(e.list)
      else {
        const values = fresh.get(e.list)
        if (values === undefined) fresh.set(e.list, [e.value])
        else values.push(e.value)
      }
    }
    let next: Record<string, ListSet> | undefined
    for (const [name, values] of fresh) {
      const layers = this.layers.get(name)
      if (layers === undefined || stale.has(name)) continue
      next ??= { ...this.current }
      if (layers.recent.length + values.length > RECENT_MAX) next[name] = this.compact(name, layers, now)
      else {
        layers.recent.push(...values)
        next[name] = buildSet(layers.plan.kind, layers.recent, layers.compacted)
      }
    }
    if (next !== undefined) this.current = next
    this.rebuild(stale, now)
  }

  remove(list: string, values: readonly string[], now: number): void {
    const m = this.added.get(list)
    for (const v of values) m?.delete(v)
    this.rebuild(new Set([list]), now)
  }

  has(list: string): boolean {
    return this.layers.has(list)
  }

  kind(list: string): ListPlan['kind'] | undefined {
    return this.layers.get(list)?.plan.kind
  }

  /** Pack entries and API entries of a list, for the API. */
  entries(list: string, now: number): { pack: readonly string[]; added: ListEntry[] } | undefined {
    const layers = this.layers.get(list)
    if (!layers) return undefined
    return {
      pack: layers.plan.entries,
      added: [...(this.added.get(list)?.values() ?? [])].filter(
        (e) => e.expiresAt === undefined || e.expiresAt > now,
      ),
    }
  }

  /**
   * Drops run-time entries that have expired by `now` and rebuilds the lists that had any; call
   * periodically. Returns whether a list changed.
   */
  expire(now: number): boolean {
    const touched = new Set<string>()
    let next = Number.POSITIVE_INFINITY
    for (const [list, m] of this.added) {
      for (const [value, e] of m) {
        const expiresAt = e.expiresAt
        if (expiresAt === undefined) continue
        if (expiresAt <= now) {
          m.delete(value)
          touched.add(list)
        } else if (expiresAt < next) next = expiresAt
      }
      if (m.size === 0) this.added.delete(list)
    }
    this.nextExpiry = Math.max(next, now + EXPIRY_SLACK_MS)
    this.rebuild(touched, now)
    return touched.size > 0
  }

  private put(e: ListEntry): void {
    if (e.expiresAt !== undefined && e.expiresAt < this.nextExpiry) this.nextExpiry = e.expiresAt
    let m = this.added.get(e.list)
    if (!m) {
      m = new Map()
      this.added.set(e.list, m)
    }
    m.set(e.value, e)
  }

  /** Compacts each named list of the pack and publishes the result. */
  private rebuild(names: ReadonlySet<string>, now: number): void {
    let next: Record<string, ListSet> | undefined
    for (const name of names) {
      const layers = this.layers.get(name)
      if (layers === undefined) continue
      next ??= { ...this.current }
      next[name] = this.compact(name, layers, now)
    }
    if (next !== undefined) this.current = next
  }

  /** One layer of every run-time entry of the list in force at `now`, over the pack's set. */
  private compact(name: string, layers: Layers, now: number): ListSet {
    const base = packSet(layers.plan)
    const live: string[] = []
    for (const e of this.added.get(name)?.values() ?? [])
      if (e.expiresAt === undefined || e.expiresAt > now) live.push(e.value)
    layers.compacted = live.length ? buildSet(layers.plan.kind, live, base) : base
    layers.recent = []
    return layers.compacted
  }
}
