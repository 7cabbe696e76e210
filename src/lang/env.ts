/**
 * The declared environment an expression is checked and compiled against: typed variables
 * (each with a fixed slot in the evaluation frame), functions (the built-ins plus any extra
 * declarations) and the container for name resolution. Immutable; `extend` makes a new one.
 *
 * The risk environment a policy uses declares `event`, `features`, `lists`, `labels`,
 * `models` and `now`; the policy layer builds it from the pack's schema.
 */

import { own } from '../core/own.ts'
import { BUILTINS, mergeFunctions } from './builtins/index.ts'
import type { FunctionDecl } from './builtins/registry.ts'
import { parseType, T, type Type } from './types.ts'

export interface EnvOptions {
  /** Variables and their types (a Type or a type expression such as `map<string, int>`). */
  readonly variables?: Readonly<Record<string, Type | string>>
  /** Named object types that type expressions may refer to. */
  readonly types?: Readonly<Record<string, Type>>
  /** Extra function declarations (merged with the built-ins by name). */
  readonly functions?: readonly FunctionDecl[]
  /** Namespace for name resolution: in container `a.b`, `x` means `a.b.x`, `a.x` or `x`. */
  readonly container?: string
}

export class Environment {
  readonly variables: ReadonlyMap<string, Type>
  readonly functions: ReadonlyMap<string, FunctionDecl>
  readonly types: ReadonlyMap<string, Type>
  readonly container: string
  /** Frame slot of each variable; comprehension variables use slots after these. */
  readonly slots: ReadonlyMap<string, number>

  private constructor(
    variables: Map<string, Type>,
    functions: Map<string, FunctionDecl>,
    types: Map<string, Type>,
    container: string,
  ) {
    this.variables = variables
    this.functions = functions
    this.types = types
    this.container = container
    this.slots = new Map([...variables.keys()].map((name, i) => [name, i]))
  }

  /** The standard environment: built-ins only, plus whatever `options` declares. */
  static create(options: EnvOptions = {}): Environment {
    return new Environment(new Map(), new Map(BUILTINS), new Map(), '').extend(options)
  }

  extend(options: EnvOptions): Environment {
    const types = new Map(this.types)
    for (const [name, t] of Object.entries(options.types ?? {})) types.set(name, t)
    const resolve = (name: string) => types.get(name) ?? own(OPAQUE_TYPES, name)
    const variables = new Map(this.variables)
    for (const [name, t] of Object.entries(options.variables ?? {})) {
      variables.set(name, typeof t === 'string' ? parseType(t, resolve) : t)
    }
    const functions = options.functions
      ? mergeFunctions([...this.functions.values(), ...options.functions])
      : new Map(this.functions)
    return new Environment(variables, functions, types, options.container ?? this.container)
  }

  get variableCount(): number {
    return this.variables.size
  }

  /** Candidate full names for `name` under the container, most specific first. */
  candidateNames(name: string): string[] {
    if (name.startsWith('.')) return [name.slice(1)]
    const out: string[] = []
    let prefix = this.container
    while (prefix) {
      out.push(`${prefix}.${name}`)
      const dot = prefix.lastIndexOf('.')
      prefix = dot < 0 ? '' : prefix.slice(0, dot)
    }
    out.push(name)
    return out
  }
}

/** Opaque types of the risk extensions, by the names type expressions use. */
export const OPAQUE_TYPES: Readonly<Record<string, Type>> = {
  ip: { kind: 'opaque', name: 'ip', params: [] },
  cidr: { kind: 'opaque', name: 'cidr', params: [] },
  value_list: { kind: 'opaque', name: 'value_list', params: [] },
  domain_list: { kind: 'opaque', name: 'domain_list', params: [] },
  cidr_list: { kind: 'opaque', name: 'cidr_list', params: [] },
}

/** Identifiers that denote types (`type(x) == int`), with the type they denote. */
export const TYPE_DENOTATIONS: Readonly<Record<string, Type>> = {
  bool: T.bool,
  int: T.int,
  uint: T.uint,
  double: T.double,
  string: T.string,
  bytes: T.bytes,
  null_type: T.null,
  list: { kind: 'list', elem: T.dyn },
  map: { kind: 'map', key: T.dyn, value: T.dyn },
  type: { kind: 'type', of: T.dyn },
  'google.protobuf.Timestamp': T.timestamp,
  'google.protobuf.Duration': T.duration,
  optional_type: { kind: 'opaque', name: 'optional', params: [T.dyn] },
  ...OPAQUE_TYPES,
}
