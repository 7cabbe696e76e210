/**
 * Snapshot plumbing for the embedded feature store: a compact little-endian byte writer/reader
 * (varints, zigzag varints, float64, UTF-8 strings) that each state module encodes itself with,
 * and atomic file helpers — write a temp file, fsync it, rename it over the target, fsync the
 * directory — so a crash mid-save leaves the previous snapshot intact, never a torn one.
 * The record layout itself is described in memory.ts, next to the code that writes it.
 */

import { randomBytes } from 'node:crypto'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { BulwarkError } from '../core/errors.ts'

export class ByteWriter {
  private buffer: Buffer
  private length = 0

  constructor(initialCapacity = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, initialCapacity))
  }

  private ensure(bytes: number): void {
    const needed = this.length + bytes
    if (needed <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2))
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }

  u8(value: number): void {
    this.ensure(1)
    this.buffer[this.length++] = value
  }

  /** An unsigned integer below 2^53, 7 bits a byte. */
  varint(value: number): void {
    this.ensure(8)
    const buffer = this.buffer
    let pos = this.length
    while (value >= 128) {
      buffer[pos++] = (value % 128) | 128
      value = Math.floor(value / 128)
    }
    buffer[pos++] = value
    this.length = pos
  }

  /** A signed integer, zigzag-encoded so small magnitudes stay short. */
  svarint(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  f64(value: number): void {
    this.ensure(8)
    this.buffer.writeDoubleLE(value, this.length)
    this.length += 8
  }

  string(value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8')
    this.varint(bytes)
    this.ensure(bytes)
    this.length += this.buffer.write(value, this.length, bytes, 'utf8')
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length)
    this.buffer.set(value, this.length)
    this.length += value.length
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

export class ByteReader {
  private readonly data: Buffer
  private pos = 0

  constructor(data: Uint8Array) {
    this.data = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  }

  get done(): boolean {
    return this.pos >= this.data.length
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.data.length) corrupt('truncated')
  }

  u8(): number {
    this.need(1)
    return this.data[this.pos++]!
  }

  varint(): number {
    let value = 0
    let scale = 1
    for (;;) {
      const byte = this.u8()
      value += (byte & 127) * scale
      if (byte < 128) return value
      scale *= 128
      if (scale > 2 ** 56) corrupt('varint too long')
    }
  }

  svarint(): number {
    const zigzag = this.varint()
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
  }

  f64(): number {
    this.need(8)
    const value = this.data.readDoubleLE(this.pos)
    this.pos += 8
    return value
  }

  string(): string {
    const bytes = this.varint()
    this.need(bytes)
    const value = this.data.toString('utf8', this.pos, this.pos + bytes)
    this.pos += bytes
    return value
  }

  /** A copy of the next `length` bytes. */
  bytes(length: number): Uint8Array {
    this.need(length)
    const value = new Uint8Array(length)
    value.set(this.data.subarray(this.pos, this.pos + length))
    this.pos += length
    return value
  }
}

/** Throws the error every malformed snapshot produces. */
export function corrupt(detail: string): never {
  throw new BulwarkError('INVALID_ARGUMENT', { detail: `corrupt feature snapshot: ${detail}` })
}

/** Writes `data` (one buffer, or parts in order) to `path` atomically: readers see the old file or the new one, never a mix. */
export async function writeFileAtomic(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const file = await open(temp, 'w', 0o600)
    try {
      // Parts one after another (each from the current position): no copy joins them first.
      for (const part of data instanceof Uint8Array ? [data] : data) await file.writeFile(part)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  await syncDirectory(dirname(path))
}

/** Makes a rename durable. Some platforms cannot fsync a directory; there the rename must do. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error
  } finally {
    await handle?.close()
  }
}

/** Anything that serialises its whole state to bytes (MemoryFeatureStore). */
export interface Snapshottable {
  snapshot(): Uint8Array
}

/** Serialises the store and writes it atomically to `path`. */
export function saveSnapshot(store: Snapshottable, path: string): Promise<void> {
  return writeFileAtomic(path, store.snapshot())
}

/** Reads a snapshot file written by saveSnapshot. */
export function readSnapshotFile(path: string): Promise<Buffer> {
  return readFile(path)
}
