import { describe, expect, it } from 'vitest';
import { computeGroups, resolveIommu } from '../../src/groups/index.js';
import { probeOrder } from '../../src/probe-order.js';
import { simulate } from '../../src/simulate.js';
import { dev, host, iommu } from '../builders.js';
import { ACS_CAP, partition, sets } from './helpers.js';

const numbers = (h: ReturnType<typeof host>) => {
  const r = computeGroups(h, h.kernel, {});
  return Object.fromEntries(h.devices.filter((d) => r.groupOf.has(d.id)).map((d) => [d.id, r.groupOf.get(d.id)!.number]));
};

describe('group numbering (GRP-ORD-01)', () => {
  const devices = () => [
    dev('igpu', 'endpoint', '00:02.0', { iommuId: 'gfx', acs: null }),
    dev('rp', 'root-port', '00:1c.0', { iommuId: 'main', acs: ACS_CAP }),
    dev('nic', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
    dev('sata', 'pci-device', '00:17.0', { iommuId: 'main' }),
  ];
  it('≥ 6.1: per-IOMMU passes in registration order, then device order; IDA from 0', () => {
    const h = host('h', '6.6', [iommu('main', 'intel-vtd'), iommu('gfx', 'intel-vtd')], devices());
    expect(numbers(h)).toEqual({ rp: 0, nic: 1, sata: 2, igpu: 3 });
  });
  it('≥ 6.1: a graphics-only Intel unit registers first (DRHDs without INCLUDE_PCI_ALL head the list), wherever it is declared', () => {
    const h = host('h', '6.6', [iommu('main', 'intel-vtd'), iommu('gfx', 'intel-vtd', { graphicsOnly: true })], devices());
    expect(numbers(h)).toEqual({ igpu: 0, rp: 1, nic: 2, sata: 3 });
  });
  it('SR-IOV virtual functions are grouped after every device found at boot (they appear when SR-IOV is enabled)', () => {
    for (const k of ['5.15', '6.6']) {
      const h = host('h', k, [iommu('u', 'intel-vtd')], [
        dev('rp0', 'root-port', '00:01.0', { acs: ACS_CAP }),
        dev('pf', 'endpoint', '01:00.0', { parentId: 'rp0', acs: ACS_CAP }),
        dev('vf0', 'endpoint', '01:00.1', { parentId: 'pf', acs: null, isVirtualFunction: true }),
        dev('vf1', 'endpoint', '01:00.2', { parentId: 'pf', acs: null, isVirtualFunction: true }),
        dev('rp1', 'root-port', '00:02.0', { acs: ACS_CAP }),
        dev('nvme', 'endpoint', '02:00.0', { parentId: 'rp1', acs: null }),
      ]);
      expect(numbers(h), k).toEqual({ rp0: 0, pf: 1, rp1: 2, nvme: 3, vf0: 4, vf1: 5 });
    }
  });
  it('< 6.1: one pass in device order', () => {
    const h = host('h', '5.15', [iommu('main', 'intel-vtd'), iommu('gfx', 'intel-vtd')], devices());
    expect(numbers(h)).toEqual({ igpu: 0, rp: 1, nic: 2, sata: 3 });
  });
  it('members are listed in probe order', () => {
    const h = host('h', '6.6', [iommu('u', 'amd-vi')], [dev('rp', 'root-port', '00:01.0', { acs: null }), dev('b', 'endpoint', '01:00.1', { parentId: 'rp', acs: null }), dev('a', 'endpoint', '01:00.0', { parentId: 'rp', acs: null, multifunction: true })]);
    expect(computeGroups(h, h.kernel, {}).groups[0].deviceIds).toEqual(['rp', 'b', 'a']);
  });
});

describe('probe order with repeated ids (core API input the lowering never produces)', () => {
  it('a device whose parent id is its own (repeated) id ends, each id once, in bus order', () => {
    const devices = [
      dev('rp', 'root-port', '00:1c.0', { iommuId: 'main', acs: ACS_CAP }),
      dev('x', 'endpoint', '01:00.0', { parentId: 'rp' }),
      dev('x', 'endpoint', '02:00.0', { parentId: 'x' }),
      dev('y', 'endpoint', '03:00.0', { parentId: 'x' }),
      dev('rp', 'root-port', '00:1d.0', { parentId: 'y' }),
    ];
    const order = probeOrder(devices);
    expect(order.map((d) => `${d.id}@${d.bdf.bus}`)).toEqual(['rp@0', 'x@1', 'y@3']);
    // and the whole simulation runs on such a host
    const h = host('h', '6.6', [iommu('main', 'intel-vtd')], devices);
    expect(() => simulate({ hosts: [h], vms: [] })).not.toThrow();
  });
});

describe('IOMMU drivers (GRP-DRV-01)', () => {
  it('driver none: no group, absent from groupOf', () => {
    const h = host('h', '6.6', [iommu('off', 'none')], [dev('rp', 'root-port', '00:01.0', { iommuId: 'off', acs: null }), dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null })]);
    const r = computeGroups(h, h.kernel, {});
    expect(r.groups).toEqual([]);
    expect(r.groupOf.has('ep')).toBe(false);
  });
  it('a none unit next to an active unit: only devices behind the active unit are grouped', () => {
    const h = host('h', '6.6', [iommu('off', 'none'), iommu('on', 'intel-vtd')], [
      dev('rp', 'root-port', '00:01.0', { acs: null }),
      dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
      dev('x', 'endpoint', '00:05.0', { iommuId: 'off', acs: null }),
    ]);
    expect(partition(h)).toEqual(sets(['rp', 'ep']));
  });
  it('ungrouped non-ACS bridge: children get separate groups (GRP-EDGE-01)', () => {
    const h = host('h', '6.6', [iommu('off', 'none'), iommu('on', 'intel-vtd')], [
      dev('rp', 'root-port', '00:01.0', { iommuId: 'off', acs: null }),
      dev('e0', 'endpoint', '01:00.0', { parentId: 'rp', iommuId: 'on', acs: null }),
      dev('e1', 'endpoint', '01:01.0', { parentId: 'rp', iommuId: 'on', acs: null }),
    ]);
    expect(partition(h)).toEqual(sets(['e0'], ['e1']));
    expect(computeGroups(h, h.kernel, {}).groupOf.get('e0')!.reasons[0].text).toContain('GRP-EDGE-01');
  });
  it('s390: one group per function even for a multifunction device without ACS', () => {
    const h = host('h', '6.6', [iommu('z', 's390')], [dev('f0', 'endpoint', '0000:00:00.0', { acs: null, multifunction: true }), dev('f1', 'endpoint', '0000:00:00.1', { acs: null })], { arch: 's390x' });
    expect(partition(h)).toEqual(sets(['f0'], ['f1']));
  });
  it('resolveIommu: own id, inherited from an ancestor, host single active unit, else undefined', () => {
    const units = [iommu('a', 'intel-vtd'), iommu('b', 'intel-vtd')];
    const rp = dev('rp', 'root-port', '00:01.0', { iommuId: 'b' });
    const ep = dev('ep', 'endpoint', '01:00.0', { parentId: 'rp' });
    const lone = dev('lone', 'endpoint', '00:05.0');
    const h = host('h', '6.6', units, [rp, ep, lone]);
    expect(resolveIommu(h, ep)?.id).toBe('b');
    expect(resolveIommu(h, lone)).toBeUndefined();
    const h1 = host('h', '6.6', [iommu('off', 'none'), iommu('a', 'amd-vi')], [lone]);
    expect(resolveIommu(h1, lone)?.id).toBe('a');
  });
});

