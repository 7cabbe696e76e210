/**
 * Where a pack's files come from (src/policy/bundle.ts): a directory, a .tar or .tar.gz tarball
 * (built here by hand, per the USTAR format, since the project has no tar library; and with the
 * system's GNU tar when there is one) and a JSON bundle. Every source gives the same path → text
 * map; malformed input is refused with POLICY_BUNDLE and a clear message, never an exception of
 * another kind (which the server would answer with a 500).
 */

import { execFileSync } from 'node:child_process'
import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import {
  MAX_FILE_BYTES,
  MAX_FILES,
  MAX_PACK_BYTES,
  readJsonBundle,
  readPackDir,
  readTarball,
} from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import { tempPacks, yaml } from './temp-packs.ts'

const packs = tempPacks('bundle')
afterAll(() => packs.cleanup())

const MINI = 'test/fixtures/packs/mini'

// ── USTAR, by hand ────────────────────────────────────────────────────────────

interface EntryOptions {
  /** Type flag: '0' file, '5' directory, '2' symlink, 'L' GNU long name, 'x'/'g' pax headers. */
  readonly type?: string
  /** The ustar prefix field (joined to the name with '/'). */
  readonly prefix?: string
  /** Size written in the header, when it should differ from the body's. */
  readonly size?: number
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`
}

function header(name: string, size: number, type: string, prefix: string): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write(octal(0o644, 8), 100)
  h.write(octal(0, 8), 108)
  h.write(octal(0, 8), 116)
  h.write(octal(size, 12), 124)
  h.write(octal(1_767_225_600, 12), 136)
  h.write(' '.repeat(8), 148)
  h.write(type, 156)
  h.write('ustar\0', 257)
  h.write('00', 263)
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return h
}

/** One archive member: header, body, padding to 512 bytes. */
function entry(name: string, body: string | Uint8Array = '', options: EntryOptions = {}): Buffer {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512)
  return Buffer.concat([
    header(name, options.size ?? data.length, options.type ?? '0', options.prefix ?? ''),
    data,
    pad,
  ])
}

/** A complete archive: the members, then two zero blocks. */
const tarball = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, Buffer.alloc(1024)])

/** A tarball of a path → text map, every path below `root/`. */
function tarOf(files: Readonly<Record<string, string>>, root = 'pack'): Buffer {
  return tarball(
    entry(`${root}/`, '', { type: '5' }),
    ...Object.entries(files).map(([p, t]) => entry(`${root}/${p}`, t)),
  )
}

/** Calls `f` and returns the BulwarkError it throws (failing the test on anything else). */
function refusal(f: () => unknown): BulwarkError {
  let thrown: unknown
  try {
    f()
  } catch (e) {
    thrown = e
  }
  expect(thrown, 'expected a refusal').toBeInstanceOf(BulwarkError)
  const e = thrown as BulwarkError
  expect(e.code).toBe('POLICY_BUNDLE')
  expect(e.status).toBe(400)
  return e
}

const SIMPLE = {
  'bulwark.yaml': yaml('name: simple', 'events:', '  signup: { fields: { email: string } }'),
  'rules/a.yaml': yaml(
    'rules:',
    '  - id: r1',
    '    when: event.email == "x"',
    '    then: { outcome: block }',
  ),
  'lists/ips.txt': '10.0.0.0/8\n',
}

describe('readPackDir', () => {
  it('reads every file below the directory with /-separated relative paths, in sorted order', () => {
    const dir = packs.write({
      'rules/b.yaml': 'b',
      'rules/a.yaml': 'a',
      'bulwark.yaml': 'm',
      'lists/deep/x.txt': 'x',
      '.git/config': 'secret',
      '.env': 'secret',
      'rules/.draft.yaml': 'draft',
      'node_modules/pkg/index.js': 'js',
    })
    const files = readPackDir(dir)
    expect(Object.keys(files)).toEqual(['bulwark.yaml', 'lists/deep/x.txt', 'rules/a.yaml', 'rules/b.yaml'])
    expect(files['rules/a.yaml']).toBe('a')
  })

  it('reads the mini fixture pack, which then loads', () => {
    const files = readPackDir(MINI)
    expect(Object.keys(files)).toEqual([
      'bulwark.yaml',
      'features/signup.yaml',
      'lists/net.yaml',
      'rules/fake.yaml',
      'tests/farm.yaml',
    ])
    const r = loadPack(files)
    expect(r.ok && r.pack.name).toBe('mini')
  })

  it('refuses a file larger than MAX_FILE_BYTES without reading it', () => {
    const dir = packs.write({ 'bulwark.yaml': 'name: x\n', 'lists/huge.txt': '' })
    truncateSync(join(dir, 'lists/huge.txt'), MAX_FILE_BYTES + 1)
    const e = refusal(() => readPackDir(dir))
    expect(e.message).toBe(
      `invalid policy bundle: ${join(dir, 'lists/huge.txt')} is larger than ${MAX_FILE_BYTES} bytes`,
    )
  })

  it('refuses a pack larger than MAX_PACK_BYTES in total', () => {
    const dir = packs.write({ 'bulwark.yaml': 'name: x\n' })
    const count = Math.floor(MAX_PACK_BYTES / MAX_FILE_BYTES) + 1
    for (let i = 0; i < count; i++) {
      writeFileSync(join(dir, `part-${i}.txt`), '')
      truncateSync(join(dir, `part-${i}.txt`), MAX_FILE_BYTES)
    }
    const e = refusal(() => readPackDir(dir))
    expect(e.message).toBe(`invalid policy bundle: the pack is larger than ${MAX_PACK_BYTES} bytes`)
  })

  it(`refuses more than MAX_FILES (${MAX_FILES}) files, and accepts exactly that many`, () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < MAX_FILES; i++) files[`lists/f${String(i).padStart(4, '0')}.txt`] = ''
    const dir = packs.write(files)
    expect(Object.keys(readPackDir(dir))).toHaveLength(MAX_FILES)
    writeFileSync(join(dir, 'one-more.txt'), '')
    const e = refusal(() => readPackDir(dir))
    expect(e.message).toBe(`invalid policy bundle: the pack has more than ${MAX_FILES} files`)
  })

  // Bytes that are not UTF-8 would load as U+FFFD: a Latin-1 list file would silently change.
  it('refuses a file that is not UTF-8', () => {
    const dir = packs.write({
      'bulwark.yaml': SIMPLE['bulwark.yaml'],
      'lists/names.txt': Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    })
    expect(refusal(() => readPackDir(dir)).message).toBe(
      `invalid policy bundle: ${join(dir, 'lists/names.txt')} is not UTF-8 text`,
    )
  })
})

describe('readTarball', () => {
  it('reads a .tar, removing the common leading directory', () => {
    const files = readTarball(tarOf(SIMPLE))
    expect(files).toEqual(SIMPLE)
    const r = loadPack(files)
    expect(r.ok && r.pack.name).toBe('simple')
  })

  it('reads a .tar.gz to the same files, and the pack gets the same version as from a directory', () => {
    const fromGz = readTarball(gzipSync(tarOf(SIMPLE)))
    const fromDir = readPackDir(packs.write(SIMPLE))
    expect(fromGz).toEqual(fromDir)
    const a = loadPack(fromGz)
    const b = loadPack(fromDir)
    expect(a.ok && b.ok && a.pack.version).toBe(b.ok && b.pack.version)
  })

  it('keeps the paths as they are when bulwark.yaml is at the root of the archive', () => {
    const files = readTarball(tarball(entry('bulwark.yaml', 'm'), entry('rules/a.yaml', 'r')))
    expect(files).toEqual({ 'bulwark.yaml': 'm', 'rules/a.yaml': 'r' })
  })

  it('understands ./ prefixes, the ustar prefix field and GNU long names', () => {
    const longDir = `rules/${'nested-'.repeat(20)}`
    const files = readTarball(
      tarball(
        entry('./', '', { type: '5' }),
        entry('./bulwark.yaml', 'm'),
        entry('a.yaml', 'by prefix', { prefix: 'rules' }),
        entry('././@LongLink', `${longDir}/long.yaml\0`, { type: 'L' }),
        entry(`${longDir.slice(0, 90)}/long.yaml`, 'by long name'),
      ),
    )
    expect(files).toEqual({
      'bulwark.yaml': 'm',
      'rules/a.yaml': 'by prefix',
      [`${longDir}/long.yaml`]: 'by long name',
    })
  })

  it('skips directories, links, pax headers, dotfiles and AppleDouble files', () => {
    const files = readTarball(
      tarball(
        entry('pack/', '', { type: '5' }),
        entry('pack/PaxHeaders/bulwark.yaml', '30 mtime=1767225600.000000000\n', { type: 'x' }),
        entry('pack/bulwark.yaml', 'm'),
        entry('pack/._bulwark.yaml', 'resource fork'),
        entry('pack/.git/HEAD', 'ref: main'),
        entry('pack/rules/link.yaml', '', { type: '2' }),
        entry('pax_global_header', '52 comment=whatever\n', { type: 'g' }),
      ),
    )
    expect(files).toEqual({ 'bulwark.yaml': 'm' })
  })

  it('an empty or zero-filled archive has no files (the loader then asks for bulwark.yaml)', () => {
    expect(readTarball(Buffer.alloc(0))).toEqual({})
    expect(readTarball(Buffer.alloc(1024))).toEqual({})
    const r = loadPack(readTarball(Buffer.alloc(1024)))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.diagnostics.map((d) => d.code)).toEqual(['POLICY_FILE'])
  })

  it('a later member with the same path replaces the earlier one (tar append semantics)', () => {
    const files = readTarball(tarball(entry('bulwark.yaml', 'first'), entry('bulwark.yaml', 'second')))
    expect(files).toEqual({ 'bulwark.yaml': 'second' })
  })

  it('refuses a member larger than MAX_FILE_BYTES from its header alone', () => {
    const data = Buffer.concat([
      header('pack/lists/huge.txt', MAX_FILE_BYTES + 1, '0', ''),
      Buffer.alloc(1024),
    ])
    const e = refusal(() => readTarball(data))
    expect(e.message).toBe(
      `invalid policy bundle: pack/lists/huge.txt is larger than ${MAX_FILE_BYTES} bytes`,
    )
  })

  it('refuses a header whose size is not an octal number, and text that is not a tarball', () => {
    const bad = entry('bulwark.yaml', 'm')
    bad.write('not a size!\0', 124)
    expect(refusal(() => readTarball(tarball(bad))).message).toBe(
      'invalid policy bundle: the tarball has a corrupt header',
    )
    expect(refusal(() => readTarball(Buffer.from('x'.repeat(600)))).message).toBe(
      'invalid policy bundle: the tarball has a corrupt header',
    )
  })

  it.each(['../evil.yaml', '/etc/passwd', 'rules/../../escape.yaml'])(
    'refuses a member whose path leaves the pack (%s), naming it',
    (path) => {
      expect(refusal(() => readTarball(tarball(entry('bulwark.yaml', 'm'), entry(path, 'x')))).message).toBe(
        `invalid policy bundle: file path '${path}' leaves the pack: paths must be relative, without ..`,
      )
    },
  )

  it('refuses a tarball truncated inside a member', () => {
    const whole = tarOf(SIMPLE)
    const cut = whole.subarray(0, 512 + 512 + 4)
    expect(refusal(() => readTarball(cut)).message).toMatch(
      /^invalid policy bundle: the tarball is truncated inside '[^']+' \(\d+ bytes declared\)$/,
    )
  })

  it('refuses a truncated or corrupt .tar.gz with POLICY_BUNDLE (a 400, not a 500)', () => {
    const gz = gzipSync(tarOf(SIMPLE))
    for (const bad of [gz.subarray(0, gz.length - 20), Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6])])
      expect(refusal(() => readTarball(bad)).message).toMatch(
        /^invalid policy bundle: the \.tar\.gz is corrupt or truncated/,
      )
  })

  it('refuses a .tar.gz that inflates beyond MAX_PACK_BYTES with POLICY_BUNDLE', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_PACK_BYTES + 1), { level: 1 })
    expect(bomb.length).toBeLessThan(1024 * 1024)
    expect(refusal(() => readTarball(bomb)).message).toBe(
      `invalid policy bundle: the .tar.gz inflates to more than ${MAX_PACK_BYTES} bytes`,
    )
  })

  it('refuses a member that is not UTF-8, naming it', () => {
    expect(
      refusal(() => readTarball(tarball(entry('bulwark.yaml', Uint8Array.from([0x6e, 0xe9, 0x0a]))))).message,
    ).toBe('invalid policy bundle: bulwark.yaml is not UTF-8 text')
  })

  it('whatever bytes it is given (not gzip), it returns files or refuses with POLICY_BUNDLE', () => {
    const valid = tarOf(SIMPLE)
    const mutated = fc
      .tuple(
        fc.nat({ max: valid.length }),
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat(255))),
      )
      .map(([cut, flips]) => {
        const b = Buffer.from(valid.subarray(0, cut))
        for (const [i, v] of flips) if (i < b.length) b[i] = v
        return b
      })
    const random = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a))
    fc.assert(
      fc.property(fc.oneof(mutated, random), (data) => {
        if (data[0] === 0x1f && data[1] === 0x8b) return
        try {
          const files = readTarball(data)
          for (const [path, text] of Object.entries(files)) {
            expect(typeof text).toBe('string')
            expect(path.split('/')).not.toContain('..')
          }
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError)
          expect((e as BulwarkError).code).toBe('POLICY_BUNDLE')
        }
      }),
      { numRuns: 300, seed: 20260101 },
    )
  })

  let gnuTar = false
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' })
    gnuTar = true
  } catch {}

  it.skipIf(!gnuTar)('reads archives made by the system tar (directory root and ./ root)', () => {
    const out = packs.write({})
    execFileSync('tar', ['-czf', join(out, 'named.tgz'), '-C', 'test/fixtures/packs', 'mini'])
    execFileSync('tar', ['-cf', join(out, 'dot.tar'), '-C', MINI, '.'])
    const expected = readPackDir(MINI)
    expect(readTarball(readFileSync(join(out, 'named.tgz')))).toEqual(expected)
    expect(readTarball(readFileSync(join(out, 'dot.tar')))).toEqual(expected)
  })
})

describe('readJsonBundle', () => {
  it('reads {"files": {path: text}} and removes a common leading directory', () => {
    expect(readJsonBundle({ files: SIMPLE })).toEqual(SIMPLE)
    const rooted = Object.fromEntries(Object.entries(SIMPLE).map(([p, t]) => [`starter/${p}`, t]))
    expect(readJsonBundle({ files: rooted })).toEqual(SIMPLE)
  })

  it('does not strip a directory when files are spread over several', () => {
    expect(readJsonBundle({ files: { 'a/bulwark.yaml': 'm', 'b/x.yaml': 'x' } })).toEqual({
      'a/bulwark.yaml': 'm',
      'b/x.yaml': 'x',
    })
  })

  it.each([
    ['null', null],
    ['a string', 'bulwark.yaml'],
    ['an array', [{ 'bulwark.yaml': 'm' }]],
    ['a {path: text} map without "files"', { 'bulwark.yaml': 'name: x' }],
    ['files as an array', { files: ['bulwark.yaml'] }],
    ['files as null', { files: null }],
    ['files as a string', { files: 'bulwark.yaml' }],
  ])('refuses %s', (_, value) => {
    expect(refusal(() => readJsonBundle(value)).message).toBe(
      'invalid policy bundle: expected {"files": {"path": "content", …}}',
    )
  })

  it.each([
    ['a number', 5],
    ['null', null],
    ['an object', { text: 'x' }],
  ])('refuses a file whose content is %s', (_, content) => {
    expect(
      refusal(() => readJsonBundle({ files: { 'bulwark.yaml': 'm', 'rules/a.yaml': content } })).message,
    ).toBe('invalid policy bundle: files["rules/a.yaml"] must be a string')
  })

  it.each(['../bulwark.yaml', 'rules/../../x.yaml', '/etc/passwd', '..\\windows.yaml'])(
    'refuses the path %s',
    (path) => {
      expect(refusal(() => readJsonBundle({ files: { 'bulwark.yaml': 'm', [path]: 'x' } })).message).toBe(
        `invalid policy bundle: file path '${path}' leaves the pack: paths must be relative, without ..`,
      )
    },
  )

  it('never throws anything but POLICY_BUNDLE, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ files: fc.jsonValue() })), (value) => {
        try {
          const files = readJsonBundle(value)
          for (const text of Object.values(files)) expect(typeof text).toBe('string')
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError)
          expect((e as BulwarkError).code).toBe('POLICY_BUNDLE')
        }
      }),
      { numRuns: 300, seed: 20260101 },
    )
  })
})
