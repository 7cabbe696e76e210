/**
 * 100 realistic risk rules for the language benchmark, across the eight abuse areas, each in
 * CEL and as the hand-written JavaScript an engineer would write for the same logic.
 *
 * `cel` is Bulwark's form. Engines without policy lists read a portable form: value lists become
 * maps (`x in lists.name` works unchanged), domain and CIDR lists go through the functions
 * inDomains/inCidrs that every engine registers over the same data structures.
 */

import type { BenchEvent, BenchLists, Features } from './events.ts'

export interface BenchRule {
  readonly id: string
  readonly cel: string
  /** Text for engines without Bulwark's list types; defaults to `cel`. */
  readonly portable: string
  readonly js: (e: BenchEvent, f: Features, l: BenchLists) => boolean
}

const SURROGATE = /[\uD800-\uDFFF]/
/** Code-point length, as CEL's size() (what a careful hand-written rule must use too). */
export const cpLen = (s: string) => (SURROGATE.test(s) ? [...s].length : s.length)

const rules: BenchRule[] = []
function rule(id: string, cel: string, js: BenchRule['js'], portable = cel): void {
  rules.push({ id, cel, portable, js })
}
const domains = (x: string, list: string) => `inDomains(${x}, '${list}')`
const cidrs = (x: string, list: string) => `inCidrs(${x}, '${list}')`

