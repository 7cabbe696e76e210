/**
 * Risk extensions for networks and policy lists. `ip('1.2.3.4') in cidr('1.2.0.0/16')`,
 * `event.ip in lists.datacenter` (a cidr_list), `event.email in lists.disposable` (a domain_list:
 * suffix match on the domain, e-mail addresses by their domain part), `event.device.id in
 * lists.banned_devices` (a value_list). Malformed IP text is never contained in anything.
 */

import { type Cidr, type IpAddress, isPrivateIp, parseCidr, parseIp } from '../../core/net/ip.ts'
import type { CidrSet, DomainSet, ValueSet } from '../../core/net/sets.ts'
import { fail } from '../runtime/values.ts'
import { type FunctionDecl, fn, global, method } from './registry.ts'

const toIp = (s: string): IpAddress =>
  parseIp(s) ??
  fail('EVAL_INVALID_ARGUMENT', { detail: `invalid IP address '${s}'` }, { detail: 'invalid IP address' })
const toCidr = (s: string): Cidr =>
  parseCidr(s) ??
  fail('EVAL_INVALID_ARGUMENT', { detail: `invalid CIDR '${s}'` }, { detail: 'invalid CIDR range' })
const textInCidr = (s: string, c: Cidr) => {
  const ip = parseIp(s)
  return ip !== undefined && c.contains(ip)
}

export const NET_FUNCTIONS: readonly FunctionDecl[] = [
  fn(
    {
      doc: 'Parses an IPv4 or IPv6 address; malformed text is an error (test with isIP first).',
      cost: 4,
      example: 'ip(event.ip)',
    },
    global('ip(string) -> ip', toIp),
  ),
  fn(
    {
      doc: 'Parses a CIDR range such as 10.0.0.0/8 or 2001:db8::/32.',
      cost: 4,
      example: "cidr('10.0.0.0/8')",
    },
    global('cidr(string) -> cidr', toCidr),
  ),
  fn(
    { doc: 'Whether text is a valid IP address.', cost: 4, example: 'isIP(event.ip)' },
    global('isIP(string) -> bool', (s: string) => parseIp(s) !== undefined),
  ),
  fn(
    { doc: 'Whether text is a valid CIDR range.', cost: 4, example: 'isCIDR(event.range)' },
    global('isCIDR(string) -> bool', (s: string) => parseCidr(s) !== undefined),
  ),
  fn(
    { doc: 'The address family: 4 or 6.', example: 'ip(event.ip).family() == 6' },
    method('ip.family() -> int', (ip: IpAddress) => ip.family),
  ),
  fn(
    { doc: 'Whether the address is a loopback address.', example: 'ip(event.ip).isLoopback()' },
    method('ip.isLoopback() -> bool', (ip: IpAddress) =>
      ip.family === 4 ? (ip.value as number) >>> 24 === 127 : ip.value === 1n,
    ),
  ),
  fn(
    {
      doc: 'Whether the address is private, loopback, link-local, carrier-grade NAT or unique-local.',
      example: 'ip(event.ip).isPrivate()',
    },
    method('ip.isPrivate() -> bool', isPrivateIp),
  ),
  fn(
    {
      doc: 'Whether the range contains an address (given as ip or text).',
      cost: 2,
      example: "cidr('10.0.0.0/8').containsIP(event.ip)",
    },
    method('cidr.containsIP(ip) -> bool', (c: Cidr, ip: IpAddress) => c.contains(ip)),
    method('cidr.containsIP(string) -> bool', (c: Cidr, s: string) => textInCidr(s, c)),
  ),
  fn(
    { doc: 'The prefix length of a range.', example: "cidr('10.0.0.0/8').prefixLength()" },
    method('cidr.prefixLength() -> int', (c: Cidr) => c.prefix),
  ),
  fn(
    {
      doc: 'Membership in a range or a policy list: cidr_list (ip or text), value_list (exact), domain_list (suffix).',
      cost: 2,
      example: 'event.ip in lists.datacenter',
    },
    global('@in(ip, cidr) -> bool', (ip: IpAddress, c: Cidr) => c.contains(ip)),
    global('@in(string, cidr) -> bool', textInCidr),
    global('@in(ip, cidr_list) -> bool', (ip: IpAddress, l: CidrSet) => l.contains(ip)),
    global('@in(string, cidr_list) -> bool', (s: string, l: CidrSet) => l.containsText(s)),
    global('@in(string, value_list) -> bool', (s: string, l: ValueSet) => l.has(s)),
    global('@in(string, domain_list) -> bool', (s: string, l: DomainSet) => l.matches(s)),
  ),
  fn(
    { doc: 'Text form of an address or range.', example: 'string(ip(event.ip))' },
    global('string(ip) -> string', (ip: IpAddress) => ip.toString()),
    global('string(cidr) -> string', (c: Cidr) => c.toString()),
  ),
]
