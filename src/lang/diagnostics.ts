/**
 * Compile-time diagnostics: a stable code, a message, a file:line:col location and a caret
 * excerpt. Stages collect every problem they find (never first-only); callers sort and print.
 */

import { type ErrorCode, type ErrorParams, formatMessage } from '../core/errors.ts'
import type { Location, Source } from './source.ts'

export interface Diagnostic {
  readonly code: ErrorCode
  readonly message: string
  readonly location: Location
  /** Length of the highlighted span in the excerpt line (at least 1). */
  readonly length: number
  /** The line of source the location points into, when known. */
  readonly excerpt?: string
}

/** Collects diagnostics for one source. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = []
  readonly source: Source
  constructor(source: Source) {
    this.source = source
  }

  report(code: ErrorCode, params: ErrorParams, start: number, end = start + 1): void {
    const location = this.source.location(start)
    const endLocation = this.source.location(Math.max(start + 1, end))
    const length = endLocation.line === location.line ? Math.max(1, endLocation.col - location.col) : 1
    const excerpt = this.source.lineText(location.line)
    this.items.push({ code, message: formatMessage(code, params), location, length, excerpt })
  }

  get hasErrors(): boolean {
    return this.items.length > 0
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.location.file.localeCompare(b.location.file) ||
    a.location.line - b.location.line ||
    a.location.col - b.location.col ||
    a.code.localeCompare(b.code)
  )
}

export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  return [...items].sort(compareDiagnostics)
}

/**
 * `file:line:col: CODE message`, then the excerpt with a caret under the span:
 *
 *     rules/spam.yaml:4:22: CEL_UNDECLARED undeclared reference to 'evnt' (did you mean 'event'?)
 *       |     when: size(evnt.text) > 10
 *       |                ^~~~
 */
export function formatDiagnostic(d: Diagnostic): string {
  const { file, line, col } = d.location
  const head = `${file}:${line}:${col}: ${d.code} ${d.message}`
  if (d.excerpt === undefined) return head
  const text = d.excerpt.replace(/\t/g, ' ')
  const span = Math.max(1, Math.min(d.length, text.length - col + 1))
  const caret = `${' '.repeat(col - 1)}^${'~'.repeat(span - 1)}`
  return `${head}\n  | ${text}\n  | ${caret}`
}

export function formatDiagnostics(items: readonly Diagnostic[]): string {
  return sortDiagnostics(items).map(formatDiagnostic).join('\n')
}

/** Diagnostics as an API error's details: each as plain data, and the formatted text. */
export function diagnosticsDetails(items: readonly Diagnostic[]) {
  return {
    diagnostics: items.map((d) => ({
      code: d.code,
      message: d.message,
      file: d.location.file,
      line: d.location.line,
      col: d.location.col,
    })),
    text: formatDiagnostics(items),
  }
}
