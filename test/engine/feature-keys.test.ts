/**
 * How a decision builds its features (src/engine/features.ts): features keyed by the same parts
 * share one composite key per event yet keep their own state; the decision's `features` is the
 * plain form — times as RFC 3339 text, durations and non-finite numbers as text — while rules
 * read the CEL values (a timestamp compared with `now`, a duration); and a feature keyed by
 * other parts, or missing a part, is not mixed up with them.
 */

import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { loadPack } from '../../src/policy/load.ts'

const MANIFEST = `name: keys
entities: { user: actor.id, device: device.id }
events:
  view: { fields: { device: { type: object, fields: { id: string } }, content: string, watch_ms: int } }
`

const FEATURES = `features:
  views_device_content_1h:
    count: { on: view, by: [device.id, content], window: 1h }
  views_device_content_24h:
    count: { on: view, by: [device.id, content], window: 24h }
  watch_device_content_1h:
    sum: { of: watch_ms, on: view, by: [device.id, content], window: 1h }
  views_content_device_1h:
    count: { on: view, by: [content, device.id], window: 1h }
  views_actor_1h:
    count: { on: view, by: actor.id, window: 1h }
  first_view_device:
    first_seen: { on: view, by: device.id }
  since_first_view:
    expr: now - features.first_view_device
  watch_per_view:
    expr: double(features.watch_device_content_1h) / double(features.views_device_content_1h - 1)
`

const RULES = `rules:
  - id: replay-loop
    on: view
    when: features.views_device_content_1h >= 3 && features.since_first_view < duration('1h')
    then: { outcome: challenge }
`

function engine(clock: ManualClock) {
  const r = loadPack({ 'bulwark.yaml': MANIFEST, 'features/f.yaml': FEATURES, 'rules/r.yaml': RULES })
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
  return memoryEngine(r.pack, clock)
}

describe('feature keys and values', () => {
  it('keeps features that share a key apart, and gives times and non-finite values as text', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const e = engine(clock)
    const view = (device: string | undefined, content: string, watchMs: number, actor = 'u1') =>
      e.decideSync({
        type: 'view',
        actor: { id: actor },
        ...(device === undefined ? {} : { device: { id: device } }),
        content,
        watch_ms: watchMs,
      }).decision

    const first = view('d1', 'c1', 1000)
    expect(first.features).toEqual({
      views_device_content_1h: 1,
      views_device_content_24h: 1,
      watch_device_content_1h: 1000,
      views_content_device_1h: 1,
      views_actor_1h: 1,
      first_view_device: '2026-01-01T00:00:00Z',
      since_first_view: '0s',
      // 1000 / 0 is a double infinity: text in the plain form.
      watch_per_view: 'Infinity',
    })
    expect(first.outcome).toBe('allow')

    clock.set(Date.parse('2026-01-01T00:10:00.250Z'))
    view('d1', 'c2', 50) // another content: its own key under the same device
    // 'd1\u001fc1' and 'c1\u001fd1' differ: the reversed key counts separately.
    view('c1', 'd1', 70, 'u2')
    clock.set(Date.parse('2026-01-01T00:20:00.5Z'))
    const third = view('d1', 'c1', 500)
    expect(third.features).toMatchObject({
      views_device_content_1h: 2,
      views_device_content_24h: 2,
      watch_device_content_1h: 1500,
      views_content_device_1h: 2,
      views_actor_1h: 3,
      first_view_device: '2026-01-01T00:00:00Z',
      since_first_view: '1200.5s',
      watch_per_view: 1500,
    })
    const fourth = view('d1', 'c1', 500)
    expect(fourth.features.views_device_content_1h).toBe(3)
    expect(fourth.hits.map((h) => h.rule)).toEqual(['replay-loop'])

    // Without a device, the device-keyed features read 0 (first_seen: absent) and update nothing.
    const keyless = view(undefined, 'c1', 10)
    expect(keyless.features).toEqual({
      views_device_content_1h: 0,
      views_device_content_24h: 0,
      watch_device_content_1h: 0,
      views_content_device_1h: 0,
      views_actor_1h: 5,
      watch_per_view: -0,
    })
    expect(keyless.errors.map((x) => x.rule)).toEqual(['feature:since_first_view'])
    expect(view('d1', 'c1', 0).features.views_device_content_1h).toBe(4)
  })
})
