/**
 * Robustness (3): the CLI (`node bin/iommu-topo.cjs check … --format json`) on a sample of the broken texts the
 * in-process tests produce (typing prefixes, seeded random edits, hand-written hostile inputs). It must exit
 * 0, 1 or 2, print valid JSON, and never print a stack trace or an internal error. Files are checked in a few
 * batches (one process per example) plus some single-file runs, to stay well under a minute.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL } from './adversarial.js';
import { EXAMPLES, KNOWN_BUGS, ROOT, prefixLengths, SEED, session } from './harness.js';

const CLI = path.join(ROOT, 'bin/iommu-topo.cjs');
let tmp: string;

/** Stack-trace blocks and internal-error lines in CLI output, minus those of KNOWN_BUGS. */
export function problems(stderr: string, stdout = ''): string[] {
  const out: string[] = [];
  const blocks = stderr.split(/\n(?=\S)/);
  for (const b of blocks) {
    if (!/\n\s+at |internal error|INT001|TypeError|RangeError|ReferenceError/.test(b)) continue;
    if (KNOWN_BUGS.some((k) => k.match.test(b))) continue;
    out.push(b.slice(0, 1200));
  }
  if (/internal error|INT001/.test(stdout)) out.push(`stdout mentions an internal error: ${/.{0,200}(internal error|INT001).{0,200}/.exec(stdout)?.[0]}`);
  return out;
}

function check(paths: string[], format = 'json') {
  const r = spawnSync(process.execPath, [CLI, 'check', ...paths, '--format', format], { encoding: 'utf8', timeout: 60000, maxBuffer: 1 << 26 });
  return r;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'server/out/cli.cjs'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-robust-cli-'));
  EXAMPLES.forEach((ex, i) => {
    const dir = path.join(tmp, ex.name.replace(/\.iommu$/, ''));
    fs.mkdirSync(dir);
    const lengths = prefixLengths(ex.text.length);
    for (let k = 0; k < lengths.length; k += 97) fs.writeFileSync(path.join(dir, `prefix-${lengths[k]}.iommu`), ex.text.slice(0, lengths[k]));
    session(ex.text, SEED + i).forEach((t, k) => {
      if (k % 17 === 0) fs.writeFileSync(path.join(dir, `edit-${k}.iommu`), t);
    });
  });
  const adv = path.join(tmp, 'adversarial');
  fs.mkdirSync(adv);
  ADVERSARIAL.forEach((t, k) => fs.writeFileSync(path.join(adv, `adv-${k}.iommu`), t));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('CLI on broken files', () => {
  const dirs = [...EXAMPLES.map((e) => e.name.replace(/\.iommu$/, '')), 'adversarial'];
  for (const d of dirs) {
    it(`check ${d}/*.iommu (one process) exits 0/1/2 with valid JSON and no stack trace`, () => {
      const dir = path.join(tmp, d);
      const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
      const r = check(files);
      expect(r.error, String(r.error)).toBeUndefined();
      expect([0, 1, 2], `exit ${r.status}\n${r.stderr}`).toContain(r.status);
      expect(problems(r.stderr, r.stdout)).toEqual([]);
      const json = JSON.parse(r.stdout);
      expect(json.files.length).toBe(files.length);
    });
  }

  it('single-file runs on a sample (json, text, sarif)', () => {
    const sample = dirs.flatMap((d) => fs.readdirSync(path.join(tmp, d)).filter((_, i) => i % 9 === 1).map((f) => path.join(tmp, d, f))).slice(0, 12);
    expect(sample.length).toBeGreaterThan(6);
    sample.forEach((file, i) => {
      const format = ['json', 'text', 'sarif'][i % 3];
      const r = check([file], format);
      expect([0, 1, 2], `${file}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
      expect(problems(r.stderr, r.stdout), file).toEqual([]);
      if (format !== 'text') JSON.parse(r.stdout);
    });
  });
});
