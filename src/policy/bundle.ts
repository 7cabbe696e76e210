/**
 * Where a pack's files come from: a directory on disk, a tarball (.tar or .tar.gz, as uploaded to
 * PUT /v1/policy) or a JSON bundle `{"files": {"bulwark.yaml": "…", …}}`. Every source becomes
 * the same path → text map; sizes are bounded so an upload cannot exhaust memory.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { BulwarkError } from '../core/errors.ts'
import type { PackFiles } from './load.ts'

export const MAX_FILE_BYTES = 16 * 1024 * 1024
export const MAX_PACK_BYTES = 64 * 1024 * 1024
export const MAX_FILES = 2000

const invalid = (detail: string) => new BulwarkError('POLICY_BUNDLE', { detail })

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The text of a file, refusing bytes that are not UTF-8 (they would load as U+FFFD, silently). */
function decode(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw invalid(`${where} is not UTF-8 text`)
  }
}

/** Refuses a member path that is absolute or climbs out of the pack with `..`. */
function checkInside(path: string): void {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split(/[/\\]/).includes('..'))
    throw invalid(`file path '${path}' leaves the pack: paths must be relative, without ..`)
}

export function readPackDir(dir: string): PackFiles {
  const files: Record<string, string> = {}
  let total = 0
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue
      const full = join(d, name)
      const st = statSync(full)
      if (st.isDirectory()) walk(full)
      else if (st.isFile()) {
        if (st.size > MAX_FILE_BYTES) throw invalid(`${full} is larger than ${MAX_FILE_BYTES} bytes`)
        total += st.size
        if (total > MAX_PACK_BYTES) throw invalid(`the pack is larger than ${MAX_PACK_BYTES} bytes`)
        const path = relative(dir, full).split(sep).join('/')
        files[path] = decode(readFileSync(full), full)
        if (Object.keys(files).length > MAX_FILES) throw invalid(`the pack has more than ${MAX_FILES} files`)
      }
    }
  }
  walk(dir)
  return files
}

/** Files of a ustar/GNU tar archive (optionally gzipped); the common leading directory is removed. */
export function readTarball(data: Buffer): PackFiles {
  const tar = data[0] === 0x1f && data[1] === 0x8b ? gunzip(data) : data
  const files: Record<string, string> = {}
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every((b) => b === 0)) break
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156] ?? 48)
    const prefix = field(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    if (!Number.isFinite(size) || size < 0) throw invalid('the tarball has a corrupt header')
    const isFile = type === '0' || type === '\0'
    if (isFile && size > MAX_FILE_BYTES) throw invalid(`${name} is larger than ${MAX_FILE_BYTES} bytes`)
    if (offset + 512 + size > tar.length)
      throw invalid(`the tarball is truncated inside '${name}' (${size} bytes declared)`)
    const body = tar.subarray(offset + 512, offset + 512 + size)
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '')
    else if (isFile) {
      const path = name.replace(/^\.\//, '')
      checkInside(path)
      if (!path.split('/').some((p) => p.startsWith('.') || p === '')) files[path] = decode(body, path)
    }
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return stripCommonRoot(files)
}

/** Inflates a .tar.gz, bounded by MAX_PACK_BYTES; a corrupt or oversized one is POLICY_BUNDLE. */
function gunzip(data: Buffer): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: MAX_PACK_BYTES })
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw invalid(`the .tar.gz inflates to more than ${MAX_PACK_BYTES} bytes`)
    throw invalid(`the .tar.gz is corrupt or truncated (${(e as Error).message})`)
  }
}

/** `{"files": {path: text}}` as sent by tools; validated shape. */
export function readJsonBundle(value: unknown): PackFiles {
  const files = (value as { files?: unknown })?.files
  if (typeof files !== 'object' || files === null || Array.isArray(files))
    throw invalid('expected {"files": {"path": "content", …}}')
  const out: Record<string, string> = {}
  for (const [path, text] of Object.entries(files)) {
    if (typeof text !== 'string') throw invalid(`files["${path}"] must be a string`)
    checkInside(path)
    out[path] = text
  }
  return stripCommonRoot(out)
}

/** A pack packed as `starter/bulwark.yaml` loads like one packed as `bulwark.yaml`. */
function stripCommonRoot(files: Record<string, string>): PackFiles {
  if (files['bulwark.yaml'] !== undefined || files['bulwark.yml'] !== undefined) return files
  const roots = new Set(Object.keys(files).map((p) => p.split('/')[0]))
  if (roots.size !== 1) return files
  const root = [...roots][0]!
  return Object.fromEntries(Object.entries(files).map(([p, t]) => [p.slice(root.length + 1), t]))
}
