import { describe, expect, it } from 'vitest';
import { computeGroups } from '../../src/groups/index.js';
import type { PciDevice } from '../../src/model.js';
import { dev, host, iommu } from '../builders.js';
import { switchHost, ACS_CAP, partition, sets } from './helpers.js';

const vtd = [iommu('dmar0', 'intel-vtd')];

const ex1 = switchHost;

describe('EX-1: root port without ACS above a switch', () => {
  it('puts the whole subtree in one group with the root port', () => {
    expect(partition(ex1(false, true))).toEqual(sets(['rp', 'usp', 'dsp0', 'dsp1', 'a', 'b']));
  });
  it('explains the endpoint joined its downstream port because the root port has no ACS', () => {
    const r = computeGroups(ex1(false, true), undefined, {});
    const reason = r.groupOf.get('a')!.reasons.find((x) => x.deviceId === 'a')!;
    expect(reason.kind).toBe('acs-path');
    expect(reason.viaId).toBe('dsp0');
    expect(reason.text).toContain('root port rp (0000:00:01.0)');
    expect(reason.text).toContain('no ACS capability');
  });
  it('EX-1b: root port with ACS, DSPs without: one group per DSP subtree, USP and RP alone', () => {
    expect(partition(ex1(true, false))).toEqual(sets(['rp'], ['usp'], ['dsp0', 'a'], ['dsp1', 'b']));
  });
  it('all ports with ACS (kernel-enabled from firmware 0): every device alone', () => {
    expect(partition(ex1(true, true))).toEqual(sets(['rp'], ['usp'], ['dsp0'], ['dsp1'], ['a'], ['b']));
  });
});

describe('EX-2: multifunction GPU + HDMI audio', () => {
  const mk = (fnAcs: boolean, rpAcs = true) =>
    host('h', '6.6', vtd, [
      dev('rp', 'root-port', '00:03.1', { acs: rpAcs ? ACS_CAP : null }),
      dev('gpu', 'endpoint', '0a:00.0', { parentId: 'rp', acs: fnAcs ? ACS_CAP : null }),
      dev('hda', 'endpoint', '0a:00.1', { parentId: 'rp', acs: fnAcs ? ACS_CAP : null }),
    ]);
  it('both functions without ACS share a group; the root port is alone', () => {
    expect(partition(mk(false))).toEqual(sets(['rp'], ['gpu', 'hda']));
    const r = computeGroups(mk(false), undefined, {});
    const reason = r.groupOf.get('hda')!.reasons.find((x) => x.deviceId === 'hda')!;
    expect(reason.kind).toBe('multifunction');
    expect(reason.viaId).toBe('gpu');
  });
  it('multifunction with ACS on both functions: two groups', () => {
    expect(partition(mk(true))).toEqual(sets(['rp'], ['gpu'], ['hda']));
  });
  it('root port without ACS: all three in one group', () => {
    expect(partition(mk(false, false))).toEqual(sets(['rp', 'gpu', 'hda']));
  });
  it('function 0 multifunction derived from a sibling (multifunction undefined), explicit false on fn0 alone respected', () => {
    const h = mk(false);
    h.devices[1].multifunction = false; // header bit clear on fn0: kernel still forces fn1 multifunction
    // fn0 not multifunction → isolated endpoint; fn1 multifunction but fn0 is isolated so not merged
    expect(partition(h)).toEqual(sets(['rp'], ['gpu'], ['hda']));
  });
});

describe('EX-3: PCIe-to-PCI bridge and conventional bridge', () => {
  it('PCIe-to-PCI bridge and its conventional children form one group; RP alone', () => {
    const h = host('h', '6.12.10', vtd, [
      dev('rp', 'root-port', '00:1c.0', { acs: ACS_CAP }),
      dev('br', 'pcie-to-pci-bridge', '05:00.0', { parentId: 'rp', secondaryBus: 6 }),
      dev('c0', 'pci-device', '06:00.0', { parentId: 'br' }),
      dev('c1', 'pci-device', '06:01.0', { parentId: 'br' }),
    ]);
    expect(partition(h)).toEqual(sets(['rp'], ['br', 'c0', 'c1']));
    const reason = computeGroups(h, h.kernel, {}).groupOf.get('c0')!.reasons.find((x) => x.deviceId === 'c0')!;
    expect(reason.kind).toBe('dma-alias');
    expect(reason.viaId).toBe('br');
    expect(reason.text).toContain('06:00.0');
  });
  it('conventional PCI-to-PCI bridge on the root bus (DMI-to-PCI 00:1e.0) groups with its children', () => {
    const h = host('h', '5.15', vtd, [
      dev('dmi', 'pci-bridge', '00:1e.0', { secondaryBus: 7 }),
      dev('p0', 'pci-device', '07:00.0', { parentId: 'dmi' }),
      dev('p1', 'pci-device', '07:02.0', { parentId: 'dmi' }),
      dev('igpu', 'endpoint', '00:02.0'),
    ]);
    expect(partition(h)).toEqual(sets(['dmi', 'p0', 'p1'], ['igpu']));
  });
});

