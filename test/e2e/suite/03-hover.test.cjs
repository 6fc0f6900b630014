'use strict';
const assert = require('node:assert/strict');
const { vscode, open, positionOf, hoverText, waitForDiagnostics, hasCode, codeOf } = require('./helpers.cjs');

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

  it("where a diagnostic is, the hover adds its finding's explanation and kernel source", async () => {
    const doc = await open('examples/desktop-gpu-passthrough.iommu');
    const diags = await waitForDiagnostics(doc.uri, hasCode('GRP002'), 30000, 'GRP002');
    const d = diags.find((x) => codeOf(x) === 'GRP002');
    const text = await hoverAt(doc, d.range.start);
    assert.match(text, /\*\*GRP002\*\* — Members and why they are in this group/, text);
    assert.match(text, /drivers\/iommu\/iommu\.c:pci_device_group/, text);
  });
});
