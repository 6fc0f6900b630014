/**
 * Minimal reproducers of server/core bugs the robustness suite found. Open bugs are `it.fails` and listed in
 * KNOWN_BUGS (harness.ts); fixed ones are plain regression tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Robustness } from './harness.js';

describe('robustness regressions (minimal reproducers)', () => {
  const r = new Robustness('file:///robust/regressions.iommu');
  afterAll(() => r.dispose());

  // BUG-1 (fixed in bea4530): a nameless `host` (being typed) in a file with `vm … on <host>` broke the VM's
  // host reference: IommuScopeProvider.getScope mapped every visible host through createDescription(h, h.name),
  // which threw "Node at path /elements@N has no name" (a linking error on `on a`; the CLI printed the stack).
  it('BUG-1: `vm v on a` with a nameless host in the file links without an internal error', async () => {
    for (const text of ['host a {\n}\nvm v on a {\n}\nhost\n', 'vm v on a {\n}\nhost {\n}\nhost a {\n}\n', 'host a {\n  endpoint at 0000:00:00.0\n}\nvm v on a {\n  assign x\n}\n']) {
      const doc = await r.edit(text);
      expect(doc).toBeDefined();
      expect(r.take(), text).toEqual([]);
    }
  });
});