describe('EX-4: Root Complex Integrated Endpoints', () => {
  it('(a) single-function RCiEP on the root bus gets its own group', () => {
    const h = host('h', '6.1', vtd, [dev('x', 'rciep', '00:02.0', { vendorId: 0x1234, acs: null }), dev('y', 'rciep', '00:04.0', { vendorId: 0x1234, acs: null })]);
    expect(partition(h)).toEqual(sets(['x'], ['y']));
  });
  const pair = (vendorId: number) =>
    host('h', '6.1', vtd, [
      dev('f0', 'rciep', '00:07.0', { vendorId, deviceId: 0x1111, multifunction: true, acs: null }),
      dev('f1', 'rciep', '00:07.1', { vendorId, deviceId: 0x1112, acs: null }),
    ]);
  it('(b) non-Intel multifunction RCiEPs without ACS: one group', () => {
    expect(partition(pair(0x1022))).toEqual(sets(['f0', 'f1']));
  });
  it('(c) Intel multifunction RCiEPs: pci_quirk_rciep_acs isolates them', () => {
    expect(partition(pair(0x8086))).toEqual(sets(['f0'], ['f1']));
  });
  it('(d) conventional PCH functions in one slot: one group, the Intel RCiEP quirk does not apply', () => {
    const h = host('h', '6.8', vtd, [
      dev('lpc', 'pci-device', '00:1f.0', { vendorId: 0x8086, deviceId: 0x7a06 }),
      dev('hda', 'pci-device', '00:1f.3', { vendorId: 0x8086, deviceId: 0x7ad0 }),
      dev('smbus', 'pci-device', '00:1f.4', { vendorId: 0x8086, deviceId: 0x7aa3 }),
      dev('spi', 'pci-device', '00:1f.5', { vendorId: 0x8086, deviceId: 0x7aa4 }),
      dev('sata', 'pci-device', '00:17.0', { vendorId: 0x8086 }),
    ]);
    expect(partition(h)).toEqual(sets(['lpc', 'hda', 'smbus', 'spi'], ['sata']));
  });
});

describe('EX-5: Intel PCH root ports with the ACS quirk', () => {
  const mk = (extra: { failed?: boolean; ids?: [number, number] } = {}) =>
    host('h', '6.12.10', vtd, [
      dev('rp0', 'root-port', '00:1c.0', { vendorId: 0x8086, deviceId: extra.ids?.[0] ?? 0x8c10, acs: null, pchAcsQuirkFailed: extra.failed }),
      dev('rp2', 'root-port', '00:1c.2', { vendorId: 0x8086, deviceId: extra.ids?.[1] ?? 0x8c14, acs: null, pchAcsQuirkFailed: extra.failed }),
      dev('nic', 'endpoint', '02:00.0', { parentId: 'rp0', acs: null }),
      dev('usb', 'endpoint', '03:00.0', { parentId: 'rp2', acs: null }),
    ]);
  it('quirk enable succeeds: four groups', () => {
    expect(partition(mk())).toEqual(sets(['rp0'], ['rp2'], ['nic'], ['usb']));
  });
  it('quirk enable fails: one group of all four', () => {
    expect(partition(mk({ failed: true }))).toEqual(sets(['rp0', 'rp2', 'nic', 'usb']));
  });
  it('PCH root port IDs not in the list and without ACS: one group', () => {
    expect(partition(mk({ ids: [0x7ab8, 0x7aba] }))).toEqual(sets(['rp0', 'rp2', 'nic', 'usb']));
  });
  it('quirk enable hook does not run when ACS is enabled after grouping (6.12.76): one group', () => {
    const h = mk();
    h.kernel = { major: 6, minor: 12, patch: 76 };
    expect(partition(h)).toEqual(sets(['rp0', 'rp2', 'nic', 'usb']));
  });
  it('Sunrise Point variant: ports with the dword ACS cap, lspci ACSCtl ignored, kernel enables → four groups', () => {
    const h = host('h', '6.12.10', vtd, [
      dev('rp0', 'root-port', '00:1c.0', { vendorId: 0x8086, deviceId: 0xa110, acs: { cap: 0x1f, ctl: 0x0000 } }),
      dev('rp2', 'root-port', '00:1c.2', { vendorId: 0x8086, deviceId: 0xa112, acs: { cap: 0x1f, ctl: 0x0000 } }),
      dev('nic', 'endpoint', '02:00.0', { parentId: 'rp0', acs: null }),
      dev('usb', 'endpoint', '03:00.0', { parentId: 'rp2', acs: null }),
    ]);
    expect(partition(h)).toEqual(sets(['rp0'], ['rp2'], ['nic'], ['usb']));
    const r = computeGroups(h, h.kernel, {});
    expect(r.effectiveAcsCtl.get('rp0')).toBe(0x1d);
  });
  it('Sunrise Point: a bogus lspci ACSCtl that looks enabled does not count when ACS is not enabled before grouping', () => {
    const h = host('h', '6.12.76', vtd, [
      dev('rp0', 'root-port', '00:1c.0', { vendorId: 0x8086, deviceId: 0xa110, acs: { cap: 0x1f, ctl: 0x1f } }),
      dev('rp2', 'root-port', '00:1c.2', { vendorId: 0x8086, deviceId: 0xa112, acs: { cap: 0x1f, ctl: 0x1f } }),
      dev('nic', 'endpoint', '02:00.0', { parentId: 'rp0', acs: null }),
    ]);
    expect(partition(h)).toEqual(sets(['rp0', 'rp2', 'nic']));
  });
});

