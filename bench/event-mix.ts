/**
 * A realistic mix of events for any pack, generated from its declared event types: every
 * required field and most optional ones get plausible values (IPs, e-mails, user agents, texts,
 * amounts), ids come from skewed pools so features accumulate as in real traffic, and a share of
 * the events look abusive enough to hit rules.
 */

import { seededRandom as rng } from '../src/core/random.ts'
import type { FieldSpec } from '../src/policy/fields.ts'
import type { Pack } from '../src/policy/pack.ts'

const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36',
  'python-requests/2.31.0',
  'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/119.0',
]
const TEXTS = [
  'great stream, thanks!',
  'what song is this?',
  'congrats on 10k followers',
  'FREE MONEY click here http://bit.ly/x',
  'you are so dumb, nobody likes you',
  'DM me for crypto signals 🚀🚀',
]
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'mailinator.com', 'example.org']

export type EventFactory = (i: number) => Record<string, unknown>

/**
 * `now(i)`: the time event i is sent at, which its timestamp fields (an account's creation, …)
 * are drawn before; the wall clock by default (the HTTP benchmark sends events as they happen).
 * An offline replay passes the events' own times, so the same seed gives the same file.
 */
export function eventMix(pack: Pack, seed = 7, now: (i: number) => number = Date.now): EventFactory {
  let sentAt = 0
  const r = rng(seed)
  const types = [...pack.eventTypes.values()]
  /** Skewed pick from a pool: a few hot ids, a long tail. */
  const pool = (prefix: string, size: number) => `${prefix}${Math.floor(size * r() ** 3)}`
  const value = (name: string, spec: FieldSpec, path: string): unknown => {
    const lower = name.toLowerCase()
    switch (spec.kind) {
      case 'string':
        if (spec.enum) return spec.enum[Math.floor(r() * spec.enum.length)]
        if (lower.includes('email'))
          return `${pool('user', 5000)}@${DOMAINS[Math.floor(r() * DOMAINS.length)]}`
        if (lower.includes('agent')) return AGENTS[Math.floor(r() * AGENTS.length)]
        if (
          lower.includes('text') ||
          lower.includes('body') ||
          lower.includes('message') ||
          lower.includes('bio')
        )
          return TEXTS[Math.floor(r() * TEXTS.length)]
        if (lower.includes('country')) return ['US', 'GB', 'BR', 'IN', 'NG', 'DE'][Math.floor(r() * 6)]
        if (lower.includes('currency')) return 'USD'
        if (lower === 'id' || lower.endsWith('_id')) return pool(`${path.split('.')[0]}-`, 2000)
        return pool(`${lower}-`, 500)
      case 'int':
        return Math.min(spec.maximum ?? 1e9, Math.max(spec.minimum ?? 0, Math.floor(r() * r() * 1000)))
      case 'double':
        return Math.min(spec.maximum ?? 1e9, Math.max(spec.minimum ?? 0, Math.round(r() * r() * 50000) / 100))
      case 'bool':
        return r() < 0.8
      case 'timestamp':
        return new Date(sentAt - Math.floor(r() * 400) * 86_400_000).toISOString()
      case 'duration':
        return `${Math.floor(r() * 3600)}s`
      case 'ip':
        return r() < 0.05
          ? `10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 255)}`
          : `${Math.floor(r() * 200) + 11}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`
      case 'list':
        return Array.from({ length: Math.floor(r() * 3) }, (_, i) => value(name, spec.item!, `${path}[${i}]`))
      case 'map':
        return {}
      case 'object':
        return fields(spec.fields!, path)
      default:
        return null
    }
  }
  const fields = (specs: ReadonlyMap<string, FieldSpec>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const [name, spec] of specs) {
      if (!prefix && (name === 'type' || name === 'id' || name === 'time')) continue
      if (!spec.required && r() < 0.2) continue
      const v = value(name, spec, prefix ? `${prefix}.${name}` : name)
      if (v !== null) out[name] = v
    }
    return out
  }
  return (i) => {
    sentAt = now(i)
    const t = types[Math.floor(r() * types.length)]!
    const event = fields(t.fields, '')
    const actor = (event.actor ?? {}) as Record<string, unknown>
    return {
      ...event,
      type: t.name,
      id: `bench-${seed}-${i}`,
      actor: { ...actor, id: pool('user-', 20_000) },
    }
  }
}
