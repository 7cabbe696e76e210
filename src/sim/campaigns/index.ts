/**
 * The adversaries of a world: every kind of campaign in every area, each with its own intensity
 * and evasion drawn around the global `--intensity` and `--evasion` (some crews are sloppier or
 * bigger than others). `--intensity` 2 or more runs several crews of each kind. Campaign ids name
 * the kind and a number; they appear in labels.jsonl and the manifest, never in events.
 */

import type { BenignWorld } from '../benign.ts'
import type { Area } from '../event.ts'
import type { Source } from '../source.ts'
import type { World } from '../world.ts'
import type { CampaignClass, CampaignSpec } from './common.ts'
import { Bullying } from './cyberbullying.ts'
import { FakeAccountFarm } from './fake-accounts.ts'
import { FakeTraffic } from './fake-traffic.ts'
import { IncentiveFraud } from './incentive-fraud.ts'
import { LiveRoomAbuse } from './live-room.ts'
import { MonetizationAbuse } from './monetization-abuse.ts'
import { Scraper } from './scraping.ts'
import { Spam } from './spam.ts'

export type { CampaignSpec } from './common.ts'

/** Kinds per area, with the class that runs them and a sophistication factor for evasion. */
export const ROSTER: readonly { area: Area; kind: string; run: CampaignClass; skill: number }[] = [
  { area: 'fake_accounts', kind: 'farm', run: FakeAccountFarm, skill: 1 },
  { area: 'fake_traffic', kind: 'view-bot', run: FakeTraffic, skill: 0.8 },
  { area: 'fake_traffic', kind: 'follow-bot', run: FakeTraffic, skill: 1 },
  { area: 'fake_traffic', kind: 'mass-follow', run: FakeTraffic, skill: 0.8 },
  { area: 'fake_traffic', kind: 'pod', run: FakeTraffic, skill: 1.2 },
  { area: 'spam', kind: 'link-spam', run: Spam, skill: 0.8 },
  { area: 'spam', kind: 'copy-paste', run: Spam, skill: 1 },
  { area: 'spam', kind: 'dm-blast', run: Spam, skill: 1.1 },
  { area: 'scraping', kind: 'profile-enum', run: Scraper, skill: 1 },
  { area: 'scraping', kind: 'content-crawl', run: Scraper, skill: 1.2 },
  { area: 'cyberbullying', kind: 'pile-on', run: Bullying, skill: 1 },
  { area: 'cyberbullying', kind: 'harasser', run: Bullying, skill: 0.9 },
  { area: 'live_room', kind: 'raid', run: LiveRoomAbuse, skill: 0.9 },
  { area: 'live_room', kind: 'viewbot', run: LiveRoomAbuse, skill: 1 },
  { area: 'live_room', kind: 'self-gift', run: LiveRoomAbuse, skill: 1.1 },
  { area: 'incentive_fraud', kind: 'referral-ring', run: IncentiveFraud, skill: 1 },
  { area: 'incentive_fraud', kind: 'promo-farm', run: IncentiveFraud, skill: 0.9 },
  { area: 'monetization_abuse', kind: 'laundering', run: MonetizationAbuse, skill: 1.2 },
  { area: 'monetization_abuse', kind: 'click-fraud', run: MonetizationAbuse, skill: 1 },
  { area: 'monetization_abuse', kind: 'takeover', run: MonetizationAbuse, skill: 1.1 },
]

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x))

export function buildCampaigns(
  world: World,
  benign: BenignWorld,
): { specs: CampaignSpec[]; sources: Source[] } {
  const rng = world.rng('campaigns')
  const { intensity, evasion } = world.params
  const crews = Math.max(1, Math.floor(intensity))
  const specs: CampaignSpec[] = []
  const sources: Source[] = []
  if (intensity <= 0) return { specs, sources }
  for (let c = 1; c <= crews; c++)
    for (const r of ROSTER) {
      const spec: CampaignSpec = {
        id: `${r.kind}-${c}`,
        area: r.area,
        kind: r.kind,
        intensity: Math.round((intensity / crews) * rng.range(0.6, 1.4) * 100) / 100,
        evasion: Math.round(clamp01(evasion * r.skill * rng.range(0.75, 1.25)) * 100) / 100,
      }
      specs.push(spec)
      sources.push(new r.run(world, benign, spec))
    }
  return { specs, sources }
}
