/**
 * Model inputs as numbers, compiled once per input at load. Most inputs are a plain field path
 * (`event.actor.followers`, `features.logins_1h`); for those a direct reader walks the frame and
 * answers NaN for an absent or null field without raising (and formatting) the evaluator's
 * "no such field" error — an absent input is common, and the model treats it as missing anyway.
 * Any other expression, and any path through something other than a plain object (a Map, a
 * list), goes through the compiled CEL program; both ways give the same number.
 *
 * The number for a value: a number as is, a bool as 0/1, an int64 or uint as its number, and
 * anything else (an error, an absent field, a string) NaN.
 */

import type { Frame } from '../lang/compile/node.ts'
import { isPlainFieldName } from '../lang/compile/paths.ts'
import type { Program } from '../lang/program.ts'

/** Reads one model input from a decision's frame as a number (NaN: missing). */
export type InputReader = (frame: Frame) => number

/** The number a model sees for an input's value (NaN: missing). */
export function inputNumber(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'bigint') return Number(v)
  if (v !== null && typeof v === 'object' && 'value' in v) {
    const inner = (v as { value: unknown }).value
    if (typeof inner === 'number' || typeof inner === 'bigint') return Number(inner)
  }
  return Number.NaN
}

const FIELD_PATH = /^\s*([A-Za-z_][A-Za-z0-9_]*)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)+)\s*$/

/** `root` and the field names when the expression is nothing but `root.a.b…`, else undefined. */
export function fieldPath(text: string): { root: string; fields: string[] } | undefined {
  const m = FIELD_PATH.exec(text)
  if (!m) return undefined
  return {
    root: m[1]!,
    fields: m[2]!
      .split('.')
      .slice(1)
      .map((s) => s.trim()),
  }
}

/** Whether `o` is an object whose own properties are its fields (not a Map or class instance). */
function plainRecord(o: object): boolean {
  const proto = Object.getPrototypeOf(o)
  return proto === Object.prototype || proto === null
}

/**
 * The reader for one input program: direct for a field path of a variable of its environment,
 * the general program otherwise.
 */
export function inputReader(program: Program): InputReader {
  const general: InputReader = (frame) => inputNumber(program.evaluateFrame(frame))
  if (program.constant) {
    const value = inputNumber(program.constant.value)
    return () => value
  }
  const path = fieldPath(program.text)
  if (!path) return general
  const slot = program.env.slots.get(path.root)
  // A dotted name may be a qualified variable (`a.b` declared as one name): leave it to CEL.
  const qualified = [...program.env.slots.keys()].some((n) => n.startsWith(`${path.root}.`))
  if (slot === undefined || qualified || !path.fields.every(isPlainFieldName)) return general
  const fields = path.fields
  return (frame) => {
    let o: unknown = frame[slot]
    for (let i = 0; i < fields.length; i++) {
      if (typeof o !== 'object' || o === null) return Number.NaN
      if (!plainRecord(o)) return general(frame)
      const v: unknown = (o as Record<string, unknown>)[fields[i]!]
      if (v === undefined || v === null) return Number.NaN
      o = v
    }
    return inputNumber(o)
  }
}