describe('DMA alias quirks and bridge flags (GRP-ALIAS-01..03)', () => {
  it('Marvell 88SE9128 function 0 aliases to function 1 (a phantom devfn with no device changes nothing)', () => {
    const rp = dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP });
    const sata = dev('sata', 'endpoint', '03:00.0', { parentId: 'rp', vendorId: 0x1b4b, deviceId: 0x9128, acs: null });
    expect(partition(host('h', '6.6', [iommu('u', 'intel-vtd')], [rp, sata]))).toEqual(sets(['rp'], ['sata']));
    const ide = dev('ide', 'endpoint', '03:00.1', { parentId: 'rp', vendorId: 0x1b4b, deviceId: 0x9128, acs: ACS_CAP });
    // Both functions have full ACS except fn0: fn1 is isolated, but the alias still joins them.
    expect(partition(host('h', '6.6', [iommu('u', 'intel-vtd')], [rp, { ...sata, acs: ACS_CAP }, ide]))).toEqual(sets(['rp'], ['sata', 'ide']));
  });
  it('JMicron JMB388 ESD (0x197b:0x2392) function 0 aliases to function 1, as quirk_dma_func1_alias says', () => {
    const rp = dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP });
    const sd = dev('sd', 'endpoint', '05:00.0', { parentId: 'rp', vendorId: 0x197b, deviceId: 0x2392, acs: ACS_CAP });
    const f1 = dev('f1', 'endpoint', '05:00.1', { parentId: 'rp', vendorId: 0x197b, deviceId: 0x2391, acs: ACS_CAP });
    const r = computeGroups(host('h', '6.6', [iommu('u', 'intel-vtd')], [rp, sd, f1]), undefined, {});
    expect(r.groupOf.get('sd')).toBe(r.groupOf.get('f1'));
    expect(r.groupOf.get('f1')!.reasons.map((x) => x.text).join(' ')).toContain('quirk_dma_func1_alias');
    // another JMicron function (the JMB388 SD host, 0x2391) has no alias quirk: with ACS, two groups
    const other = dev('sd', 'endpoint', '05:00.0', { parentId: 'rp', vendorId: 0x197b, deviceId: 0x2391, acs: ACS_CAP });
    expect(partition(host('h', '6.6', [iommu('u', 'intel-vtd')], [rp, other, f1]))).toEqual(sets(['rp'], ['sd'], ['f1']));
  });
  it('Ricoh 0xe832 function 2 aliases to function 0', () => {
    const rp = dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP });
    const f0 = dev('f0', 'endpoint', '04:00.0', { parentId: 'rp', vendorId: 0x1180, deviceId: 0xe822, acs: ACS_CAP });
    const f2 = dev('f2', 'endpoint', '04:00.2', { parentId: 'rp', vendorId: 0x1180, deviceId: 0xe832, acs: ACS_CAP });
    const r = computeGroups(host('h', '6.6', [iommu('u', 'intel-vtd')], [rp, f0, f2]), undefined, {});
    expect(r.groupOf.get('f2')).toBe(r.groupOf.get('f0'));
    expect(r.groupOf.get('f2')!.reasons.find((x) => x.deviceId === 'f2')!.text).toContain('quirk_dma_func0_alias');
  });
  it('dmaAliasDevfns from the model (e.g. AMD IVRS alias) joins devices on the same bus', () => {
    const a = dev('a', 'endpoint', '00:05.0', { acs: null });
    const b = dev('b', 'endpoint', '00:06.0', { acs: null, dmaAliasDevfns: [0x28] });
    expect(partition(host('h', '6.6', [iommu('u', 'amd-vi')], [a, b]))).toEqual(sets(['a', 'b']));
  });
  it('XLATE_ROOT bridge (Cavium ThunderX2 0x14e4:0x9084) stops the alias walk but the ACS path still merges', () => {
    const xr = dev('xr', 'pcie-to-pci-bridge', '00:01.0', { vendorId: 0x14e4, deviceId: 0x9084 });
    const c = dev('c', 'pci-device', '01:00.0', { parentId: 'xr' });
    const r = computeGroups(host('h', '6.6', [iommu('u', 'arm-smmu-v3')], [xr, c], { arch: 'arm64', firmware: 'acpi' }), undefined, {});
    expect(r.groupOf.get('c')).toBe(r.groupOf.get('xr'));
    expect(r.groupOf.get('c')!.reasons.find((x) => x.deviceId === 'c')!.kind).toBe('acs-path');
  });
});
