import { describe, expect, it } from 'vitest';
import { computeGroups } from '../../src/groups/index.js';
import type { PciDevice } from '../../src/model.js';
import { dev, host, iommu } from '../builders.js';
import { ACS_CAP, partition, sets } from './helpers.js';

const vtd = [iommu('dmar0', 'intel-vtd')];
const amd = [iommu('ivhd0', 'amd-vi')];


describe('AMD/ATI southbridge quirk (pci_quirk_amd_sb_acs)', () => {
  const fns = (extra: Partial<PciDevice> = {}, parentId?: string) => [
    dev('f0', 'endpoint', '00:14.0', { vendorId: 0x1002, deviceId: 0x4385, multifunction: true, acs: null, parentId, ...extra }),
    dev('f1', 'endpoint', '00:14.3', { vendorId: 0x1002, deviceId: 0x439d, acs: null, parentId }),
  ];
  it('multifunction, root bus, IVRS present: isolated', () => {
    expect(partition(host('h', '6.6', amd, fns()))).toEqual(sets(['f0'], ['f1']));
  });
  it('no IVRS table (Intel host): not isolated', () => {
    expect(partition(host('h', '6.6', vtd, fns()))).toEqual(sets(['f0', 'f1']));
  });
  it('not multifunction: quirk does not apply (and a single function is alone anyway)', () => {
    const h = host('h', '6.6', amd, [dev('f0', 'endpoint', '00:14.0', { vendorId: 0x1002, deviceId: 0x4385, acs: null, multifunction: false })]);
    expect(partition(h)).toEqual(sets(['f0']));
  });
  it('not on a root bus: quirk does not apply, the functions merge', () => {
    const rp = dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP });
    const h = host('h', '6.6', amd, [rp, dev('f0', 'endpoint', '02:00.0', { vendorId: 0x1002, deviceId: 0x4385, multifunction: true, acs: null, parentId: 'rp' }), dev('f1', 'endpoint', '02:00.1', { vendorId: 0x1002, deviceId: 0x4385, acs: null, parentId: 'rp' })]);
    expect(partition(h)).toEqual(sets(['rp'], ['f0', 'f1']));
  });
});

