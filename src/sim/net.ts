/**
 * Where traffic comes from. Address ranges are real-world allocations (ISPs, mobile carriers,
 * cloud and hosting providers), used only to make addresses look the way they do in production:
 *   - home broadband: one address per household, stable for days;
 *   - mobile carriers: carrier-grade NAT, a small pool of egress addresses shared by thousands
 *     of subscribers, a different one almost every session (and IPv6 for part of them);
 *   - offices and campuses: one egress address for hundreds of people;
 *   - hosting: the ranges the starter pack lists (AWS, GCP, Azure, DigitalOcean…) AND ranges it
 *     does not (Contabo, Scaleway, Alibaba, Oracle…) — real attackers are not limited to a sample;
 *   - residential proxies: addresses inside home ISP ranges, rented per request by scrapers/farms.
 */

import type { Rng } from './random.ts'

type Range = readonly [base: number, size: number]

function cidr(text: string): Range {
  const [addr, bits] = text.split('/')
  const o = addr!.split('.').map(Number)
  const base = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0
  return [base, 2 ** (32 - Number(bits))]
}

const ranges = (...xs: string[]): Range[] => xs.map(cidr)

export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'BR', 'IN', 'ID', 'JP', 'MX'] as const
export type Country = (typeof COUNTRIES)[number]

/** Home broadband ranges per country (large incumbents and cable operators). */
const HOME: Record<Country, Range[]> = {
  US: ranges('73.0.0.0/8', '98.192.0.0/10', '76.96.0.0/11', '71.192.0.0/12'),
  GB: ranges('86.128.0.0/10', '81.96.0.0/12'),
  DE: ranges('87.128.0.0/10', '91.64.0.0/14'),
  FR: ranges('90.0.0.0/9', '86.192.0.0/11'),
  BR: ranges('177.32.0.0/11', '179.96.0.0/11'),
  IN: ranges('117.192.0.0/10', '122.160.0.0/12'),
  ID: ranges('36.64.0.0/11', '110.136.0.0/13'),
  JP: ranges('126.0.0.0/8', '60.64.0.0/10'),
  MX: ranges('187.128.0.0/10', '189.128.0.0/11'),
}

/** Mobile carrier ranges per country (CGNAT egress lives here). */
const MOBILE: Record<Country, Range[]> = {
  US: ranges('172.56.0.0/14', '174.192.0.0/10', '107.64.0.0/10'),
  GB: ranges('92.40.0.0/14', '82.132.0.0/16'),
  DE: ranges('80.187.0.0/16', '89.204.128.0/17'),
  FR: ranges('37.160.0.0/12', '80.214.0.0/16'),
  BR: ranges('191.0.0.0/12', '177.72.0.0/14'),
  IN: ranges('49.32.0.0/11', '106.192.0.0/11'),
  ID: ranges('114.120.0.0/13', '182.0.0.0/12'),
  JP: ranges('49.96.0.0/12', '126.224.0.0/12'),
  MX: ranges('189.203.0.0/16', '201.144.0.0/12'),
}

/** Mobile IPv6 prefixes (a /32 per carrier); part of mobile sessions arrive over IPv6. */
const MOBILE_V6: Partial<Record<Country, string>> = {
  US: '2607:fb90',
  GB: '2a01:4c8',
  DE: '2a01:598',
  FR: '2a04:cec0',
  IN: '2409:4040',
  JP: '2400:4050',
}

/** Hosting ranges that are in the starter pack's datacenter sample. */
export const HOSTING_LISTED = ranges(
  '3.80.0.0/12',
  '18.204.0.0/14',
  '34.192.0.0/12',
  '34.64.0.0/10',
  '35.184.0.0/13',
  '13.64.0.0/11',
  '104.40.0.0/13',
  '138.68.0.0/16',
  '159.203.0.0/16',
  '167.99.0.0/16',
  '139.162.0.0/16',
  '172.104.0.0/15',
  '88.198.0.0/16',
  '95.216.0.0/15',
  '51.68.0.0/16',
  '149.28.0.0/16',
)

/** Hosting ranges that are NOT in the sample (smaller clouds, VPS resellers, Asian clouds). */
export const HOSTING_UNLISTED = ranges(
  '161.97.0.0/16', // Contabo
  '51.15.0.0/16', // Scaleway
  '47.88.0.0/14', // Alibaba Cloud
  '129.146.0.0/16', // Oracle Cloud
  '43.128.0.0/14', // Tencent Cloud
  '45.32.0.0/16', // Vultr (older block)
  '5.161.0.0/16', // Hetzner US
  '185.220.100.0/22', // a privacy-hosting block many VPNs rent
)

export function v4(rng: Rng, from: readonly Range[]): string {
  const [base, size] = rng.pick(from)
  const n = (base + 1 + rng.int(size - 2)) >>> 0
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

export const homeIp = (rng: Rng, c: Country): string => v4(rng, HOME[c])
export const mobileIp = (rng: Rng, c: Country): string => v4(rng, MOBILE[c])
/** A residential proxy exit: a random home address anywhere (rented per request or per session). */
export const proxyIp = (rng: Rng): string => v4(rng, HOME[rng.pick(COUNTRIES)])

/** A hosting address: from the listed sample with probability `listed`, else elsewhere. */
export const hostingIp = (rng: Rng, listed = 0.7): string =>
  v4(rng, rng.chance(listed) ? HOSTING_LISTED : HOSTING_UNLISTED)

/** Whether `ip` is in one of the hosting ranges above, listed or not (IPv6 never is here). */
export function isHostingIp(ip: string): boolean {
  const o = ip.split('.')
  if (o.length !== 4) return false
  const n = o.reduce((x, part) => x * 256 + Number(part), 0)
  return [...HOSTING_LISTED, ...HOSTING_UNLISTED].some(([base, size]) => n >= base && n < base + size)
}

function v6(rng: Rng, prefix: string): string {
  const g = () => rng.int(0x10000).toString(16)
  return `${prefix}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`
}

/**
 * A carrier's CGNAT egress pool: a few addresses per thousand subscribers. Every session of a
 * subscriber picks one; thousands of unrelated users share each.
 */
export class Carrier {
  readonly v4: readonly string[]
  readonly country: Country

  constructor(rng: Rng, country: Country, egress: number) {
    this.country = country
    this.v4 = Array.from({ length: Math.max(2, egress) }, () => mobileIp(rng, country))
  }

  session(rng: Rng): string {
    const prefix = MOBILE_V6[this.country]
    if (prefix && rng.chance(0.25)) return v6(rng, prefix)
    return rng.pick(this.v4)
  }
}
