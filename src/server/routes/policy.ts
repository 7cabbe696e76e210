/**
 * The policy pack: GET /v1/policy (what is served), PUT /v1/policy (upload a pack as a tarball
 * or a JSON bundle: all or nothing — a pack with problems is refused with every diagnostic and
 * the serving pack is untouched), GET /v1/policy/versions, POST …/versions/:version/activate.
 */

import type { FastifyInstance } from 'fastify'
import { BulwarkError } from '../../core/errors.ts'
import { MAX_PACK_BYTES, readJsonBundle, readTarball } from '../../policy/bundle.ts'
import type { BulwarkNode } from '../../service/node.ts'
import { errors, policyInfoSchema } from '../schemas.ts'

const TARBALL_TYPES = [
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/octet-stream',
]

export function registerPolicy(app: FastifyInstance, node: BulwarkNode): void {
  app.addContentTypeParser(
    TARBALL_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_PACK_BYTES },
    (_req, body, done) => done(null, body),
  )

  app.get(
    '/v1/policy',
    {
      schema: {
        summary: 'The policy pack being served',
        tags: ['policy'],
        response: { 200: policyInfoSchema, ...errors(401) },
      },
    },
    async () => node.policy(),
  )

  app.put(
    '/v1/policy',
    {
      bodyLimit: MAX_PACK_BYTES,
      schema: {
        summary: 'Replace the policy pack',
        description:
          'Body: a .tar or .tar.gz of the pack directory (Content-Type application/gzip or application/x-tar), or JSON {"files": {"bulwark.yaml": "…", "rules/spam.yaml": "…"}}. The pack is loaded and checked completely before it replaces the serving one; on any problem the answer is 422 POLICY_REJECTED with every diagnostic (file, line, column) and nothing changes.',
        tags: ['policy'],
        response: { 200: policyInfoSchema, ...errors(400, 401, 413, 415, 422) },
      },
    },
    async (req) => {
      const body = req.body
      const files = Buffer.isBuffer(body) ? readTarball(body) : readJsonBundle(body)
      return node.updatePolicy(files, 'api')
    },
  )

  app.get(
    '/v1/policy/versions',
    {
      schema: {
        summary: 'Pack versions served so far, newest first',
        tags: ['policy'],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              versions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    version: { type: 'string' },
                    name: { type: 'string' },
                    loadedAt: { type: 'string' },
                    source: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async (req) => {
      const { limit } = req.query as { limit: number }
      const versions = await node.repository.policyVersions(limit)
      return { versions: versions.map((v) => ({ ...v, loadedAt: new Date(v.loadedAt).toISOString() })) }
    },
  )

  app.post(
    '/v1/policy/versions/:version/activate',
    {
      schema: {
        summary: 'Serve an earlier pack version again (roll back)',
        tags: ['policy'],
        params: { type: 'object', properties: { version: { type: 'string' } }, required: ['version'] },
        response: { 200: policyInfoSchema, ...errors(401, 404, 422) },
      },
    },
    async (req) => {
      const { version } = req.params as { version: string }
      if (!/^[0-9a-f]{12}$/.test(version))
        throw new BulwarkError('NOT_FOUND', { what: `policy version ${version}` })
      return node.activateVersion(version)
    },
  )
}