describe('quirk table rows', () => {
  const below = (extra: Partial<PciDevice>, iommus = vtd) =>
    host('h', '6.12.10', iommus, [
      dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP }),
      dev('f0', 'endpoint', '01:00.0', { parentId: 'rp', multifunction: true, acs: null, ...extra }),
      dev('f1', 'endpoint', '01:00.1', { parentId: 'rp', acs: null, ...extra }),
    ]);
  it('pci_quirk_mf_endpoint_acs: Intel 82576 (0x10c9) functions are isolated', () => {
    expect(partition(below({ vendorId: 0x8086, deviceId: 0x10c9 }))).toEqual(sets(['rp'], ['f0'], ['f1']));
  });
  it('pci_quirk_mf_endpoint_acs: Solarflare 0x0903 isolated; unlisted Solarflare merges', () => {
    expect(partition(below({ vendorId: 0x1924, deviceId: 0x0903 }))).toEqual(sets(['rp'], ['f0'], ['f1']));
    expect(partition(below({ vendorId: 0x1924, deviceId: 0x0b03 }))).toEqual(sets(['rp'], ['f0', 'f1']));
  });
  it('Broadcom 0x1760 (†) is a quirk on 6.x but not on 5.15', () => {
    const h = below({ vendorId: 0x14e4, deviceId: 0x1760 });
    expect(partition(h)).toEqual(sets(['rp'], ['f0'], ['f1']));
    h.kernel = { major: 5, minor: 15, patch: 85 };
    expect(partition(h)).toEqual(sets(['rp'], ['f0', 'f1']));
  });
  it('Wangxun: listed NIC isolated; any other Wangxun device answers 0 even with full ACS', () => {
    expect(partition(below({ vendorId: 0x8088, deviceId: 0x1001 }))).toEqual(sets(['rp'], ['f0'], ['f1']));
    expect(partition(below({ vendorId: 0x8088, deviceId: 0x0200, acs: { cap: 0x1d, ctl: 0x1d } }))).toEqual(sets(['rp'], ['f0', 'f1']));
  });
  it('Zhaoxin root port not in the list answers 0 although it has a real ACS capability', () => {
    const h = (deviceId: number) =>
      host('h', '6.12.10', vtd, [
        dev('rp', 'root-port', '00:01.0', { vendorId: 0x1d17, deviceId, acs: { cap: 0x1d, ctl: 0x1d } }),
        dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
      ]);
    expect(partition(h(0x0800))).toEqual(sets(['rp', 'ep']));
    expect(partition(h(0x0715))).toEqual(sets(['rp'], ['ep']));
    const r = computeGroups(h(0x0800), undefined, {});
    expect(r.groupOf.get('ep')!.reasons.find((x) => x.deviceId === 'ep')!.text).toContain('pci_quirk_zhaoxin_pcie_ports_acs');
  });
  it('Zhaoxin 0x0740 is listed on 6.x but not on 5.15 (…0x0732)', () => {
    const mk = (k: string) =>
      host('h', k, vtd, [dev('rp', 'root-port', '00:01.0', { vendorId: 0x1d17, deviceId: 0x0740, acs: null }), dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null })]);
    expect(partition(mk('6.1'))).toEqual(sets(['rp'], ['ep']));
    expect(partition(mk('5.15'))).toEqual(sets(['rp', 'ep']));
  });
  it('Cavium ThunderX root ports without ACS are isolated (root ports only)', () => {
    const h = host('h', '6.1', [iommu('smmu', 'arm-smmu-v3')], [dev('rp', 'root-port', '00:01.0', { vendorId: 0x177d, deviceId: 0xa100, acs: null }), dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null })], { arch: 'arm64', firmware: 'acpi' });
    expect(partition(h)).toEqual(sets(['rp'], ['ep']));
  });
  it('Intel PCH quirk is not applied to a non-root-port with a listed ID', () => {
    const h = host('h', '6.1', vtd, [
      dev('dsp', 'switch-downstream', '00:01.0', { vendorId: 0x8086, deviceId: 0x8c10, acs: null }),
      dev('ep', 'endpoint', '01:00.0', { parentId: 'dsp', acs: null }),
    ]);
    expect(partition(h)).toEqual(sets(['dsp', 'ep']));
  });
});

describe('pcie_acs_override patch (GRP-CMD-03)', () => {
  const mk = (cmdline: string, patched = true) =>
    host(
      'h',
      '6.8',
      vtd,
      [
        dev('rp', 'root-port', '00:01.0', { acs: null }),
        dev('f0', 'endpoint', '01:00.0', { parentId: 'rp', vendorId: 0x10de, deviceId: 0x2204, multifunction: true, acs: null }),
        dev('f1', 'endpoint', '01:00.1', { parentId: 'rp', vendorId: 0x10de, deviceId: 0x1aef, acs: null }),
        dev('rp2', 'root-port', '00:02.0', { acs: { cap: 0x1d, ctl: 0 } }),
        dev('e2', 'endpoint', '02:00.0', { parentId: 'rp2', acs: null }),
      ],
      { cmdline, acsOverridePatch: patched },
    );
  it('downstream,multifunction isolates the ACS-less root port and the multifunction functions', () => {
    expect(partition(mk('pcie_acs_override=downstream,multifunction'))).toEqual(sets(['rp'], ['f0'], ['f1'], ['rp2'], ['e2']));
  });
  it('downstream only: the root port is isolated but the functions still merge', () => {
    expect(partition(mk('pcie_acs_override=downstream'))).toEqual(sets(['rp'], ['f0', 'f1'], ['rp2'], ['e2']));
  });
  it('id:10de:2204 isolates only that function; the ACS-less root port still pulls everything below it into its group', () => {
    expect(partition(mk('pcie_acs_override=id:10de:2204'))).toEqual(sets(['rp', 'f0', 'f1'], ['rp2'], ['e2']));
  });
  it('without the patch the parameter does nothing', () => {
    expect(partition(mk('pcie_acs_override=downstream,multifunction', false))).toEqual(sets(['rp', 'f0', 'f1'], ['rp2'], ['e2']));
  });
});
