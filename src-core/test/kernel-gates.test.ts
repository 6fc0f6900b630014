import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACS_TIMING_REGRESSION, GATES, gateConcerns, gatesBetween, hostKernelGates, kernelGates, since, type KernelGate } from '../src/kernel-gates.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

const src = path.resolve(__dirname, '../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const v = (major: number, minor: number, patch?: number) => (patch === undefined ? { major, minor } : { major, minor, patch });
const ids = (gs: KernelGate[]) => gs.map((g) => g.id);

describe('kernel version gates', () => {
  it('every "from X.Y on" test of the simulator goes through the gate table (no version literal elsewhere)', () => {
    const offenders: string[] = [];
    for (const f of sources(src)) {
      const rel = path.relative(src, f);
      if (rel === 'kernel-version.ts' || rel === 'kernel-gates.ts') continue;
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\batLeast\([^,()]+,\s*\d+\s*,\s*\d+/g)) offenders.push(`${rel}: ${m[0]}`);
      for (const m of text.matchAll(/\binMainlineRange\([^)]*\[\s*\d/g)) offenders.push(`${rel}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('each gate is keyed by its id, names a reference rule and a source, and lies in the releases the reference covers', () => {
    for (const [key, g] of Object.entries(GATES) as [string, KernelGate][]) {
      expect(g.id).toBe(key);
      expect(g.rule.length, key).toBeGreaterThan(3);
      expect(g.source.length, key).toBeGreaterThan(5);
      expect(g.from).not.toBe(g.before);
      const [major, minor] = g.since;
      expect(major * 100 + minor, key).toBeGreaterThanOrEqual(511);
      expect(major * 100 + minor, key).toBeLessThanOrEqual(702);
    }
  });

  it('the releases the reference rates MED or leaves unpinned, and no later check confirmed, say what is assumed', () => {
    const marked = Object.values(GATES).filter((g: KernelGate) => g.unconfirmed).map((g) => g.id).sort();
    expect(marked).toEqual(['acsAtDmaConfigure', 'acsCmdlineFromFirmware', 'idtBrokenAcsSv', 'kvmGuestPat', 'perUnitProbe']);
  });
  it('a gate applies from its mainline release on, whatever the patch level; no kernel means the assumed 6.12', () => {
    expect(since(v(6, 1, 150), GATES.iommufd)).toBe(false);
    expect(since(v(6, 2), GATES.iommufd)).toBe(true);
    expect(since(v(6, 2, 0), GATES.iommufd)).toBe(true);
    expect(since(v(7, 0), GATES.iommufd)).toBe(true);
    expect(since(undefined, GATES.iommufd)).toBe(true);
    expect(since(v(5, 18), GATES.dmaOwnership)).toBe(false);
    expect(since(v(5, 19), GATES.dmaOwnership)).toBe(true);
    expect(since(undefined, GATES.intelNoPassthroughDma)).toBe(true);
    expect(since(undefined, GATES.smmuv3Canwbs)).toBe(false);
    // releases dated from the merges (mailing-list pull requests), outside the reference's snapshots
    expect(since(v(6, 11), GATES.intelNoPassthroughDma)).toBe(false);
    expect(since(v(6, 12), GATES.intelNoPassthroughDma)).toBe(true);
    expect(since(v(6, 5), GATES.genericDirectMapping)).toBe(false);
    expect(since(v(6, 6), GATES.genericDirectMapping)).toBe(true);
    expect(since(v(6, 7), GATES.virtioNoFlushQueue)).toBe(false);
    expect(since(v(6, 8), GATES.virtioNoFlushQueue)).toBe(true);
    expect(since(v(6, 0), GATES.hisiPttIdentity)).toBe(false);
    expect(since(v(6, 1), GATES.hisiPttIdentity)).toBe(true);
  });

  it('kernelGates lists the gates by release and says which a kernel has', () => {
    const all = kernelGates(v(6, 1));
    expect(all).toHaveLength(Object.keys(GATES).length);
    const releases = all.map((s) => s.gate.since[0] * 100 + s.gate.since[1]);
    expect(releases).toEqual([...releases].sort((a, b) => a - b));
    for (const s of all) expect(s.applies, s.gate.id).toBe(s.gate.since[0] * 100 + s.gate.since[1] <= 601);
  });

  it('a gate concerns a host by its IOMMU drivers and architecture', () => {
    expect(gateConcerns(GATES.smmuv3Canwbs, { drivers: ['intel-vtd'], arch: 'x86_64' })).toBe(false);
    expect(gateConcerns(GATES.smmuv3Canwbs, { drivers: ['arm-smmu-v3'], arch: 'arm64' })).toBe(true);
    expect(gateConcerns(GATES.kvmGuestPat, { drivers: ['arm-smmu-v3'], arch: 'arm64' })).toBe(false);
    expect(gateConcerns(GATES.gicv5Its, { drivers: ['intel-vtd'], arch: 'x86_64' })).toBe(false);
    expect(gateConcerns(GATES.iommufd, { drivers: [], arch: 'riscv64' })).toBe(true);
  });

  it('hostKernelGates: an Intel host on 6.1 has DMA ownership and per-unit snoop control, not iommufd or per-device MSI isolation', () => {
    const h = host('h', '6.1', [iommu('u', 'intel-vtd')], []);
    const g = hostKernelGates(h, h.kernel);
    expect(ids(g.inEffect)).toEqual(expect.arrayContaining(['dmaOwnership', 'intelPerUnitSnoop', 'enforceCacheCoherencyOp', 'perUnitProbe']));
    expect(ids(g.ahead)).toEqual(expect.arrayContaining(['iommufd', 'vfioCdev', 'isolatedMsi', 'iommufdIrAtBind', 'genericDirectMapping', 'kvmGuestPat']));
    expect(ids([...g.inEffect, ...g.ahead]).filter((id) => /smmu|virtio|amd|gicv5|hisi/i.test(id))).toEqual([]);
    expect(g.stable).toEqual([]);
    // no kernel: the assumed 6.12, as the simulation reads it (KVER000)
    const none = hostKernelGates(h, undefined);
    expect(ids(none.ahead)).toEqual(ids(hostKernelGates(h, v(6, 12)).ahead));
    expect(ids(none.ahead)).toContain('acsAtDmaConfigure');
  });

  it('hostKernelGates names the stable ACS-timing regression on 6.12.75–6.12.77 only', () => {
    const h = host('h', '6.12.76', [iommu('u', 'intel-vtd')], []);
    expect(hostKernelGates(h, h.kernel).stable).toEqual([ACS_TIMING_REGRESSION]);
    expect(hostKernelGates(h, v(6, 12, 74)).stable).toEqual([]);
    expect(hostKernelGates(h, v(6, 12, 78)).stable).toEqual([]);
  });

  it('the simulation changes exactly at a gate: an iommufd VM gets KVER001 one release before GATES.iommufd, not at it', () => {
    const [major, minor] = GATES.iommufd.since;
    const run = (kernel: string) => {
      const h = host('h', kernel, [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [dev('gpu', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci' })]);
      return simulate(topo([h], [vm('v', 'h', ['gpu'], { backend: 'iommufd-compat' })]), {}).findings.map((f) => f.code);
    };
    expect(run(`${major}.${minor - 1}`)).toContain('KVER001');
    expect(run(`${major}.${minor}`)).not.toContain('KVER001');
  });

  it('gatesBetween: an upgrade gains the gates in (from, to], a downgrade loses them; same release, none', () => {
    const h = host('h', '6.1', [iommu('u', 'intel-vtd')], []);
    const up = gatesBetween(h, v(6, 1), v(6, 6));
    expect(up.map((c) => [c.gate.id, c.change])).toEqual([
      ['iommufd', 'gained'],
      ['kvmStaticCoherency', 'gained'],
      ['intelForceSnoopEinval', 'gained'],
      ['isolatedMsi', 'gained'],
      ['iommufdIrAtBind', 'gained'],
      ['vfioCdev', 'gained'],
      ['genericDirectMapping', 'gained'],
    ]);
    expect(gatesBetween(h, v(6, 6), v(6, 1)).map((c) => [c.gate.id, c.change])).toEqual(up.map((c) => [c.gate.id, 'lost']));
    expect(gatesBetween(h, v(6, 12, 3), v(6, 12, 80))).toEqual([]);
    // undefined = the assumed kernel (6.12): a host without a kernel line crosses the 6.13–7.0 gates on the way to 7.0
    expect(gatesBetween(h, undefined, v(7, 0))).toEqual(gatesBetween(h, v(6, 12), v(7, 0)));
    expect(gatesBetween(h, undefined, v(7, 0)).length).toBeGreaterThan(0);
  });

  it('kernelOverride simulates every host on that kernel, whatever its kernel line', () => {
    const h = host('h', '6.12', [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [dev('gpu', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci' })]);
    const t = topo([h], [vm('v', 'h', ['gpu'], { backend: 'iommufd-cdev' })]);
    expect(simulate(t, {}).findings.map((f) => f.code)).not.toContain('KVER001');
    const old = simulate(t, { kernelOverride: v(6, 1) });
    expect(old.findings.find((f) => f.code === 'KVER001')?.message).toContain('runs 6.1');
    expect(old.hosts.get('h')?.kernel).toEqual(v(6, 1));
    // the topology given is left as it was
    expect(h.kernel).toEqual(v(6, 12));
  });
});

describe('kernelUpgrade', () => {
  it('matches findings across kernels by code and element: a message that only names the kernel is unchanged', async () => {
    const { kernelUpgrade } = await import('../src/kernel-upgrade.js');
    const h = host('h', '5.15', [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [dev('gpu', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci' })]);
    const t = topo([h], [vm('v', 'h', ['gpu'], { backend: 'iommufd-compat' })]);
    const u = kernelUpgrade(t, v(6, 2));
    expect(u.resolved.map((f) => f.code)).toContain('KVER001');
    expect(u.appeared.map((f) => f.code)).not.toContain('KVER001');
    expect(u.hosts.map((x) => [x.hostId, x.gates.some((g) => g.gate.id === 'iommufd' && g.change === 'gained')])).toEqual([['h', true]]);
    // 5.15 → 5.15.100: nothing crossed, nothing changes
    const none = kernelUpgrade(t, v(5, 15, 100));
    expect([none.appeared, none.resolved, none.hosts[0].gates]).toEqual([[], [], []]);
    expect(none.unchanged).toBe(kernelUpgrade(t, v(5, 15)).unchanged);
  });
});
