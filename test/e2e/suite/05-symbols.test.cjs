'use strict';
const assert = require('node:assert/strict');
const { vscode, open } = require('./helpers.cjs');

describe('document symbols', () => {
  it('lists hosts, VMs and the PCI hierarchy', async () => {
    const doc = await open('fixtures/firmware-typo.iommu');
    const symbols = (await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', doc.uri)) || [];
    const flat = [];
    const walk = (s) => { flat.push(s.name); (s.children || []).forEach(walk); };
    symbols.forEach(walk);
    assert.ok(symbols.length > 0, 'symbols exist');
    for (const name of ['workstation', 'gamer', 'dmar0', 'gpu']) assert.ok(flat.includes(name), `symbol ${name} in ${JSON.stringify(flat)}`);
  });
});