// ── fake accounts ─────────────────────────────────────────────────────────────
rule(
  'fa-device-farm',
  "event.type == 'signup' && features.signups_device_1h > 3",
  (e, f) => e.type === 'signup' && f.signups_device_1h! > 3,
)
rule(
  'fa-ip-burst',
  "event.type == 'signup' && features.signups_ip_24h >= 10",
  (e, f) => e.type === 'signup' && f.signups_ip_24h! >= 10,
)
rule(
  'fa-disposable-email',
  "event.type == 'signup' && event.email in lists.disposable_domains",
  (e, _f, l) => e.type === 'signup' && l.disposable_domains.matches(e.email),
  `event.type == 'signup' && ${domains('event.email', 'disposable_domains')}`,
)
rule(
  'fa-datacenter-signup',
  "event.type == 'signup' && event.ip in lists.datacenter",
  (e, _f, l) => e.type === 'signup' && l.datacenter.containsText(e.ip),
  `event.type == 'signup' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'fa-emulator',
  "event.type == 'signup' && (event.device.emulator || event.device.rooted)",
  (e) => e.type === 'signup' && (e.device.emulator || e.device.rooted),
)
rule(
  'fa-headless',
  "event.type == 'signup' && event.user_agent.contains('HeadlessChrome')",
  (e) => e.type === 'signup' && e.user_agent.includes('HeadlessChrome'),
)
rule(
  'fa-script-agent',
  "event.type == 'signup' && (event.user_agent.startsWith('python-') || event.user_agent.startsWith('curl/'))",
  (e) => e.type === 'signup' && (e.user_agent.startsWith('python-') || e.user_agent.startsWith('curl/')),
)
rule(
  'fa-many-accounts-device',
  'features.accounts_per_device > 5 && event.actor.age_days < 7',
  (_e, f) => f.accounts_per_device! > 5 && _e.actor.age_days < 7,
)
rule(
  'fa-unverified-new',
  "event.type == 'signup' && !event.actor.email_verified && !event.actor.phone_verified && features.signups_ip_24h > 2",
  (e, f) =>
    e.type === 'signup' && !e.actor.email_verified && !e.actor.phone_verified && f.signups_ip_24h! > 2,
)
rule(
  'fa-numbered-email',
  "event.type == 'signup' && event.email.matches('^user[0-9]+@')",
  (e) => e.type === 'signup' && /^user[0-9]+@/.test(e.email),
)
rule('fa-banned-device', 'event.device.id in lists.banned_devices', (e, _f, l) =>
  l.banned_devices.has(e.device.id),
)
rule(
  'fa-country-mismatch',
  "event.type == 'signup' && event.actor.country in lists.high_risk_countries && features.countries_7d > 2",
  (e, f, l) => e.type === 'signup' && l.high_risk_countries.has(e.actor.country) && f.countries_7d! > 2,
)

// ── fake traffic ──────────────────────────────────────────────────────────────
rule(
  'ft-view-bot',
  "event.type == 'comment' && features.views_1m > 30",
  (e, f) => e.type === 'comment' && f.views_1m! > 30,
)
rule(
  'ft-follow-burst',
  "event.type == 'follow' && features.follows_1h > 20",
  (e, f) => e.type === 'follow' && f.follows_1h! > 20,
)
rule(
  'ft-follow-new-account',
  "event.type == 'follow' && event.actor.age_days < 2 && features.follows_1h > 10",
  (e, f) => e.type === 'follow' && e.actor.age_days < 2 && f.follows_1h! > 10,
)
rule(
  'ft-engagement-pod',
  "event.type == 'follow' && features.targets_1h > 15 && features.new_followers_1h > 15",
  (e, f) => e.type === 'follow' && f.targets_1h! > 15 && f.new_followers_1h! > 15,
)
rule(
  'ft-follow-datacenter',
  "event.type == 'follow' && event.ip in lists.datacenter",
  (e, _f, l) => e.type === 'follow' && l.datacenter.containsText(e.ip),
  `event.type == 'follow' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'ft-zero-posts-follows',
  "event.type == 'follow' && event.actor.posts == 0 && event.actor.following > 1000",
  (e) => e.type === 'follow' && e.actor.posts === 0 && e.actor.following > 1000,
)
rule(
  'ft-emulator-follow',
  "event.type == 'follow' && event.device.emulator",
  (e) => e.type === 'follow' && e.device.emulator,
)
rule(
  'ft-headless-any',
  "event.user_agent.contains('Headless') && features.views_1m > 10",
  (e, f) => e.user_agent.includes('Headless') && f.views_1m! > 10,
)
rule(
  'ft-short-session',
  "event.type == 'comment' && features.avg_session_s < 3.0 && features.views_1m > 5",
  (e, f) => e.type === 'comment' && f.avg_session_s! < 3.0 && f.views_1m! > 5,
)
rule(
  'ft-target-popular',
  "event.type == 'follow' && event.target.followers > 50000 && event.actor.age_days < 1",
  (e) => e.type === 'follow' && e.target.followers > 50000 && e.actor.age_days < 1,
)
rule(
  'ft-night-burst',
  "event.type == 'follow' && event.hour >= 2 && event.hour <= 5 && features.follows_1h > 8",
  (e, f) => e.type === 'follow' && e.hour >= 2 && e.hour <= 5 && f.follows_1h! > 8,
)
rule(
  'ft-tor-follow',
  "event.type == 'follow' && event.ip in lists.tor_exits",
  (e, _f, l) => e.type === 'follow' && l.tor_exits.containsText(e.ip),
  `event.type == 'follow' && ${cidrs('event.ip', 'tor_exits')}`,
)

