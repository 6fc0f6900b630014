/**
 * Performance work must not change any result: `simulate()` on generated hosts of several shapes and sizes is
 * compared with a summary recorded before the optimisation (`equivalence.fixture.json`). To re-record after an
 * intended behaviour change: `UPDATE_PERF_FIXTURE=1 npx vitest run src-core/test/perf/equivalence.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/simulate.js';
import { bigHost, type BigHostShape } from './big-host.js';
import { summarize, summarizeCompact } from './summary.js';

const FIXTURE = fileURLToPath(new URL('./equivalence.fixture.json', import.meta.url));

/** [case name, devices, seed, shape]. */
export const CASES: [string, number, number, BigHostShape][] = [
  ['vtd-6.12-100-s1', 100, 1, {}],
  ['vtd-6.12-100-s2', 100, 2, { observed: true }],
  ['vtd-5.15-100-s3', 100, 3, { kernel: '5.15' }],
  ['amd-6.1-100-s4', 100, 4, { driver: 'amd-vi', kernel: '6.1' }],
  ['vtd-6.12.76-100-s5', 100, 5, { kernel: '6.12.76', observed: true }],
  ['smmuv3-6.6-dt-100-s6', 100, 6, { driver: 'arm-smmu-v3', arch: 'arm64', kernel: '6.6' }],
  ['vtd-7.0-cmdline-100-s7', 100, 7, { kernel: '7.0', cmdline: 'intel_iommu=on pci=disable_acs_redir=pci:8086:347a,config_acs=xxx1x@pci:10b5:8747' }],
  ['vtd-6.10-redir-100-s8', 100, 8, { kernel: '6.10', cmdline: 'pci=noats,disable_acs_redir=pci:10b5:8747' }],
  ['vtd-6.12-1k-s11', 1000, 11, { observed: true }],
  ['vtd-6.0-1k-s12', 1000, 12, { kernel: '6.0' }],
  ['amd-6.12-1k-s13', 1000, 13, { driver: 'amd-vi', vms: 12 }],
  ['vtd-6.12.76-1k-s14', 1000, 14, { kernel: '6.12.76' }],
];

const run = (n: number, seed: number, shape: BigHostShape) => {
  const t = bigHost(n, seed, { ...shape, name: `h${seed}` });
  return (n > 300 ? summarizeCompact : summarize)(t, simulate(t));
};

describe('simulate() results are unchanged by performance work', () => {
  const update = process.env.UPDATE_PERF_FIXTURE === '1';
  if (update) {
    it('records the fixture', () => {
      const all: Record<string, unknown> = {};
      for (const [name, n, seed, shape] of CASES) all[name] = run(n, seed, shape);
      writeFileSync(FIXTURE, JSON.stringify(all, null, 1) + '\n');
    });
    return;
  }
  const fixture = (existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {}) as Record<string, unknown>;
  for (const [name, n, seed, shape] of CASES)
    it(name, () => {
      expect(fixture[name], `fixture has no case ${name}; re-record it`).toBeDefined();
      expect(JSON.parse(JSON.stringify(run(n, seed, shape)))).toEqual(fixture[name]);
    });
});
