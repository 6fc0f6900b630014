// Runs the extension's mocha suite (test/e2e/suite/index.cjs) inside code-server's extension host.
// code-server's CLI rejects --extensionDevelopmentPath/--extensionTestsPath, but the web workbench accepts them
// in the `payload` URL parameter (as vscode-remote:// URIs, so they resolve on the server). The workbench
// reports the test run's exit code through window.codeAutomationExit and forwards extension-host console
// output through window.codeAutomationLog; both are exposed here with Playwright.
// Env: BASE, WORKSPACE, EXT_DEV_PATH, EXT_TESTS_PATH, OUT, PLAYWRIGHT_CORE, [SUITE_TIMEOUT_MS].
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { launchChromium } = require('./browser.cjs');

const { BASE, WORKSPACE, EXT_DEV_PATH, EXT_TESTS_PATH } = process.env;
const OUT = process.env.OUT || path.join(__dirname, '../../test-output/e2e');
const TIMEOUT = Number(process.env.SUITE_TIMEOUT_MS || 180000);
for (const [k, v] of Object.entries({ BASE, WORKSPACE, EXT_DEV_PATH, EXT_TESTS_PATH })) if (!v) throw new Error(`${k} must be set`);
fs.mkdirSync(OUT, { recursive: true });
const resultsFile = path.join(OUT, 'mocha-results.json');
fs.rmSync(resultsFile, { force: true });

(async () => {
  const { context: ctx, dispose } = await launchChromium();
  let code;
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    let done;
    const exited = new Promise((r) => (done = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = util.format(...(args || []));
      // The extension host echoes every console call; mocha's reporter output is what we want to see.
      if (type === 'error') console.error(line); else console.log(line);
    });
    await page.exposeFunction('codeAutomationExit', (c) => done(c));
    const remote = (p) => `vscode-remote://${new URL(BASE).host}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(EXT_DEV_PATH)],
      ['extensionTestsPath', remote(EXT_TESTS_PATH)],
      ['skipWelcome', 'true'],
    ]);
    await page.goto(`${BASE}/?folder=${encodeURIComponent(WORKSPACE)}&payload=${encodeURIComponent(payload)}`);
    let timer;
    code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('TIMEOUT'), TIMEOUT)))]);
    clearTimeout(timer);
    if (code === 'TIMEOUT') await page.screenshot({ path: path.join(OUT, 'mocha-timeout.png') }).catch(() => {});
  } finally {
    await dispose();
  }
  console.log(`extension test run exit code: ${code}`);
  if (!fs.existsSync(resultsFile)) {
    // The suite never got to write its results (crash before/inside mocha, or a timeout): one failure.
    fs.writeFileSync(resultsFile, JSON.stringify({ passed: 0, failed: 1, tests: [{ title: 'mocha suite', state: 'failed', error: `no results (exit code ${code})` }] }, null, 2));
  } else if (code !== 0) {
    const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    if (!r.failed) { r.failed = 1; r.tests.push({ title: 'mocha suite exit code', state: 'failed', error: String(code) }); fs.writeFileSync(resultsFile, JSON.stringify(r, null, 2)); }
  }
  const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  console.log(`mocha: ${r.passed} passed, ${r.failed} failed`);
  process.exit(code === 0 && !r.failed ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
