/**
 * Language tests as data: every case in test/lang/cases/*.yaml is compiled and evaluated, and its
 * result is compared type-exactly (int, uint and double are different) with the expectation.
 * A last test checks that the cases, taken together, exercise every built-in overload.
 *
 * File layout:
 *
 *   env:                       optional defaults for every case of the file
 *     variables: {name: type}  type expressions: 'int', 'map<string, dyn>', 'Event', 'cidr_list', …
 *     types: {Name: {field: type}}   schema object types (fields may name other types of the file)
 *   cases:
 *     - expr: "…"              CEL text
 *       name: "…"              optional test name (default: the expression)
 *       note: "…"              optional comment
 *       env: {…}               optional; extends the file's env (same shape)
 *       vars: {name: value}    optional input values, encoded as below
 *       value | error | compile_error   exactly one expectation: the result, an EVAL_* code the
 *                              evaluation fails with, or a CEL_* code compilation reports
 *       type: 'list<int>'      optional: the static type of the expression, as formatType prints it
 *       expect_bool: true      compile with `expected: bool`, as rule conditions are
 *       max_steps: n           compile option maxSteps (comprehension step budget)
 *       limits: {maxDepth, maxHeight, maxNodes, maxLength}   parser limits
 *       repeat: {'@X': [text, n]}   replaces each '@X' in expr by text repeated n times
 *       known_bug: "…"         a suspected Bulwark bug: the case is expected to fail (it.fails)
 *
 * Value encoding, for inputs and expectations. Files are parsed with intAsBigInt, so a YAML int
 * and a YAML float stay apart:
 *
 *   3, -7, 9223372036854775807   CEL int          1.5, 1.0, .inf, -.inf, .nan   CEL double
 *   strings, bools, null, lists are themselves; maps with string keys are CEL maps
 *   a map with exactly one of these keys is a tagged value:
 *     {int: '-9223372036854775808'}       int from text (or a number)
 *     {uint: 5}, {uint: '18446744073709551615'}
 *     {double: 1}, {double: NaN}, {double: Infinity}, {double: -Infinity}, {double: '-0'}
 *     {bytes: 'aGVsbG8='}                 bytes, base64
 *     {timestamp: '2024-01-01T00:00:00Z'} RFC 3339      {duration: '90s'}  duration() syntax (30d too)
 *     {type: 'int'}                       a type value by its runtime name ('google.protobuf.Timestamp', …)
 *     {optional: v}, {optional_none: true}
 *     {ip: '1.2.3.4'}, {cidr: '10.0.0.0/8'}
 *     {value_list: [..]}, {domain_list: [..]}, {cidr_list: [..]}   policy lists (inputs only)
 *     {map: [[k, v], …]}                  a map with any keys (also a string key spelt like a tag)
 *
 * Inputs are decoded by the declared type of their variable: a plain number given for a double
 * variable is a double; in dyn positions integral doubles are boxed as CelDouble, as the runtime
 * expects; for a schema object type a single-key map whose key is a declared field is that field,
 * not a tag ({ip: '1.2.3.4'} for an event with an `ip` field). Results are read by the program's
 * static type (see `norm`).
 */

import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { Cidr, IpAddress, parseCidr, parseIp } from '../../src/core/net/ip.ts'
import { CidrSet, DomainSet, ValueSet } from '../../src/core/net/sets.ts'
import { walk } from '../../src/lang/ast.ts'
import { BUILTIN_AREAS } from '../../src/lang/builtins/index.ts'
import type { FunctionDecl } from '../../src/lang/builtins/registry.ts'
import type { Candidate } from '../../src/lang/checker.ts'
import { Environment, OPAQUE_TYPES } from '../../src/lang/env.ts'
import { type CompileOptions, compileExpression } from '../../src/lang/program.ts'
import { canonical } from '../../src/lang/runtime/int64.ts'
import { buildMap, isMap, mapEntries } from '../../src/lang/runtime/maps.ts'
import { parseDuration, parseTimestamp } from '../../src/lang/runtime/time.ts'
import {
  CelDouble,
  CelError,
  CelType,
  CelUint,
  Duration,
  Optional,
  Timestamp,
} from '../../src/lang/runtime/values.ts'
import { runPipeline } from '../../src/lang/stages.ts'
import { formatType, objectType, parseType, T, type Type } from '../../src/lang/types.ts'

