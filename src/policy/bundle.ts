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
        files[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8')
        if (Object.keys(files).length > MAX_FILES) throw invalid(`the pack has more than ${MAX_FILES} files`)
      }
    }
  }
  walk(dir)
  return files
}

/** Files of a ustar/GNU tar archive (optionally gzipped); the common leading directory is removed. */
export function readTarball(data: Buffer): PackFiles {
  const tar =
    data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data, { maxOutputLength: MAX_PACK_BYTES }) : data
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
    const body = tar.subarray(offset + 512, offset + 512 + size)
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '')
    else if (type === '0' || type === '\0') {
      if (size > MAX_FILE_BYTES) throw invalid(`${name} is larger than ${MAX_FILE_BYTES} bytes`)
      const path = name.replace(/^\.\//, '')
      if (!path.split('/').some((p) => p.startsWith('.') || p === '')) files[path] = body.toString('utf8')
    }
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return stripCommonRoot(files)
}

/** `{"files": {path: text}}` as sent by tools; validated shape. */
export function readJsonBundle(value: unknown): PackFiles {
  const files = (value as { files?: unknown })?.files
  if (typeof files !== 'object' || files === null || Array.isArray(files))
    throw invalid('expected {"files": {"path": "content", …}}')
  const out: Record<string, string> = {}
  for (const [path, text] of Object.entries(files)) {
    if (typeof text !== 'string') throw invalid(`files["${path}"] must be a string`)
    if (path.includes('..') || path.startsWith('/'))
      throw invalid(`file path '${path}' must be relative, without ..`)
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
