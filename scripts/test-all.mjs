// `npm test`: every test suite, one summary line at the end ("N passed, N failed").
//   1. vitest: core simulator, language server features, CLI, examples, importer, robustness
//   2. neovim: a third-party LSP client over stdio (test/neovim/run.sh)
//   3. editor end-to-end in a real VS Code (code-server + Chromium + Playwright, test/e2e/run.sh)
// Suites 2 and 3 install their Debian packages with apt-get when missing (root). Set IOMMU_TEST_ONLY=unit
// to run only suite 1 (e.g. on a laptop without root); nothing is skipped silently.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const only = process.env.IOMMU_TEST_ONLY ?? 'all';
fs.mkdirSync('test-output', { recursive: true });
const totals = { passed: 0, failed: 0 };
const suites = [];

function run(name, cmd, args, parse) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout ?? '');
  let counts = parse(r.stdout ?? '');
  if (!counts) {
    counts = { passed: 0, failed: 1 };
    process.stdout.write(`${name}: no test summary found (exit ${r.status}); counted as a failure\n`);
  }
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  suites.push(`${name}: ${counts.passed} passed, ${counts.failed} failed`);
}

const summaryLine = (prefix) => (out) => {
  const m = [...out.matchAll(new RegExp(`^${prefix}: (\\d+) passed, (\\d+) failed`, 'gm'))].at(-1);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
};

run('unit', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-output/vitest.json'], () => {
  try {
    const j = JSON.parse(fs.readFileSync('test-output/vitest.json', 'utf8'));
    return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites ?? 0) };
  } catch {
    return undefined;
  }
});
if (only === 'all') {
  run('neovim', 'bash', ['test/neovim/run.sh'], summaryLine('neovim'));
  run('e2e', 'bash', ['-c', 'bash test/e2e/install.sh && bash test/e2e/run.sh'], summaryLine('e2e'));
} else {
  suites.push(`neovim, e2e: not run (IOMMU_TEST_ONLY=${only})`);
}

process.stdout.write(`\n${suites.join('\n')}\n${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(totals.failed ? 1 : 0);
