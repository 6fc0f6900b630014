'use strict';
const assert = require('node:assert/strict');
const { vscode, EXTENSION_ID, open } = require('./helpers.cjs');

/** Poll an API state (not a diagnostic) with a timeout. */
async function until(what, fn, timeout = 30000) {
  const end = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('activation', () => {
  it('activates the extension when an .iommu file is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    const doc = await open('fixtures/firmware-typo.iommu');
    assert.equal(doc.languageId, 'iommu');
    await until('extension activation (onLanguage:iommu)', () => ext.isActive);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('iommu.restartServer'), 'command iommu.restartServer is registered');
  });
});
