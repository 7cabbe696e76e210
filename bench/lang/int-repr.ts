/**
 * `npm run bench:int`: the measurement behind the int representation (docs/policy-language.md,
 * "Numbers"). Typical rule work — comparing feature counts with constants, arithmetic on counts
 * — timed three ways in one run over the same data:
 *
 *   number   ints as JS numbers with the overflow checks Bulwark uses (int64.ts fast path)
 *   bigint   ints as BigInt with int64 range checks (how @bufbuild/cel and cel-js represent them)
 *   convert  feature counts arrive as numbers and must become BigInt before each rule
 *
 * Last line: {"compare_number_ns","compare_bigint_ns","arith_number_ns","arith_bigint_ns",
 * "convert_ns","arith_ratio"} (ns per operation, median of samples).
 */

import { addInt, type Int, mulInt } from '../../src/lang/runtime/int64.ts'

const N = 2_000_000
const SAMPLES = 7
const counts = Array.from({ length: 1024 }, (_, i) => ({ c: i % 17, s: (i * 7) % 1000 }))
const bigCounts = counts.map((x) => ({ c: BigInt(x.c), s: BigInt(x.s) }))
const I64_MAX = 2n ** 63n - 1n
const I64_MIN = -(2n ** 63n)

const bigAdd = (a: bigint, b: bigint) => {
  const r = a + b
  if (r > I64_MAX || r < I64_MIN) throw new Error('overflow')
  return r
}
const bigMul = (a: bigint, b: bigint) => {
  const r = a * b
  if (r > I64_MAX || r < I64_MIN) throw new Error('overflow')
  return r
}

function time(body: (i: number) => boolean): number {
  const samples: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    let hits = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) if (body(i & 1023)) hits++
    samples.push(Number(process.hrtime.bigint() - t0) / N)
    if (hits < 0) console.log(hits)
  }
  return samples.sort((a, b) => a - b)[SAMPLES >> 1]!
}

const K: Int = 3
const KB = 3n
const result = {
  compare_number_ns: time((i) => counts[i]!.c > (K as number)),
  compare_bigint_ns: time((i) => bigCounts[i]!.c > KB),
  arith_number_ns: time((i) => (addInt(counts[i]!.s, mulInt(counts[i]!.c, K)) as number) >= 500),
  arith_bigint_ns: time((i) => bigAdd(bigCounts[i]!.s, bigMul(bigCounts[i]!.c, KB)) >= 500n),
  convert_ns: time((i) => BigInt(counts[i]!.c) > KB),
  arith_ratio: 0,
}
result.arith_ratio = result.arith_bigint_ns / result.arith_number_ns
const rounded = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 100) / 100]))

console.log('ns per operation (median of', SAMPLES, 'samples of', N, 'operations):')
console.log(
  `  compare count > 3        number ${rounded.compare_number_ns}   bigint ${rounded.compare_bigint_ns}`,
)
console.log(
  `  s + c * 3 >= 500         number ${rounded.arith_number_ns}   bigint ${rounded.arith_bigint_ns}   (bigint ${rounded.arith_ratio}× slower)`,
)
console.log(`  number → BigInt + compare ${rounded.convert_ns}`)
if (process.argv.includes('--json')) console.log(JSON.stringify(rounded))