// ── loading ─────────────────────────────────────────────────────────────────

interface EnvSpec {
  readonly variables?: Record<string, string>
  readonly types?: Record<string, Record<string, string>>
}

interface CaseSpec {
  readonly expr: string
  readonly name?: string
  readonly note?: string
  readonly env?: EnvSpec
  readonly vars?: Record<string, unknown>
  readonly value?: unknown
  readonly error?: string
  readonly compile_error?: string
  readonly type?: string
  readonly expect_bool?: boolean
  readonly max_steps?: number | bigint
  readonly limits?: Record<string, number | bigint>
  readonly repeat?: Record<string, [string, number | bigint]>
  readonly known_bug?: string
}

interface CaseFile {
  readonly file: string
  readonly env?: EnvSpec
  readonly cases: readonly CaseSpec[]
}

const CASE_KEYS = new Set([
  'expr',
  'name',
  'note',
  'env',
  'vars',
  'value',
  'error',
  'compile_error',
  'type',
  'expect_bool',
  'max_steps',
  'limits',
  'repeat',
  'known_bug',
])
const EXPECTATIONS = ['value', 'error', 'compile_error'] as const

const CASES_DIR = new URL('./cases/', import.meta.url)

function loadFiles(): CaseFile[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(new URL(file, CASES_DIR), 'utf8'), { intAsBigInt: true }) as {
        env?: EnvSpec
        cases?: CaseSpec[]
      }
      if (!Array.isArray(doc?.cases)) throw new Error(`${file}: no 'cases' list`)
      return { file, env: doc.env, cases: doc.cases }
    })
}

/** Problems with the shape of a case (typos in keys, missing or extra expectations). */
function validate(c: CaseSpec): string[] {
  const out: string[] = []
  if (typeof c.expr !== 'string') out.push("'expr' must be a string")
  for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) out.push(`unknown key '${k}'`)
  const given = EXPECTATIONS.filter((k) => k in c)
  if (given.length !== 1) out.push(`needs exactly one of value, error, compile_error (has ${given.length})`)
  if (c.error !== undefined && !/^EVAL_[A-Z_]+$/.test(c.error)) out.push(`'error' must be an EVAL_* code`)
  if (c.compile_error !== undefined && !/^CEL_[A-Z_]+$/.test(c.compile_error))
    out.push(`'compile_error' must be a CEL_* code`)
  return out
}

const exprText = (c: CaseSpec): string => {
  let text = c.expr
  for (const [marker, [piece, n]] of Object.entries(c.repeat ?? {}))
    text = text.split(marker).join(piece.repeat(Number(n)))
  return text
}

// ── environments ────────────────────────────────────────────────────────────

function buildEnv(...specs: (EnvSpec | undefined)[]): Environment {
  const typeSpecs: Record<string, Record<string, string>> = {}
  const varSpecs: Record<string, string> = {}
  for (const s of specs) {
    Object.assign(typeSpecs, s?.types ?? {})
    Object.assign(varSpecs, s?.variables ?? {})
  }
  // Object types are built with their field maps first, so fields may refer to any type of the
  // file (recursively, too); the fields are filled in afterwards.
  const types: Record<string, Type> = {}
  const fields: Record<string, Map<string, Type>> = {}
  for (const name of Object.keys(typeSpecs)) {
    fields[name] = new Map()
    types[name] = objectType(name, fields[name])
  }
  const resolve = (n: string) => types[n] ?? (Object.hasOwn(OPAQUE_TYPES, n) ? OPAQUE_TYPES[n] : undefined)
  for (const [name, spec] of Object.entries(typeSpecs))
    for (const [f, t] of Object.entries(spec)) fields[name]!.set(f, parseType(t, resolve))
  return Environment.create({ variables: varSpecs, types })
}

