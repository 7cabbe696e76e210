/**
 * Adversarial text: spam templates with the small mutations copy-paste campaigns use, contact
 * bait, and abusive messages with the obfuscations harassers use to slip past word filters.
 * `evasion` chooses how hard the writer works: at 0 every copy is identical; near 1 words are
 * swapped, letters replaced by digits, spaces inserted — so normalised hashes differ too.
 */

import type { Rng } from './random.ts'

const SPAM = [
  ['get', '10k', 'free followers', 'in 5 minutes', '👉'],
  ['i made $3,000', 'this week', 'trading crypto', 'dm me to learn how', '💸'],
  ['win a free', 'iphone 16', 'claim your prize', 'before midnight', '🎁'],
  ['hot singles', 'in your area', 'are waiting', 'see their pics', '😍'],
  ['earn $500 a day', 'from home', 'no experience needed', 'limited spots', '✅'],
]
const SYNONYMS: Record<string, string[]> = {
  free: ['fr3e', 'FREE', 'no-cost', 'free!!'],
  followers: ['f0llowers', 'fans', 'folIowers'],
  crypto: ['BTC', 'krypto', 'cr¥pto'],
  claim: ['grab', 'get', 'c1aim'],
  prize: ['reward', 'gift', 'pr1ze'],
  earn: ['make', 'earn', '3arn'],
  singles: ['s1ngles', 'girls', 'ladies'],
}

/** The `n`-th copy of a spam template: identical at evasion 0, reworded at high evasion. */
export function spamText(rng: Rng, template: number, link: string, evasion: number): string {
  const parts = SPAM[template % SPAM.length]!
  let text = parts.join(' ')
  if (rng.chance(evasion))
    text = text.replace(/[a-z]+/g, (w) => (SYNONYMS[w] && rng.chance(0.6) ? rng.pick(SYNONYMS[w]!) : w))
  // Cheap mutations every campaign does: a number, an emoji, a trailing tag (the hash ignores them).
  const tail = rng.chance(0.5) ? ` ${rng.int(1000)}` : rng.chance(0.5) ? ' 🔥' : ''
  return `${text} ${link}${tail}`
}

/** Off-platform bait: the opening move of romance, crypto and job scams. */
export function contactBait(rng: Rng, evasion: number): string {
  const handle = `${rng.pick(['anna', 'crypto', 'jess', 'mike', 'invest'])}${rng.int(10000)}`
  if (rng.chance(evasion))
    return rng.pick([
      `hey cutie, im more active on the blue app, find me: ${handle}`,
      `you seem nice 😊 talk on t e l e g r a m? ${handle}`,
      `let's chat somewhere private, my w.app is +44 7700 ${900000 + rng.int(99999)}`,
    ])
  return rng.pick([
    `hi dear, add me on telegram @${handle}`,
    `whatsapp: +44 7700 ${900000 + rng.int(99999)} for business offer`,
    `message me on t.me/${handle} for collab 💰`,
  ])
}

const INSULTS = [
  'you are a fucking loser',
  'ur so ugly lmao nobody likes you',
  'shut up you stupid bitch',
  'you are pathetic, delete your account',
  'what a piece of shit you are',
  'nobody asked you, idiot',
  'you should be ashamed, you disgusting pig',
]
const DEATH = ['kys', 'go die', 'kill yourself', 'hope you die', 'unalive urself']
const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '$', u: 'v' }

/** An abusive line aimed at a person, obfuscated with probability `evasion`. */
export function abuseText(rng: Rng, evasion: number, death: boolean): string {
  let text = rng.pick(INSULTS)
  if (death) text += ` ${rng.pick(DEATH)}`
  if (!rng.chance(evasion)) return text
  const style = rng.int(3)
  if (style === 0) return text.replace(/[aeious]/g, (c) => (rng.chance(0.5) ? LEET[c]! : c))
  if (style === 1) return text.replace(/fuck|shit|bitch|kys|die/g, (w) => w.split('').join(' '))
  return text.replace(/fuck|shit|bitch/g, (w) => `${w[0]}${'*'.repeat(w.length - 2)}${w.at(-1)}`)
}

/** Copypasta a raid floods a room with (12+ characters, identical unless evading). */
export function raidText(rng: Rng, script: number, evasion: number): string {
  const base = [
    'THIS STREAMER IS A FRAUD REPORT HIM',
    'raided by the squad lmaooo get wrecked',
    'everyone type L in chat this stream is trash',
  ][script % 3]!
  return rng.chance(evasion)
    ? `${base}${'!'.repeat(1 + rng.int(3))} ${rng.pick(['xd', 'lol', '💀', 'fr'])}`
    : base
}
