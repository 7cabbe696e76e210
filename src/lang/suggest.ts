/**
 * "Did you mean …?" hints for misspelt names, by edit distance.
 */

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

/** ` (did you mean 'x'?)` for the closest known name within a third of its length, else ''. */
export function suggest(name: string, known: Iterable<string>): string {
  let best: string | undefined
  let bestDistance = name.length >= 4 ? Math.max(2, Math.floor(name.length / 3)) : 1
  for (const k of known) {
    if (k === name) continue
    const d = editDistance(name.toLowerCase(), k.toLowerCase())
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = k
      bestDistance = d
    }
  }
  return best ? ` (did you mean '${best}'?)` : ''
}
