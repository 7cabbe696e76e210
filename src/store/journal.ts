/**
 * The write-ahead journal: where a write becomes durable. Lines are appended to a segment file
 * and fdatasync'ed on libuv's thread pool, so the event loop never waits on the disk; appends
 * made while a sync is in flight share the next one (group commit). An append's promise resolves
 * only once its line is on stable storage.
 *
 * The database is built from the journal afterwards, in large batches (see sqlite.ts): that is
 * what makes durable writes cheap — one sequential append per decision instead of a transaction
 * touching several random B-tree pages. After a crash the segments are read back (`replay`) and
 * whatever the database lacks is applied; a torn last line was never acknowledged and is dropped.
 *
 * Lifecycle: `new Journal(dir)` finds the segments a previous process left; `replay()` reads them;
 * `start()` deletes them (the caller has applied them durably) and opens a fresh segment.
 */

import {
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  write,
} from 'node:fs'
import { join } from 'node:path'
import { BulwarkError } from '../core/errors.ts'

/** A segment is closed and a new one opened once it is this large. */
const SEGMENT_BYTES = 64 * 1024 * 1024

interface Segment {
  readonly path: string
  readonly index: number
  /** Highest seq written into the segment. */
  maxSeq: number
}

interface Waiter {
  resolve(): void
  reject(err: unknown): void
}

export class Journal {
  readonly dir: string
  private readonly segmentBytes: number
  private segments: Segment[]
  private fd = -1
  private size = 0
  private queue: string[] = []
  private queueSeq = 0
  private waiters: Waiter[] = []
  private writing = false
  private failed: unknown = undefined
  private idleWaiters: (() => void)[] = []
  private scheduled: NodeJS.Immediate | undefined = undefined
  private readonly flushNow = () => {
    this.scheduled = undefined
    if (this.writing) return
    if (this.queue.length > 0) this.flush()
    else this.settle()
  }

  /** Called with each chunk of lines once it is durable, and the highest seq in it. */
  private readonly onDurable: ((chunk: Buffer, seq: number) => void) | undefined

  constructor(
    dir: string,
    options: { segmentBytes?: number; onDurable?: (chunk: Buffer, seq: number) => void } = {},
  ) {
    this.dir = dir
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES
    this.onDurable = options.onDurable
    mkdirSync(dir, { recursive: true })
    this.segments = readdirSync(dir)
      .filter((f) => /^\d{8}\.log$/.test(f))
      .sort()
      .map((f) => ({ path: join(dir, f), index: Number(f.slice(0, 8)), maxSeq: Number.POSITIVE_INFINITY }))
  }

  /** Every complete line the segments found at construction hold, oldest first. */
  *replay(): Generator<{ line: string; where: string }> {
    for (const s of this.segments) {
      const lines = readFileSync(s.path, 'utf8').split('\n')
      // The last element is '' for a complete file, or a torn line that was never acknowledged.
      for (let i = 0; i < lines.length - 1; i++) {
        if (lines[i]) yield { line: lines[i]!, where: `${s.path}:${i + 1}` }
      }
    }
  }

  /** Deletes the segments found at construction (already applied) and opens a fresh one. */
  start(): void {
    const next = (this.segments.at(-1)?.index ?? 0) + 1
    for (const s of this.segments) rmSync(s.path, { force: true })
    this.segments = []
    this.openSegment(next)
  }

  private openSegment(index: number): void {
    const path = join(this.dir, `${String(index).padStart(8, '0')}.log`)
    this.fd = openSync(path, 'a')
    // The new file's directory entry must be durable before anything in it is acknowledged.
    const dirFd = openSync(this.dir, 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
    this.segments.push({ path, index, maxSeq: 0 })
    this.size = 0
  }

  /** Appends a line (no newline inside) carrying `seq`; resolves once it is on stable storage. */
  append(line: string, seq: number): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failure())
    if (this.fd < 0)
      return Promise.reject(new BulwarkError('INTERNAL', { detail: 'the journal is not open' }))
    return new Promise((resolve, reject) => {
      this.queue.push(line)
      if (seq > this.queueSeq) this.queueSeq = seq
      this.waiters.push({ resolve, reject })
      // At the end of this loop turn, so that every append made during the turn shares the sync.
      if (!this.writing && this.scheduled === undefined) this.scheduled = setImmediate(this.flushNow)
    })
  }

  private failure(): BulwarkError {
    const err = this.failed
    return new BulwarkError(
      'INTERNAL',
      { detail: `the journal cannot be written: ${err instanceof Error ? err.message : String(err)}` },
      err,
    )
  }

  private flush(): void {
    const waiters = this.waiters
    const seq = this.queueSeq
    // Its own ArrayBuffer (never the shared pool), so onDurable may transfer it to another thread.
    // Each line is encoded straight into it: joining them first would copy every line twice more.
    const lines = this.queue
    let bytes = lines.length
    for (let i = 0; i < lines.length; i++) bytes += Buffer.byteLength(lines[i]!)
    const data = Buffer.allocUnsafeSlow(bytes)
    let at = 0
    for (let i = 0; i < lines.length; i++) {
      at += data.write(lines[i]!, at)
      data[at++] = 0x0a
    }
    this.queue = []
    this.waiters = []
    this.writing = true
    const segment = this.segments.at(-1)!
    const fd = this.fd
    const done = (err: unknown) => {
      if (err) {
        // A failed write or sync leaves the file in an unknown state: refuse everything after.
        this.failed = err
        const failure = this.failure()
        for (const w of waiters) w.reject(failure)
        for (const w of this.waiters) w.reject(failure)
        this.waiters = []
        this.queue = []
        this.settle()
        return
      }
      if (seq > segment.maxSeq) segment.maxSeq = seq
      this.size += data.length
      if (this.size >= this.segmentBytes) {
        closeSync(fd)
        this.openSegment(segment.index + 1)
      }
      this.onDurable?.(data, seq)
      for (const w of waiters) w.resolve()
      if (this.queue.length > 0) this.flush()
      else this.settle()
    }
    writeAll(fd, data, 0, (err) => (err ? done(err) : fdatasync(fd, done)))
  }

  private settle(): void {
    this.writing = false
    if (this.scheduled !== undefined) return
    const waiting = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiting) w()
  }

  /** Waits until every append so far has been synced (or has failed). */
  settled(): Promise<void> {
    if (!this.writing && this.scheduled === undefined) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Whether `trim(appliedSeq)` would delete a segment. */
  trimmable(appliedSeq: number): boolean {
    return this.segments.length > 1 && this.segments[0]!.maxSeq <= appliedSeq
  }

  /** Deletes closed segments whose every line is durably in the database (seq <= `appliedSeq`). */
  trim(appliedSeq: number): void {
    while (this.segments.length > 1 && this.segments[0]!.maxSeq <= appliedSeq) {
      rmSync(this.segments.shift()!.path, { force: true })
    }
  }

  /** Segments on disk (the open one included). */
  get segmentCount(): number {
    return this.segments.length
  }

  /**
   * Closes the journal. With `discard`, deletes every segment: the caller has made all of it
   * durable in the database. Call `settled()` first.
   */
  close(discard: boolean): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
    if (discard) for (const s of this.segments.splice(0)) rmSync(s.path, { force: true })
  }
}

function writeAll(fd: number, data: Buffer, offset: number, cb: (err: unknown) => void): void {
  write(fd, data, offset, data.length - offset, null, (err, written) => {
    if (err) return cb(err)
    if (offset + written < data.length) writeAll(fd, data, offset + written, cb)
    else cb(null)
  })
}
