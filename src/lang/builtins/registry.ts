/**
 * How built-in functions are declared: once, with signature, cost, purity, documentation and
 * implementation together. `global('math.abs(int) -> int', impl)` declares a global overload;
 * `method('string.contains(string) -> bool', impl)` a receiver-style one. An overload without an
 * implementation is a special form (lazy arguments: &&, ||, ?:) that the compiler emits inline;
 * test/lang/builtins.test.ts checks that the two sets match exactly.
 */

import { parseType, type Type } from '../types.ts'

export type Impl = (...args: any[]) => unknown

export interface Overload {
  /** The signature text; unique, stable, and what error messages and docs show. */
  readonly id: string
  /** Method-style (`x.f()`): the receiver is the first parameter. */
  readonly receiver: boolean
  readonly params: readonly Type[]
  readonly result: Type
  /** Over native values; absent for special forms. */
  readonly impl?: Impl
}

export interface FunctionDecl {
  readonly name: string
  readonly doc: string
  /** Relative evaluation cost; 1 is a comparison of two numbers. Used to order rules cheapest first. */
  readonly cost: number
  /** Same inputs, same output, no outside state: safe to fold at compile time. */
  readonly pure: boolean
  readonly overloads: readonly Overload[]
  /** Shown in docs/policy-language.md. */
  readonly example?: string
}

export interface FunctionInfo {
  readonly doc: string
  readonly cost?: number
  readonly pure?: boolean
  readonly example?: string
}

const SIGNATURE = /^([^(]+)\((.*)\)\s*->\s*(.+)$/

function parseSignature(sig: string, receiver: boolean): { name: string; params: Type[]; result: Type } {
  // For methods the receiver type is everything before the last '.' ahead of the name.
  const open = sig.indexOf('(')
  const head = sig.slice(0, open)
  const dot = receiver ? head.lastIndexOf('.') : -1
  const recvText = dot >= 0 ? head.slice(0, dot) : undefined
  const name = dot >= 0 ? head.slice(dot + 1) : head
  const m = SIGNATURE.exec(`${name}${sig.slice(open)}`)
  if (!m || (receiver && !recvText)) throw new Error(`malformed signature '${sig}'`)
  const params = splitTop(m[2]!).map((p) => parseType(p, opaqueType))
  if (recvText) params.unshift(parseType(recvText, opaqueType))
  return { name: m[1]!, params, result: parseType(m[3]!, opaqueType) }
}

/** Names of opaque types built-ins may mention. */
const OPAQUE_NAMES = new Set(['ip', 'cidr', 'value_list', 'domain_list', 'cidr_list'])

function opaqueType(name: string, params: Type[]): Type | undefined {
  return OPAQUE_NAMES.has(name) && params.length === 0 ? { kind: 'opaque', name, params: [] } : undefined
}

function splitTop(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '<') depth++
    else if (c === '>') depth--
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  const last = text.slice(start).trim()
  if (last) out.push(last)
  return out
}

interface PendingOverload {
  readonly sig: string
  readonly receiver: boolean
  readonly impl?: Impl
}

export const global = (sig: string, impl?: Impl): PendingOverload => ({ sig, receiver: false, impl })
export const method = (sig: string, impl?: Impl): PendingOverload => ({ sig, receiver: true, impl })

/** Declares a function from its overloads; all must share the name. */
export function fn(info: FunctionInfo, ...overloads: PendingOverload[]): FunctionDecl {
  let name: string | undefined
  const parsed = overloads.map((o): Overload => {
    const s = parseSignature(o.sig, o.receiver)
    if (name !== undefined && s.name !== name)
      throw new Error(`overload '${o.sig}' does not belong to '${name}'`)
    name = s.name
    return {
      id: o.sig,
      receiver: o.receiver,
      params: s.params,
      result: s.result,
      ...(o.impl ? { impl: o.impl } : {}),
    }
  })
  if (name === undefined) throw new Error('a function needs at least one overload')
  return {
    name,
    doc: info.doc,
    cost: info.cost ?? 1,
    pure: info.pure ?? true,
    overloads: parsed,
    example: info.example,
  }
}
