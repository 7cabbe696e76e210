/**
 * Opening a repository from a URL, the one place that knows which implementations exist:
 *
 *   sqlite:/var/lib/bulwark/bulwark.db   a file (created with its directory if missing)
 *   sqlite:///var/lib/bulwark/bulwark.db the same, in URL form
 *   sqlite:data/bulwark.db               a path relative to the working directory
 *   sqlite::memory:                      an in-memory database (tests, `bulwark test`)
 *
 * The repository is migrated before it is returned. PostgreSQL (postgres://…) is planned and
 * will pass the same contract suite (test/store/contract.ts).
 */

import { BulwarkError } from '../core/errors.ts'
import type { Repository } from './repository.ts'
import { type SqliteOptions, SqliteRepository } from './sqlite.ts'

export type { Repository } from './repository.ts'
export { SqliteRepository } from './sqlite.ts'

/** The SQLite path a `sqlite:` URL names, or undefined when the URL is not a sqlite one. */
export function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined
  let path = url.slice('sqlite:'.length)
  if (path.startsWith('//')) path = decodeURIComponent(path.slice(2))
  if (path === '') {
    throw new BulwarkError('INVALID_ARGUMENT', {
      detail: `'${url}' names no database file (try sqlite::memory:)`,
    })
  }
  return path
}

export async function openRepository(url: string, options: SqliteOptions = {}): Promise<Repository> {
  const path = sqlitePath(url)
  if (path !== undefined) {
    const repo = new SqliteRepository(path, options)
    try {
      await repo.migrate()
    } catch (err) {
      await repo.close()
      throw err
    }
    return repo
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    throw new BulwarkError('INVALID_ARGUMENT', {
      detail: `the PostgreSQL repository is not available yet; use a sqlite: URL (got '${url}')`,
    })
  }
  throw new BulwarkError('INVALID_ARGUMENT', {
    detail: `unsupported repository URL '${url}': expected sqlite:/path/to/file.db or sqlite::memory:`,
  })
}
