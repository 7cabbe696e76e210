/**
 * Cell conversions (src/datasets/convert.ts) and time formats (time-format.ts): each conversion
 * on good and bad text; a bad cell is an Invalid with a message, never an exception.
 */

import { describe, expect, it } from 'vitest'
import { type Conversion, type Converter, converter, Invalid, toIp } from '../../src/datasets/convert.ts'
import { compileTimeFormat, parseEpoch, parseIso } from '../../src/datasets/time-format.ts'

function conv(as: Conversion, format?: string): Converter {
  const c = converter(as, format)
  if (typeof c === 'string') throw new Error(c)
  return c
}

const invalid = (v: unknown) => (v instanceof Invalid ? v.message : `not invalid: ${JSON.stringify(v)}`)

describe('conversions', () => {
  it('string keeps the text; lower, upper and trim change it', () => {
    expect(conv('string')(' Ab ')).toBe(' Ab ')
    expect(conv('lower')('AbC')).toBe('abc')
    expect(conv('upper')('AbC')).toBe('ABC')
    expect(conv('trim')('  x \t')).toBe('x')
  })

  it('int takes whole numbers only', () => {
    expect(conv('int')('42')).toBe(42)
    expect(conv('int')(' -7 ')).toBe(-7)
    expect(invalid(conv('int')('4.5'))).toBe('"4.5" is not an integer')
    expect(invalid(conv('int')(''))).toBe('"" is not an integer')
    expect(invalid(conv('int')('99999999999999999999'))).toMatch(/not an integer/)
  })

  it('double takes finite numbers', () => {
    expect(conv('double')('3.25')).toBe(3.25)
    expect(conv('double')('1e3')).toBe(1000)
    expect(invalid(conv('double')('abc'))).toBe('"abc" is not a number')
    expect(invalid(conv('double')(' '))).toBe('" " is not a number')
    expect(invalid(conv('double')('Infinity'))).toMatch(/not a number/)
  })

  it('bool takes the usual spellings', () => {
    for (const t of ['true', 'TRUE', '1', 'yes', 't', 'Y']) expect(conv('bool')(t)).toBe(true)
    for (const t of ['false', '0', 'No', 'f', 'n']) expect(conv('bool')(t)).toBe(false)
    expect(invalid(conv('bool')('maybe'))).toBe('"maybe" is not a boolean')
  })

  it('timestamp reads ISO 8601 with T or a space, with or without a zone (UTC by default)', () => {
    const ts = conv('timestamp')
    expect(ts('2017-11-07 09:30:38')).toBe('2017-11-07T09:30:38Z')
    expect(ts('2017-11-07T09:30:38.5+02:00')).toBe('2017-11-07T07:30:38.500Z')
    expect(ts('2017-11-07')).toBe('2017-11-07T00:00:00Z')
    expect(invalid(ts('2017-02-30 00:00:00'))).toBe('"2017-02-30 00:00:00" is not a time (iso)')
    expect(invalid(ts('yesterday'))).toMatch(/not a time/)
  })

  it('timestamp reads epoch seconds and milliseconds', () => {
    expect(conv('timestamp', 'epoch_s')('1510047038')).toBe('2017-11-07T09:30:38Z')
    expect(conv('timestamp', 'epoch_s')('1510047038.25')).toBe('2017-11-07T09:30:38.250Z')
    expect(conv('timestamp', 'epoch_ms')('1510047038000')).toBe('2017-11-07T09:30:38Z')
    expect(invalid(conv('timestamp', 'epoch_ms')('12:00'))).toMatch(/not a time \(epoch_ms\)/)
    expect(parseEpoch('1e20', 1000)).toBeUndefined()
  })

  it('timestamp reads a pattern: US dates, Twitter dates, 12-hour clocks', () => {
    expect(conv('timestamp', 'M/D/YYYY H:mm')('1/2/2015 3:04')).toBe('2015-01-02T03:04:00Z')
    expect(conv('timestamp', 'M/D/YYYY H:mm')('12/31/2015 23:59')).toBe('2015-12-31T23:59:00Z')
    expect(conv('timestamp', 'ddd MMM DD HH:mm:ss Z YYYY')('Thu Sep 08 13:20:35 +0000 2011')).toBe(
      '2011-09-08T13:20:35Z',
    )
    expect(conv('timestamp', 'ddd MMM DD HH:mm:ss Z YYYY')('Thu Sep 08 13:20:35 -0130 2011')).toBe(
      '2011-09-08T14:50:35Z',
    )
    expect(conv('timestamp', 'DD-MM-YYYY HH.mm')('14-02-2015 10.40')).toBe('2015-02-14T10:40:00Z')
    expect(conv('timestamp', 'D.M.YY h:mm A')).toBeTypeOf('function')
    expect(conv('timestamp', 'YYYY-MM-DD hh:mm A')('2020-01-01 12:15 AM')).toBe('2020-01-01T00:15:00Z')
    expect(conv('timestamp', 'YYYY-MM-DD H:mm A')('2020-01-01 1:15 pm')).toBe('2020-01-01T13:15:00Z')
    expect(invalid(conv('timestamp', 'M/D/YYYY H:mm')('2015-01-02'))).toBe(
      '"2015-01-02" is not a time (M/D/YYYY H:mm)',
    )
    expect(invalid(conv('timestamp', 'M/D/YYYY')('13/1/2015'))).toMatch(/not a time/)
  })

  it('a pattern without a year, month or day does not compile', () => {
    expect(compileTimeFormat('HH:mm')).toBe(
      "format 'HH:mm' needs a year (YYYY or YY), a month (MMM, MM or M) and a day (DD or D)",
    )
    expect(converter('timestamp', 'mm:ss')).toMatch(/needs a year/)
    expect(parseIso('2020-01-01T10:00:00Z')).toBe(Date.UTC(2020, 0, 1, 10))
  })

  it('ip turns a 32-bit number (a fraction dropped) into IPv4 and checks addresses', () => {
    expect(toIp('2001426400')).toBe('119.75.87.224')
    expect(toIp('686082863.1')).toBe('40.228.203.47')
    expect(toIp('0')).toBe('0.0.0.0')
    expect(toIp('4294967295')).toBe('255.255.255.255')
    expect(conv('ip')('203.0.113.7')).toBe('203.0.113.7')
    expect(conv('ip')('2001:db8::1')).toBe('2001:db8::1')
    expect(invalid(toIp('4294967296'))).toBe('"4294967296" is larger than a 32-bit address')
    expect(invalid(toIp('1.2.3.400'))).toBe('"1.2.3.400" is not an IP address')
    expect(invalid(toIp('-5'))).toMatch(/not an IP address/)
  })

  it('cidr checks ranges and single addresses', () => {
    expect(conv('cidr')('3.5.140.0/22')).toBe('3.5.140.0/22')
    expect(conv('cidr')(' 10.0.0.1 ')).toBe('10.0.0.1')
    expect(conv('cidr')('2600:1f00::/24')).toBe('2600:1f00::/24')
    expect(invalid(conv('cidr')('3.5.140.0/33'))).toBe('"3.5.140.0/33" is not a CIDR range')
  })

  it('email_domain and url_domain take the lower-cased domain', () => {
    expect(conv('email_domain')('Sam.Lee@Mail.Example.COM')).toBe('mail.example.com')
    expect(invalid(conv('email_domain')('no-at-sign'))).toBe('"no-at-sign" is not an e-mail address')
    expect(conv('url_domain')('http://WWW.Example.com:8080/a?b')).toBe('example.com')
    expect(conv('url_domain')('braddd.tumblr.com/post/1')).toBe('braddd.tumblr.com')
    expect(conv('url_domain')('https://user@shop.example.org#x')).toBe('shop.example.org')
    expect(invalid(conv('url_domain')('not a url'))).toBe('"not a url" is not a URL')
  })
})
