/**
 * One app session of a real person: maybe a login, then a scroll through the feed — views with
 * human dwell times, the occasional follow, comment, ad click, profile visit — and now and then a
 * DM to a friend, a post (creators), a coin purchase, a report, a profile edit. During a viral
 * spike a share of every feed is the viral post, and its author gains followers fast.
 */

import type { Client, Emit } from './event.ts'
import { make, SECOND } from './event.ts'
import type { Ids } from './ids.ts'
import type { Creator, Population, User } from './population.ts'
import type { Rng } from './random.ts'
import {
  benignComment,
  benignLinkComment,
  benignMessage,
  benignPost,
  firstContactMessage,
  textFields,
} from './text.ts'
import type { Viral } from './viral.ts'

export interface Ad {
  readonly id: string
  readonly advertiser: string
  readonly campaign: string
}

export interface SessionWorld {
  readonly ids: Ids
  readonly pop: Population
  readonly viral: Viral
  readonly ads: readonly Ad[]
}

const SURFACES = [
  'feed',
  'feed',
  'feed',
  'feed',
  'following',
  'search',
  'hashtag',
  'share',
  'profile',
] as const
const PLACEMENTS = ['feed', 'feed', 'feed', 'feed', 'feed', 'feed', 'search', 'profile', 'live']
const COINS = [0.99, 0.99, 4.99, 4.99, 9.99, 19.99, 49.99, 99.99]

export function pickContent(rng: Rng, pop: Population): [Creator, string] {
  const c = pop.creators[pop.popularity.draw(rng)]!
  return [c, c.content[Math.floor(c.content.length * rng.next() ** 2)]!]
}

/** A watch time in ms: most views are a few seconds, some watch to the end, a few never render. */
export const dwell = (rng: Rng): number =>
  rng.chance(0.02) ? 0 : Math.min(180_000, Math.round(rng.logNormal(5500, 1.0)))

