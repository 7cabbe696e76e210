/**
 * A durable inbox for asynchronous decisions (POST /v1/events). A batch is appended to a file
 * and fsynced before the API answers 202; a worker then decides the events in order. Every event
 * has an id assigned at intake, so after a crash the whole file is simply replayed: events
 * already decided are recognised by id and not decided twice. The file is emptied once every
 * event in it has a durable decision.
 *
 * The events are kept as sent, raw PII included (deciding needs the raw values), so each line is
 * encrypted: AES-256-GCM with a key derived from the PII key (HKDF-SHA256), a random 96-bit IV
 * per line, as `{"iv": …, "data": ciphertext + tag}` in base64url. A line that is not a whole
 * JSON object is a torn append, never acknowledged, and is dropped; a whole line that does not
 * decrypt was written with another PII key (or damaged) and stops the start rather than lose
 * acknowledged events. Plain `{"id", "body"}` lines, from before the inbox was encrypted, are
 * still read.
 */

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import { BulwarkError } from '../core/errors.ts'

export interface InboxEvent {
  readonly id: string
  readonly body: Record<string, unknown>
}

export type Processor = (e: InboxEvent) => Promise<void>

const IV_BYTES = 12
const TAG_BYTES = 16

/** Seals inbox lines with a key derived from the PII key; opens them again. */
export class InboxCipher {
  private readonly key: Buffer

  constructor(piiKey: string | Buffer) {
    const ikm = typeof piiKey === 'string' ? Buffer.from(piiKey, 'utf8') : piiKey
    this.key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'bulwark inbox aes-256-gcm v1', 32))
  }

  /** One line (without its newline). */
  seal(e: InboxEvent): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const data = Buffer.concat([
      cipher.update(JSON.stringify(e), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    return JSON.stringify({ iv: iv.toString('base64url'), data: data.toString('base64url') })
  }

  /**
   * The event of a line; undefined for a torn line (not a whole JSON object). Throws when a whole
   * line does not decrypt with this key.
   */
  open(line: string): InboxEvent | undefined {
    let sealed: unknown
    try {
      sealed = JSON.parse(line)
    } catch {
      return undefined
    }
    if (typeof sealed !== 'object' || sealed === null) return undefined
    const { iv, data, id, body } = sealed as Record<string, unknown>
    if (typeof id === 'string' && typeof body === 'object' && body !== null) return { id, body } as InboxEvent
    if (typeof iv !== 'string' || typeof data !== 'string') throw new Error('not an inbox line')
    const bytes = Buffer.from(data, 'base64url')
    if (bytes.length < TAG_BYTES) throw new Error('not an inbox line')
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const text = Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ])
    return JSON.parse(text.toString('utf8')) as InboxEvent
  }
}

export class Inbox {
  private readonly path: string
  private fd: number
  private readonly queue: InboxEvent[] = []
  private draining: Promise<void> | undefined
  private readonly process: Processor
  private readonly cipher: InboxCipher
  private closed = false
  /** Events accepted but not yet decided. */
  pending = 0

  constructor(path: string, piiKey: string | Buffer, process: Processor) {
    this.path = path
    this.process = process
    this.cipher = new InboxCipher(piiKey)
    const leftover = existsSync(path) ? readFileSync(path, 'utf8') : ''
    leftover.split('\n').forEach((line, i) => {
      if (!line) return
      let e: InboxEvent | undefined
      try {
        e = this.cipher.open(line)
      } catch {
        throw new BulwarkError('STORAGE_INBOX', {
          where: `${path}:${i + 1}`,
          detail:
            'the line does not decrypt with this PII key (was the key changed?); start with the PII key it was written with, or move the file aside to drop its events',
        })
      }
      // Undefined: a torn last line from a crash mid-append, never acknowledged: dropped.
      if (e) this.queue.push(e)
    })
    this.fd = openSync(path, 'a')
    // End a torn last line here, or the next append would join it and be unreadable after a
    // crash: that batch's first event, acknowledged, would be lost.
    if (leftover.length > 0 && !leftover.endsWith('\n')) writeSync(this.fd, '\n')
    this.pending = this.queue.length
    if (this.queue.length) this.drain()
  }

  /** Durably accepts events (returns once they are on disk) and schedules their decisions. */
  accept(events: readonly InboxEvent[]): void {
    if (this.closed) throw new Error('the inbox is closed')
    if (events.length === 0) return
    writeSync(this.fd, `${events.map((e) => this.cipher.seal(e)).join('\n')}\n`)
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
