/** "Did you mean" suggestions for vocabulary typos (Damerau–Levenshtein distance ≤ max(2, len/3)). */
export function closestTerm(value: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const lower = value.toLowerCase();
  const limit = Math.max(2, Math.floor(value.length / 3));
  for (const c of candidates) {
    // the distance is at least the difference in length: such candidates cannot be suggested (a host has thousands)
    if (Math.abs(c.length - value.length) > limit) continue;
    if (c.toLowerCase() === lower) return c;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return bestDist <= limit ? best : undefined;
}

/** Optimal-string-alignment edit distance (insert, delete, substitute, transpose adjacent). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
