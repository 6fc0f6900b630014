'use strict';
const assert = require('node:assert/strict');
const { vscode, open, waitForDiagnostics, codeOf, hasCode } = require('./helpers.cjs');

/** The quick fixes VS Code's code action providers return for the diagnostic with `code`. */
async function quickFixes(doc, code) {
  const diags = await waitForDiagnostics(doc.uri, hasCode(code), 30000, code);
  const d = diags.find((x) => codeOf(x) === code);
  const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
  return { d, actions: (actions || []).filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind)) };
}

const noErrors = (ds) => !ds.some((x) => x.severity === vscode.DiagnosticSeverity.Error);

async function revert(doc) {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

describe('quick fixes', () => {
  it("SYN002: 'Change to intel-vtd' edits the document and clears SYN002 and the held-back note SYN003", async () => {
    const doc = await open('fixtures/driver-typo.iommu');
    const first = await waitForDiagnostics(doc.uri, hasCode('SYN003'), 30000, 'SYN003');
    assert.ok(!first.some((d) => codeOf(d) === 'VIA005'), `no follow-on VIA005: ${JSON.stringify(first.map((d) => codeOf(d)))}`);
    const { actions } = await quickFixes(doc, 'SYN002');
    const fix = actions.find((a) => /intel-vtd/.test(a.title));
    assert.ok(fix, `a quick fix mentioning intel-vtd: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(fix.isPreferred, 'the fix is preferred (auto-fixable)');
    const before = doc.getText();
    assert.ok(await vscode.workspace.applyEdit(fix.edit), 'applyEdit succeeded');
    assert.equal(doc.getText(), before.replace('driver intel-vdt', 'driver intel-vtd'));
    await waitForDiagnostics(doc.uri, (ds) => noErrors(ds) && !hasCode('SYN003')(ds), 30000, 'SYN002 and SYN003 to go away');
    await revert(doc);
  });

  it('BDF001: the fix canonicalises the BDF and leaves no error', async () => {
    const doc = await open('fixtures/bad-bdf.iommu');
    const { actions } = await quickFixes(doc, 'BDF001');
    const fix = actions.find((a) => a.title.includes('0000:65:00.0'));
    assert.ok(fix, `a quick fix to 0000:65:00.0: ${JSON.stringify(actions.map((a) => a.title))}`);
    const before = doc.getText();
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.getText(), before.replace('at 0000:065:00.0', 'at 0000:65:00.0'));
    await waitForDiagnostics(doc.uri, noErrors, 30000, 'BDF001 to go away');
    await revert(doc);
  });
});
