/**
 * Minimal reproducers of the server/core bugs in KNOWN_BUGS (harness.ts), marked `it.fails`: they pass while
 * the bug exists. When a bug is fixed its test here fails — then delete the test and the KNOWN_BUGS entry, so
 * the typing / random-edit / CLI suites go back to failing on any occurrence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Robustness } from './harness.js';

describe('known bugs (minimal reproducers)', () => {
  const r = new Robustness('file:///robust/known.iommu');
  afterAll(() => r.dispose());

  // BUG-1: a nameless `host` (being typed) after/before a `vm … on <host>` breaks the VM's host reference:
  // IommuScopeProvider.getScope maps every visible host through createDescription(h, h.name), which throws
  // "Node at path /elements@N has no name"; Langium reports it as a linking error on `on a` (and the CLI
  // prints the stack trace on stderr).
  it.fails('BUG-1: `vm v on a` with a nameless host in the file links without an internal error', async () => {
    await r.edit('host a {\n}\nvm v on a {\n}\nhost\n');
    expect(r.known.get('BUG-1') ?? 0).toBe(0);
  });
});