// ── spam ──────────────────────────────────────────────────────────────────────
rule(
  'sp-link-new',
  "event.type == 'comment' && event.text.contains('http') && event.actor.age_days < 3",
  (e) => e.type === 'comment' && e.text.includes('http') && e.actor.age_days < 3,
)
rule('sp-free-money', "event.text.lowerAscii().contains('free money')", (e) =>
  e.text.toLowerCase().includes('free money'),
)
rule(
  'sp-whatsapp',
  "event.type == 'comment' && event.text.matches('[Ww]hats ?[Aa]pp')",
  (e) => e.type === 'comment' && /[Ww]hats ?[Aa]pp/.test(e.text),
)
rule('sp-duplicate', 'features.duplicate_text_1h > 5', (_e, f) => f.duplicate_text_1h! > 5)
rule(
  'sp-dm-blast',
  "event.type == 'message' && features.messages_1m > 10 && features.targets_1h > 20",
  (e, f) => e.type === 'message' && f.messages_1m! > 10 && f.targets_1h! > 20,
)
rule('sp-links-rate', 'features.links_1h > 8', (_e, f) => f.links_1h! > 8)
rule(
  'sp-long-text',
  "event.type == 'comment' && size(event.text) > 35",
  (e) => e.type === 'comment' && cpLen(e.text) > 35,
)
rule(
  'sp-shortener',
  "event.text.contains('bit.ly/') || event.text.contains('tinyurl.com/')",
  (e) => e.text.includes('bit.ly/') || e.text.includes('tinyurl.com/'),
)
rule(
  'sp-crypto-emoji',
  "event.text.contains('crypto') && event.text.contains('🚀')",
  (e) => e.text.includes('crypto') && e.text.includes('🚀'),
)
rule('sp-earn', "event.text.matches('[Ee]arn \\\\$[0-9]+')", (e) => /[Ee]arn \$[0-9]+/.test(e.text))
rule('sp-spam-tag', "event.tags.exists(t, t == 'spam' || t == 'promo')", (e) =>
  e.tags.some((t) => t === 'spam' || t === 'promo'),
)
rule(
  'sp-many-tags',
  "size(event.tags) >= 4 && event.tags.exists(t, t == 'giveaway')",
  (e) => e.tags.length >= 4 && e.tags.includes('giveaway'),
)
rule(
  'sp-comment-rate',
  "event.type == 'comment' && features.comments_1m > 20",
  (e, f) => e.type === 'comment' && f.comments_1m! > 20,
)

