/** A feature spec for the store tests and bench/features.ts: an id, a kind and a window (retention defaults to it). */

import type { FeatureSpec } from '../../src/features/types.ts'

export const spec = (
  id: string,
  kind: FeatureSpec['kind'],
  windowMs: number,
  retentionMs = windowMs,
): FeatureSpec => ({
  id,
  kind,
  windowMs,
  retentionMs,
})
