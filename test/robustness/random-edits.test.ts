/**
 * Robustness (2): seeded random edits of every example (span and line deletions, duplicated and swapped
 * lines, inserted keywords / BDFs / braces / values, words replaced by other words), applied one after the
 * other like a long editing session. Same assertions as typing: no exception, validated, providers answer.
 * cli.test.ts regenerates the same texts (same seeds) for the CLI. ROBUST_EDITS / ROBUST_SEED override count and seed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL } from './adversarial.js';
import { EDITS_PER_EXAMPLE, EXAMPLES, Robustness, SEED, session } from './harness.js';

describe('random edits', () => {
  const r = new Robustness('file:///robust/random.iommu');
  afterAll(() => {
    r.dispose();
    if (r.known.size) console.warn(`known bugs hit: ${[...r.known].map(([id, n]) => `${id} ×${n}`).join(', ')}`);
  });
  EXAMPLES.forEach((ex, i) => {
    it(`${ex.name}: ${EDITS_PER_EXAMPLE} seeded edits validate and providers answer`, async () => {
      const texts = session(ex.text, SEED + i);
      for (let k = 0; k < texts.length; k++) {
        const doc = await r.edit(texts[k]);
        if (doc && k % 3 === 0) await r.providers(doc, r.positions(doc, 3));
      }
      const failures = r.take();
      expect(failures, r.report(failures)).toEqual([]);
    });
  });

  it(`${ADVERSARIAL.length} hand-written hostile inputs validate and providers answer`, async () => {
    for (const t of ADVERSARIAL) {
      const doc = await r.edit(t);
      if (doc) await r.providers(doc, r.positions(doc, 5));
    }
    const failures = r.take();
    expect(failures, r.report(failures)).toEqual([]);
  });
});
