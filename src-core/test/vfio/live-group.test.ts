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
