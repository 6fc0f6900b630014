// UI end-to-end driver: the .vsix is installed in code-server; this drives the real workbench in Debian
// chromium through playwright-core (no browser download) and checks what a user sees.
// Env: BASE (code-server URL), WORKSPACE (a throwaway copy: the quick fix edits and saves a file there),
//      OUT (screenshots + ui-results.json), PLAYWRIGHT_CORE (path), EXPECT_ERRORS (error count the CLI reports
//      for WORKSPACE; the status bar must show the same), FILE (workspace-relative, default fixtures/firmware-typo.iommu).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { launchChromium } = require('./browser.cjs');

const BASE = process.env.BASE;
const WORKSPACE = process.env.WORKSPACE;
const OUT = process.env.OUT || path.join(__dirname, '../../test-output/e2e');
const FILE = process.env.FILE || 'fixtures/firmware-typo.iommu';
const EXPECT_ERRORS = process.env.EXPECT_ERRORS ? Number(process.env.EXPECT_ERRORS) : undefined;
// What the fixture contains (see test/e2e/workspace/firmware-typo.iommu).
const BAD = { line: 'firmware acip', word: 'acip', fixed: 'firmware acpi', code: 'SYN002' };
const HOVER = { line: 'endpoint gpu', word: 'gpu', expect: /iommu_group \d+/ };

