/**
 * A streaming RFC 4180 parser for delimited text (CSV, TSV): text arrives in chunks of any size
 * and complete records come out with the line they start on. Quoted fields may hold the
 * delimiter, doubled quotes and line breaks; records end at LF, CRLF or a lone CR; a leading
 * byte-order mark is dropped; blank lines are skipped. Malformed input never throws: the record
 * carries a `problem` (a character after a closing quote, a quote left open at the end) and the
 * caller decides what to do with it. Quoting can be switched off (`quote: ''`) for TSV files
 * whose text contains stray quotes.
 */

export interface CsvOptions {
  /** One character; default `,`. */
  readonly delimiter?: string
  /** One character, or '' for no quoting; default `"`. */
  readonly quote?: string
}

export interface CsvRecord {
  readonly fields: string[]
  /** 1-based line of the input where the record starts. */
  readonly line: number
  /** What is wrong with the record, when something is. */
  readonly problem?: string
}

const LF = 10
const CR = 13

/** Parser states (numbers, for speed). QuoteInQuoted: a quote inside a quoted field — its end, or
 * the first of a doubled quote. */
const State = { FieldStart: 0, Unquoted: 1, Quoted: 2, QuoteInQuoted: 3 } as const
type State = (typeof State)[keyof typeof State]

export class CsvParser {
  private readonly delimiter: number
  private readonly quote: number
  private state: State = State.FieldStart
  private field = ''
  private fields: string[] = []
  /** Line the current record starts on; 0 before its first character. */
  private recordLine = 0
  private line = 1
  private problem: string | undefined
  /** The previous chunk ended with CR: a LF starting this chunk belongs to it. */
  private afterCR = false
  private started = false

  constructor(options: CsvOptions = {}) {
    this.delimiter = (options.delimiter ?? ',').charCodeAt(0)
    this.quote = options.quote === '' ? -1 : (options.quote ?? '"').charCodeAt(0)
  }

  /** Parses a chunk; calls `emit` with each record it completes. */
  push(chunk: string, emit: (record: CsvRecord) => void): void {
    let i = 0
    const n = chunk.length
    if (!this.started && n > 0) {
      this.started = true
      if (chunk.charCodeAt(0) === 0xfeff) i = 1
    }
    if (this.afterCR && i < n) {
      this.afterCR = false
      if (chunk.charCodeAt(i) === LF) i++
    }
    while (i < n) {
      const c = chunk.charCodeAt(i)
      switch (this.state) {
        case State.FieldStart:
          if (this.recordLine === 0) this.recordLine = this.line
          if (c === this.quote) {
            this.state = State.Quoted
            i++
            continue
          }
          this.state = State.Unquoted
          continue
        case State.Unquoted: {
          let j = i
          while (j < n) {
            const d = chunk.charCodeAt(j)
            if (d === this.delimiter || d === LF || d === CR) break
            j++
          }
          if (j > i) this.field += chunk.slice(i, j)
          i = j
          if (i < n) i = this.separator(chunk, i, emit)
          continue
        }
        case State.Quoted: {
          const j = this.quote < 0 ? -1 : chunk.indexOf(String.fromCharCode(this.quote), i)
          const end = j < 0 ? n : j
          const text = chunk.slice(i, end)
          this.field += text
          for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) this.line++
          if (j < 0) return
          this.state = State.QuoteInQuoted
          i = j + 1
          continue
        }
        case State.QuoteInQuoted:
          if (c === this.quote) {
            this.field += chunk[i]
            this.state = State.Quoted
            i++
          } else if (c === this.delimiter || c === LF || c === CR) {
            i = this.separator(chunk, i, emit)
          } else {
            this.problem ??= `unexpected character '${chunk[i]}' after a closing quote`
            this.state = State.Unquoted
          }
          continue
      }
    }
  }

  /** Ends the input: emits the last record when the text does not end with a line break. */
  end(emit: (record: CsvRecord) => void): void {
    if (this.state === State.Quoted)
      this.problem ??= 'a quoted field is not closed before the end of the input'
    if (this.state !== State.FieldStart || this.fields.length > 0) this.endRecord(emit)
    this.afterCR = false
  }

  /** Handles the delimiter or line break at i; returns the next index. */
  private separator(chunk: string, i: number, emit: (record: CsvRecord) => void): number {
    const c = chunk.charCodeAt(i)
    if (c === this.delimiter) {
      this.fields.push(this.field)
      this.field = ''
      this.state = State.FieldStart
      if (this.recordLine === 0) this.recordLine = this.line
      return i + 1
    }
    this.endRecord(emit)
    this.line++
    if (c === CR) {
      if (i + 1 >= chunk.length) this.afterCR = true
      else if (chunk.charCodeAt(i + 1) === LF) return i + 2
    }
    return i + 1
  }

  private endRecord(emit: (record: CsvRecord) => void): void {
    const blank = this.fields.length === 0 && this.field === '' && this.state !== State.QuoteInQuoted
    this.fields.push(this.field)
    if (!blank || this.problem)
      emit({
        fields: this.fields,
        line: this.recordLine || this.line,
        ...(this.problem ? { problem: this.problem } : {}),
      })
    this.fields = []
    this.field = ''
    this.state = State.FieldStart
    this.recordLine = 0
    this.problem = undefined
  }
}

/** Parses a whole text (tests, small inputs). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const out: CsvRecord[] = []
  const parser = new CsvParser(options)
  const emit = (r: CsvRecord) => out.push(r)
  parser.push(text, emit)
  parser.end(emit)
  return out
}
