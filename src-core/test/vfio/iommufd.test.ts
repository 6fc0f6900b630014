import { describe, expect, it } from 'vitest';
import { INTEL_GROUPS, intelHost, oneVm } from './fixtures.js';
import { run } from './helpers.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { simulate } from '../../src/simulate.js';

const WARN =
  'MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override';

describe('backend availability (KVER001)', () => {
  it('iommufd-compat needs 6.2, cdev 6.6', () => {
    const a = run(oneVm(intelHost('6.1'), ['gpu'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(a.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'ENOENT', step: 'open(/dev/iommu)' });
    const f = a.find('KVER001', 'vm1')!;
    expect(f.fixes).toEqual([{ kind: 'set-backend', vmId: 'vm1', backend: 'vfio-type1' }, { kind: 'set-kernel', hostId: 'h', version: '6.2' }]);
    expect(run(oneVm(intelHost('6.2'), ['gpu', 'audio'], { backend: 'iommufd-compat' }), INTEL_GROUPS).outcome('vm1', 'gpu').ok).toBe(true);
    const c = run(oneVm(intelHost('6.5'), ['gpu'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(c.outcome('vm1', 'gpu').errno).toBe('ENOENT');
    expect(c.find('KVER001')!.fixes).toContainEqual({ kind: 'set-backend', vmId: 'vm1', backend: 'iommufd-compat' });
    expect(run(oneVm(intelHost('6.6'), ['gpu', 'audio'], { backend: 'iommufd-cdev' }), INTEL_GROUPS).outcome('vm1', 'gpu').ok).toBe(true);
  });
});

describe('iommufd MSI isolation (IOMMUFD-IR-01/02)', () => {
  it('≥ 6.6 cdev: EPERM at VFIO_DEVICE_BIND_IOMMUFD (IR003)', () => {
    const r = run(oneVm(intelHost('6.6', {}, false), ['nic'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_DEVICE_BIND_IOMMUFD' });
    const f = r.find('IR003', 'nic')!;
    expect(f.explanation).toContain('iommufd_device_bind');
    expect(f.fixes).toContainEqual(expect.objectContaining({ kind: 'set-param', param: 'iommufd.allow_unsafe_interrupts', value: '1' }));
  });
  it('6.5 compat: checked at attach, surfaces at VFIO_GROUP_GET_DEVICE_FD', () => {
    const r = run(oneVm(intelHost('6.5', {}, false), ['nic'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_GET_DEVICE_FD' });
    expect(r.find('IR003', 'nic')!.explanation).toContain('iommufd_device_setup_msi');
  });
  it('the type1 param is ignored on iommufd and the finding says so', () => {
    const r = run(oneVm(intelHost('6.12', { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': '1' } }, false), ['nic'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic').errno).toBe('EPERM');
    expect(r.find('IR003', 'nic')!.explanation).toMatch(/iommufd ignores it/);
    expect(r.find('IR002')).toBeUndefined();
  });
  it.each(['6.5', '6.6'])('iommufd.allow_unsafe_interrupts=1 on %s: ok, dev_warn logged (IR004)', (k) => {
    const r = run(oneVm(intelHost(k, { params: { 'iommufd.allow_unsafe_interrupts': 'Y' } }, false), ['nic'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    const o = r.outcome('vm1', 'nic');
    expect(o.ok).toBe(true);
    expect(o.kernelMessage).toBe(WARN);
    expect(r.find('IR004', 'nic')!.explanation).toContain(WARN);
    expect(r.find('IR003')).toBeUndefined();
  });
  it('no IR003 with interrupt remapping', () => {
    const r = run(oneVm(intelHost('6.12'), ['nic'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic').ok).toBe(true);
    expect(r.codes()).not.toContain('IR003');
  });
});

describe('iommufd ownership (VFIO-GRP-07)', () => {
  it('member bound to a host driver → EPERM at bind', () => {
    const h = intelHost('6.12');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(oneVm(h, ['gpu'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_DEVICE_BIND_IOMMUFD' });
    expect(r.find('VIA001', 'gpu')).toBeDefined();
  });
});

describe('auto HWPT selection (IOMMUFD-CC-02, IOMMUFD-SHARE-01)', () => {
  it('6.6: a capable device cannot join the non-enforced HWPT (upgrade fails) → own enforced HWPT', () => {
    const r = run(oneVm(intelHost('6.6'), ['nic', 'ssd'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic')).toMatchObject({ domain: 'hwpt#1 (auto, not enforced)', domainEnforced: false });
    expect(r.outcome('vm1', 'ssd')).toMatchObject({ ok: true, domain: 'hwpt#2 (auto, enforced)', domainEnforced: true });
    expect(r.codes()).not.toContain('KVM004');
  });
  it('6.7: the capable device joins the non-enforced HWPT and uses no-snoop → KVM004 (static cap vs domain)', () => {
    const h = intelHost('6.7');
    h.devices.find((d) => d.id === 'ssd')!.noSnoop = true;
    const r = run(oneVm(h, ['nic', 'ssd'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'ssd')).toMatchObject({ ok: true, domain: 'hwpt#1 (auto, not enforced)', domainEnforced: false, box: 3 });
    const f = r.find('KVM004', 'ssd')!;
    expect(f.severity).toBe('warning');
    expect(f.explanation).toMatch(/another device keeps the VM noncoherent/);
    expect(f.explanation).not.toMatch(/not stated/);
    expect(f.fixes).toEqual([{ kind: 'separate-hwpt', vmId: 'vm1', deviceId: 'ssd', coherent: true }]);
    // not stated → assumed to use no-snoop (box 3), and the explanation says so
    delete h.devices.find((d) => d.id === 'ssd')!.noSnoop;
    const assumed = run(oneVm(h, ['nic', 'ssd'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(assumed.find('KVM004', 'ssd')!.explanation).toMatch(/not stated, so the simulator assumes/);
  });
  it('6.7: the same, but the device does not use no-snoop (box 4, KVM-BOX-01) → no KVM004', () => {
    const r = run(oneVm(intelHost('6.7'), ['nic', 'ssd'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'ssd')).toMatchObject({ ok: true, domain: 'hwpt#1 (auto, not enforced)', domainEnforced: false, box: 4 });
    expect(r.find('KVM004', 'ssd')).toBeUndefined();
    // and no KVM003, whose reason would name dmar0 as lacking snoop control
    expect(r.outcome('vm1', 'ssd').codes).toEqual([]);
    const quiet = run(oneVm(intelHost('6.7'), ['nic', 'ssd'], { backend: 'iommufd-cdev', guestNoSnoop: false }), INTEL_GROUPS);
    expect(quiet.codes()).not.toContain('KVM004');
  });
  it('a non-capable device never joins an enforced HWPT (skipped on EINVAL)', () => {
    const r = run(oneVm(intelHost('6.12'), ['ssd', 'nic'], { backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'ssd').domain).toBe('hwpt#1 (auto, enforced)');
    expect(r.outcome('vm1', 'nic').domain).toBe('hwpt#2 (auto, not enforced)');
  });
  it('group members share the group HWPT', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev' }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'audio').domain).toBe(r.outcome('vm1', 'gpu').domain);
  });
});

describe('manual HWPTs (T1002, HWPT001)', () => {
  it('T1002 for a device behind another SMMU instance says so, not force-snoop', () => {
    const smmu = (name: string) => iommu(name, 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' });
    const d = (name: string, bdf: string, unit: string) => dev(name, 'rciep', bdf, { iommuId: unit, dmaCoherent: true, noSnoop: false, driver: 'vfio-pci' });
    const h = host('a', '6.12', [smmu('smmu0'), smmu('smmu1')], [d('d0', '0000:00:01.0', 'smmu0'), d('d1', '0001:00:01.0', 'smmu1')], { arch: 'arm64' });
    const r = simulate(topo([h], [vm('v', 'a', ['d0', 'd1'], { backend: 'iommufd-cdev', hwpts: [{ id: 'w', name: 'shared', deviceIds: ['d0', 'd1'] }] })]));
    const f = r.findings.find((x) => x.code === 'T1002' && x.elementId === 'd1')!;
    expect(f.outcome).toMatchObject({ errno: 'EINVAL' });
    expect(f.explanation).toContain('this device is behind smmu1');
    expect(f.explanation).toContain('behind smmu0');
    expect(f.explanation).not.toContain('cannot force-snoop');
    expect(f.related.map((x) => x.message)).toContain("another SMMU instance than HWPT shared's");
    expect(f.fixes).toEqual([{ kind: 'separate-hwpt', vmId: 'v', deviceId: 'd1', coherent: false, instance: true }]);
  });
  it('enforced manual HWPT refuses a non-SC device with EINVAL (≥ 6.2)', () => {
    const r = run(oneVm(intelHost('6.12'), ['ssd', 'nic'], { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'shared', deviceIds: ['ssd', 'nic'] }] }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'ssd')).toMatchObject({ ok: true, domain: 'hwpt shared (manual, enforced)' });
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT' });
    const f = r.find('T1002', 'nic')!;
    expect(f.fixes).toEqual([{ kind: 'separate-hwpt', vmId: 'vm1', deviceId: 'nic', coherent: false }]);
    expect(f.explanation).toMatch(/-EINVAL since 6.2/);
  });
  it('6.6: a capable device cannot upgrade a non-enforced manual HWPT; 6.7 accepts it', () => {
    const t = (k: string) => oneVm(intelHost(k), ['nic', 'ssd'], { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'shared', deviceIds: ['nic', 'ssd'] }] });
    expect(run(t('6.6'), INTEL_GROUPS).outcome('vm1', 'ssd')).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(run(t('6.6'), INTEL_GROUPS).find('T1002', 'ssd')).toBeDefined();
    expect(run(t('6.7'), INTEL_GROUPS).outcome('vm1', 'ssd')).toMatchObject({ ok: true, domainEnforced: false });
  });
  it('group members in different HWPTs → HWPT001 EINVAL', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'a', deviceIds: ['gpu'] }, { id: 'q', name: 'b', deviceIds: ['audio'] }] }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'audio')).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(r.find('HWPT001', 'audio')!.fixes).toEqual([{ kind: 'move-to-hwpt', vmId: 'vm1', deviceId: 'audio', fromHwptId: 'q', toHwptId: 'p' }]);
    // the fix applied: both in HWPT a
    const fixed = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'a', deviceIds: ['gpu', 'audio'] }] }), INTEL_GROUPS);
    expect(fixed.outcome('vm1', 'audio')).toMatchObject({ ok: true, domain: 'hwpt a (manual, enforced)' });
  });
  it('HWPT001 where the group is on the automatic domain: the fix moves the device out of its hwpt block', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev', hwpts: [{ id: 'q', name: 'b', deviceIds: ['audio'] }] }), INTEL_GROUPS);
    expect(r.find('HWPT001', 'audio')!.fixes).toEqual([{ kind: 'move-to-hwpt', vmId: 'vm1', deviceId: 'audio', fromHwptId: 'q', toHwptId: undefined }]);
    expect(run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev' }), INTEL_GROUPS).outcome('vm1', 'audio')).toMatchObject({ ok: true });
  });
  it('HWPT001 where the group is on a manual HWPT and a member is in no hwpt block: the IOAS never picks a manual HWPT', () => {
    // whichever of the two attaches first, the other fails: the group cannot be on two HWPTs (IOMMUFD-SHARE-01, VFIO-GRP-07)
    for (const assigned of [['gpu', 'audio'], ['audio', 'gpu']]) {
      const r = run(oneVm(intelHost('6.12'), assigned, { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'a', deviceIds: ['gpu'] }] }), INTEL_GROUPS);
      const failed = ['gpu', 'audio'].filter((id) => !r.outcome('vm1', id).ok);
      expect(failed, assigned.join()).toHaveLength(1);
      expect(r.outcome('vm1', failed[0])).toMatchObject({ errno: 'EINVAL', step: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT' });
      expect(r.find('HWPT001', failed[0])).toBeDefined();
    }
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { backend: 'iommufd-cdev', hwpts: [{ id: 'p', name: 'a', deviceIds: ['gpu'] }] }), INTEL_GROUPS);
    if (!r.outcome('vm1', 'audio').ok) expect(r.find('HWPT001', 'audio')!.explanation).toContain('never chosen');
  });
});
