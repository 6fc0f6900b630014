/** "Did you mean" suggestions for vocabulary typos (Damerau–Levenshtein distance ≤ max(2, len/3)). */

/**
 * The candidate closest to `value` (case-insensitive), or undefined when none is within max(2, ⌊len/3⌋) edits. An
 * exact match (ignoring case) wins at once; on equal distance the first candidate wins. Candidates whose length alone
 * puts them out of reach are skipped, and each distance stops as soon as it cannot beat the best so far, so a host's
 * thousands of device names and BDFs cost microseconds each.
 */
export function closestTerm(value: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  const lower = value.toLowerCase();
  const limit = Math.max(2, Math.floor(value.length / 3));
  let bound = limit; // a candidate must be within this many edits to become the best
  for (const c of candidates) {
    // the distance is at least the difference in length
    if (Math.abs(c.length - value.length) > bound) continue;
    const cl = c.toLowerCase();
    if (cl === lower) return c;
    const d = boundedDistance(lower, cl, bound);
    if (d <= bound) {
      best = c;
      bound = d - 1; // later candidates must be strictly closer (d ≥ 1: an exact match has returned already)
    }
  }
  return best;
}

/** Optimal-string-alignment edit distance (insert, delete, substitute, transpose adjacent). */
export function editDistance(a: string, b: string): number {
  return boundedDistance(a, b, Math.max(a.length, b.length));
}

// three reused rows (previous-but-one, previous, current) of the OSA table
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * {@link editDistance} when it is ≤ `max`; otherwise some value > `max` (it stops at the first row whose every entry
 * exceeds `max`, since entries never decrease along a path).
 */
function boundedDistance(a: string, b: string, max: number): number {
  const n = b.length;
  if (rows[0].length < n + 1) rows = [new Int32Array(n + 1), new Int32Array(n + 1), new Int32Array(n + 1)];
  let [pp, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, pp[j - 2] + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    const t = pp;
    pp = prev;
    prev = cur;
    cur = t;
  }
  return prev[n];
}
