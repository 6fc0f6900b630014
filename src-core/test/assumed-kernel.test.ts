/**
 * A host without a kernel line (and no default kernel) is simulated as the kernel KVER000 says is assumed
 * (ASSUMED_KERNEL), in every stage: boot parameters, grouping, default domains, caps, VM start-up and rules. An
 * undefined kernel used to reach the grouping and boot-parameter gates as "the newest kernel".
 */
import { describe, expect, it } from 'vitest';
import { ASSUMED_KERNEL } from '../src/caps/platform.js';
import { simulate } from '../src/simulate.js';
import type { Topology } from '../src/model.js';
import { bigHost, type BigHostShape } from './perf/big-host.js';

const SHAPES: [string, BigHostShape][] = [
  ['intel', { cmdline: 'intel_iommu=on pci=disable_acs_redir=pci:10b5:8747' }],
  ['amd', { driver: 'amd-vi', cmdline: 'amd_iommu=pgtbl_v2' }],
  ['smmuv3 on device tree', { driver: 'arm-smmu-v3', arch: 'arm64' }],
];

const withoutKernel = (t: Topology): Topology => ({ ...t, hosts: t.hosts.map(({ kernel: _, ...h }) => ({ ...h, firmware: h.arch === 'arm64' ? 'devicetree' : h.firmware })) });
const withKernel = (t: Topology): Topology => ({ ...t, hosts: withoutKernel(t).hosts.map((h) => ({ ...h, kernel: ASSUMED_KERNEL })) });
const summary = (t: Topology) => {
  const r = simulate(t);
  return {
    groups: [...r.hosts.values()].map((h) => h.grouping.groups.map((g) => g.deviceIds)),
    domains: [...r.hosts.values()].map((h) => [...(h.defaultDomains?.values() ?? [])].map((d) => d.type)),
    attach: [...r.vms.values()].map((v) => v.attach.map((o) => [o.deviceId, o.ok, o.errno])),
    findings: r.findings.filter((f) => f.code !== 'KVER000').map((f) => `${f.code} ${f.elementId} ${f.message}`),
    kver000: r.findings.filter((f) => f.code === 'KVER000').length,
  };
};

describe('no kernel line: simulated as the assumed kernel throughout', () => {
  for (const [name, shape] of SHAPES)
    it(`${name}: the same groups, default domains, outcomes and findings as with kernel ${ASSUMED_KERNEL.major}.${ASSUMED_KERNEL.minor}, plus KVER000`, () => {
      const t = bigHost(120, 7, shape);
      const assumed = summary(withoutKernel(t));
      const stated = summary(withKernel(t));
      expect(assumed.kver000).toBe(t.hosts.length);
      expect(stated.kver000).toBe(0);
      expect({ ...assumed, kver000: 0 }).toEqual(stated);
    });
});
