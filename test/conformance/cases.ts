/**
 * The cel-spec conformance suite (shipped by @bufbuild/cel-spec) run against Bulwark's compiler.
 * Each test is parsed, checked (unless the test disables checking) and evaluated in the
 * environment it declares; its result is compared with the expected value — exactly, int and
 * double and uint being different — or the expected error or type.
 */

import type { Type as PbType } from '@bufbuild/cel-spec/cel/expr/checked_pb.js'
import type { SimpleTest } from '@bufbuild/cel-spec/cel/expr/conformance/test/simple_pb.js'
import type { Value as PbValue } from '@bufbuild/cel-spec/cel/expr/value_pb.js'
import { getConformanceSuite, type IncrementalTestSuite } from '@bufbuild/cel-spec/testdata/tests.js'
import type { FunctionDecl } from '../../src/lang/builtins/registry.ts'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression } from '../../src/lang/program.ts'
import { canonical } from '../../src/lang/runtime/int64.ts'
import { isMap, mapEntries } from '../../src/lang/runtime/maps.ts'
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
import { listOf, mapOf, opaque, param, T, type Type, typeOf } from '../../src/lang/types.ts'

export interface Case {
  /** `file/section/name`, the key of the skip and expected-failure lists. */
  readonly id: string
  readonly file: string
  readonly test: SimpleTest
}

export function loadCases(): Case[] {
  const out: Case[] = []
  const seen = new Map<string, number>()
  const visit = (suite: IncrementalTestSuite, path: string[]) => {
    for (const t of suite.tests) {
      // A few names repeat within a section; later ones get #2, #3, … so ids stay unique.
      const base = [...path, t.name].join('/')
      const n = (seen.get(base) ?? 0) + 1
      seen.set(base, n)
      out.push({ id: n === 1 ? base : `${base}#${n}`, file: path[0] ?? suite.name, test: t.original })
    }
    for (const s of suite.suites) visit(s, [...path, s.name])
  }
  visit(getConformanceSuite(), [])
  return out
}

export type Outcome = { readonly pass: true } | { readonly pass: false; readonly reason: string }

const PASS: Outcome = { pass: true }
const failWith = (reason: string): Outcome => ({ pass: false, reason })

class Unsupported extends Error {}

// ── cel.expr.Type → Type ───────────────────────────────────────────────────

const PRIMITIVES = [T.dyn, T.bool, T.int, T.uint, T.double, T.string, T.bytes]

function fromPbType(t: PbType | undefined): Type {
  const k = t?.typeKind
  switch (k?.case) {
    case 'dyn':
      return T.dyn
    case 'null':
      return T.null
    case 'primitive':
      return PRIMITIVES[k.value] ?? T.dyn
    case 'wellKnown':
      if (k.value === 2) return T.timestamp
      if (k.value === 3) return T.duration
      throw new Unsupported('google.protobuf.Any')
    case 'listType':
      return listOf(fromPbType(k.value.elemType))
    case 'mapType':
      return mapOf(fromPbType(k.value.keyType), fromPbType(k.value.valueType))
    case 'typeParam':
      return param(k.value)
    case 'type':
      return typeOf(fromPbType(k.value))
    case 'abstractType':
      return opaque(
        k.value.name === 'optional_type' ? 'optional' : k.value.name,
        ...k.value.parameterTypes.map(fromPbType),
      )
    case 'wrapper':
      throw new Unsupported('protobuf wrapper types')
    case 'messageType':
      if (k.value === 'google.protobuf.Duration') return T.duration
      if (k.value === 'google.protobuf.Timestamp') return T.timestamp
      throw new Unsupported(`protobuf message ${k.value}`)
    default:
      throw new Unsupported(`type ${k?.case}`)
  }
}

function environmentFor(test: SimpleTest): Environment {
  const variables: Record<string, Type> = {}
  const functions: FunctionDecl[] = []
  for (const d of test.typeEnv) {
    if (d.declKind.case === 'ident') variables[d.name] = fromPbType(d.declKind.value.type)
    else if (d.declKind.case === 'function') {
      functions.push({
        name: d.name,
        doc: 'declared by the test',
        cost: 1,
        pure: true,
        overloads: d.declKind.value.overloads.map((o) => ({
          id: o.overloadId,
          receiver: o.isInstanceFunction,
          params: o.params.map(fromPbType),
          result: fromPbType(o.resultType),
        })),
      })
    }
  }
  for (const name of Object.keys(test.bindings)) if (!(name in variables)) variables[name] = T.dyn
  return Environment.create({ variables, functions, container: test.container })
}

