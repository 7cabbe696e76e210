/**
 * CEL values as plain JSON-ready JavaScript, for output (API responses, CLI, traces): ints
 * beyond 2^53 and uints beyond it become decimal strings (as protobuf's JSON mapping does),
 * bytes become base64, timestamps RFC 3339, durations "1.5s", maps objects, optionals their value
 * or null, IPs and CIDRs their text, non-finite doubles "NaN" / "Infinity" / "-Infinity".
 */

import { Cidr, IpAddress } from '../core/net/ip.ts'
import { isMap, mapEntries } from './runtime/maps.ts'
import { formatDuration, formatTimestamp } from './runtime/time.ts'
import { CelDouble, CelType, CelUint, Duration, Optional, Timestamp } from './runtime/values.ts'
import { T, type Type } from './types.ts'

export function toPlain(v: unknown, t: Type = T.dyn): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (v instanceof CelUint) return typeof v.value === 'bigint' ? v.value.toString() : v.value
  if (v instanceof CelDouble) return toPlain(v.value)
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64')
  if (v instanceof Timestamp) return formatTimestamp(v)
  if (v instanceof Duration) return formatDuration(v)
  if (v instanceof CelType) return v.name
  if (v instanceof Optional)
    return v.present ? toPlain(v.value, t.kind === 'opaque' ? t.params[0] : T.dyn) : null
  if (v instanceof IpAddress || v instanceof Cidr) return v.toString()
  if (Array.isArray(v)) return v.map((x) => toPlain(x, t.kind === 'list' ? t.elem : T.dyn))
  if (isMap(v)) {
    const value = t.kind === 'map' ? t.value : T.dyn
    return Object.fromEntries(
      mapEntries(v).map(([k, x]) => [
        String(toPlain(k)),
        toPlain(x, t.kind === 'object' ? (t.fields.get(String(k)) ?? T.dyn) : value),
      ]),
    )
  }
  return `[${(v as object).constructor?.name ?? 'value'}]`
}
