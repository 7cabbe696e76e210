/**
 * Request validation: Fastify's own Ajv compiler, built twice from the same options, plugins
 * (formats) and shared schemas — once coercing types, once not. Query strings, path parameters
 * and headers arrive as text, so `?limit=5` is coerced to the integer 5. A JSON body already has
 * types, so a value of the wrong JSON type is a mistake to refuse, not to reinterpret:
 * `{"killSwitch": "true"}` is not `true`, `{"values": "x"}` is not `["x"]`, `{"priority": "5"}`
 * is not 5 (a 400 INVALID_REQUEST naming the field). Every schema is compiled when its route is
 * registered; nothing is compiled per request.
 */

import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

/** One part of a route to compile a validator for, as Fastify describes it. */
export interface RoutePart {
  readonly schema?: unknown
  readonly method: string
  readonly url: string
  readonly httpPart?: string
}

/** Fastify's `ajv` server option: Ajv options, plugins, and a hook on each Ajv instance created. */
interface AjvServerOptions {
  readonly customOptions?: object
}

type CompilePart = (part: RoutePart) => unknown
type BuildCompiler = (externalSchemas: Record<string, unknown>, options?: AjvServerOptions) => CompilePart
/** As Fastify's options type it (its compiler's own typing says it is given a bare schema). */
type ValidatorFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>

/**
 * The compiler Fastify uses when it is given none (`@fastify/ajv-compiler`), loaded the way
 * Fastify loads it, so it is the very version Fastify was installed with.
 */
const fastifysRequire = createRequire(createRequire(import.meta.url).resolve('fastify'))
const fastifysCompiler = fastifysRequire('@fastify/ajv-compiler') as () => BuildCompiler

/** The parts of a request that arrive as text and are coerced to the types their schema says. */
const TEXT_PARTS = new Set(['querystring', 'params', 'headers'])

/**
 * Header names arrive in lower case. Fastify lower-cases the property names of a headers schema
 * itself only when it compiles with its own compiler, so this compiler does it instead.
 */
export function lowerCaseHeaderNames(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Object.getPrototypeOf(schema) !== Object.prototype)
    return schema
  const s = schema as { properties?: Record<string, unknown>; required?: unknown }
  return {
    ...s,
    ...(s.properties
      ? {
          properties: Object.fromEntries(
            Object.entries(s.properties).map(([name, p]) => [name.toLowerCase(), p]),
          ),
        }
      : {}),
    ...(Array.isArray(s.required)
      ? { required: s.required.map((n) => (typeof n === 'string' ? n.toLowerCase() : n)) }
      : {}),
  }
}

/**
 * The `schemaController.compilersFactory.buildValidator` of the API: bodies are validated
 * without type coercion, every other part of a request with it (`coerceTypes: 'array'`).
 */
export function requestValidatorFactory(): ValidatorFactory {
  const pool = fastifysCompiler()
  const build: BuildCompiler = (externalSchemas, options) => {
    const custom = options?.customOptions ?? {}
    const coercing = pool(externalSchemas, { ...options, customOptions: { ...custom, coerceTypes: 'array' } })
    const exact = pool(externalSchemas, { ...options, customOptions: { ...custom, coerceTypes: false } })
    return (part) => {
      if (!TEXT_PARTS.has(part.httpPart ?? '')) return exact(part)
      return coercing(
        part.httpPart === 'headers' ? { ...part, schema: lowerCaseHeaderNames(part.schema) } : part,
      )
    }
  }
  // Fastify calls the compiler with the route part (fastify/lib/validation.js), as typed here.
  return build as unknown as ValidatorFactory
}
