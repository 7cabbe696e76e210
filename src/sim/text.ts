/**
 * Benign text and the derived fields clients send with it: `text_hash` (hash of the normalised
 * text: lower-cased, URLs, digits and punctuation stripped, as the pack's conventions say) and
 * `link_domains`. Real comments are mostly short and varied; fans repeat short chants; some
 * swear in delight; creators share their own links.
 */

import type { Rng } from './random.ts'

const URL_RE = /\b(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:\/\S*)?/gi

/** The normalised text the hash is computed over. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(URL_RE, ' ')
    .replace(/[^a-z\s]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

/** 64-bit hex hash of the normalised text (two FNV-1a lanes). */
export function textHash(text: string): string {
  const n = normalise(text)
  let a = 0x811c9dc5
  let b = 0xcbf29ce4
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13)
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
}

/** Registrable domains of the links in a text (lower-cased, `www.` dropped, deduplicated). */
export function linkDomains(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(URL_RE)) out.add(m[1]!.toLowerCase().replace(/^www\./, ''))
  return [...out]
}

/** The text fields of a post, comment, message or chat line. */
export function textFields(text: string): { text: string; text_hash: string; link_domains?: string[] } {
  const links = text.includes('.') ? linkDomains(text) : []
  return links.length
    ? { text, text_hash: textHash(text), link_domains: links }
    : { text, text_hash: textHash(text) }
}

const SHORT = [
  'lol',
  'omg',
  '😂😂😂',
  '🔥🔥',
  'W',
  'so cute',
  'same',
  'wow',
  'haha yes',
  'love this',
  'facts',
  '❤️',
  'first',
  'ok this is funny',
  'no way',
]
const OPEN = ['honestly', 'ok but', 'not gonna lie', 'wait', 'lowkey', 'omg', 'bro', 'girl', 'yo', '']
const BODY = [
  'this made my whole day',
  'where did you get that jacket',
  'the ending got me',
  'i needed this today',
  'how do you edit like this',
  'the dog at the end is everything',
  'this recipe actually works, made it last night',
  'can you do a tutorial on this',
  'my mom does exactly this',
  'the song choice is perfect',
  'this is so underrated',
  'been watching this on repeat',
  'the lighting in this one is amazing',
  'you deserve way more followers',
  'holy shit this is amazing',
  'damn this goes hard',
]
const CLOSE = ['', '', '😭', '😂', '!!', '🔥', ' ❤️', ' lol', '?']

/** A comment a real viewer writes. */
export function benignComment(rng: Rng): string {
  if (rng.chance(0.4)) return rng.pick(SHORT)
  const open = rng.pick(OPEN)
  return `${open ? `${open} ` : ''}${rng.pick(BODY)}${rng.pick(CLOSE)}`
}

const DMS = [
  'are you coming tonight?',
  'lmao did you see this',
  'send me the link pls',
  'happy birthday!! 🎉',
  'ok see you at 7',
  'that video you sent is so dumb i love it',
  'can you call me later',
  'haha stop',
  'did you finish the assignment',
  'check out this shop https://www.etsy.com/shop/handmade',
]
export const benignMessage = (rng: Rng): string => rng.pick(DMS)

const FIRST_CONTACT = [
  'hi! loved your last video, where did you get that jacket?',
  'hey, is the thing in your shop still available?',
  'sorry to message out of nowhere, we went to the same school i think',
  'your recipe worked!! thank you so much',
  'hello, would you be open to a collab? we make similar stuff',
  'hi, i think you dropped your wallet at the cafe today',
]
/** A person's first message to someone who does not know them. */
export const firstContactMessage = (rng: Rng): string => rng.pick(FIRST_CONTACT)

/** Link hosts real people paste: video sites, shops, and the URL shorteners everyone uses. */
const SHARED_LINKS = [
  'youtube.com',
  'youtube.com',
  'instagram.com',
  'bit.ly',
  'tinyurl.com',
  'cutt.ly',
  'amzn.to',
  'linktr.ee',
]
const LINK_COMMENTS = ['the full version is here', 'song is this one', 'same thing happened here', 'source:']
/** A comment with a link (the original clip, the product, a shortened link to anything). */
export const benignLinkComment = (rng: Rng): string =>
  `${rng.pick(LINK_COMMENTS)} https://${rng.pick(SHARED_LINKS)}/${rng.int(1e9).toString(36)}`

const CHAT_SHORT = [
  'W',
  'W W W',
  'LOL',
  'GG',
  'hiii',
  '🔥🔥🔥',
  'LMAO',
  '❤️❤️',
  'first time here',
  'hello from brazil',
  'L',
  '+1',
  'yesss',
]
const CHAT_LONG = [
  'LETS GOOOO CHAMPION',
  'play the song from yesterday pls',
  'what game is this?',
  'can you say hi to my sister',
  'this stream is so chill tonight',
]
export const chatLine = (rng: Rng, hype: boolean): string =>
  rng.chance(hype ? 0.85 : 0.6) ? rng.pick(CHAT_SHORT) : rng.pick(CHAT_LONG)

const POSTS = [
  'new video out now',
  'day in my life',
  'tried the trend',
  'cooking again',
  'weekend vibes',
  'part 2 as promised',
  'this took 6 hours to film',
]
const TAGS = [
  'fyp',
  'foryou',
  'viral',
  'comedy',
  'food',
  'travel',
  'dance',
  'pets',
  'diy',
  'football',
  'giveaway',
]
const OWN_LINKS = [
  'youtube.com',
  'instagram.com',
  'linktr.ee',
  'etsy.com',
  'open.spotify.com',
  'bit.ly',
  'tinyurl.com',
]

/** A creator's post text and hashtags; a few carry a link to their own page. */
export function benignPost(rng: Rng): { text: string; hashtags: string[] } {
  const hashtags = rng.sample(TAGS.length, 1 + rng.int(3)).map((i) => TAGS[i]!)
  let text = `${rng.pick(POSTS)} ${hashtags.map((h) => `#${h}`).join(' ')}`
  if (rng.chance(0.12)) text += ` https://${rng.pick(OWN_LINKS)}/${rng.int(1e6).toString(36)}`
  return { text, hashtags }
}