export function session(
  w: SessionWorld,
  rng: Rng,
  user: User,
  client: Client,
  t: number,
  emit: Emit,
): number {
  if (rng.chance(0.12)) {
    if (rng.chance(0.04)) {
      emit(
        t,
        make('login', user, client, { success: false, method: 'password', failure_reason: 'bad_password' }),
      )
      t += rng.exp(15 * SECOND)
    }
    emit(
      t,
      make('login', user, client, {
        success: true,
        method: rng.pick(['token', 'token', 'password', 'passkey']),
      }),
    )
    t += rng.exp(3 * SECOND)
  }
  const views = rng.geometric(9)
  for (let i = 0; i < views; i++) {
    t += rng.exp(4 * SECOND)
    const spike = w.viral.at(t)
    const viral = spike && rng.chance(spike.share)
    const [creator, content] = viral ? [spike.creator, spike.content] : pickContent(rng, w.pop)
    const profile = !viral && rng.chance(0.04)
    const watch = dwell(rng)
    const viaApi = user.thirdParty === true && rng.chance(0.4)
    emit(
      t,
      make('view', user, client, {
        content: profile
          ? { id: creator.profile, author_id: creator.user.id, kind: 'profile' }
          : { id: content, author_id: creator.user.id, kind: rng.chance(0.85) ? 'video' : 'photo' },
        surface: viaApi ? 'api' : profile ? 'profile' : rng.pick(SURFACES),
        watch_ms: watch,
      }),
    )
    t += watch
    if (rng.chance(viral ? 0.06 : 0.012)) {
      creator.user.followers++
      emit(
        t,
        make('follow', user, client, {
          target: { id: creator.user.id, follows_actor: false, followers: creator.user.followers },
          source: viaApi ? 'api' : profile ? 'profile' : rng.pick(['feed', 'feed', 'search', 'profile']),
        }),
      )
    }
    if (rng.chance(viral ? 0.04 : 0.02)) {
      t += rng.exp(8 * SECOND)
      const text =
        viral && rng.chance(0.5)
          ? 'omg this is the funniest thing on the internet'
          : rng.chance(0.03)
            ? benignLinkComment(rng)
            : benignComment(rng)
      emit(
        t,
        make('comment', user, client, {
          content: { id: content, author_id: creator.user.id, kind: 'video' },
          target: { id: creator.user.id, follows_actor: false, followers: creator.user.followers },
          ...textFields(text),
        }),
      )
    }
    if (rng.chance(0.02)) {
      const ad = rng.pick(w.ads)
      const quick = rng.chance(0.05)
      const ms = quick ? 150 + rng.int(250) : Math.round(rng.logNormal(2200, 0.7))
      const fields = {
        ad: { id: ad.id, advertiser_id: ad.advertiser, campaign_id: ad.campaign },
        placement: rng.pick(PLACEMENTS),
        ms_since_impression: ms,
      }
      emit(t + ms, make('ad_click', user, client, { ...fields, click_id: w.ids.hex('click') }))
      if (quick && rng.chance(0.5))
        emit(
          t + ms + 4000,
          make('ad_click', user, client, {
            ...fields,
            ms_since_impression: ms + 4000,
            click_id: w.ids.hex('click'),
          }),
        )
      t += ms + rng.exp(20 * SECOND)
    }
  }
  if (user.friends.length && rng.chance(0.05)) {
    const friend = rng.pick(user.friends)
    t += rng.exp(10 * SECOND)
    emit(
      t,
      make('view', user, client, {
        content: { id: friend.profile, author_id: friend.id, kind: 'profile' },
        surface: 'profile',
        watch_ms: dwell(rng),
      }),
    )
  }
  if (user.friends.length && rng.chance(0.15)) {
    const friend = rng.pick(user.friends)
    // Not every chat partner follows back (an acquaintance, a seller, an old classmate).
    const mutual = rng.chance(0.9)
    for (let i = rng.geometric(2.5); i > 0; i--) {
      t += rng.exp(40 * SECOND)
      emit(
        t,
        make('message', user, client, {
          target: { id: friend.id, follows_actor: mutual, followers: friend.followers },
          first_contact: false,
          ...textFields(benignMessage(rng)),
        }),
      )
    }
  }
  if (rng.chance(0.006)) {
    // A first message to a stranger: a fan writing to a creator, a question about a product.
    const [creator] = pickContent(rng, w.pop)
    t += rng.exp(20 * SECOND)
    emit(
      t,
      make('message', user, client, {
        target: { id: creator.user.id, follows_actor: false, followers: creator.user.followers },
        first_contact: true,
        ...textFields(firstContactMessage(rng)),
      }),
    )
  }
  if (user.creator && rng.chance(0.12)) {
    const { text, hashtags } = benignPost(rng)
    const id = w.ids.next('c')
    user.creator.content.unshift(id)
    // Mostly videos; some photo sets and plain text posts (an announcement, a giveaway).
    const r = rng.next()
    const [kind, media] = r < 0.75 ? ['video', 1] : r < 0.9 ? ['photo', 1 + rng.int(6)] : ['post', 0]
    emit(
      t,
      make('post', user, client, {
        content: { id, author_id: user.id, kind },
        ...textFields(text),
        hashtags,
        media_count: media,
      }),
    )
  }
  if (user.card && rng.chance(0.015)) {
    const ok = rng.chance(0.93)
    emit(
      t,
      make('payment', user, client, {
        amount: rng.pick(COINS),
        currency: 'USD',
        purpose: 'coins',
        method: 'card',
        success: ok,
        ...(ok ? {} : { decline_reason: rng.pick(['insufficient_funds', 'incorrect_cvc', 'do_not_honor']) }),
        card: user.card,
      }),
    )
  }
  if (rng.chance(0.003)) {
    const [creator] = pickContent(rng, w.pop)
    emit(
      t,
      make('report', user, client, {
        target: { id: creator.user.id, follows_actor: false },
        reason: rng.pick(['spam', 'other', 'nudity', 'violence', 'harassment']),
      }),
    )
  }
  if (rng.chance(0.008)) emit(t, make('profile_update', user, client, profileChange(rng, user)))
  if (rng.chance(0.002))
    emit(
      t,
      make('promo_redeem', user, client, {
        code: 'SPRING25',
        campaign: 'spring-sale',
        value: 2.5,
        new_user_only: false,
      }),
    )
  return t
}

/** What people change on their profile: mostly the bio, sometimes a name, a link, their e-mail. */
function profileChange(rng: Rng, user: User): Record<string, unknown> {
  const r = rng.next()
  if (r < 0.55)
    return {
      changed: ['bio'],
      bio: rng.pick(['coffee, dogs and bad jokes', 'just here for the recipes', 'she/her 🌸', 'ig below']),
    }
  if (r < 0.75) return { changed: ['display_name'], display_name: `${user.id.slice(2, 6)} ✨` }
  if (r < 0.9)
    return { changed: ['bio'], bio: 'my other stuff: https://linktr.ee/me', link_domains: ['linktr.ee'] }
  return { changed: ['email'], email: `${user.id.slice(2)}@gmail.com` }
}