describe('EX-6: Intel VMD', () => {
  const mk = (arch: 'x86_64' | 'arm64' = 'x86_64') =>
    host(
      'h',
      '6.12.10',
      vtd,
      [
        dev('vmd', 'endpoint', '00:0e.0', { vendorId: 0x8086, deviceId: 0x9a0b, acs: null }),
        dev('vrp0', 'root-port', '10000:e0:06.0', { parentId: 'vmd', acs: ACS_CAP }),
        dev('vrp1', 'root-port', '10000:e0:07.0', { parentId: 'vmd', acs: ACS_CAP }),
        dev('nvme0', 'endpoint', '10000:e1:00.0', { parentId: 'vrp0', acs: null }),
        dev('nvme1', 'endpoint', '10000:e2:00.0', { parentId: 'vrp1', acs: null }),
        dev('other', 'endpoint', '00:02.0', { acs: null }),
      ],
      { arch, firmware: 'acpi' },
    );
  it('every device in the VMD domain joins the VMD endpoint group', () => {
    expect(partition(mk())).toEqual(sets(['vmd', 'vrp0', 'vrp1', 'nvme0', 'nvme1'], ['other']));
    const r = computeGroups(mk(), undefined, {});
    expect(r.groupOf.get('nvme1')!.reasons.find((x) => x.deviceId === 'nvme1')!.kind).toBe('vmd');
  });
  it('pci_real_dma_dev is x86-only', () => {
    expect(partition(mk('arm64'))).toEqual(sets(['vmd'], ['vrp0'], ['vrp1'], ['nvme0'], ['nvme1'], ['other']));
    // without an arch line the architecture comes from the IOMMU driver (arch.ts:hostArch): VT-d is x86, an SMMU arm64
    expect(partition({ ...mk(), arch: undefined })).toEqual(sets(['vmd', 'vrp0', 'vrp1', 'nvme0', 'nvme1'], ['other']));
    expect(partition({ ...mk(), arch: undefined, iommus: [iommu('smmu0', 'arm-smmu-v3')] })).toEqual(sets(['vmd'], ['vrp0'], ['vrp1'], ['nvme0'], ['nvme1'], ['other']));
  });
  /** `mk()` with the VMD endpoint's IDs and driver replaced. */
  const withVmd = (over: Partial<PciDevice>) => {
    const h = mk();
    return { ...h, devices: h.devices.map((d) => (d.id === 'vmd' ? { ...d, ...over } : d)) };
  };
  const vmdGroup = sets(['vmd', 'vrp0', 'vrp1', 'nvme0', 'nvme1'], ['other']);
  const separate = sets(['vmd'], ['vrp0'], ['vrp1'], ['nvme0'], ['nvme1'], ['other']);
  const vmdIds = [0x201d, 0x28c0, 0x467f, 0x4c3d, 0xa77f, 0x7d0b, 0xad0b, 0x9a0b].map((deviceId) => ({ deviceId, hex: deviceId.toString(16) }));
  it.each(vmdIds)('an endpoint with an ID of the vmd driver table (8086:$hex) owns its domain', ({ deviceId }) => {
    expect(partition(withVmd({ deviceId }))).toEqual(vmdGroup);
  });
  it('an endpoint bound to the vmd driver owns its domain whatever its device ID; another Intel endpoint does not', () => {
    expect(partition(withVmd({ deviceId: 0x1234, driver: 'vmd' }))).toEqual(vmdGroup);
    expect(partition(withVmd({ deviceId: 0x1234 }))).toEqual(separate);
    expect(partition(withVmd({ vendorId: 0x10de, deviceId: 0x9a0b }))).toEqual(separate);
  });
});
