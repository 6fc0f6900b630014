// Runs the same mocha suite (index.cjs) in desktop VS Code with @vscode/test-electron, for machines that can
// download VS Code (the project's own machines cannot: use ../run.sh, which runs the suite in code-server).
//   npm run build && node test/e2e/suite/run-electron.cjs        # VSCODE_VERSION=1.100.3 to pin (default: stable)
// It tests the repo as the extension (extensionDevelopmentPath = repo root, so build first) against a
// throwaway copy of examples/ + test/e2e/workspace/ (as fixtures/), like run.sh does.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');

function load(name) {
  for (const c of [path.join(ROOT, 'tools/mocha/node_modules', name), name]) {
    try { return require(c); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }
  }
  throw new Error(`${name} not found: run test/e2e/install.sh (installs it under tools/mocha) or add it as a devDependency`);
}

async function main() {
  const { runTests } = load('@vscode/test-electron');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-e2e-electron-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(ROOT, 'examples'), path.join(ws, 'examples'), { recursive: true });
  fs.cpSync(path.join(__dirname, '../workspace'), path.join(ws, 'fixtures'), { recursive: true });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(__dirname, 'index.cjs'),
      extensionTestsEnv: { E2E_OUT: path.join(ROOT, 'test-output/e2e-electron'), E2E_GREP: process.env.E2E_GREP },
      launchArgs: [
        ws,
        '--disable-extensions', // other installed extensions; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(tmp, 'user-data')}`,
      ],
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err && err.message ? `e2e (electron): ${err.message}` : err);
  process.exit(1);
});
