/**
 * Robustness (1): every example typed character by character (every prefix; see prefixLengths) through the
 * in-process services, as the language server sees it while someone types. Nothing may throw, every state
 * must validate, and the feature providers must answer. Examples are split over typing-1/typing-2 so vitest
 * runs them on two workers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES, Robustness, typeThrough } from './harness.js';

const mine = EXAMPLES.filter((_, i) => i % 2 === 1);

describe('typing every example character by character', () => {
  const r = new Robustness('file:///robust/typing-2.iommu');
  afterAll(() => {
    r.dispose();
    if (r.known.size) console.warn(`known bugs hit: ${[...r.known].map(([id, n]) => `${id} ×${n}`).join(', ')}`);
  });
  for (const ex of mine) {
    it(`${ex.name}: every prefix validates and providers answer`, async () => {
      const before = r.steps;
      await typeThrough(r, ex.text);
      expect(r.steps - before).toBeGreaterThanOrEqual(ex.text.length);
      const failures = r.take();
      expect(failures, r.report(failures)).toEqual([]);
    });
  }
});
