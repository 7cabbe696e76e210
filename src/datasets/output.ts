/**
 * Output files of an import, written line by line with buffering: lines collect in memory and go
 * to the file stream about a megabyte at a time, waiting when the stream asks to (backpressure),
 * so an import of any size holds little more than one buffer. Lines go to `PATH.partial`, renamed
 * to PATH by `commit()` once the import succeeded; `discard()` removes it, so a failed import never
 * leaves (or overwrites) a half-written file.
 */

import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs'

const FLUSH_CHARS = 1 << 20

/** Buffered writes to a file stream that wait when the stream asks to. */
export class Output {
  readonly path: string
  private readonly stream: WriteStream
  private lines: string[] = []
  private chars = 0
  /** The stream's error, thrown by the next flush or close (a stream error is never unhandled). */
  private failure: Error | undefined
  constructor(path: string) {
    this.path = path
    this.stream = createWriteStream(`${path}.partial`)
    this.stream.on('error', (e) => {
      this.failure ??= e
    })
  }
  line(text: string): void {
    this.lines.push(text)
    this.chars += text.length
  }
  async flush(force = false): Promise<void> {
    if (!force && this.chars < FLUSH_CHARS) return
    const text = this.lines.length ? `${this.lines.join('\n')}\n` : ''
    this.lines = []
    this.chars = 0
    if (this.failure) throw this.failure
    if (text && !this.stream.write(text))
      await new Promise<void>((resolve, reject) => {
        const drained = () => {
          this.stream.off('error', failed)
          resolve()
        }
        const failed = (e: Error) => {
          this.stream.off('drain', drained)
          reject(e)
        }
        this.stream.once('drain', drained)
        this.stream.once('error', failed)
      })
  }
  private async close(): Promise<void> {
    await this.flush(true)
    if (this.stream.closed) return
    await new Promise<void>((resolve, reject) =>
      this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
    )
  }

  /** Writes what is buffered and puts the file in place. */
  async commit(): Promise<void> {
    await this.close()
    renameSync(`${this.path}.partial`, this.path)
  }

  /** Drops the file: the import failed. */
  async discard(): Promise<void> {
    this.lines = []
    this.chars = 0
    await this.close().catch(() => undefined)
    rmSync(`${this.path}.partial`, { force: true })
  }
}
