'use strict';
const assert = require('node:assert/strict');
const { vscode, open, waitForDiagnostics, hasCode } = require('./helpers.cjs');

describe('Preview Kernel Upgrade command', () => {
  it('compares the active file on another kernel and opens the result as Markdown beside it', async () => {
    const doc = await open('examples/legacy-kernel-unbound-audio.iommu');
    await waitForDiagnostics(doc.uri, hasCode('VIA008'), 30000, 'VIA008');
    const markdown = await vscode.commands.executeCommand('iommu.previewKernelUpgrade', '6.12');
    assert.equal(typeof markdown, 'string', 'the command returns the preview');
    assert.match(markdown, /^# Kernel 6\.12: what changes for legacy-kernel-unbound-audio\.iommu/);
    assert.match(markdown, /## host workstation: kernel 5\.15\.0 → 6\.12/);
    assert.match(markdown, /- \*\*\+ 5\.19\*\* VFIO: VFIO claims DMA ownership of the whole iommu_group/);
    const gone = markdown.slice(markdown.indexOf('## Gone on 6.12'));
    assert.match(gone, /\*\*VIA008\*\*/, markdown);
    const shown = vscode.workspace.textDocuments.find((d) => d.languageId === 'markdown' && d.getText() === markdown);
    assert.ok(shown, 'a Markdown document with the preview is open');
  });
});