// ── cel.expr.Value ↔ runtime values ─────────────────────────────────────────

/** Expected value as a runtime value in the representation of static type `t`. */
function fromPbValue(v: PbValue, t: Type): unknown {
  const k = v.kind
  const dynamic = t.kind === 'dyn' || t.kind === 'param'
  switch (k.case) {
    case 'nullValue':
      return null
    case 'boolValue':
    case 'stringValue':
      return k.value
    case 'int64Value':
      return canonical(k.value)
    case 'uint64Value':
      return new CelUint(canonical(k.value))
    case 'doubleValue':
      return dynamic && Number.isInteger(k.value) ? new CelDouble(k.value) : k.value
    case 'bytesValue':
      return k.value
    case 'listValue': {
      const elem = t.kind === 'list' ? t.elem : T.dyn
      return k.value.values.map((x) => fromPbValue(x, elem))
    }
    case 'mapValue': {
      const [kt, vt] = t.kind === 'map' ? [t.key, t.value] : [T.dyn, T.dyn]
      return new Map(
        k.value.entries.map((e) => [mapKeyOf(fromPbValue(e.key!, kt)), fromPbValue(e.value!, vt)]),
      )
    }
    case 'typeValue':
      return CelType.of(k.value)
    case 'objectValue': {
      const typeUrl = k.value.typeUrl
      if (typeUrl.endsWith('google.protobuf.Duration') || typeUrl.endsWith('google.protobuf.Timestamp')) {
        const { seconds, nanos } = decodeTime(k.value.value)
        return typeUrl.endsWith('Duration') ? new Duration(seconds, nanos) : new Timestamp(seconds, nanos)
      }
      throw new Unsupported(`protobuf message value ${typeUrl}`)
    }
    default:
      throw new Unsupported(`value kind ${k.case}`)
  }
}

const mapKeyOf = (k: unknown) => (k instanceof CelUint ? k.value : k)

/** Decodes the two varint fields (seconds = 1, nanos = 2) of a Duration or Timestamp message. */
function decodeTime(bytes: Uint8Array): { seconds: number; nanos: number } {
  let i = 0
  const out = { seconds: 0, nanos: 0 }
  const varint = () => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = bytes[i++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return BigInt.asIntN(64, result)
      shift += 7n
    }
  }
  while (i < bytes.length) {
    const tag = bytes[i++]!
    const n = Number(varint())
    if (tag >> 3 === 1) out.seconds = n
    else if (tag >> 3 === 2) out.nanos = n
  }
  return out
}

/** A type-exact view of a value, for comparing results: numbers keep their CEL type. */
type Norm = { k: string; v?: unknown; items?: Norm[]; entries?: [Norm, Norm][] }

function norm(v: unknown, t: Type): Norm {
  const dynamic = t.kind === 'dyn' || t.kind === 'param' || t.kind === 'error'
  if (v === null) return { k: 'null' }
  if (typeof v === 'boolean') return { k: 'bool', v }
  if (typeof v === 'string') return { k: 'string', v }
  if (typeof v === 'bigint') return { k: 'int', v }
  if (typeof v === 'number') {
    const isDouble = t.kind === 'double' || (dynamic && !Number.isInteger(v))
    return isDouble ? { k: 'double', v } : { k: 'int', v: BigInt(v) }
  }
  if (v instanceof CelDouble) return { k: 'double', v: v.value }
  if (v instanceof CelUint) return { k: 'uint', v: BigInt(v.value) }
  if (v instanceof Uint8Array) return { k: 'bytes', v: Buffer.from(v).toString('hex') }
  if (v instanceof Timestamp || v instanceof Duration)
    return { k: v.constructor.name, v: `${v.seconds}.${v.nanos}` }
  if (v instanceof CelType) return { k: 'type', v: v.name }
  if (v instanceof Optional)
    return {
      k: 'optional',
      items: v.present ? [norm(v.value, t.kind === 'opaque' ? t.params[0]! : T.dyn)] : [],
    }
  if (Array.isArray(v)) return { k: 'list', items: v.map((x) => norm(x, t.kind === 'list' ? t.elem : T.dyn)) }
  if (isMap(v)) {
    const [kt, vt] = t.kind === 'map' ? [t.key, t.value] : [T.dyn, T.dyn]
    return { k: 'map', entries: mapEntries(v).map(([a, b]) => [norm(a, kt), norm(b, vt)]) }
  }
  return { k: `unknown:${String(v)}` }
}

