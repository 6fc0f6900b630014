// Times the pure-TS simulator on generated hosts (src-core/test/perf/big-host.ts): computeGroups() and the
// whole simulate(), at 100 / 1k / 10k devices by default. Bundles the TypeScript with esbuild into a temp
// file first (the sources use `.js` import suffixes, which Node's type stripping cannot resolve).
//
//   node scripts/bench/core-profile.mjs [sizes...]        e.g. node scripts/bench/core-profile.mjs 1000 10000 20000
//   node --cpu-prof scripts/bench/core-profile.mjs 10000  writes a .cpuprofile for the DevTools profiler
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const dir = mkdtempSync(join(tmpdir(), 'core-profile-'));
const entry = join(dir, 'entry.ts');
writeFileSync(
  entry,
  `export { simulate } from ${JSON.stringify(join(root, 'src-core/src/simulate.ts'))};
export { computeGroups } from ${JSON.stringify(join(root, 'src-core/src/groups/index.ts'))};
export { probeOrder } from ${JSON.stringify(join(root, 'src-core/src/probe-order.ts'))};
export { bigHost } from ${JSON.stringify(join(root, 'src-core/test/perf/big-host.ts'))};
`,
);
const out = join(dir, 'bundle.mjs');
await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, sourcemap: 'inline', logLevel: 'error' });
const { simulate, computeGroups, probeOrder, bigHost } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn, runs) => {
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
};

console.log('devices  computeGroups(ms)  simulate(ms)');
for (const n of sizes.length ? sizes : [100, 1000, 10000]) {
  const t = bigHost(n, 1);
  const h = { ...t.hosts[0], devices: probeOrder(t.hosts[0].devices) };
  const runs = n >= 10000 ? 3 : n >= 1000 ? 7 : 21;
  simulate(t); // warm-up
  const g = time(() => computeGroups(h, h.kernel, {}), runs);
  const s = time(() => simulate(t), runs);
  console.log(`${String(h.devices.length).padStart(7)}  ${g.toFixed(1).padStart(17)}  ${s.toFixed(1).padStart(12)}`);
}