// ── decoding YAML values into runtime values ─────────────────────────────────

const TAGS = new Set([
  'int',
  'uint',
  'double',
  'bytes',
  'timestamp',
  'duration',
  'type',
  'optional',
  'optional_none',
  'ip',
  'cidr',
  'value_list',
  'domain_list',
  'cidr_list',
  'map',
])

type Tagged = { readonly tag: string; readonly body: unknown }

function tagOf(y: unknown): Tagged | undefined {
  if (typeof y !== 'object' || y === null || Array.isArray(y)) return undefined
  const keys = Object.keys(y)
  if (keys.length !== 1 || !TAGS.has(keys[0]!)) return undefined
  return { tag: keys[0]!, body: (y as Record<string, unknown>)[keys[0]!] }
}

const isDynamic = (t: Type) => t.kind === 'dyn' || t.kind === 'param' || t.kind === 'error'

function parseDouble(body: unknown): number {
  if (typeof body === 'number') return body
  if (typeof body === 'bigint') return Number(body)
  const s = String(body)
  const special: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity }
  if (s in special) return special[s]!
  const n = Number(s)
  if (s.trim() === '' || Number.isNaN(n)) throw new Error(`bad double '${s}'`)
  return n
}

const bigOf = (body: unknown): bigint => (typeof body === 'bigint' ? body : BigInt(String(body)))

function ipOf(text: string): IpAddress {
  const ip = parseIp(text)
  if (!ip) throw new Error(`bad ip '${text}'`)
  return ip
}

function cidrOf(text: string): Cidr {
  const c = parseCidr(text)
  if (!c) throw new Error(`bad cidr '${text}'`)
  return c
}

/** A double in the representation its static position needs. */
const doubleAt = (d: number, t: Type): unknown => (isDynamic(t) && Number.isInteger(d) ? new CelDouble(d) : d)

/** Decodes a YAML value into the runtime representation of static type `t`. */
function decode(y: unknown, t: Type = T.dyn): unknown {
  if (y === null || typeof y === 'boolean' || typeof y === 'string') return y
  if (typeof y === 'bigint') return t.kind === 'double' ? Number(y) : canonical(y)
  if (typeof y === 'number') return doubleAt(y, t)
  if (Array.isArray(y)) return y.map((x) => decode(x, t.kind === 'list' ? t.elem : T.dyn))
  const tagged = tagOf(y)
  // For a schema object a declared field name wins: {ip: '1.2.3.4'} is an event with an ip field.
  if (tagged && !(t.kind === 'object' && t.fields.has(tagged.tag))) return decodeTagged(tagged, t)
  const entries = Object.entries(y as Record<string, unknown>)
  if (t.kind === 'object') return Object.fromEntries(entries.map(([k, v]) => [k, decode(v, t.fields.get(k))]))
  const vt = t.kind === 'map' ? t.value : T.dyn
  return Object.fromEntries(entries.map(([k, v]) => [k, decode(v, vt)]))
}