function sameNorm(a: Norm, b: Norm, looseKeys = false): boolean {
  const numericKey = (n: Norm) => looseKeys && (n.k === 'int' || n.k === 'uint')
  if (a.k !== b.k && !(numericKey(a) && numericKey(b))) return false
  if (a.k === 'double') return a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v))
  if (a.items || b.items)
    return a.items!.length === b.items!.length && a.items!.every((x, i) => sameNorm(x, b.items![i]!))
  if (a.entries || b.entries) {
    if (a.entries!.length !== b.entries!.length) return false
    return a.entries!.every(([ka, va]) =>
      b.entries!.some(([kb, vb]) => sameNorm(ka, kb, true) && sameNorm(va, vb)),
    )
  }
  return a.v === b.v
}

const show = (n: Norm): string =>
  n.items
    ? `${n.k}[${n.items.map(show).join(', ')}]`
    : n.entries
      ? `{${n.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`
      : n.v === undefined
        ? n.k
        : `${n.k}(${String(n.v)})`

const typeShape = (t: Type): string => {
  switch (t.kind) {
    case 'list':
      return `list(${typeShape(t.elem)})`
    case 'map':
      return `map(${typeShape(t.key)}, ${typeShape(t.value)})`
    case 'type':
      return `type(${typeShape(t.of)})`
    case 'opaque':
      return `${t.name}(${t.params.map(typeShape).join(', ')})`
    default:
      return t.kind
  }
}

// ── running one test ────────────────────────────────────────────────────────

export function runCase(c: Case): Outcome {
  const t = c.test
  try {
    const env = environmentFor(t)
    const dynamic = t.disableCheck
    const m = t.resultMatcher
    if (t.checkOnly || m.case === 'typedResult') {
      const expectedType = m.case === 'typedResult' ? fromPbType(m.value.deducedType) : undefined
      const r = runPipeline(t.expr, env, { stopAfter: 'check', disableMacros: t.disableMacros })
      if (!r.checked) return failWith(`check failed: ${r.sink.items.map((d) => d.message).join('; ')}`)
      if (expectedType && typeShape(r.checked.type) !== typeShape(expectedType)) {
        return failWith(`type ${typeShape(r.checked.type)}, expected ${typeShape(expectedType)}`)
      }
      if (t.checkOnly) return PASS
    }
    const compiled = compileExpression(t.expr, env, { dynamic, disableMacros: t.disableMacros })
    if (!compiled.ok) {
      if (m.case === 'evalError' || m.case === 'anyEvalErrors') return PASS
      return failWith(
        `compile failed: ${compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`,
      )
    }
    const program = compiled.program
    const activation: Record<string, unknown> = {}
    for (const [name, ev] of Object.entries(t.bindings)) {
      if (ev.kind.case !== 'value') throw new Unsupported('non-value binding')
      activation[name] = fromPbValue(ev.kind.value, env.variables.get(name) ?? T.dyn)
    }
    const result = program.evaluate(activation)
    switch (m.case) {
      case 'value':
      case 'typedResult': {
        if (result instanceof CelError) return failWith(`error ${result.code}: ${result.message}`)
        const pb = m.case === 'value' ? m.value : m.value.result!
        const expected = norm(fromPbValue(pb, T.dyn), T.dyn)
        const actual = norm(result, program.type)
        return sameNorm(actual, expected) ? PASS : failWith(`got ${show(actual)}, expected ${show(expected)}`)
      }
      case 'evalError':
      case 'anyEvalErrors':
        return result instanceof CelError
          ? PASS
          : failWith(`got ${show(norm(result, program.type))}, expected an error`)
      case undefined:
        if (result instanceof CelError) return failWith(`error ${result.code}: ${result.message}`)
        return result === true ? PASS : failWith(`got ${show(norm(result, program.type))}, expected true`)
      default:
        throw new Unsupported(`result matcher ${m.case}`)
    }
  } catch (e) {
    if (e instanceof Unsupported) return failWith(`unsupported: ${e.message}`)
    return failWith(`crashed: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`)
  }
}