// ── scraping ─────────────────────────────────────────────────────────────────
rule(
  'sc-datacenter-views',
  'event.ip in lists.datacenter && features.views_1m > 20',
  (e, f, l) => l.datacenter.containsText(e.ip) && f.views_1m! > 20,
  `${cidrs('event.ip', 'datacenter')} && features.views_1m > 20`,
)
rule(
  'sc-script-agent',
  "event.user_agent.startsWith('python-requests') || event.user_agent.startsWith('okhttp')",
  (e) => e.user_agent.startsWith('python-requests') || e.user_agent.startsWith('okhttp'),
)
rule(
  'sc-curl',
  "event.user_agent.startsWith('curl/') && features.views_1m > 5",
  (e, f) => e.user_agent.startsWith('curl/') && f.views_1m! > 5,
)
rule(
  'sc-tor',
  'event.ip in lists.tor_exits && features.views_1m > 10',
  (e, f, l) => l.tor_exits.containsText(e.ip) && f.views_1m! > 10,
  `${cidrs('event.ip', 'tor_exits')} && features.views_1m > 10`,
)
rule(
  'sc-enumeration',
  'features.targets_1h > 20 && features.follows_1h == 0',
  (_e, f) => f.targets_1h! > 20 && f.follows_1h === 0,
)
rule(
  'sc-headless-linux',
  "event.device.os == 'linux' && event.user_agent.contains('Headless')",
  (e) => e.device.os === 'linux' && e.user_agent.includes('Headless'),
)
rule(
  'sc-no-session',
  'features.avg_session_s < 1.0 && features.views_1m > 15',
  (_e, f) => f.avg_session_s! < 1.0 && f.views_1m! > 15,
)
rule(
  'sc-new-heavy',
  'event.actor.age_days < 1 && features.views_1m > 25',
  (e, f) => e.actor.age_days < 1 && f.views_1m! > 25,
)
rule('sc-agent-lower', "event.user_agent.lowerAscii().contains('bot')", (e) =>
  e.user_agent.toLowerCase().includes('bot'),
)
rule(
  'sc-datacenter-login',
  "event.type == 'login' && event.ip in lists.datacenter",
  (e, _f, l) => e.type === 'login' && l.datacenter.containsText(e.ip),
  `event.type == 'login' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'sc-rotating',
  'features.countries_7d > 5 && features.views_1m > 10',
  (_e, f) => f.countries_7d! > 5 && f.views_1m! > 10,
)

// ── cyberbullying ─────────────────────────────────────────────────────────────
rule(
  'cb-pile-on',
  "event.type == 'comment' && features.reports_against_24h > 10",
  (e, f) => e.type === 'comment' && f.reports_against_24h! > 10,
)
rule(
  'cb-insult',
  "event.type == 'comment' && event.text.lowerAscii().contains('dumb')",
  (e) => e.type === 'comment' && e.text.toLowerCase().includes('dumb'),
)
rule('cb-nobody-likes', "event.text.contains('nobody likes you')", (e) => e.text.includes('nobody likes you'))
rule(
  'cb-insult-regex',
  "event.type == 'message' && event.text.matches('(dumb|stupid|idiot|loser)')",
  (e) => e.type === 'message' && /(dumb|stupid|idiot|loser)/.test(e.text),
)
rule(
  'cb-new-target-minor',
  "event.type == 'message' && event.target.age_days < 30 && event.actor.age_days < 3",
  (e) => e.type === 'message' && e.target.age_days < 30 && e.actor.age_days < 3,
)
rule(
  'cb-dm-many-targets',
  "event.type == 'message' && features.targets_1h > 15 && !event.actor.verified",
  (e, f) => e.type === 'message' && f.targets_1h! > 15 && !e.actor.verified,
)
rule(
  'cb-reported-actor',
  'features.reports_against_24h > 5 && event.actor.age_days < 14',
  (e, f) => f.reports_against_24h! > 5 && e.actor.age_days < 14,
)
rule(
  'cb-shouting',
  "event.type == 'comment' && event.text == event.text.upperAscii() && size(event.text) > 10",
  (e) =>
    e.type === 'comment' &&
    e.text === e.text.replace(/[a-z]+/g, (m) => m.toUpperCase()) &&
    cpLen(e.text) > 10,
)
rule(
  'cb-comment-burst-target',
  "event.type == 'comment' && features.comments_1m > 10 && event.target.followers < 100",
  (e, f) => e.type === 'comment' && f.comments_1m! > 10 && e.target.followers < 100,
)
rule(
  'cb-night-messages',
  "event.type == 'message' && (event.hour < 6 || event.hour > 22) && features.messages_1m > 5",
  (e, f) => e.type === 'message' && (e.hour < 6 || e.hour > 22) && f.messages_1m! > 5,
)
rule(
  'cb-nsfw-tag',
  "event.tags.exists(t, t == 'nsfw') && event.target.age_days < 365",
  (e) => e.tags.includes('nsfw') && e.target.age_days < 365,
)
rule(
  'cb-reports-ratio',
  'event.actor.posts > 0 && features.reports_against_24h * 10 > event.actor.posts',
  (e, f) => e.actor.posts > 0 && f.reports_against_24h! * 10 > e.actor.posts,
)

// ── live-room risks ──────────────────────────────────────────────────────────
rule(
  'lr-gift-burst',
  "event.type == 'live_gift' && features.gifts_1h > 20",
  (e, f) => e.type === 'live_gift' && f.gifts_1h! > 20,
)
rule(
  'lr-gift-value',
  "event.type == 'live_gift' && features.gift_value_1h > 2000.0",
  (e, f) => e.type === 'live_gift' && f.gift_value_1h! > 2000.0,
)
rule(
  'lr-self-gift',
  "event.type == 'live_gift' && event.actor.id == event.target.id",
  (e) => e.type === 'live_gift' && e.actor.id === e.target.id,
)
rule(
  'lr-new-account-gift',
  "event.type == 'live_gift' && event.actor.age_days < 3 && event.amount > 100.0",
  (e) => e.type === 'live_gift' && e.actor.age_days < 3 && e.amount > 100.0,
)
rule(
  'lr-shared-device-gift',
  "event.type == 'live_gift' && features.accounts_per_device > 3",
  (e, f) => e.type === 'live_gift' && f.accounts_per_device! > 3,
)
rule(
  'lr-raid',
  "event.type == 'comment' && features.comments_1m > 25 && event.actor.age_days < 7",
  (e, f) => e.type === 'comment' && f.comments_1m! > 25 && e.actor.age_days < 7,
)
rule(
  'lr-emulator-gift',
  "event.type == 'live_gift' && event.device.emulator",
  (e) => e.type === 'live_gift' && e.device.emulator,
)
rule(
  'lr-gift-country',
  "event.type == 'live_gift' && event.card_country != event.actor.country && event.amount > 50.0",
  (e) => e.type === 'live_gift' && e.card_country !== e.actor.country && e.amount > 50.0,
)
rule(
  'lr-small-streamer-big-gift',
  "event.type == 'live_gift' && event.target.followers < 200 && event.amount > 300.0",
  (e) => e.type === 'live_gift' && e.target.followers < 200 && e.amount > 300.0,
)
rule(
  'lr-gift-datacenter',
  "event.type == 'live_gift' && event.ip in lists.datacenter",
  (e, _f, l) => e.type === 'live_gift' && l.datacenter.containsText(e.ip),
  `event.type == 'live_gift' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'lr-gift-avg',
  "event.type == 'live_gift' && features.gifts_1h > 0 && features.gift_value_1h / double(features.gifts_1h) > 500.0",
  (e, f) => e.type === 'live_gift' && f.gifts_1h! > 0 && f.gift_value_1h! / f.gifts_1h! > 500.0,
)

