import { afterEach, describe, expect, it } from 'vitest';
import { kernelUpgradePreview } from '../src/lsp/kernel-upgrade.js';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const TEXT = `host h {
    kernel 6.12
    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }
    endpoint gpu at 0000:01:00.0 { driver vfio-pci }
}
vm v on h {
    backend iommufd-cdev
    assign gpu
}
`;

describe('kernel upgrade preview (iommu/kernelUpgrade)', () => {
  it('a downgrade to 6.1: the releases the host loses, and KVER001 new (no VFIO cdev before 6.6)', async () => {
    const doc = await t.validate(TEXT);
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    const r = kernelUpgradePreview(sim, '6.1', 'x.iommu');
    if ('error' in r) throw new Error(r.error);
    expect(r.markdown).toMatch(/^# Kernel 6\.1: what changes for x\.iommu\n/);
    expect(r.markdown).toContain('## host h: kernel 6.12 → 6.1');
    expect(r.markdown).toContain('- **− 6.6** VFIO: no VFIO device cdev: an iommufd-cdev VMM gets -ENOENT (KVER001) _(VFIO-GRP-08)_');
    const newSection = r.markdown.slice(r.markdown.indexOf('## New on 6.1'), r.markdown.indexOf('## Gone on 6.1'));
    expect(newSection).toMatch(/- \*\*KVER001\*\* \(error\) VM v: backend iommufd-cdev needs kernel ≥ 6\.6/);
    expect(r.appeared).toBeGreaterThan(0);
    // the cached simulation as written is untouched
    expect(sim.result.findings.some((f) => f.code === 'KVER001')).toBe(false);
  });

  it('the same release changes nothing; a malformed version is an error', async () => {
    const sim = t.Iommu.simulation.SimulationCache.get(await t.validate(TEXT));
    const same = kernelUpgradePreview(sim, '6.12.5', 'x.iommu');
    if ('error' in same) throw new Error(same.error);
    expect(same.markdown).toContain('No modelled behaviour changes between these releases.');
    expect([same.appeared, same.resolved]).toEqual([0, 0]);
    expect(kernelUpgradePreview(sim, 'latest', 'x.iommu')).toEqual({ error: "'latest' is not a kernel version (X.Y or X.Y.Z)" });
  });

  it('findings carry the severities of iommu.severityOverrides; a code set to off is neither listed nor counted', async () => {
    const sim = t.Iommu.simulation.SimulationCache.get(await t.validate(TEXT));
    const plain = kernelUpgradePreview(sim, '6.1', 'x.iommu');
    const lowered = kernelUpgradePreview(sim, '6.1', 'x.iommu', {}, { KVER001: 'warning' });
    const off = kernelUpgradePreview(sim, '6.1', 'x.iommu', {}, { KVER001: 'off' });
    if ('error' in plain || 'error' in lowered || 'error' in off) throw new Error('unexpected error');
    expect(lowered.markdown).toMatch(/- \*\*KVER001\*\* \(warning\) VM v: backend iommufd-cdev/);
    expect(lowered.markdown).not.toMatch(/KVER001\*\* \(error\)/);
    expect(lowered.appeared).toBe(plain.appeared);
    const kver001 = (plain.markdown.match(/- \*\*KVER001\*\*/g) ?? []).length;
    expect(kver001).toBeGreaterThan(0);
    expect(off.markdown.slice(off.markdown.indexOf('## New on 6.1'))).not.toContain('**KVER001**');
    expect(off.appeared).toBe(plain.appeared - kver001);
  });
});
