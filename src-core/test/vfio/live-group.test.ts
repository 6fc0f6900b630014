import { describe, expect, it } from 'vitest';
import type { PciDevice, Vm } from '../../src/model.js';
import { simulate } from '../../src/simulate.js';
import { dev, host, iommu, topo, vm } from '../builders.js';

/**
 * Root port without ACS → GPU 01:00.0 + HDMI audio 01:00.1 (one multifunction slot without ACS: one iommu_group with
 * the root port). `audio` overrides the audio function; `ir` is the unit's interrupt remapping.
 */
function gpuHost(kernel: string, audio: Partial<PciDevice> = {}, ir = true) {
  return host('h', kernel, [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: ir })], [
    dev('rp', 'root-port', '00:01.0', { iommuId: 'dmar0', driver: null, acs: null, secondaryBus: 1 }),
    dev('gpu', 'endpoint', '01:00.0', { parentId: 'rp', driver: 'vfio-pci', multifunction: true, acs: null, noSnoop: false }),
    dev('audio', 'endpoint', '01:00.1', { parentId: 'rp', driver: null, acs: null, noSnoop: false, ...audio }),
  ]);
}
const findings = (kernel: string, audio: Partial<PciDevice> = {}, v: Partial<Vm> = {}, ir = true) =>
  simulate(topo([gpuHost(kernel, audio, ir)], [vm('g', 'h', ['gpu'], v)])).findings.filter((f) => f.code === 'VIA008');

describe('VIA008: an unbound member of a group in use can crash the host (VFIO-GRP-04, ≤ 5.18)', () => {
  it('5.15, the GPU assigned and its audio function unbound: a warning on the audio function, with its fixes', () => {
    const [f, ...rest] = findings('5.15');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ elementId: 'audio', severity: 'warning' });
    expect(f.message).toBe(
      'audio (0000:01:00.1) has no driver while VM g uses its iommu_group 0 (kernel 5.15): a host driver binding to it then crashes the host (BUG_ON in vfio_iommu_group_notifier)',
    );
    expect(f.related).toEqual([
      { id: 'g', message: 'VM g uses this iommu_group' },
      { id: 'gpu', message: 'assigned to VM g, same iommu_group' },
    ]);
    expect(f.kernel.map((k) => k.rule)).toEqual(['VFIO-GRP-04']);
    expect(f.fixes).toEqual([
      { kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' },
      { kind: 'assign-devices', vmId: 'g', deviceIds: ['audio'] },
    ]);
  });

  it('the bridge of the group (pcieport or none: any driver is allowed on it) gets nothing', () => {
    expect(findings('5.15').map((f) => f.elementId)).toEqual(['audio']);
  });

  it('5.18 still, 5.19 no more (the ownership count refuses the bind instead)', () => {
    expect(findings('5.18.19')).toHaveLength(1);
    expect(findings('5.19')).toEqual([]);
    expect(findings('6.12')).toEqual([]);
  });

  it('no hazard when the member is bound to vfio-pci or pci-stub, its driver is unknown, or it is assigned too', () => {
    expect(findings('5.15', { driver: 'vfio-pci' })).toEqual([]);
    expect(findings('5.15', { driver: 'pci-stub' })).toEqual([]);
    expect(findings('5.15', { driver: undefined })).toEqual([]);
    expect(simulate(topo([gpuHost('5.15')], [vm('g', 'h', ['gpu', 'audio'])])).findings.filter((f) => f.code === 'VIA008')).toEqual([]);
  });

  it('no hazard when the VM does not get the group (here: no interrupt remapping, the type1 attach fails)', () => {
    const r = simulate(topo([gpuHost('5.15', {}, false)], [vm('g', 'h', ['gpu'])]));
    expect(r.vms.get('g')!.attach[0].ok).toBe(false);
    expect(r.findings.filter((f) => f.code === 'VIA008')).toEqual([]);
  });
});

const via009 = (kernel: string | undefined, audio: Partial<PciDevice> = {}, v: Partial<Vm> = {}, ir = true, assigned = ['gpu']) => {
  const h = gpuHost(kernel ?? '6.12', audio, ir);
  if (kernel === undefined) delete h.kernel;
  return simulate(topo([h], [vm('g', 'h', assigned, v)])).findings.filter((f) => f.code === 'VIA009');
};

