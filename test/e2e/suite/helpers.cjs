// Shared helpers for the extension tests (run in the extension host; `vscode` is the real API).
'use strict';
const vscode = require('vscode');

const EXTENSION_ID = 'iommu-topology.iommu-topology';

/** A file of the test workspace (a throwaway copy of examples/ and test/e2e/workspace/ as fixtures/). */
function wsUri(rel) {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) throw new Error('no workspace folder open');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

async function open(rel) {
  const doc = await vscode.workspace.openTextDocument(wsUri(rel));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/**
 * Resolve with the diagnostics of `uri` as soon as `accept(diags)` holds; waits on onDidChangeDiagnostics
 * (no fixed sleeps). Rejects after `timeout` ms with what was there last.
 */
function waitForDiagnostics(uri, accept, timeout = 30000, what = 'diagnostics') {
  return new Promise((resolve, reject) => {
    let sub;
    const check = () => {
      const d = vscode.languages.getDiagnostics(uri);
      if (accept(d)) { clearTimeout(timer); if (sub) sub.dispose(); resolve(d); return true; }
      return false;
    };
    const timer = setTimeout(() => {
      if (sub) sub.dispose();
      const d = vscode.languages.getDiagnostics(uri);
      reject(new Error(`timed out after ${timeout} ms waiting for ${what} on ${uri.path}; have: ${JSON.stringify(d.map(describe))}`));
    }, timeout);
    sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    check();
  });
}

/** The diagnostic code as a string (VS Code reports `{ value, target }` when there is a codeDescription). */
function codeOf(d) {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}

function describe(d) {
  return { code: codeOf(d), line: d.range.start.line + 1, message: d.message };
}

const hasCode = (code) => (diags) => diags.some((d) => codeOf(d) === code);

/** Position of the `nth` occurrence of `needle` in the document, plus `delta` characters. */
function positionOf(doc, needle, delta = 0, nth = 0) {
  const text = doc.getText();
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' not found in ${doc.uri.path}`);
  }
  return doc.positionAt(at + delta);
}

/** Plain text of the hovers VS Code's hover providers return (MarkdownString | MarkedString). */
function hoverText(hovers) {
  return (hovers || []).flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
}

module.exports = { vscode, EXTENSION_ID, wsUri, open, waitForDiagnostics, codeOf, describe, hasCode, positionOf, hoverText };
