/**
 * The validator of one set of declared fields (an event type's, or an object's) as one
 * straight-line function, generated once when the pack loads: one block per field, in declaration
 * order, each with its own property read and write. A loop over the fields would read and write
 * through one site for every name, which V8 can only serve with its slowest (megamorphic) lookup;
 * here each site only ever sees one name and one object shape. The object it builds has a slot
 * for every declared field from the start (absent: undefined), so all events of a type share one
 * shape too, and so do the reads downstream (rules, features, storage).
 *
 * Nothing from the pack is written into the generated source: it holds fixed templates and
 * field indexes, and every name, bound, enum and converter is passed in as a value and read from
 * the `steps` array when the function is built. The happy path of the plain scalars (strings,
 * numbers, booleans that pass their declared checks unchanged) and of nested objects is inline;
 * any other value goes to the field's converter, which converts it or reports its problems —
 * so messages and paths are the converters' own (src/policy/fields.ts).
 */

import type { Converter, FieldsConverter } from './fields.ts'

/** One declared field as the generated validator handles it. */
export interface FieldStep {
  readonly name: string
  readonly required: boolean
  /** Object.prototype has a member of this name: read it only as an own property. */
  readonly inherited: boolean
  /**
   * What is checked inline: a scalar whose valid values pass through unchanged, an object (then
   * `fields` converts it), or nothing (every value goes to `convert`).
   */
  readonly inline: 'string' | 'int' | 'double' | 'bool' | 'object' | 'none'
  readonly maxLength: number | undefined
  readonly allowed: readonly string[] | undefined
  readonly minimum: number | undefined
  readonly maximum: number | undefined
  /** The field's converter: converts any value or reports why it cannot. */
  readonly convert: Converter
  /** An object field's own fields. */
  readonly fields: FieldsConverter | undefined
}

/** The inline test of field `i`'s value `x` (known to be neither undefined nor null). */
function inlineTest(step: FieldStep, i: number): string | undefined {
  const bounds = [
    step.minimum !== undefined ? ` && x >= lo${i}` : '',
    step.maximum !== undefined ? ` && x <= hi${i}` : '',
  ].join('')
  switch (step.inline) {
    case 'string':
      return [
        `typeof x === 'string'`,
        step.maxLength !== undefined ? ` && x.length <= max${i}` : '',
        step.allowed !== undefined ? ` && allowed${i}.includes(x)` : '',
      ].join('')
    case 'int':
      return `typeof x === 'number' && isSafeInteger(x)${bounds}`
    case 'double':
      return `typeof x === 'number' && isFiniteNumber(x)${bounds}`
    case 'bool':
      return `typeof x === 'boolean'`
    default:
      return undefined
  }
}

/** The source of field `i`'s block. */
function blockOf(step: FieldStep, i: number): string {
  const read = step.inherited
    ? `x = hasOwn(v, name${i}) ? v[name${i}] : undefined`
    : `x = plain || hasOwn(v, name${i}) ? v[name${i}] : undefined`
  const missing = step.required
    ? `problems.push({ path: pathOf(path, name${i}), message: 'is required' })`
    : ''
  const convert = `{ x = convert${i}(x, problems, path, name${i}); if (x !== undefined) out[name${i}] = x }`
  const test = inlineTest(step, i)
  const present =
    step.inline === 'object'
      ? `if (typeof x === 'object' && !isArray(x)) out[name${i}] = fields${i}(x, problems, pathOf(path, name${i}))
    else ${convert}`
      : test !== undefined
        ? `if (${test}) out[name${i}] = x
    else ${convert}`
        : convert
  return `  ${read}
  if (x === undefined || x === null) { ${missing} }
  else {
    ${present}
  }`
}

/**
 * Builds the validator of `steps` (see the module comment); `pathOf` is fields.ts's, passed in
 * rather than imported (fields.ts imports this module).
 */
export function generateFieldsConverter(
  steps: readonly FieldStep[],
  pathOf: (parent: string, name: string) => string,
): FieldsConverter {
  // Each step's values become constants of the generated function's closure.
  const constants = steps
    .map(
      (_, i) =>
        `const name${i} = steps[${i}].name, convert${i} = steps[${i}].convert, fields${i} = steps[${i}].fields,
  max${i} = steps[${i}].maxLength, allowed${i} = steps[${i}].allowed, lo${i} = steps[${i}].minimum, hi${i} = steps[${i}].maximum`,
    )
    .join('\n')
  const body = steps.map(blockOf).join('\n')
  // Every declared field gets its slot first, in declaration order (an absent one holds
  // undefined): all events of a type then share one object shape, so the property reads of the
  // rules, features and storage after validation stay monomorphic however optional fields come
  // and go. A name Object.prototype also has is left out (assigning `__proto__` would not
  // define it); it is read as an own property anyway.
  const source = `${constants}
const empty = {}
for (const step of steps) if (!step.inherited) empty[step.name] = undefined
return function validateFields(v, problems, path) {
  const out = { ...empty }
  // Own properties only: a plain object's other inherited names are Object.prototype's.
  const plain = getPrototypeOf(v) === objectPrototype
  let x
${body}
  return out
}`
  const build = new Function(
    'steps',
    'pathOf',
    'hasOwn',
    'getPrototypeOf',
    'objectPrototype',
    'isArray',
    'isSafeInteger',
    'isFiniteNumber',
    source,
  )
  return build(
    steps,
    pathOf,
    Object.hasOwn,
    Object.getPrototypeOf,
    Object.prototype,
    Array.isArray,
    Number.isSafeInteger,
    Number.isFinite,
  ) as FieldsConverter
}

/**
 * A function listing the own field names of an object that are not among `names` (in for-in
 * order), generated once per event type. It compares each name with the declared ones as
 * constants of its closure — names read by JSON.parse and those of the pack are both internalised
 * strings, so a mismatch is a pointer comparison — which costs less than a Map or Set lookup
 * (hashing and probing) for every field of every event.
 */
export function generateUndeclared(names: readonly string[]): (body: Record<string, unknown>) => string[] {
  const constants = names.map((_, i) => `const name${i} = names[${i}]`).join('\n')
  const cases = names.map((_, i) => `      case name${i}:`).join('\n')
  // A declared name goes on to the next one; with no names declared, every own name is listed.
  const skipDeclared = names.length
    ? `    switch (k) {
${cases}
        continue
    }`
    : ''
  const source = `${constants}
return function undeclared(body) {
  const out = []
  for (const k in body) {
${skipDeclared}
    if (hasOwn(body, k)) out.push(k)
  }
  return out
}`
  return new Function('names', 'hasOwn', source)(names, Object.hasOwn)
}
