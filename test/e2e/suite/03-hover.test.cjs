'use strict';
const assert = require('node:assert/strict');
const { vscode, open, positionOf, hoverText } = require('./helpers.cjs');

async function hoverAt(doc, pos) {
  return hoverText(await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, pos));
}

describe('hover', () => {
  it("a device's hover shows the simulator's iommu_group", async () => {
    const doc = await open('fixtures/firmware-typo.iommu');
    const text = await hoverAt(doc, positionOf(doc, 'endpoint gpu', 'endpoint '.length + 1));
    assert.match(text, /iommu_group \d+/, text);
  });

  it('examples/desktop-gpu-passthrough: the GPU shares its iommu_group with its audio function', async () => {
    const doc = await open('examples/desktop-gpu-passthrough.iommu');
    const text = await hoverAt(doc, positionOf(doc, 'endpoint gpu ', 'endpoint '.length + 1));
    const line = text.split('\n').find((l) => /iommu_group \d+/.test(l));
    assert.ok(line, `hover has an iommu_group line:\n${text}`);
    assert.match(line, /gpu_audio/, `gpu and gpu_audio are in one group:\n${text}`);
  });
});