function decodeTagged({ tag, body }: Tagged, t: Type): unknown {
  switch (tag) {
    case 'int':
      return canonical(bigOf(body))
    case 'uint':
      return new CelUint(canonical(bigOf(body)))
    case 'double':
      return doubleAt(parseDouble(body), t)
    case 'bytes':
      return new Uint8Array(Buffer.from(String(body), 'base64'))
    case 'timestamp':
      return parseTimestamp(String(body))
    case 'duration':
      return parseDuration(String(body))
    case 'type':
      return CelType.of(String(body))
    case 'optional':
      return Optional.of(decode(body, t.kind === 'opaque' && t.params[0] ? t.params[0] : T.dyn))
    case 'optional_none':
      return Optional.none
    case 'ip':
      return ipOf(String(body))
    case 'cidr':
      return cidrOf(String(body))
    case 'value_list':
      return new ValueSet((body as unknown[]).map(String))
    case 'domain_list':
      return new DomainSet((body as unknown[]).map(String))
    case 'cidr_list':
      return new CidrSet((body as unknown[]).map((c) => cidrOf(String(c))))
    case 'map': {
      const [kt, vt] = t.kind === 'map' ? [t.key, t.value] : [T.dyn, T.dyn]
      return buildMap((body as [unknown, unknown][]).map(([k, v]) => [decode(k, kt), decode(v, vt)] as const))
    }
    default:
      throw new Error(`unknown tag '${tag}'`)
  }
}

// ── type-exact comparison ───────────────────────────────────────────────────

/** A type-exact view of a value: numbers keep their CEL type, containers hold normalised parts. */
type Norm = { k: string; v?: unknown; items?: Norm[]; entries?: [Norm, Norm][] }

/** The normal form of a runtime value whose static type is `t`. */
function norm(v: unknown, t: Type): Norm {
  if (v === null) return { k: 'null' }
  if (typeof v === 'boolean') return { k: 'bool', v }
  if (typeof v === 'string') return { k: 'string', v }
  if (typeof v === 'bigint') return { k: 'int', v }
  if (typeof v === 'number') {
    const isDouble = t.kind === 'double' || (isDynamic(t) && !Number.isInteger(v))
    if (isDouble) return { k: 'double', v }
    return Number.isInteger(v) ? { k: 'int', v: BigInt(v) } : { k: `non-integral ${formatType(t)}`, v }
  }
  if (v instanceof CelDouble) return { k: 'double', v: v.value }
  if (v instanceof CelUint) return { k: 'uint', v: BigInt(v.value) }
  if (v instanceof Uint8Array) return { k: 'bytes', v: Buffer.from(v).toString('base64') }
  if (v instanceof Timestamp) return { k: 'timestamp', v: `${v.seconds}.${v.nanos}` }
  if (v instanceof Duration) return { k: 'duration', v: `${v.seconds}.${v.nanos}` }
  if (v instanceof CelType) return { k: 'type', v: v.name }
  if (v instanceof IpAddress) return { k: 'ip', v: v.toString() }
  if (v instanceof Cidr) return { k: 'cidr', v: v.toString() }
  if (v instanceof Optional) {
    const inner = t.kind === 'opaque' && t.params[0] ? t.params[0] : T.dyn
    return { k: 'optional', items: v.present ? [norm(v.value, inner)] : [] }
  }
  if (Array.isArray(v)) return { k: 'list', items: v.map((x) => norm(x, t.kind === 'list' ? t.elem : T.dyn)) }
  if (isMap(v)) {
    const kt = t.kind === 'map' ? t.key : T.dyn
    const vt = (k: unknown) =>
      t.kind === 'map' ? t.value : t.kind === 'object' ? (t.fields.get(String(k)) ?? T.dyn) : T.dyn
    return { k: 'map', entries: mapEntries(v).map(([a, b]) => [norm(a, kt), norm(b, vt(a))]) }
  }
  return { k: `unexpected:${Object.prototype.toString.call(v)}` }
}

