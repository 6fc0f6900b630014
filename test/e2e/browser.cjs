'use strict';
// Debian Chromium through playwright-core (no browser download), with the flags this closed network needs
// (../shared/reference/editor-testing.md: without the background-networking flags Chromium keeps trying
// Google's hosts). Used by ui-driver.cjs and run-suite.cjs.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || path.join(__dirname, '../../tools/playwright/node_modules/playwright-core'));

/** A persistent context on a new empty profile. `dispose()` closes it and then removes the profile. */
async function launchChromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  const dispose = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, dispose };
}

module.exports = { launchChromium };
