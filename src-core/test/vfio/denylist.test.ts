import { describe, expect, it } from 'vitest';
import type { PciDevice } from '../../src/model.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { run } from './helpers.js';

/** Root port → Intel QAT C62x PF 01:00.0 (8086:37c8) bound to vfio-pci; `qat` overrides it, `params` are the host's. */
function qatHost(kernel: string, qat: Partial<PciDevice> = {}, params: Record<string, string> = {}) {
  const h = host('h', kernel, [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [
    dev('rp', 'root-port', '00:01.0', { iommuId: 'dmar0', driver: 'pcieport', acs: { cap: 0x1f, ctl: 0x1d } }),
    dev('qat', 'endpoint', '01:00.0', { iommuId: 'dmar0', parentId: 'rp', vendorId: 0x8086, deviceId: 0x37c8, driver: 'vfio-pci', noSnoop: false, acs: null, ...qat }),
  ]);
  h.params = { ...h.params, ...params };
  return h;
}
const qatRun = (kernel: string, qat: Partial<PciDevice> = {}, params: Record<string, string> = {}) =>
  run(topo([qatHost(kernel, qat, params)], [vm('v', 'h', ['qat'])]), { h: [['rp'], ['qat']] });

describe('VIA010: vfio-pci refuses a device on its denylist (VFIO-PCI-01)', () => {
  it('Intel QAT C62x on 6.12: probe fails with -EINVAL and the denylist line; fixes: take it out, or the insecure parameter', () => {
    const r = qatRun('6.12');
    expect(r.outcome('v', 'qat')).toMatchObject({
      ok: false,
      step: 'vfio-pci probe',
      errno: 'EINVAL',
      kernelMessage: 'vfio-pci 0000:01:00.0: 8086:37c8 exists in vfio-pci device denylist, driver probing disallowed.',
      codes: ['VIA010'],
    });
    const f = r.find('VIA010', 'qat')!;
    expect(f.severity).toBe('error');
    expect(f.message).toBe('qat (0000:01:00.0) in VM v: Intel QAT C62x is on the vfio-pci denylist → -EINVAL at vfio-pci probe');
    expect(f.explanation).toContain('vfio-pci: probe of 0000:01:00.0 failed with error -22');
    expect(f.kernel.map((k) => k.rule)).toEqual(['VFIO-PCI-01']);
    expect(f.fixes).toEqual([
      { kind: 'unassign-device', vmId: 'v', deviceId: 'qat' },
      { kind: 'set-param', hostId: 'h', param: 'vfio_pci.disable_denylist', value: '1', warning: 'insecure: exposes the device errata to the guest' },
    ]);
  });

  it('every QAT 1.x PF and VF ID is listed from 5.9; 5.8 had no list', () => {
    for (const id of [0x19e2, 0x19e3, 0x37c8, 0x37c9, 0x0435, 0x0443]) {
      expect(qatRun('5.9', { deviceId: id }).codes(), id.toString(16)).toContain('VIA010');
      expect(qatRun('5.8', { deviceId: id }).codes(), id.toString(16)).not.toContain('VIA010');
    }
  });

  it('Sapphire Rapids DSA and IAX: mainline 6.10 (95feb3160eef) and the stable backports 6.9.1, 6.8.10, 6.6.31', () => {
    expect(qatRun('6.10', { deviceId: 0x0b25 }).find('VIA010')!.message).toContain('Intel DSA (Sapphire Rapids)');
    expect(qatRun('6.12', { deviceId: 0x0cfe }).codes()).toContain('VIA010');
    for (const k of ['6.9.1', '6.8.10', '6.6.31', '6.6.60']) expect(qatRun(k, { deviceId: 0x0b25 }).codes(), k).toContain('VIA010');
    for (const k of ['6.9', '6.8.9', '6.6.30', '6.6', '6.1.100']) expect(qatRun(k, { deviceId: 0x0b25 }).codes(), k).not.toContain('VIA010');
    // without stable backports only the mainline release counts
    const noBackports = run(topo([qatHost('6.6.31', { deviceId: 0x0b25 })], [vm('v', 'h', ['qat'])]), { h: [['rp'], ['qat']] }, { stableBackports: false });
    expect(noBackports.codes()).not.toContain('VIA010');
  });

  it('vfio_pci.disable_denylist=1 (any kstrtobool true) lets it bind; other devices, vendors and variant drivers are not refused', () => {
    for (const v of ['1', 'Y', 'on']) {
      const r = qatRun('6.12', {}, { 'vfio_pci.disable_denylist': v });
      expect(r.outcome('v', 'qat').ok, v).toBe(true);
      expect(r.codes(), v).toEqual(['VIA011']);
    }
    expect(qatRun('6.12', {}, { 'vfio_pci.disable_denylist': '0' }).codes()).toContain('VIA010');
    expect(qatRun('6.12', { deviceId: 0x4940 }).outcome('v', 'qat').ok).toBe(true); // QAT 4xxx: not listed
    expect(qatRun('6.12', { vendorId: 0x10de }).outcome('v', 'qat').ok).toBe(true);
    expect(qatRun('6.12', { deviceId: undefined }).outcome('v', 'qat').ok).toBe(true); // IDs not stated: not judged
    expect(qatRun('6.12', { driver: 'qat_vfio_pci' }).codes()).not.toContain('VIA010');
    // vfio-pci itself in its module spelling or another case is still vfio-pci
    for (const driver of ['vfio_pci', 'VFIO-PCI', null]) expect(qatRun('6.12', { driver }).codes(), String(driver)).toContain('VIA010');
  });
});

describe('VIA011: vfio_pci.disable_denylist lets a listed device through (VFIO-PCI-01)', () => {
  it('a warning with the kernel line; nothing for unlisted devices, older kernels or variant drivers', () => {
    const r = qatRun('6.12', {}, { 'vfio_pci.disable_denylist': '1' });
    const f = r.find('VIA011', 'qat')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toBe('qat (0000:01:00.0) in VM v: Intel QAT C62x is on the vfio-pci denylist, bound anyway because of vfio_pci.disable_denylist');
    expect(f.explanation).toContain('vfio-pci 0000:01:00.0: device denylist disabled - allowing device 8086:37c8.');
    expect(f.fixes).toBeUndefined();
    const p = { 'vfio_pci.disable_denylist': '1' };
    expect(qatRun('6.12', { deviceId: 0x4940 }, p).codes()).toEqual([]);
    // 5.8 predates the denylist; only the note that the kernel is older than the modelled releases
    expect(qatRun('5.8', {}, p).codes()).toEqual(['KVER002']);
    expect(qatRun('6.12', { driver: 'qat_vfio_pci' }, p).codes()).toEqual([]);
  });
});