// ── incentive fraud ──────────────────────────────────────────────────────────
rule(
  'if-referral-ring',
  "event.type == 'signup' && event.referrer != '' && features.referrals_24h > 5",
  (e, f) => e.type === 'signup' && e.referrer !== '' && f.referrals_24h! > 5,
)
rule(
  'if-promo-ip',
  "event.type == 'promo_redeem' && features.promo_ip_24h > 3",
  (e, f) => e.type === 'promo_redeem' && f.promo_ip_24h! > 3,
)
rule(
  'if-promo-new',
  "event.type == 'promo_redeem' && event.actor.age_days < 1",
  (e) => e.type === 'promo_redeem' && e.actor.age_days < 1,
)
rule(
  'if-promo-disposable',
  "event.type == 'promo_redeem' && event.email in lists.disposable_domains",
  (e, _f, l) => e.type === 'promo_redeem' && l.disposable_domains.matches(e.email),
  `event.type == 'promo_redeem' && ${domains('event.email', 'disposable_domains')}`,
)
rule(
  'if-promo-device',
  "event.type == 'promo_redeem' && features.accounts_per_device > 2",
  (e, f) => e.type === 'promo_redeem' && f.accounts_per_device! > 2,
)
rule(
  'if-promo-pattern',
  "event.promo_code.startsWith('PROMO') && features.promo_ip_24h > 5",
  (e, f) => e.promo_code.startsWith('PROMO') && f.promo_ip_24h! > 5,
)
rule(
  'if-referral-self',
  "event.referrer == event.actor.id && event.referrer != ''",
  (e) => e.referrer === e.actor.id && e.referrer !== '',
)
rule(
  'if-referral-emulator',
  "event.referrer != '' && event.device.emulator",
  (e) => e.referrer !== '' && e.device.emulator,
)
rule(
  'if-referral-datacenter',
  "event.referrer != '' && event.ip in lists.datacenter",
  (e, _f, l) => e.referrer !== '' && l.datacenter.containsText(e.ip),
  `event.referrer != '' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'if-promo-unverified',
  "event.type == 'promo_redeem' && !event.actor.email_verified",
  (e) => e.type === 'promo_redeem' && !e.actor.email_verified,
)
rule(
  'if-signup-promo-burst',
  "event.type == 'signup' && event.promo_code != '' && features.signups_ip_24h > 4",
  (e, f) => e.type === 'signup' && e.promo_code !== '' && f.signups_ip_24h! > 4,
)
rule(
  'if-code-number',
  "event.type == 'promo_redeem' && event.promo_code.matches('^PROMO9[0-9]$')",
  (e) => e.type === 'promo_redeem' && /^PROMO9[0-9]$/.test(e.promo_code),
)

// ── monetization abuse ───────────────────────────────────────────────────────
rule(
  'ma-click-rate',
  "event.type == 'ad_click' && features.clicks_1m > 20",
  (e, f) => e.type === 'ad_click' && f.clicks_1m! > 20,
)
rule(
  'ma-click-datacenter',
  "event.type == 'ad_click' && event.ip in lists.datacenter",
  (e, _f, l) => e.type === 'ad_click' && l.datacenter.containsText(e.ip),
  `event.type == 'ad_click' && ${cidrs('event.ip', 'datacenter')}`,
)
rule(
  'ma-ctr',
  "event.type == 'ad_click' && features.click_ctr > 800.0",
  (e, f) => e.type === 'ad_click' && f.click_ctr! > 800.0,
)
rule(
  'ma-click-headless',
  "event.type == 'ad_click' && event.user_agent.contains('Headless')",
  (e) => e.type === 'ad_click' && e.user_agent.includes('Headless'),
)
rule(
  'ma-payout-new',
  "event.type == 'payout' && event.actor.age_days < 14 && event.amount > 500.0",
  (e) => e.type === 'payout' && e.actor.age_days < 14 && e.amount > 500.0,
)
rule(
  'ma-payout-velocity',
  "event.type == 'payout' && features.payout_24h > 1500.0",
  (e, f) => e.type === 'payout' && f.payout_24h! > 1500.0,
)
rule(
  'ma-chargebacks',
  "event.type == 'payment' && features.chargebacks_90d >= 2",
  (e, f) => e.type === 'payment' && f.chargebacks_90d! >= 2,
)
rule(
  'ma-card-country',
  "event.type == 'payment' && event.card_country != event.actor.country && event.card_country in lists.high_risk_countries",
  (e, _f, l) =>
    e.type === 'payment' && e.card_country !== e.actor.country && l.high_risk_countries.has(e.card_country),
)
rule(
  'ma-payment-burst',
  "event.type == 'payment' && features.payments_1h > 5 && features.amount_24h > 1000.0",
  (e, f) => e.type === 'payment' && f.payments_1h! > 5 && f.amount_24h! > 1000.0,
)
rule(
  'ma-big-first-payment',
  "event.type == 'payment' && event.actor.age_days < 1 && event.amount > 750.0",
  (e) => e.type === 'payment' && e.actor.age_days < 1 && e.amount > 750.0,
)
rule(
  'ma-tor-payment',
  "event.type == 'payment' && event.ip in lists.tor_exits",
  (e, _f, l) => e.type === 'payment' && l.tor_exits.containsText(e.ip),
  `event.type == 'payment' && ${cidrs('event.ip', 'tor_exits')}`,
)
rule(
  'ma-payout-emulator',
  "event.type == 'payout' && (event.device.emulator || event.device.rooted)",
  (e) => e.type === 'payout' && (e.device.emulator || e.device.rooted),
)
rule(
  'ma-amount-tiers',
  "event.type == 'payment' && (event.actor.verified ? event.amount > 1500.0 : event.amount > 400.0)",
  (e) => e.type === 'payment' && (e.actor.verified ? e.amount > 1500.0 : e.amount > 400.0),
)
rule(
  'ma-login-fail-payment',
  "event.type == 'payment' && features.logins_failed_1h > 3",
  (e, f) => e.type === 'payment' && f.logins_failed_1h! > 3,
)
rule(
  'ma-ato-login',
  "event.type == 'login' && features.logins_failed_1h > 5 && features.countries_7d > 2",
  (e, f) => e.type === 'login' && f.logins_failed_1h! > 5 && f.countries_7d! > 2,
)
rule(
  'ma-fail-ratio',
  "event.type == 'login' && features.logins_1h > 0 && features.logins_failed_1h / features.logins_1h >= 3",
  (e, f) => e.type === 'login' && f.logins_1h! > 0 && Math.trunc(f.logins_failed_1h! / f.logins_1h!) >= 3,
)
rule(
  'ma-payout-hour',
  "event.type == 'payout' && event.hour >= 1 && event.hour <= 4 && event.amount > 200.0",
  (e) => e.type === 'payout' && e.hour >= 1 && e.hour <= 4 && e.amount > 200.0,
)

export const RULES: readonly BenchRule[] = rules
