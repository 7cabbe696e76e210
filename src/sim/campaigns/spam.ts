/**
 * Spam: link comments under popular videos, copy-paste posts, and DM blasts to strangers
 * (scam openers steering people to an off-platform messenger). Damage: 1 per message delivered.
 *   evasion 0: fresh accounts made for the job, one template pasted identically (a number or
 *              emoji appended), one freshly registered domain or a shortener for the whole run,
 *              dozens of messages per account per hour;
 *   evasion 1: aged or bought accounts, reworded copies (different normalised text), a fresh
 *              domain or a shortener every day, a handful of messages per account, human hours.
 */

import { contactBait, spamText } from '../abuse-text.ts'
import type { Emit } from '../event.ts'
import { HOUR, SECOND } from '../event.ts'
import { pickContent } from '../session.ts'
import type { Episode } from '../source.ts'
import { textFields } from '../text.ts'
import { type Account, Campaign } from './common.ts'

const WORDS = ['promo', 'gift', 'win', 'cash', 'fans', 'free', 'bonus', 'prize', 'deal', 'boost']
const TLDS = ['xyz', 'top', 'live', 'site', 'shop', 'click', 'online', 'info']
const SHORTENERS = ['bit.ly', 'tinyurl.com', 'cutt.ly', 'is.gd']

export class Spam extends Campaign {
  private hosting: string[] = []
  private template = 0
  private domain = ''

  private freshDomain(): string {
    const rng = this.rng
    if (rng.chance(0.25 + 0.25 * this.e)) return rng.pick(SHORTENERS)
    return `${rng.pick(WORDS)}-${rng.pick(WORDS)}${rng.int(999)}.${rng.pick(TLDS)}`
  }

  protected day(day: number, index: number): Episode[] {
    const rng = this.rng
    if (index === 0) {
      this.hosting = this.servers(3)
      this.template = rng.int(5)
    }
    const messages = this.volume(this.spec.kind === 'dm-blast' ? 400 : 600)
    const perAccount = Math.max(3, Math.round(60 * (1 - this.e) + 5))
    // A domain registered for the job: kept all campaign long when careless (it soon lands on
    // blocklists — but not on this pack's, which knows only its placeholders), a new one or a
    // shortener every day when evading.
    if (index === 0 || rng.chance(this.e)) this.domain = this.freshDomain()
    const domain = this.domain
    const out: Episode[] = []
    for (let sent = 0; sent < messages; sent += perAccount) {
      const t0 = this.when(day, rng.pick([-5, 0, 5.5]))
      const n = Math.min(perAccount, messages - sent)
      out.push([t0, (emit) => this.account(t0, n, domain, emit)] as const)
    }
    return out
  }

  private account(t: number, n: number, domain: string, emit: Emit): void {
    const rng = this.rng
    const client = { device: this.device(), ip: this.address(this.hosting) }
    const a: Account = rng.chance(this.e)
      ? this.aged(t, client)
      : this.signup(emit, t, client, { domains: [`${domain.split('.')[0]}-mail.xyz`] })
    t += this.gap(2 * 60 * SECOND)
    const link = `https://${domain}/${rng.int(1e6).toString(36)}`
    for (let i = 0; i < n; i++) {
      t += this.gap(40 * SECOND)
      if (this.spec.kind === 'dm-blast') {
        const victim = rng.pick(this.world.pop.users)
        const text = rng.chance(0.6) ? contactBait(rng, this.e) : spamText(rng, this.template, link, this.e)
        emit(
          t,
          this.make('message', a.actor, a.client, {
            target: { id: victim.id, follows_actor: false, followers: victim.followers },
            first_contact: true,
            ...textFields(text),
          }),
          this.truth(1),
        )
        continue
      }
      const text = spamText(rng, this.template, link, this.e)
      if (this.spec.kind === 'copy-paste' && rng.chance(0.4)) {
        const id = this.world.ids.next('c')
        emit(
          t,
          this.make('post', a.actor, a.client, {
            content: { id, author_id: a.actor.id, kind: 'post' },
            ...textFields(text),
            hashtags: ['giveaway'],
            media_count: 0,
          }),
          this.truth(1),
        )
        continue
      }
      const [creator, content] = pickContent(rng, this.world.pop)
      emit(
        t,
        this.make('comment', a.actor, a.client, {
          content: { id: content, author_id: creator.user.id, kind: 'video' },
          target: { id: creator.user.id, follows_actor: false, followers: creator.user.followers },
          ...textFields(text),
        }),
        this.truth(1),
      )
    }
    if (rng.chance(0.3))
      emit(
        t + HOUR,
        this.make('profile_update', a.actor, a.client, {
          changed: ['bio'],
          bio: `free stuff 👉 ${link}`,
          link_domains: [domain],
        }),
        this.truth(1),
      )
  }
}
