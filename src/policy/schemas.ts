/**
 * Structural validation of YAML files against the published JSON Schemas (schemas/policy/*.json
 * for pack files, schemas/datasets/mapping.schema.json for dataset mappings — the same files
 * editors use), with each problem placed at its YAML line and column and said in words: the
 * unknown key with a suggestion, the missing one, the allowed values, what a pattern expects.
 */

import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { own } from '../core/own.ts'
import { suggest } from '../lang/suggest.ts'
import type { PathItem, YamlFile } from './yaml.ts'

export type FileKind = 'manifest' | 'features' | 'lists' | 'rules' | 'tests' | 'model' | 'review'

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true })
const validators = new Map<string, ValidateFunction>()

export function schemaPath(kind: FileKind): URL {
  return new URL(`../../schemas/policy/${kind}.schema.json`, import.meta.url)
}

/**
 * The validator of a schema file, compiled once per process (every schema has an `$id`, which
 * one Ajv instance accepts once).
 */
export function schemaValidator(url: URL): ValidateFunction {
  let v = validators.get(url.href)
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(url, 'utf8')))
    validators.set(url.href, v)
  }
  return v
}

/** Validates a parsed pack file; reports problems into the file's sink. Returns whether it is valid. */
export function checkSchema(kind: FileKind, file: YamlFile, value: unknown): boolean {
  const validate = schemaValidator(schemaPath(kind))
  if (validate(value)) return true
  reportSchemaErrors(file, validate.errors ?? [])
  return false
}

/**
 * Reports a schema's errors for a file into its sink as POLICY_SCHEMA, the most specific one per
 * place; `whole` names the file where an error is about all of it ("the file", "the mapping").
 */
export function reportSchemaErrors(file: YamlFile, errors: ErrorObject[], whole = 'the file'): void {
  for (const e of mostSpecific(errors)) {
    const path = pointerToPath(e.instancePath)
    const extra =
      e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : undefined
    // A key that is not valid here (unknown, or a name of the wrong form) is shown at the key.
    const key = extra ?? (e as { propertyName?: string }).propertyName
    const [start, end] = key !== undefined ? file.keyRange([...path, key]) : file.range(path)
    file.sink.report('POLICY_SCHEMA', { detail: describe(path, e, key, whole) }, start, end)
  }
}

/** Keywords that only wrap the errors of their subschemas. */
const WRAPPERS = new Set(['oneOf', 'anyOf', 'if', 'propertyNames'])

/**
 * One error per location and property: oneOf/anyOf produce a cascade; keep the deepest, most
 * specific ones, and every key that is unknown, missing or badly named.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => !WRAPPERS.has(e.keyword))
  const byPath = new Map<string, ErrorObject>()
  for (const e of concrete.length ? concrete : errors) {
    const key = `${e.instancePath}|${which(e)}`
    if (!byPath.has(key)) byPath.set(key, e)
  }
  // Drop "must be string" from a oneOf branch when the object branch has something to say.
  const paths = [...byPath.values()]
  return paths.filter(
    (e) => !(e.keyword === 'type' && paths.some((o) => o !== e && o.instancePath.startsWith(e.instancePath))),
  )
}

/** The key an error is about, when it names one: unknown, missing, or a name of the wrong form. */
function which(e: ErrorObject): string {
  const p = e.params as { additionalProperty?: string; missingProperty?: string }
  return p.additionalProperty ?? p.missingProperty ?? (e as { propertyName?: string }).propertyName ?? ''
}

function pointerToPath(pointer: string): PathItem[] {
  if (!pointer) return []
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

export function formatPath(path: readonly PathItem[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '')
}

/** The problem in words; `key` is the key it is about (unknown, or a name of the wrong form). */
function describe(path: PathItem[], e: ErrorObject, key: string | undefined, whole: string): string {
  const where = formatPath(path) || whole
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      return `${where}: unknown key '${key}'${suggest(key ?? '', known)}`
    }
    case 'required':
      return `${where}: missing '${(e.params as { missingProperty: string }).missingProperty}'`
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String)
      return `${where}: must be one of ${allowed.join(', ')}${suggest(String(e.data), allowed)}`
    }
    case 'pattern': {
      const expected = hintForPattern((e.params as { pattern: string }).pattern)
      return key !== undefined
        ? `${where}: '${key}' is not a valid name here (expected ${expected})`
        : `${where}: '${String(e.data)}' is not valid here (expected ${expected})`
    }
    case 'type':
      return `${where}: must be ${String((e.params as { type: string }).type).replace(/,/g, ', ')}`
    default:
      return `${where}: ${e.message}`
  }
}

function hintForPattern(pattern: string): string {
  if (pattern.endsWith('(ms|s|m|h|d)$')) return 'a span such as 500ms, 1s, 10m, 1h or 1d'
  if (pattern.endsWith('(s|m|h|d)$')) return 'a span such as 30s, 10m, 1h or 7d'
  if (pattern.includes('list<'))
    return 'a type: string, int, double, bool, timestamp, duration, ip, dyn, list<T> or map<string, T>'
  if (pattern.includes('\\.'))
    return pattern.includes('A-Z')
      ? 'a field path such as device.id'
      : 'a field path in lower case such as device.id'
  const name = /^\^\[([^\]]+)\]\[([^\]]+)\]\*\$$/.exec(pattern)
  if (name) return `${describeClass(name[2]!, 'and')}, starting with ${describeClass(name[1]!, 'or', true)}`
  return `the pattern ${pattern}`
}

const RANGES: Readonly<Record<string, readonly [string, string]>> = {
  'a-z': ['a lower-case letter', 'lower-case letters'],
  'A-Z': ['an upper-case letter', 'upper-case letters'],
  '0-9': ['a digit', 'digits'],
}

/** A regular-expression character class (`a-z0-9._-`) in words: "lower-case letters, digits, ., _ and -". */
function describeClass(cls: string, conjunction: string, one = false): string {
  const parts: string[] = []
  for (let i = 0; i < cls.length; ) {
    const range = own(RANGES, cls.slice(i, i + 3))
    if (range) {
      parts.push(range[one ? 0 : 1])
      i += 3
    } else {
      parts.push(cls[i] === '\\' ? cls[++i]! : cls[i]!)
      i++
    }
  }
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} ${conjunction} ${parts.at(-1)}` : parts.join('')
}