if (!BASE || !WORKSPACE) throw new Error('BASE and WORKSPACE must be set');
fs.mkdirSync(OUT, { recursive: true });
const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1)}s]`;
const results = [];
let fatal; // set when a step fails that later steps cannot do without

async function step(name, fn, { critical = false } = {}) {
  const start = Date.now();
  if (fatal) {
    results.push({ name, ok: false, error: `not run: ${fatal}` });
    console.log(`  ✗ ${name} (not run: ${fatal})`);
    return;
  }
  try {
    const info = await fn();
    results.push({ name, ok: true, ms: Date.now() - start, info });
    console.log(`${stamp()} ✓ ${name}${info ? ` — ${JSON.stringify(info)}` : ''}`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - start, error: String(e && e.message || e) });
    console.log(`${stamp()} ✗ ${name}\n      ${String(e && e.message || e).split('\n').join('\n      ')}`);
    if (critical) fatal = `'${name}' failed`;
    await shot(`fail-${results.length}.png`);
  }
}

let page;
async function shot(file) {
  try { if (page) await page.screenshot({ path: path.join(OUT, file) }); } catch { /* page gone */ }
}

/** Poll fn() until it returns a truthy value; throw with the last value after timeout ms. */
async function until(what, fn, timeout = 30000, interval = 200) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Screen centre of `word` inside the rendered editor line containing `lineText`, from a DOM Range (view
 * lines are absolutely positioned and tokens split text across spans; Monaco renders spaces as U+00A0).
 */
function wordRect(lineText, word) {
  return page.evaluate(({ lineText, word }) => {
    const norm = (s) => s.replace(/\u00a0/g, ' ');
    for (const line of document.querySelectorAll('.monaco-editor .view-lines .view-line')) {
      const text = norm(line.textContent);
      const at = text.indexOf(lineText);
      if (at < 0) continue;
      let target = text.indexOf(word, at);
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      let n;
      while ((n = walker.nextNode())) {
        if (target < n.textContent.length) {
          const r = document.createRange();
          r.setStart(n, target);
          r.setEnd(n, Math.min(n.textContent.length, target + word.length));
          const b = r.getBoundingClientRect();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        }
        target -= n.textContent.length;
      }
    }
    return null;
  }, { lineText, word });
}

const editorText = () => page.evaluate(() =>
  [...document.querySelectorAll('.monaco-editor .view-lines .view-line')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n'));

const problemsLabel = () => page.locator('#status\\.problems').getAttribute('aria-label').catch(() => null);
const errorCount = (label) => { const m = /Errors?: (\d+)/i.exec(label || ''); return m ? Number(m[1]) : undefined; };

(async () => {
  const { context, dispose } = await launchChromium();
  try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.log(`${stamp()} [page error] ${e.message}`));
    const file = path.join(WORKSPACE, FILE);
    const original = fs.readFileSync(file, 'utf8');

    await step('workbench opens the file with language mode "IOMMU Topology"', async () => {
      await page.goto(`${BASE}/?folder=${encodeURIComponent(WORKSPACE)}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
      // Quick Open (Ctrl+P) by file name, like a user would.
      await until('quick open', async () => {
        await page.keyboard.press('Control+P');
        return page.locator('.quick-input-widget input').isVisible().catch(() => false);
      }, 20000, 1000);
      await page.keyboard.type(path.basename(FILE));
      const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(FILE) }).first();
      await pick.waitFor({ timeout: 30000 });
      await page.keyboard.press('Enter');
      await page.waitForSelector(`.tab.active[aria-label*="${path.basename(FILE)}"], .tab.active:has-text("${path.basename(FILE)}")`, { timeout: 30000 });
      await page.waitForSelector('.monaco-editor .view-lines .view-line', { timeout: 30000 });
      const mode = await until('language mode in the status bar', async () => {
        const t = await page.locator('#status\\.editor\\.mode').innerText().catch(() => '');
        return t.includes('IOMMU') && t;
      }, 30000);
      return { languageMode: mode.trim() };
    }, { critical: true });

    await step(`red squiggle under '${BAD.word}'`, async () => {
      await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 90000 });
      const rect = await until(`'${BAD.word}' on screen`, () => wordRect(BAD.line, BAD.word), 10000);
      // The squiggle decoration must cover the word's x range on the same line.
      const hit = await until('a squiggle over the word', () => page.evaluate(({ x, y }) => {
        return [...document.querySelectorAll('.monaco-editor .squiggly-error')].some((el) => {
          const b = el.getBoundingClientRect();
          return x >= b.left && x <= b.right && Math.abs(b.top + b.height / 2 - y) < b.height + 12;
        });
      }, rect), 20000);
      await page.waitForTimeout(200); // let the decoration paint before the screenshot
      await shot('1-diagnostic.png');
      return { squiggleOverWord: hit };
    }, { critical: true });

    await step(`status bar problem count matches the CLI (${EXPECT_ERRORS ?? '≥ 1'} errors)`, async () => {
      let seen;
      const label = await until('status bar error count', async () => {
        const l = (seen = await problemsLabel());
        const n = errorCount(l);
        if (n === undefined) return false;
        return (EXPECT_ERRORS === undefined ? n >= 1 : n === EXPECT_ERRORS) && l;
      }, 30000).catch((e) => { throw new Error(`${e.message}; status bar says: ${JSON.stringify(seen)}`); });
      return { statusBar: label };
    });

    await step(`hover on device '${HOVER.word}' shows its ${HOVER.expect.source}`, async () => {
      const rect = await until(`'${HOVER.word}' on screen`, () => wordRect(HOVER.line, HOVER.word), 10000);
      const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: HOVER.expect });
      await until('hover box', async () => {
        await page.mouse.move(rect.x, rect.y - 40);
        await page.mouse.move(rect.x, rect.y, { steps: 5 });
        return hover.first().waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
      }, 30000, 0);
      const text = await hover.first().innerText();
      await page.waitForTimeout(300); // the hover fades in
      await shot('2-hover.png');
      return { hover: text.split('\n').find((l) => HOVER.expect.test(l)) };
    });

    await step(`Problems panel lists ${BAD.code} for '${BAD.word}'`, async () => {
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+M');
      // The marker list is virtualised (off-screen rows are not in the DOM): filter it like a user would.
      const filter = page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
      await filter.waitFor({ timeout: 30000 });
      await filter.fill(BAD.word);
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: BAD.code }).filter({ hasText: BAD.word });
      await row.first().waitFor({ timeout: 30000 });
      const text = (await row.first().innerText()).replace(/\s+/g, ' ');
      await shot('3-problems.png');
      return { row: text };
    });

    await step(`quick fix (Ctrl+.) changes '${BAD.line}' to '${BAD.fixed}' in the saved file`, async () => {
      const rect = await until(`'${BAD.word}' on screen`, () => wordRect(BAD.line, BAD.word), 10000);
      await page.mouse.click(rect.x, rect.y); // cursor on the diagnostic (also focuses the editor)
      const menu = page.locator('.action-widget .monaco-list-row').filter({ hasText: `'${BAD.fixed.split(' ').pop()}'` });
      await until('quick fix menu', async () => {
        await page.keyboard.press('Control+.');
        return menu.first().waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
      }, 30000, 0);
      const title = (await page.locator('.action-widget .monaco-list-row.action').first().innerText()).trim();
      await shot('4-quickfix.png');
      await page.keyboard.press('Enter'); // the first (focused) fix
      await until('the edit in the editor', async () => (await editorText()).includes(BAD.fixed), 15000);
      await page.keyboard.press('Control+S');
      const saved = await until('the fix saved to disk', () => {
        const t = fs.readFileSync(file, 'utf8');
        return t !== original && t;
      }, 15000);
      const expected = original.replace(BAD.line, BAD.fixed);
      if (saved !== expected) throw new Error(`file content after the fix differs from the expected single replacement:\n${saved}`);
      return { firstFix: title, changed: `${BAD.line} -> ${BAD.fixed}` };
    });

    await step(`after the fix the ${BAD.code} problem and its squiggle are gone`, async () => {
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: BAD.code });
      await until(`no ${BAD.code} row in Problems`, async () => (await row.count()) === 0, 30000);
      await until('no error squiggle in the editor', async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0, 30000);
      let label;
      if (EXPECT_ERRORS !== undefined) {
        let seen;
        label = await until(`status bar at ${EXPECT_ERRORS - 1} errors`, async () => {
          const l = (seen = await problemsLabel());
          return errorCount(l) === EXPECT_ERRORS - 1 && l;
        }, 30000).catch((e) => { throw new Error(`${e.message}; status bar says: ${JSON.stringify(seen)}`); });
      }
      await page.waitForTimeout(200);
      await shot('5-fixed.png');
      return { statusBar: label };
    });

    await step("IOMMU Groups view (Explorer) shows the host's iommu_group with its IOMMU unit and default domain", async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+E');
      const header = page.locator('.pane-header', { hasText: 'IOMMU Groups' }).first();
      await header.waitFor({ timeout: 30000 });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      // room for the view in the screenshot: the Problems panel closed, the folder tree collapsed
      if (await page.locator('.part.panel .markers-panel').isVisible().catch(() => false)) await page.keyboard.press('Control+J');
      const folders = page.locator('.pane-header[aria-expanded="true"]', { hasText: 'ws-ui' }).first();
      if (await folders.isVisible().catch(() => false)) await folders.click();
      // the file boots with iommu=pt on a unit with ECAP.PT: the GPU's group is an identity domain
      const row = page.locator('.pane-body .monaco-list-row', { hasText: 'iommu_group' }).filter({ hasText: 'dmar0 · identity' });
      await row.first().waitFor({ timeout: 30000 });
      const text = (await row.first().innerText()).replace(/\s+/g, ' ').trim();
      // a wider side bar, so the rows show their whole description (drag the sash at its right edge)
      const bar = await page.locator('.part.sidebar').boundingBox().catch(() => null);
      if (bar) {
        await page.mouse.move(bar.x + bar.width + 1, bar.y + 300);
        await page.mouse.down();
        await page.mouse.move(bar.x + bar.width + 260, bar.y + 300, { steps: 8 });
        await page.mouse.up();
      }
      await page.mouse.move(1000, 300); // no tooltip over the view
      await page.waitForTimeout(1000);
      await shot('6-groups-view.png');
      return { row: text };
    });
  } finally {
    await dispose();
  }
})()
  .catch((e) => {
    console.log(`${stamp()} driver crashed: ${e && e.stack || e}`);
    results.push({ name: 'ui driver', ok: false, error: String(e && e.message || e) });
  })
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    fs.writeFileSync(path.join(OUT, 'ui-results.json'), JSON.stringify({ passed, failed, tests: results }, null, 2));
    console.log(`ui: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
