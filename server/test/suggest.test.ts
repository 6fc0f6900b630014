/**
 * The bounded, row-reusing edit distance and closestTerm give exactly what the plain full-table algorithm gives, on
 * seeded random words over a small alphabet (so transpositions, case and length differences all occur).
 */
import { expect, it } from 'vitest';
import { closestTerm, editDistance } from '../src/language/suggest.js';
function ref(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
    const cost = a[i - 1] === b[j - 1] ? 0 : 1;
    d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
    if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
  }
  return d[a.length][b.length];
}
function refClosest(value: string, candidates: string[]) {
  let best: string | undefined; let bestDist = Infinity; const lower = value.toLowerCase();
  for (const c of candidates) { if (c.toLowerCase() === lower) return c; const d = ref(lower, c.toLowerCase()); if (d < bestDist) { bestDist = d; best = c; } }
  return bestDist <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined;
}
it('editDistance and closestTerm equal the full-table reference on 20,000 / 3,000 random cases', () => {
  let seed = 1; const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const word = () => Array.from({ length: Math.floor(rnd() * 9) }, () => 'abcxyZ-'[Math.floor(rnd() * 7)]).join('');
  for (let k = 0; k < 20000; k++) { const a = word(), b = word(); expect(editDistance(a, b), `${a}|${b}`).toBe(ref(a, b)); }
  for (let k = 0; k < 3000; k++) { const v = word(); const cs = Array.from({ length: 12 }, word); expect(closestTerm(v, cs), `${v}|${cs}`).toBe(refClosest(v, cs)); }
});
