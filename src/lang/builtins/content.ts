/**
 * Content checks backed by well-kept public libraries: `isBot(user_agent)` (the isbot pattern
 * list of crawlers, scripts and headless browsers) and `profanity(text)` / `hasProfanity(text)`
 * (obscenity's English dataset with its transformers, which see through leetspeak, repeated
 * letters and look-alike characters). Both are memoised: campaigns repeat the same strings.
 */

import { isbot } from 'isbot'
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity'
import { type FunctionDecl, fn, global } from './registry.ts'

/** A bounded memo: forgets everything when full (cheap, and hot keys come straight back). */
function memo<T>(compute: (s: string) => T, max = 20_000): (s: string) => T {
  const cache = new Map<string, T>()
  return (s) => {
    let v = cache.get(s)
    if (v === undefined) {
      v = compute(s)
      if (cache.size >= max) cache.clear()
      cache.set(s, v)
    }
    return v
  }
}

let matcher: RegExpMatcher | undefined
const profanityMatcher = () => {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers })
  return matcher
}

/**
 * Profane words in a text, each occurrence once. The dataset has several patterns for some words
 * ('shit' matches two), so matches whose spans overlap or touch are one word: 'shit' and
 * 'shitshit' are 1, 'shit shit' and 'fuck-shit' are 2.
 */
function countProfanity(text: string): number {
  const matches = profanityMatcher().getAllMatches(text, true)
  let words = 0
  let end = -2
  for (const m of matches) {
    if (m.startIndex > end + 1) words++
    end = Math.max(end, m.endIndex)
  }
  return words
}

const botUserAgent = memo((ua: string) => isbot(ua))
const profanityCount = memo(countProfanity)

export const CONTENT_FUNCTIONS: readonly FunctionDecl[] = [
  fn(
    {
      doc: 'Whether a user agent is a known bot, crawler, script or headless browser (isbot).',
      cost: 20,
      example: 'isBot(event.user_agent)',
    },
    global('isBot(string) -> bool', botUserAgent),
  ),
  fn(
    {
      doc: 'How many profane words a text contains, seeing through leetspeak and disguised letters (obscenity, English). Every occurrence counts, a repeated word each time; a word matched by several patterns, or profanities run together with nothing between them, count once. Slow: put it after cheaper conditions.',
      cost: 80,
      example: 'profanity(event.text) >= 2',
    },
    global('profanity(string) -> int', profanityCount),
  ),
  fn(
    {
      doc: 'Whether a text contains profanity (obscenity, English).',
      cost: 80,
      example: "event.type == 'comment' && hasProfanity(event.text)",
    },
    global('hasProfanity(string) -> bool', (text: string) => profanityCount(text) > 0),
  ),
]
