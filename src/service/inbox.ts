/**
 * A durable inbox for asynchronous decisions (POST /v1/events). A batch is appended to a file
 * and fsynced before the API answers 202; a worker then decides the events in order. Every event
 * has an id assigned at intake, so after a crash the whole file is simply replayed: events
 * already decided are recognised by id and not decided twice. The file is emptied once every
 * event in it has a durable decision.
 */

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'

export interface InboxEvent {
  readonly id: string
  readonly body: Record<string, unknown>
}

export type Processor = (e: InboxEvent) => Promise<void>

export class Inbox {
  private readonly path: string
  private fd: number
  private readonly queue: InboxEvent[] = []
  private draining: Promise<void> | undefined
  private readonly process: Processor
  private closed = false
  /** Events accepted but not yet decided. */
  pending = 0

  constructor(path: string, process: Processor) {
    this.path = path
    this.process = process
    const leftover = existsSync(path) ? readFileSync(path, 'utf8') : ''
    this.fd = openSync(path, 'a')
    // End a torn last line here, or the next append would join it and be unreadable after a
    // crash: that batch's first event, acknowledged, would be lost.
    if (leftover.length > 0 && !leftover.endsWith('\n')) writeSync(this.fd, '\n')
    for (const line of leftover.split('\n')) {
      if (!line) continue
      try {
        this.queue.push(JSON.parse(line) as InboxEvent)
      } catch {
        // A torn last line from a crash mid-append was never acknowledged: drop it.
      }
    }
    this.pending = this.queue.length
    if (this.queue.length) this.drain()
  }

  /** Durably accepts events (returns once they are on disk) and schedules their decisions. */
  accept(events: readonly InboxEvent[]): void {
    if (this.closed) throw new Error('the inbox is closed')
    if (events.length === 0) return
    writeSync(this.fd, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`)
    fsyncSync(this.fd)
    this.queue.push(...events)
    this.pending += events.length
    this.drain()
  }

  private drain(): void {
    if (this.draining) return
    this.draining = (async () => {
      while (this.queue.length) {
        const e = this.queue.shift()!
        try {
          await this.process(e)
        } catch {
          // An event that cannot be decided (invalid) is answered by its absence from the
          // decisions; the processor records the reason. Nothing else to do here.
        }
        this.pending--
      }
      // Everything in the file now has a durable decision: start the file afresh.
      closeSync(this.fd)
      this.fd = openSync(this.path, 'w')
      this.draining = undefined
    })()
  }

  /** Waits until every accepted event has been decided. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining
  }

  async close(): Promise<void> {
    this.closed = true
    await this.idle()
    closeSync(this.fd)
  }
}