/** The normal form of an expected value written in the YAML encoding. */
function expected(y: unknown): Norm {
  if (y === null) return { k: 'null' }
  if (typeof y === 'boolean') return { k: 'bool', v: y }
  if (typeof y === 'string') return { k: 'string', v: y }
  if (typeof y === 'bigint') return { k: 'int', v: y }
  if (typeof y === 'number') return { k: 'double', v: y }
  if (Array.isArray(y)) return { k: 'list', items: y.map(expected) }
  const tagged = tagOf(y)
  if (!tagged) {
    return {
      k: 'map',
      entries: Object.entries(y as object).map(([a, b]) => [{ k: 'string', v: a }, expected(b)]),
    }
  }
  const { tag, body } = tagged
  switch (tag) {
    case 'int':
      return { k: 'int', v: bigOf(body) }
    case 'uint':
      return { k: 'uint', v: bigOf(body) }
    case 'double':
      return { k: 'double', v: parseDouble(body) }
    case 'optional':
      return { k: 'optional', items: [expected(body)] }
    case 'optional_none':
      return { k: 'optional', items: [] }
    case 'map':
      return { k: 'map', entries: (body as [unknown, unknown][]).map(([a, b]) => [expected(a), expected(b)]) }
    case 'value_list':
    case 'domain_list':
    case 'cidr_list':
      throw new Error(`${tag} values cannot be expected results`)
    default:
      return norm(decodeTagged(tagged, T.dyn), T.dyn)
  }
}

function sameNorm(a: Norm, b: Norm, asKey = false): boolean {
  // Map keys are stored canonically (1 and 1u are one key), so keys compare int ~ uint.
  const numericKey = (n: Norm) => asKey && (n.k === 'int' || n.k === 'uint')
  if (a.k !== b.k && !(numericKey(a) && numericKey(b))) return false
  if (a.k === 'double') return Object.is(a.v, b.v) || a.v === b.v
  if (a.items || b.items)
    return (
      !!a.items &&
      !!b.items &&
      a.items.length === b.items.length &&
      a.items.every((x, i) => sameNorm(x, b.items![i]!))
    )
  if (a.entries || b.entries) {
    if (!a.entries || !b.entries || a.entries.length !== b.entries.length) return false
    return a.entries.every(([ka, va]) =>
      b.entries!.some(([kb, vb]) => sameNorm(ka, kb, true) && sameNorm(va, vb)),
    )
  }
  return a.v === b.v
}

function show(n: Norm): string {
  if (n.items) return `${n.k}[${n.items.map(show).join(', ')}]`
  if (n.entries) return `{${n.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`
  if (n.v === undefined) return n.k
  if (n.k === 'double' && Object.is(n.v, -0)) return 'double(-0)'
  return `${n.k}(${typeof n.v === 'string' ? JSON.stringify(n.v) : String(n.v)})`
}

// ── running a case ──────────────────────────────────────────────────────────

function optionsFor(c: CaseSpec): CompileOptions {
  const limits = c.limits && Object.fromEntries(Object.entries(c.limits).map(([k, v]) => [k, Number(v)]))
  return {
    ...(c.expect_bool ? { expected: T.bool } : {}),
    ...(c.max_steps !== undefined ? { maxSteps: Number(c.max_steps) } : {}),
    ...(limits ? { limits } : {}),
  }
}

function runCase(file: CaseFile, c: CaseSpec): void {
  const problems = validate(c)
  if (problems.length) throw new Error(`malformed case: ${problems.join('; ')}`)
  const env = buildEnv(file.env, c.env)
  const text = exprText(c)
  const r = compileExpression(text, env, optionsFor(c))
  const diagnostics = r.diagnostics.map((d) => `${d.code}: ${d.message}`)
  if (c.compile_error !== undefined) {
    expect(r.ok, `expected ${c.compile_error}, but it compiled`).toBe(false)
    expect(
      r.diagnostics.map((d) => d.code),
      diagnostics.join('\n'),
    ).toContain(c.compile_error)
    return
  }
  if (!r.ok) throw new Error(`compile failed:\n${diagnostics.join('\n')}`)
  const program = r.program
  if (c.type !== undefined) expect(formatType(program.type), 'static type').toBe(c.type)
  const activation: Record<string, unknown> = {}
  for (const [name, y] of Object.entries(c.vars ?? {})) {
    const t = env.variables.get(name)
    if (!t) throw new Error(`variable '${name}' is not declared`)
    activation[name] = decode(y, t)
  }
  const result = program.evaluate(activation)
  if (c.error !== undefined) {
    const got = result instanceof CelError ? result.toString() : show(norm(result, program.type))
    expect(result instanceof CelError ? result.code : got, got).toBe(c.error)
    return
  }
  if (result instanceof CelError) throw new Error(`evaluation failed: ${result.toString()}`)
  const actual = norm(result, program.type)
  const want = expected(c.value)
  if (!sameNorm(actual, want)) expect(show(actual)).toBe(show(want))
}

