/**
 * A tiny pack, events and labels where every decision is known by hand, shared by the eval and
 * backtest tests. Rules: `farm` (fake_accounts, block the third+ signup on a device within an
 * hour), `bot-agent` (fake_accounts, shadow challenge of user agent "bot"), `spam-link` (spam,
 * review comments with a link), `shouting` (spam, shadow challenge of comments starting "!!").
 *
 *   minute  event  actor  what                        label                          outcome
 *   0-3     s1-s4  u1-u4  signups on device A         malicious farm1, damage 2 each  allow allow block block
 *   4       s5     u5     signup, user agent "bot"    benign                          allow (bot-agent shadow)
 *   5       s6     u6     signup, user agent "bot"    malicious bots1, damage 1       allow (bot-agent shadow)
 *   6       s7     u7     fifth signup on device A    benign                          block (farm)
 *   7       s8     u8     signup                      benign                          allow
 *   10      c1     u10    "hello"                     benign                          allow
 *   11      c2     u11    link                        malicious spam1                 review
 *   12      c3     u10    link                        benign                          review
 *   13      c4     u12    "!!wow"                     benign                          allow (shouting shadow)
 *   14      c5     u13    "!!buy now"                 malicious spam, no campaign     allow (shouting shadow)
 *   15      c6     u14    link                        no label                        review
 *   16      c7     u15    "ok"                        malicious, no area              allow
 *   17      s1 again (a duplicate id)
 */

import { yaml } from '../policy/temp-packs.ts'

export const T0 = Date.UTC(2026, 0, 1)
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString()

const BULWARK = yaml(
  'name: evalmini',
  'entities:',
  '  user: actor.id',
  '  device: device.id',
  'scoring:',
  '  thresholds: { challenge: 30, review: 60, block: 90 }',
  'events:',
  '  signup:',
  '    fields:',
  '      device: { type: object, required: true, fields: { id: { type: string, required: true } } }',
  '      user_agent: string',
  '  comment:',
  '    fields:',
  '      text: { type: string, required: true }',
)
const FEATURES = yaml(
  'features:',
  '  signups_per_device_1h:',
  '    count: { on: signup, by: device.id, window: 1h }',
)

/** The rules file, with the farm threshold and the bot-agent mode as parameters. */
export const rules = (farmAbove = 2, botMode = 'shadow') =>
  yaml(
    'rules:',
    '  - id: farm',
    '    area: fake_accounts',
    '    on: signup',
    `    when: features.signups_per_device_1h > ${farmAbove}`,
    '    then: { outcome: block, score: 5 }',
    '  - id: bot-agent',
    '    area: fake_accounts',
    '    on: signup',
    "    when: event.?user_agent.orValue('') == 'bot'",
    '    then: { outcome: challenge, score: 5 }',
    `    mode: ${botMode}`,
    '  - id: spam-link',
    '    area: spam',
    '    on: comment',
    "    when: event.text.contains('http')",
    '    then: { outcome: review, score: 5 }',
    '  - id: shouting',
    '    area: spam',
    '    on: comment',
    "    when: event.text.startsWith('!!')",
    '    then: { outcome: challenge, score: 5 }',
    '    mode: shadow',
  )

export const packFiles = (farmAbove = 2, botMode = 'shadow'): Record<string, string> => ({
  'bulwark.yaml': BULWARK,
  'features/signup.yaml': FEATURES,
  'rules/rules.yaml': rules(farmAbove, botMode),
})

const signup = (id: string, minute: number, user: string, device: string, agent?: string) => ({
  type: 'signup',
  id,
  time: at(minute),
  actor: { id: user },
  device: { id: device },
  ...(agent ? { user_agent: agent } : {}),
})
const comment = (id: string, minute: number, user: string, text: string) => ({
  type: 'comment',
  id,
  time: at(minute),
  actor: { id: user },
  text,
})

/** The events, deliberately not in time order (replay sorts them). */
export const EVENTS = [
  comment('c1', 10, 'u10', 'hello'),
  signup('s1', 0, 'u1', 'A'),
  signup('s2', 1, 'u2', 'A'),
  signup('s3', 2, 'u3', 'A'),
  signup('s4', 3, 'u4', 'A'),
  signup('s5', 4, 'u5', 'B', 'bot'),
  signup('s6', 5, 'u6', 'C', 'bot'),
  signup('s7', 6, 'u7', 'A'),
  signup('s8', 7, 'u8', 'D'),
  comment('c2', 11, 'u11', 'buy http://x'),
  comment('c3', 12, 'u10', 'see http://docs'),
  comment('c4', 13, 'u12', '!!wow'),
  comment('c5', 14, 'u13', '!!buy now'),
  comment('c6', 15, 'u14', 'http://z'),
  comment('c7', 16, 'u15', 'ok'),
  { ...signup('s1', 17, 'u1', 'A') },
]
  .map((e) => JSON.stringify(e))
  .join('\n')

const label = (event_id: string, malicious: boolean, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id, malicious, ...extra })
const farm = { area: 'fake_accounts', campaign: 'farm1', damage: 2 }

/** Labels: line 3 is not JSON and line 6 has a malformed `malicious`; `ghost` matches no event. */
export const LABELS = [
  label('s1', true, farm),
  label('s2', true, farm),
  'not json',
  label('s3', true, farm),
  label('s4', true, farm),
  '{"event_id":"s5","malicious":"yes"}',
  label('s5', false),
  label('s6', true, { area: 'fake_accounts', campaign: 'bots1' }),
  label('s7', false),
  label('s8', false),
  label('c1', false),
  label('c2', true, { area: 'spam', campaign: 'spam1' }),
  label('c3', false),
  label('c4', false),
  label('c5', true, { area: 'spam' }),
  label('c7', true),
  label('ghost', true, { area: 'spam' }),
].join('\n')
