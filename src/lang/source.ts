/**
 * Source text of one expression and where it sits in its file. Expressions usually live inside a
 * YAML file, so an offset into the expression maps to a line and column of that file; the
 * excerpt shown under a diagnostic is the file's own line.
 */

export interface Location {
  /** File name as the user should see it (or `<expr>` for loose expressions). */
  readonly file: string
  /** 1-based line in the file. */
  readonly line: number
  /** 1-based column in the file, counted in UTF-16 code units like editors do. */
  readonly col: number
}

export interface SourceOptions {
  /** File the expression comes from. */
  readonly file?: string
  /**
   * Maps an offset in the expression text to a (1-based) line and column in the file. Given by
   * whoever extracted the expression (for example the YAML loader, which knows about block
   * scalars and quoting). Defaults to positions inside the expression itself.
   */
  readonly locate?: (offset: number) => { line: number; col: number }
  /** The file's lines, for excerpts; defaults to the expression's own lines. */
  readonly fileLines?: readonly string[]
}

export class Source {
  readonly text: string
  readonly file: string
  private readonly lineStarts: number[]
  private readonly locateInFile: ((offset: number) => { line: number; col: number }) | undefined
  private readonly fileLines: readonly string[] | undefined

  constructor(text: string, options: SourceOptions = {}) {
    this.text = text
    this.file = options.file ?? '<expr>'
    this.locateInFile = options.locate
    this.fileLines = options.fileLines
    this.lineStarts = [0]
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1)
  }

  /** Line and column of an offset within the expression text itself (1-based). */
  localPosition(offset: number): { line: number; col: number } {
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 }
  }

  location(offset: number): Location {
    const clamped = Math.max(0, Math.min(offset, this.text.length))
    const { line, col } = this.locateInFile ? this.locateInFile(clamped) : this.localPosition(clamped)
    return { file: this.file, line, col }
  }

  /** The text of a (1-based) line of the file, or of the expression when no file lines are known. */
  lineText(line: number): string | undefined {
    if (this.fileLines) return this.fileLines[line - 1]
    const start = this.lineStarts[line - 1]
    if (start === undefined) return undefined
    const end = this.lineStarts[line]
    return this.text.slice(start, end === undefined ? undefined : end - 1)
  }
}