describe('VIA009: an unbound member of an owned group cannot get a host driver (VFIO-GRP-06, ≥ 5.19)', () => {
  it('6.12, the GPU assigned through the legacy container and its audio function unbound: an info on the audio function', () => {
    const [f, ...rest] = via009('6.12');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ elementId: 'audio', severity: 'info' });
    expect(f.message).toBe(
      'audio (0000:01:00.1) has no driver and cannot get one while VM g holds its iommu_group 0: a host driver bind fails with -EBUSY, with nothing in dmesg (kernel 6.12)',
    );
    expect(f.explanation).toContain('makes VFIO (its legacy container) the owner of iommu_group 0');
    expect(f.explanation).toContain('echo 0000:01:00.1 > /sys/bus/pci/drivers/<driver>/bind');
    expect(f.related).toEqual([
      { id: 'g', message: 'VM g holds this iommu_group' },
      { id: 'gpu', message: 'assigned to VM g, same iommu_group' },
    ]);
    expect(f.kernel.map((k) => k.rule)).toEqual(['VFIO-GRP-06']);
    expect(f.fixes).toEqual([
      { kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' },
      { kind: 'assign-devices', vmId: 'g', deviceIds: ['audio'] },
    ]);
  });

  it('the iommufd backends own the group through their iommufd context', () => {
    for (const backend of ['iommufd-cdev', 'iommufd-compat'] as const) {
      const [f, ...rest] = via009('6.12', {}, { backend });
      expect(rest).toEqual([]);
      expect(f.elementId).toBe('audio');
      expect(f.explanation).toContain('makes its iommufd context the owner of iommu_group 0');
    }
  });

  it('an undeclared kernel is the assumed 6.12, and the message says so', () => {
    const [f] = via009(undefined);
    expect(f.message).toMatch(/\(kernel 6\.12, assumed\)$/);
  });

  it('5.19 on, never before (≤ 5.18 is VIA008); never both for one member', () => {
    expect(via009('5.19')).toHaveLength(1);
    expect(via009('5.18.19')).toEqual([]);
    for (const k of ['5.15', '5.18.19', '5.19', '6.1', '6.12']) {
      const codes = simulate(topo([gpuHost(k)], [vm('g', 'h', ['gpu'])]))
        .findings.filter((f) => f.elementId === 'audio' && /^VIA00[89]$/.test(f.code))
        .map((f) => f.code);
      expect(codes, k).toEqual([k === '5.15' || k === '5.18.19' ? 'VIA008' : 'VIA009']);
    }
  });

  it('nothing for the bridge (pcieport sets driver_managed_dma), a bound, unknown-driver or assigned member', () => {
    expect(via009('6.12').map((f) => f.elementId)).toEqual(['audio']);
    expect(via009('6.12', { driver: 'vfio-pci' })).toEqual([]);
    expect(via009('6.12', { driver: undefined })).toEqual([]);
    expect(via009('6.12', {}, {}, true, ['gpu', 'audio'])).toEqual([]);
  });

  it('a member bound to a host driver is VIA001 (the group is not viable), not VIA009', () => {
    const r = simulate(topo([gpuHost('6.12', { driver: 'snd_hda_intel' })], [vm('g', 'h', ['gpu'])]));
    expect(r.findings.filter((f) => f.code === 'VIA009')).toEqual([]);
    expect(r.findings.some((f) => f.code === 'VIA001')).toBe(true);
  });

  it('nothing when another device of the VM fails, so the VM does not start (here: a bridge, refused by vfio-pci)', () => {
    const r = simulate(topo([gpuHost('6.12')], [vm('g', 'h', ['gpu', 'rp'])]));
    expect(r.vms.get('g')!.attach.map((o) => o.ok)).toEqual([true, false]);
    expect(r.findings.filter((f) => f.code === 'VIA009' || f.code === 'VIA008')).toEqual([]);
    const legacy = simulate(topo([gpuHost('5.15')], [vm('g', 'h', ['gpu', 'rp'])]));
    expect(legacy.findings.filter((f) => f.code === 'VIA008')).toEqual([]);
  });

  it('nothing when the VM does not get the group (no interrupt remapping: the type1 attach fails)', () => {
    const r = simulate(topo([gpuHost('6.12', {}, false)], [vm('g', 'h', ['gpu'])]));
    expect(r.vms.get('g')!.attach[0].ok).toBe(false);
    expect(r.findings.filter((f) => f.code === 'VIA009')).toEqual([]);
  });
});
