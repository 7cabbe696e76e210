/**
 * The form in which an event is stored: plain JSON with every PII field replaced by its keyed
 * pseudonym, timestamps as RFC 3339 and IP addresses as text. Raw PII never leaves the decision.
 */

import { toPlain } from '../lang/plain.ts'
import type { Pack } from '../policy/pack.ts'
import type { Pseudonymiser } from '../privacy/pseudonymise.ts'

export function storedEvent(
  event: Record<string, unknown>,
  pack: Pack,
  pseudo: Pseudonymiser,
): Record<string, unknown> {
  const plain = toPlain(event) as Record<string, unknown>
  const pii = pack.eventTypes.get(event.type as string)?.pii ?? []
  for (const path of pii) replaceAt(plain, path.split('.'), pseudo)
  return plain
}

function replaceAt(obj: Record<string, unknown>, parts: string[], pseudo: Pseudonymiser): void {
  const [head, ...rest] = parts
  if (!head || !Object.hasOwn(obj, head)) return
  const v = obj[head]
  if (rest.length === 0) obj[head] = pseudonymiseValue(v, pseudo)
  else if (v && typeof v === 'object' && !Array.isArray(v))
    replaceAt(v as Record<string, unknown>, rest, pseudo)
}

function pseudonymiseValue(v: unknown, pseudo: Pseudonymiser): unknown {
  if (v === null || v === undefined) return v
  if (Array.isArray(v)) return v.map((x) => pseudonymiseValue(x, pseudo))
  if (typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pseudonymiseValue(x, pseudo)]))
  return pseudo.pseudonym(String(v))
}
