/**
 * The RFC 4180 parser (src/datasets/csv.ts): quoted fields with delimiters, doubled quotes and
 * line breaks, CRLF and lone CR, empty fields, a byte-order mark, blank lines, malformed quoting
 * reported on the record, the same records whatever the chunk boundaries, and any table written
 * the RFC 4180 way read back as it was (property test).
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvParser, type CsvRecord, parseCsv } from '../../src/datasets/csv.ts'

const fields = (text: string, options = {}) => parseCsv(text, options).map((r) => r.fields)

describe('CsvParser', () => {
  it('splits plain records on commas and line breaks', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ])
  })

  it('reads quoted fields with commas, doubled quotes and embedded line breaks', () => {
    const text = 'id,text\n1,"hello, world"\n2,"she said ""hi"""\n3,"two\nlines"\n4,""\n'
    expect(fields(text)).toEqual([
      ['id', 'text'],
      ['1', 'hello, world'],
      ['2', 'she said "hi"'],
      ['3', 'two\nlines'],
      ['4', ''],
    ])
  })

  it('numbers each record by the line it starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h\n"a\nb\nc"\nd\r\n\r\ne')
    expect(records.map((r) => [r.fields[0], r.line])).toEqual([
      ['h', 1],
      ['a\nb\nc', 2],
      ['d', 5],
      ['e', 7],
    ])
  })

  it('accepts CRLF, LF and a lone CR as record ends, and keeps CRLF inside quotes', () => {
    expect(fields('a,b\r\nc,d\re,f\ng,h')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ])
    expect(fields('"x\r\ny",z\r\n')).toEqual([['x\r\ny', 'z']])
  })

  it('keeps empty fields, including a trailing one, and skips blank lines', () => {
    expect(fields(',a,,\n\n\nb,,c,\n')).toEqual([
      ['', 'a', '', ''],
      ['b', '', 'c', ''],
    ])
  })

  it('drops a byte-order mark at the start only', () => {
    expect(fields('\uFEFFid,name\n1,\uFEFFx')).toEqual([
      ['id', 'name'],
      ['1', '\uFEFFx'],
    ])
  })

  it('reports a character after a closing quote and an unclosed quote on their records', () => {
    const records = parseCsv('a,"b"c,d\nok\n"never closed\nmore')
    expect(records.map((r) => [r.line, r.problem])).toEqual([
      [1, "unexpected character 'c' after a closing quote"],
      [2, undefined],
      [3, 'a quoted field is not closed before the end of the input'],
    ])
    expect(records[0]!.fields).toEqual(['a', 'bc', 'd'])
  })

  it('treats a quote inside an unquoted field as text', () => {
    expect(fields('5" screen,ok')).toEqual([['5" screen', 'ok']])
  })

  it('uses another delimiter, and no quoting when quote is empty', () => {
    expect(fields('a\t"b\tc"\n', { delimiter: '\t' })).toEqual([['a', 'b\tc']])
    expect(fields('spam\t"Free" entry, now\n', { delimiter: '\t', quote: '' })).toEqual([
      ['spam', '"Free" entry, now'],
    ])
  })

  it('gives the same records whatever the chunk boundaries (every split point)', () => {
    const text = '\uFEFFid,text\r\n1,"a ""quoted"", line\r\nbreak"\r\n2,,\r3,"x"\n\n4,last'
    const whole = parseCsv(text)
    for (let cut = 0; cut <= text.length; cut++) {
      const out: CsvRecord[] = []
      const parser = new CsvParser()
      parser.push(text.slice(0, cut), (r) => out.push(r))
      parser.push(text.slice(cut), (r) => out.push(r))
      parser.end((r) => out.push(r))
      expect(out, `cut at ${cut}`).toEqual(whole)
    }
    const single: CsvRecord[] = []
    const parser = new CsvParser()
    for (const c of text) parser.push(c, (r) => single.push(r))
    parser.end((r) => single.push(r))
    expect(single).toEqual(whole)
  })

  it('reads back any table written the RFC 4180 way, in chunks of any size', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', '😀') })
    const table = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
    const encode = (f: string, alone: boolean) =>
      /[",\r\n]/.test(f) || (alone && f === '') ? `"${f.replace(/"/g, '""')}"` : f
    fc.assert(
      fc.property(table, fc.boolean(), fc.integer({ min: 1, max: 7 }), (rows, crlf, size) => {
        const text = rows
          .map((r) => r.map((f) => encode(f, r.length === 1)).join(','))
          .join(crlf ? '\r\n' : '\n')
        const out: string[][] = []
        const parser = new CsvParser()
        for (let i = 0; i < text.length; i += size)
          parser.push(text.slice(i, i + size), (r) => out.push(r.fields))
        parser.end((r) => out.push(r.fields))
        expect(out).toEqual(rows)
      }),
      { numRuns: 300 },
    )
  })
})
