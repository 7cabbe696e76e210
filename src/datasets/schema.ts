/**
 * Structural validation of a dataset mapping against its published JSON Schema
 * (schemas/datasets/mapping.schema.json, the file editors use too), each problem placed at its
 * line and column in the mapping's YAML and said as pack files' problems are (policy/schemas.ts).
 */

import { reportSchemaErrors, schemaValidator } from '../policy/schemas.ts'
import type { YamlFile } from '../policy/yaml.ts'

export const MAPPING_SCHEMA = new URL('../../schemas/datasets/mapping.schema.json', import.meta.url)

/** Validates the mapping's value; reports into the file's sink. Returns whether it is valid. */
export function checkMappingSchema(file: YamlFile, value: unknown): boolean {
  const validate = schemaValidator(MAPPING_SCHEMA)
  if (validate(value)) return true
  reportSchemaErrors(file, validate.errors ?? [], 'the mapping')
  return false
}
