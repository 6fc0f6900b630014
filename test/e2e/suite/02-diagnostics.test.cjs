'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { vscode, open, wsUri, waitForDiagnostics, codeOf, describe: brief, hasCode } = require('./helpers.cjs');

const CLI = path.resolve(__dirname, '../../../bin/iommu-topo.cjs');

/** Run the repo's CLI (exit status 1 = "found errors" is normal). In Electron, run it as plain Node. */
function cli(args, cwd) {
  try {
    return execFileSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 64 << 20 });
  } catch (e) {
    if (e.status === 1 && e.stdout) return e.stdout;
    throw e;
  }
}

function assertLinked(d) {
  assert.equal(typeof d.code, 'object', `diagnostic ${JSON.stringify(brief(d))} has a codeDescription (code is { value, target })`);
  assert.equal(typeof d.code.value, 'string', 'the code is a string');
  assert.match(d.code.value, /^[A-Z]+\d{3}$/);
  assert.ok(d.code.target instanceof vscode.Uri, 'codeDescription.href is a URI');
  assert.equal(d.code.target.fragment, d.code.value.toLowerCase(), 'the link points at the rule table row');
}

describe('diagnostics', () => {
  it('SYN002 on an unknown IOMMU driver: error with a string code and codeDescription', async () => {
    const doc = await open('fixtures/driver-typo.iommu');
    const diags = await waitForDiagnostics(doc.uri, hasCode('SYN002'), 30000, 'SYN002');
    const d = diags.find((x) => codeOf(x) === 'SYN002');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(doc.getText(d.range), 'intel-vdt');
    assert.match(d.message, /did you mean 'intel-vtd'/);
    assertLinked(d);
  });

  it('SYN002 on an unknown firmware kind is the only error of its file', async () => {
    const doc = await open('fixtures/firmware-typo.iommu');
    const diags = await waitForDiagnostics(doc.uri, hasCode('SYN002'), 30000, 'SYN002');
    const errors = diags.filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(errors.map(brief).map((x) => x.code), ['SYN002'], JSON.stringify(diags.map(brief)));
    assert.equal(doc.getText(errors[0].range), 'acip');
    assertLinked(errors[0]);
  });

  it('BDF001 on a malformed BDF, with a codeDescription', async () => {
    const uri = wsUri('fixtures/bad-bdf.iommu'); // not opened: the server validates the whole workspace
    const diags = await waitForDiagnostics(uri, hasCode('BDF001'), 30000, 'BDF001');
    const d = diags.find((x) => codeOf(x) === 'BDF001');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.getText(d.range), '0000:065:00.0');
    assertLinked(d);
  });

  it('IR001 when the IOMMU has no interrupt remapping (VFIO type1)', async () => {
    const doc = await open('fixtures/no-interrupt-remapping.iommu');
    const diags = await waitForDiagnostics(doc.uri, hasCode('IR001'), 30000, 'IR001');
    const d = diags.find((x) => codeOf(x) === 'IR001');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assertLinked(d);
  });

  it('the editor reports the same codes and lines as the CLI for every workspace file', async () => {
    const root = vscode.workspace.workspaceFolders[0].uri.fsPath;
    const report = JSON.parse(cli(['check', '.', '--format', 'json'], root)); // paths relative to root
    assert.ok(report.files.length >= 3, `the CLI saw the workspace files: ${report.files.map((f) => f.path)}`);
    const key = (code, line) => `${code}@${line}`;
    for (const f of report.files) {
      const uri = vscode.Uri.file(path.resolve(root, f.path));
      const want = f.diagnostics.map((d) => key(d.code, d.range.start.line)).sort();
      if (!want.length) continue; // nothing to wait for; a clean file is checked below
      await waitForDiagnostics(uri, (ds) => JSON.stringify(ds.map((d) => key(codeOf(d), d.range.start.line + 1)).sort()) === JSON.stringify(want),
        30000, `CLI diagnostics ${want.join(', ')}`);
    }
    for (const f of report.files.filter((x) => !x.diagnostics.length)) {
      const have = vscode.languages.getDiagnostics(vscode.Uri.file(path.resolve(root, f.path)));
      assert.deepEqual(have.map(brief), [], `${f.path} is clean in the CLI and in the editor`);
    }
  });
});
