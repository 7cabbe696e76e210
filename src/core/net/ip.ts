/**
 * IP addresses and CIDR ranges as values. IPv4 addresses are uint32 numbers, IPv6 addresses are
 * 128-bit bigints; IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) are treated as the IPv4 address
 * they carry, so one rule covers both notations. Parsing is strict: no zones, no shorthand IPv4.
 */

export type IpFamily = 4 | 6

export class IpAddress {
  readonly family: IpFamily
  /** uint32 for IPv4, 128-bit bigint for IPv6. */
  readonly value: number | bigint

  constructor(family: IpFamily, value: number | bigint) {
    this.family = family
    this.value = value
  }

  toString(): string {
    return this.family === 4 ? formatV4(this.value as number) : formatV6(this.value as bigint)
  }

  equals(other: IpAddress): boolean {
    return this.family === other.family && this.value === other.value
  }
}

export class Cidr {
  readonly family: IpFamily
  /** First address of the range (host bits cleared). */
  readonly first: number | bigint
  /** Last address of the range. */
  readonly last: number | bigint
  readonly prefix: number

  constructor(family: IpFamily, first: number | bigint, last: number | bigint, prefix: number) {
    this.family = family
    this.first = first
    this.last = last
    this.prefix = prefix
  }

  contains(ip: IpAddress): boolean {
    return ip.family === this.family && ip.value >= this.first && ip.value <= this.last
  }

  toString(): string {
    const base = this.family === 4 ? formatV4(this.first as number) : formatV6(this.first as bigint)
    return `${base}/${this.prefix}`
  }

  equals(other: Cidr): boolean {
    return this.family === other.family && this.first === other.first && this.prefix === other.prefix
  }
}

/**
 * Four dot-separated octets of 1 to 3 ASCII digits, each at most 255, none with a leading zero
 * (no octal-looking octets). Read character by character: every event's IP comes through here.
 */
function parseV4(text: string): number | undefined {
  const length = text.length
  if (length < 7 || length > 15) return undefined
  let n = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) {
      // .
      if (digits === 0 || dots === 3) return undefined
      n = n * 256 + octet
      dots++
      octet = 0
      digits = 0
      continue
    }
    const d = c - 48
    if (d < 0 || d > 9) return undefined
    if (digits === 1 && octet === 0) return undefined // a leading zero
    if (++digits > 3) return undefined
    octet = octet * 10 + d
    if (octet > 255) return undefined
  }
  if (dots !== 3 || digits === 0) return undefined
  return n * 256 + octet
}

function parseV6(text: string): bigint | undefined {
  if (text.length > 45 || text.includes('%')) return undefined
  let tail4: number | undefined
  let body = text
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    tail4 = parseV4(text.slice(lastColon + 1))
    if (tail4 === undefined) return undefined
    body = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const head = groupsOf(halves[0]!)
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  // Two groups make a 32-bit word; the 128-bit value is built from its four words (a bigint
  // operation per group would allocate a bigint each).
  const words = [0, 0, 0, 0]
  for (let i = 0; i < 8; i++) {
    const g = hexGroup(groups[i]!)
    if (g < 0) return undefined
    words[i >> 1] = words[i >> 1]! * 65_536 + g
  }
  if (tail4 !== undefined) words[3] = tail4
  return (
    (BigInt(words[0]!) << 96n) | (BigInt(words[1]!) << 64n) | (BigInt(words[2]!) << 32n) | BigInt(words[3]!)
  )
}

/** The colon-separated groups of one side of `::`. */
function groupsOf(text: string): string[] {
  return text === '' ? [] : text.split(':')
}

/** The value of 1 to 4 hex digits, or -1. */
function hexGroup(text: string): number {
  const length = text.length
  if (length < 1 || length > 4) return -1
  let n = 0
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1
    if (d < 0) return -1
    n = n * 16 + d
  }
  return n
}

const MAPPED_PREFIX = 0xffffn << 32n

/** Parses an IPv4 or IPv6 address, or returns undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseV4(text)
  if (v4 !== undefined) return new IpAddress(4, v4)
  const v6 = parseV6(text)
  if (v6 === undefined) return undefined
  if (v6 >> 32n === 0xffffn) return new IpAddress(4, Number(v6 - MAPPED_PREFIX))
  return new IpAddress(6, v6)
}

/** Parses `addr/prefix` (or a bare address, as a single-address range), or returns undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (!addr) return undefined
  const width = addr.family === 4 ? 32 : 128
  let prefix = width
  if (slash >= 0) {
    const p = text.slice(slash + 1)
    if (!/^\d{1,3}$/.test(p)) return undefined
    prefix = Number(p)
    // A mapped IPv6 form like ::ffff:10.0.0.0/104 addresses the IPv4 space with a shifted prefix.
    const mapped = addr.family === 4 && text.includes(':')
    if (mapped) prefix -= 96
    if (prefix < 0 || prefix > width) return undefined
  }
  if (addr.family === 4) {
    const size = 2 ** (32 - prefix)
    const first = Math.floor((addr.value as number) / size) * size
    return new Cidr(4, first, first + size - 1, prefix)
  }
  const hostBits = BigInt(128 - prefix)
  const mask = (1n << hostBits) - 1n
  const first = (addr.value as bigint) & ~mask
  return new Cidr(6, first, first | mask, prefix)
}

function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

function formatV6(n: bigint): string {
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn))
  // Compress the longest run of two or more zero groups (RFC 5952).
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

/** Whether an address is in a private, loopback, link-local or unique-local range. */
export function isPrivateIp(ip: IpAddress): boolean {
  return PRIVATE_RANGES.some((c) => c.contains(ip))
}

const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
].map((c) => parseCidr(c)!)