// ── overload coverage ───────────────────────────────────────────────────────

/**
 * The overloads a checked expression is sure to use: calls resolved to one candidate, and calls
 * with several candidates where the first needs no run-time type test (so it always wins).
 */
function overloadsUsed(text: string, env: Environment, options: CompileOptions): string[] {
  const r = runPipeline(text, env, { ...options, stopAfter: 'check' })
  if (!r.checked) return []
  const { refs, types } = r.checked
  const out: string[] = []
  walk(r.checked.expr, (e) => {
    if (e.kind !== 'call') return
    if (e.fn === '_[?_]') out.push('_[?_](A, dyn) -> optional<dyn>')
    const ref = refs.get(e.id)
    if (ref?.kind !== 'call' || ref.candidates.length === 0) return
    const args = ref.namespaced ? e.args : e.target ? [e.target, ...e.args] : e.args
    const needsCheck = (c: Candidate) =>
      args.some((a, i) => {
        const at = types.get(a.id) ?? T.dyn
        const p = c.params[i]!
        return at.kind === 'dyn' && p.kind !== 'dyn' && p.kind !== 'param'
      })
    const first = ref.candidates[0]!
    if (ref.candidates.length === 1 || !needsCheck(first)) out.push(first.overload.id)
  })
  return out
}

/**
 * Overloads no expression can select, with the reason. `list<dyn>` is assignable to `list<int>`,
 * which is declared first and has the same implementation, so it always wins.
 */
const UNREACHABLE_OVERLOADS = new Set(['math.@greatest(list<dyn>) -> dyn', 'math.@least(list<dyn>) -> dyn'])

// ── the tests ───────────────────────────────────────────────────────────────

const files = loadFiles()

for (const file of files) {
  describe(file.file, () => {
    file.cases.forEach((c, i) => {
      const title = `#${i + 1} ${c.name ?? c.expr}`
      if (c.known_bug) it.fails(`${title} [known bug: ${c.known_bug}]`, () => runCase(file, c))
      else it(title, () => runCase(file, c))
    })
  })
}

describe('cases as a whole', () => {
  it('are well-formed', () => {
    const bad = files.flatMap((f) =>
      f.cases.flatMap((c, i) => validate(c).map((p) => `${f.file} #${i + 1} ${c.expr}: ${p}`)),
    )
    expect(bad).toEqual([])
  })

  it('exercise every built-in overload', () => {
    const used = new Set<string>()
    for (const f of files)
      for (const c of f.cases) {
        if (c.compile_error !== undefined || validate(c).length) continue
        try {
          for (const id of overloadsUsed(exprText(c), buildEnv(f.env, c.env), optionsFor(c))) used.add(id)
        } catch {
          // A checker crash is reported by the case itself.
        }
      }
    // Helpers only macros generate (`@not_strictly_false`, `cel.@mapInsert`) are covered by the
    // macro cases; the checker may check a macro through the user's own predicate instead.
    const generated = (d: FunctionDecl) => d.doc.startsWith('Internal:') && d.name.includes('@')
    const all = Object.values(BUILTIN_AREAS)
      .flat()
      .filter((d) => !generated(d))
      .flatMap((d) => d.overloads.map((o) => o.id))
    expect(all.filter((id) => !used.has(id) && !UNREACHABLE_OVERLOADS.has(id))).toEqual([])
    expect([...UNREACHABLE_OVERLOADS].filter((id) => used.has(id) || !all.includes(id))).toEqual([])
  })
})
