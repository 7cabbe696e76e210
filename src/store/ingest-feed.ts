/**
 * Feeds durable journal chunks to the ingest worker one message at a time, and at most one per
 * `minIntervalMs`: while the worker is busy with what it was last sent, or the last message is
 * too recent, the chunks that become durable meanwhile gather here and go as one message. Each
 * message costs the event loop a structured-clone round and the worker a wake-up, a transaction
 * and a reply, whatever its size; the journal makes a chunk per fdatasync (hundreds a second
 * under load), so this turns many small messages into few larger ones.
 *
 * Nothing waits on it for durability (the journal is durable first). The repository calls
 * `acknowledged()` for each report from the worker, and `flush()` before a call (barrier, retry,
 * close) or a read that must find every chunk already at the worker.
 */

export class IngestFeed {
  private pending: Buffer[] = []
  private busy = false
  private lastPost = Number.NEGATIVE_INFINITY
  private timer: NodeJS.Timeout | undefined = undefined
  private readonly post: (chunk: Buffer) => boolean
  private readonly minIntervalMs: number
  private readonly now: () => number
  private readonly onTimer = () => {
    this.timer = undefined
    if (!this.busy) this.flush()
  }

  /**
   * `post` transfers one chunk (its own ArrayBuffer, never the shared pool) to the worker; false
   * when there is no worker to send it to (the chunk is dropped: the journal keeps it).
   */
  constructor(
    post: (chunk: Buffer) => boolean,
    options: { minIntervalMs?: number; now?: () => number } = {},
  ) {
    this.post = post
    this.minIntervalMs = options.minIntervalMs ?? 0
    this.now = options.now ?? performance.now.bind(performance)
  }

  /** Chunks waiting for the worker to report back. */
  get waiting(): number {
    return this.pending.length
  }

  /** A durable chunk: sent now if the worker is idle and the last message old enough, else kept. */
  push(chunk: Buffer): void {
    this.pending.push(chunk)
    if (!this.busy) this.sendWhenDue()
  }

  /** The worker reported (applied or failed): sends what gathered meanwhile, when due. */
  acknowledged(): void {
    this.busy = false
    this.sendWhenDue()
  }

  /** Sends everything gathered now, as one chunk. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const chunks = this.pending
    if (chunks.length === 0) return
    this.pending = []
    this.lastPost = this.now()
    this.busy = this.post(chunks.length === 1 ? chunks[0]! : joined(chunks))
  }

  private sendWhenDue(): void {
    if (this.pending.length === 0 || this.timer !== undefined) return
    const wait = this.lastPost + this.minIntervalMs - this.now()
    if (wait <= 0) {
      this.flush()
      return
    }
    this.timer = setTimeout(this.onTimer, wait)
    this.timer.unref()
  }
}

/** The chunks' bytes in one buffer with its own ArrayBuffer (so it can be transferred). */
function joined(chunks: readonly Buffer[]): Buffer {
  let size = 0
  for (const c of chunks) size += c.length
  const out = Buffer.allocUnsafeSlow(size)
  let at = 0
  for (const c of chunks) at += c.copy(out, at)
  return out
}
