/**
 * Policy lists: exact values, domains (suffix match on label boundaries, e-mail addresses by
 * their domain) and CIDR ranges, filled from the pack (inline values, a file beside the YAML, or
 * a well-kept public list installed with Bulwark) and, at run time, from entries added through
 * the API. Each list is typed by its kind for the checker.
 */

import { createRequire } from 'node:module'
import { parseCidr } from '../core/net/ip.ts'
import { CidrSet, DomainSet, ValueSet } from '../core/net/sets.ts'
import { own } from '../core/own.ts'
import { OPAQUE_TYPES } from '../lang/env.ts'
import type { Type } from '../lang/types.ts'

export type ListKind = 'values' | 'domains' | 'cidrs'
export type ListSet = ValueSet | DomainSet | CidrSet

export interface ListPlan {
  readonly name: string
  readonly kind: ListKind
  readonly description?: string
  /** Entries from the pack itself (those of `source` included). */
  readonly entries: readonly string[]
  /** The well-kept public list (SOURCES) the list includes, if it names one. */
  readonly source?: string
  /** With a `source`: the entries the pack gives beside it (inline values and a file). */
  readonly own?: readonly string[]
}

export const LIST_TYPES: Record<ListKind, Type> = {
  values: OPAQUE_TYPES.value_list!,
  domains: OPAQUE_TYPES.domain_list!,
  cidrs: OPAQUE_TYPES.cidr_list!,
}

/** Lists shipped as npm packages that a pack can name as `source`. */
const SOURCES: Record<string, { kind: ListKind; load: () => string[] }> = {
  'disposable-email-domains': {
    kind: 'domains',
    load: () => createRequire(import.meta.url)('disposable-email-domains') as string[],
  },
}

export function sourceEntries(source: string, kind: ListKind): string[] | string {
  const s = own(SOURCES, source)
  if (!s) return `unknown list source '${source}' (known: ${Object.keys(SOURCES).join(', ')})`
  if (s.kind !== kind) return `source '${source}' provides ${s.kind}, not ${kind}`
  return s.load()
}

/**
 * Entries of a list file: one per line, blank lines and # comments ignored, each with its line
 * (1-based) and the offset of the entry in that line (after any leading whitespace).
 */
export function parseListFile(text: string): { value: string; line: number; col: number }[] {
  const out: { value: string; line: number; col: number }[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const bare = raw.replace(/#.*$/, '')
    const value = bare.trim()
    if (value) out.push({ value, line: i + 1, col: bare.length - bare.trimStart().length })
  })
  return out
}

/** Why an entry is not valid for the kind, or undefined when it is. */
export function entryProblem(kind: ListKind, value: string): string | undefined {
  if (kind === 'cidrs') return parseCidr(value) ? undefined : `'${value}' is not an IP address or CIDR range`
  if (kind === 'domains')
    return /^[a-z0-9.-]+\.?$/i.test(value.replace(/^\*\./, ''))
      ? undefined
      : `'${value}' is not a domain name`
  return undefined
}

/** The set of a kind over `entries`, standing on `base` (its entries count too) when given. */
export function buildSet(kind: ListKind, entries: Iterable<string>, base?: ListSet): ListSet {
  switch (kind) {
    case 'values':
      return new ValueSet(entries, base as ValueSet | undefined)
    case 'domains':
      return new DomainSet(
        [...entries].map((d) => d.replace(/^\*\./, '')),
        base as DomainSet | undefined,
      )
    case 'cidrs':
      return new CidrSet(
        [...entries].flatMap((e) => (parseCidr(e) ? [parseCidr(e)!] : [])),
        base as CidrSet | undefined,
      )
  }
}
