import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/model.js';
import { simulate } from '../../src/simulate.js';
import { INTEL_RMRR_MESSAGE, REQUIRE_DIRECT_MESSAGE } from '../../src/vm/messages.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { INTEL_GROUPS, intelHost, oneVm } from './fixtures.js';
import { run } from './helpers.js';

/** The Intel fixture host with `requires-direct-mapping` on the named devices. */
function withDirect(h: Host, ...ids: string[]): Host {
  for (const d of h.devices) if (ids.includes(d.id)) d.requiresDirectMapping = true;
  return h;
}

describe('DOM001: firmware 1:1 mapping (DOM-RESV-01)', () => {
  it('≥ 6.12, type1: the DMA-ownership claim fails with -EINVAL for every assigned member of the group', () => {
    const r = run(oneVm(withDirect(intelHost('6.12'), 'gpu'), ['gpu', 'audio', 'nic']), INTEL_GROUPS);
    for (const id of ['gpu', 'audio']) {
      expect(r.outcome('vm1', id)).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_GROUP_SET_CONTAINER', kernelMessage: REQUIRE_DIRECT_MESSAGE, codes: ['DOM001'] });
    }
    // the other group is not affected, and is now the one that sets the IOMMU
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: true, step: 'VFIO_GROUP_GET_DEVICE_FD' });
    const gpu = r.find('DOM001', 'gpu')!;
    expect(gpu.severity).toBe('error');
    expect(gpu.message).toBe('gpu (0000:65:00.0) in VM vm1: firmware requires a 1:1 IOMMU mapping for this device → -EINVAL at VFIO_GROUP_SET_CONTAINER');
    expect(gpu.related).toEqual([]);
    expect(gpu.outcome).toEqual({ errno: 'EINVAL', step: 'VFIO_GROUP_SET_CONTAINER', kernelMessage: REQUIRE_DIRECT_MESSAGE });
    expect(gpu.explanation).toContain('iommu_group_claim_dma_owner');
    expect(gpu.fixes).toEqual([{ kind: 'unassign-device', vmId: 'vm1', deviceId: 'gpu' }]);
    // the sibling fails because of the gpu, which its finding names and relates
    const audio = r.find('DOM001', 'audio')!;
    expect(audio.message).toContain('for gpu (0000:65:00.0) →');
    expect(audio.related).toEqual([{ id: 'gpu', message: 'same iommu_group 0; firmware requires a 1:1 mapping for it' }]);
  });

  it('a group member that is not assigned still blocks the assigned one', () => {
    const r = run(oneVm(withDirect(intelHost('6.12'), 'audio'), ['gpu']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', codes: ['DOM001'] });
    expect(r.find('DOM001', 'gpu')!.related.map((x) => x.id)).toEqual(['audio']);
  });

  it('an ownership conflict is reported first (the claim fails with -EPERM before the blocking domain)', () => {
    const h = withDirect(intelHost('6.12'), 'gpu');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(oneVm(h, ['gpu']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', codes: ['VIA001'] });
    expect(r.find('DOM001')).toBeUndefined();
  });

  it('Intel before 6.6: the attach fails with -EPERM and the RMRR message, at VFIO_SET_IOMMU or a later VFIO_GROUP_SET_CONTAINER', () => {
    for (const k of ['5.15', '6.1', '6.5']) {
      const first = run(oneVm(withDirect(intelHost(k), 'gpu'), ['gpu']), INTEL_GROUPS);
      expect(first.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_SET_IOMMU', kernelMessage: INTEL_RMRR_MESSAGE, codes: ['DOM001'] });
      expect(first.find('DOM001', 'gpu')!.explanation).toContain('device_is_rmrr_locked');
    }
    const later = run(oneVm(withDirect(intelHost('6.1'), 'nic'), ['gpu', 'nic']), INTEL_GROUPS);
    expect(later.outcome('vm1', 'gpu').ok).toBe(true);
    expect(later.outcome('vm1', 'nic')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_SET_CONTAINER' });
    // from 6.6 (a48ce36e2786) the IOMMU core refuses first, for every driver
    expect(run(oneVm(withDirect(intelHost('6.6'), 'gpu'), ['gpu']), INTEL_GROUPS).outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', kernelMessage: REQUIRE_DIRECT_MESSAGE });
  });

  it('Intel before 6.6: the attach refusal comes before the MSI check (no IR001)', () => {
    const r = run(oneVm(withDirect(intelHost('6.1', {}, false), 'gpu'), ['gpu']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').codes).toEqual(['DOM001']);
    expect(r.find('IR001')).toBeUndefined();
  });

  it('other drivers before 6.6: not refused, a warning; from 6.6 refused', () => {
    const mk = (k: string) =>
      topo([host('a', k, [iommu('ivhd0', 'amd-vi', { interruptRemapping: true })], [dev('x', 'endpoint', '01:00.0', { iommuId: 'ivhd0', driver: 'vfio-pci', noSnoop: false, requiresDirectMapping: true })])], [vm('v', 'a', ['x'])]);
    const old = run(mk('6.1'), { a: [['x']] });
    expect(old.outcome('v', 'x')).toMatchObject({ ok: true, step: 'VFIO_GROUP_GET_DEVICE_FD', codes: ['DOM001'] });
    const f = old.find('DOM001', 'x')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toBe('x (0000:01:00.0) in VM v: firmware requires a 1:1 IOMMU mapping for this device; kernel 6.1 does not refuse the VFIO domain, which lacks that mapping');
    expect(f.outcome).toBeUndefined();
    expect(run(mk('6.5'), { a: [['x']] }).outcome('v', 'x')).toMatchObject({ ok: true, codes: ['DOM001'] });
    expect(run(mk('6.6'), { a: [['x']] }).outcome('v', 'x')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_GROUP_SET_CONTAINER' });
  });

  it('iommufd: -EINVAL at bind from 6.6; Intel before that -EPERM at attach (iommufd-compat, the cdev arrives in 6.6)', () => {
    const cdev = run(oneVm(withDirect(intelHost('6.12'), 'gpu'), ['gpu', 'audio'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    for (const id of ['gpu', 'audio']) expect(cdev.outcome('vm1', id)).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_DEVICE_BIND_IOMMUFD', kernelMessage: REQUIRE_DIRECT_MESSAGE });
    const compat = run(oneVm(withDirect(intelHost('6.12'), 'gpu'), ['gpu'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(compat.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_GROUP_GET_DEVICE_FD' });
    const cdev66 = run(oneVm(withDirect(intelHost('6.6'), 'gpu'), ['gpu'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(cdev66.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_DEVICE_BIND_IOMMUFD', kernelMessage: REQUIRE_DIRECT_MESSAGE });
    const intel = run(oneVm(withDirect(intelHost('6.5'), 'gpu'), ['gpu'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(intel.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', kernelMessage: INTEL_RMRR_MESSAGE, codes: ['DOM001'] });
  });

  it('no requires-direct-mapping: no DOM001 and no change in outcomes', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio', 'nic']), INTEL_GROUPS);
    expect(r.codes()).not.toContain('DOM001');
    expect(r.outcome('vm1', 'gpu').ok).toBe(true);
  });

  it('simulate(): computed groups, the finding on the assigned device, KVM sees no device', () => {
    const t = topo(
      [host('a', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [dev('nic', 'endpoint', '00:19.0', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: false, requiresDirectMapping: true })])],
      [vm('v', 'a', ['nic'])],
    );
    const res = simulate(t);
    expect(res.findings.filter((f) => f.code === 'DOM001').map((f) => [f.elementId, f.severity])).toEqual([['nic', 'error']]);
    expect(res.vms.get('v')!.attach[0]).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(res.vms.get('v')!.kvmNoncoherent).toBe(false);
  });
});
