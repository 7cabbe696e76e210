/**
 * Creators' follower counts scale with the population, as their audience does: views, comments
 * and live joins are drawn by popularity rank from everyone, so a creator of a given rank in a
 * world twice as large has about twice the audience — and must have about twice the followers,
 * or rules that read the author's follower count meet small accounts with big audiences.
 */

import { describe, expect, it } from 'vitest'
import { Ids } from '../../src/sim/ids.ts'
import { buildPopulation } from '../../src/sim/population.ts'
import { Rng } from '../../src/sim/random.ts'

const START = Date.UTC(2026, 0, 5)
const creators = (users: number) =>
  buildPopulation(new Rng(3, 'population'), new Ids(3), users, START).creators

describe('creator followers', () => {
  it('grow with the population at every popularity rank', () => {
    const small = creators(2000)
    const large = creators(4000)
    for (const rank of [0, 1, 5, 20]) {
      const ratio = large[rank]!.user.followers / small[rank]!.user.followers
      expect(ratio, `rank ${rank}`).toBeGreaterThan(1.8)
      expect(ratio, `rank ${rank}`).toBeLessThan(2.2)
    }
  })

  it('are two million for the top creator of the 10,000-user world the evaluation measures', () => {
    const top = creators(10_000)[0]!.user.followers
    expect(top).toBeGreaterThan(2_000_000)
    expect(top).toBeLessThan(2_010_000)
  })
})
