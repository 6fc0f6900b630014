// Entry point of the extension's mocha suite (`extensionTestsPath`): VS Code loads this file in the extension
// host and calls run(). Used by both runners: run-suite.cjs (code-server, payload) and run-electron.cjs
// (@vscode/test-electron, desktop VS Code). Mocha is required by path from tools/mocha (installed by
// test/e2e/install.sh) or, failing that, from the repo's node_modules.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');

function loadMocha() {
  const candidates = [process.env.E2E_MOCHA, path.join(ROOT, 'tools/mocha/node_modules/mocha'), 'mocha'].filter(Boolean);
  for (const c of candidates) {
    try { return require(c); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }
  }
  throw new Error(`mocha not found (tried ${candidates.join(', ')}): run test/e2e/install.sh`);
}

function run() {
  const Mocha = loadMocha();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  const grep = process.env.E2E_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.cjs')).sort()) mocha.addFile(path.join(__dirname, f));

  const outDir = process.env.E2E_OUT || path.join(ROOT, 'test-output/e2e');
  const tests = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = tests.filter((t) => t.state === 'passed').length;
      const failed = tests.filter((t) => t.state === 'failed').length;
      const pending = tests.filter((t) => t.state === 'pending').length;
      try {
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'mocha-results.json'), JSON.stringify({ passed, failed, pending, tests }, null, 2));
      } catch (e) { console.error(`cannot write mocha-results.json: ${e.message}`); }
      console.log(`mocha: ${passed} passed, ${failed} failed${pending ? `, ${pending} pending` : ''}`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`)); else resolve();
    });
    runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err) => tests.push({ title: t.fullTitle(), state: 'failed', error: String(err && (err.stack || err.message) || err) }));
    runner.on('pending', (t) => tests.push({ title: t.fullTitle(), state: 'pending' }));
  });
}

module.exports = { run };
