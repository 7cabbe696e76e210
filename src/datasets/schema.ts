/**
 * Structural validation of a dataset mapping against its published JSON Schema
 * (schemas/datasets/mapping.schema.json, the file editors use too), each problem placed at its
 * line and column in the mapping's YAML.
 */

import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { suggest } from '../lang/suggest.ts'
import { formatPath } from '../policy/schemas.ts'
import type { PathItem, YamlFile } from '../policy/yaml.ts'

export const MAPPING_SCHEMA = new URL('../../schemas/datasets/mapping.schema.json', import.meta.url)

let compiled: ValidateFunction | undefined

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(
    JSON.parse(readFileSync(MAPPING_SCHEMA, 'utf8')),
  )
  return compiled
}

/** Validates the mapping's value; reports into the file's sink. Returns whether it is valid. */
export function checkMappingSchema(file: YamlFile, value: unknown): boolean {
  const validate = validator()
  if (validate(value)) return true
  const errors = validate.errors ?? []
  const seen = new Set<string>()
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue
    const path = toPath(e.instancePath)
    const extra = (e.params as { additionalProperty?: string }).additionalProperty
    const key = extra ?? (e as { propertyName?: string }).propertyName
    const detail = describe(path, e, key)
    if (seen.has(detail)) continue
    seen.add(detail)
    const [start, end] = key !== undefined ? file.keyRange([...path, key]) : file.range(path)
    file.sink.report('POLICY_SCHEMA', { detail }, start, end)
  }
  return false
}

function toPath(pointer: string): PathItem[] {
  if (!pointer) return []
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

const PATTERN_HINTS: Readonly<Record<string, string>> = {
  '^\\d+(\\.\\d+)?(ms|s|m|h|d)$': 'a span such as 500ms, 1s, 10m, 1h or 1d',
  '^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*$': 'a field path in lower case such as actor.id',
  '^[a-z][a-z0-9_]*$': 'a name in lower case, digits and _, starting with a letter',
}

function describe(path: PathItem[], e: ErrorObject, key: string | undefined): string {
  const where = formatPath(path) || 'the mapping'
  const params = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      return `${where}: unknown key '${key}'${suggest(key ?? '', known)}`
    }
    case 'required':
      return `${where}: missing '${params.missingProperty}'`
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String)
      return `${where}: must be one of ${allowed.join(', ')}${suggest(String(e.data), allowed)}`
    }
    case 'pattern': {
      const expected = PATTERN_HINTS[String(params.pattern)] ?? `the pattern ${params.pattern}`
      return key !== undefined
        ? `${where}: '${key}' is not a valid name here (expected ${expected})`
        : `${where}: '${String(e.data)}' is not valid here (expected ${expected})`
    }
    case 'type':
      return `${where}: must be ${String(params.type).replace(/,/g, ', ')}`
    default:
      return `${where}: ${e.message}`
  }
}
