import { describe, expect, it } from 'vitest';
import type { PciDevice, Topology, Vm } from '../src/model.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

describe('MDL005: invalid PCI address (core API input)', () => {
  const mk = (extra: PciDevice[]) =>
    topo([host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, snoopControl: true })], [dev('ok', 'endpoint', '01:00.0', { iommuId: 'dmar0' }), ...extra])]);

  it('names each out-of-range field; valid devices get nothing', () => {
    const bad: PciDevice = { ...dev('bad', 'endpoint', '02:00.0', { iommuId: 'dmar0' }), bdf: { domain: 0, bus: 0x100, device: 32, fn: 8 } };
    const half: PciDevice = { ...dev('half', 'endpoint', '03:00.0', { iommuId: 'dmar0' }), bdf: { domain: -1, bus: 3, device: 0, fn: 1.5 } };
    const r = simulate(mk([bad, half]));
    const f = r.findings.filter((x) => x.code === 'MDL005');
    expect(f.map((x) => [x.elementId, x.severity, x.message])).toEqual([
      ['bad', 'error', 'bad: invalid PCI address (bus 256, device 32, function 8)'],
      ['half', 'error', 'half: invalid PCI address (domain -1, function 1.5)'],
    ]);
  });

  it('a well-formed host has no MDL005', () => {
    expect(simulate(mk([])).findings.some((x) => x.code === 'MDL005')).toBe(false);
  });
});

describe('MDL002 / MDL006: devices nested in a function that is not a bridge', () => {
  const unit = iommu('dmar0', 'intel-vtd', { interruptRemapping: true, snoopControl: true });
  const ACS = { cap: 0x1f, ctl: 0x1d };
  const mk = (devices: PciDevice[], vms: Vm[] = []) => topo([host('h', '6.12', [unit], devices, { arch: 'x86_64' })], vms);
  const codes = (t: Topology, code: string) => simulate(t).findings.filter((f) => f.code === code);
  const rp = dev('rp0', 'root-port', '00:01.0', { iommuId: 'dmar0', secondaryBus: 1, acs: ACS });
  const pf = dev('pf', 'endpoint', '01:00.0', { parentId: 'rp0', driver: 'vfio-pci', acs: null });

  it('SR-IOV VFs inside their PF are no MDL002 (the file nests them so) and no MDL006; the PF gets VIA007', () => {
    const t = mk([rp, pf, dev('vf0', 'endpoint', '01:02.0', { parentId: 'pf', isVirtualFunction: true, driver: 'vfio-pci' })], [vm('g', 'h', ['pf'])]);
    expect(codes(t, 'MDL002')).toEqual([]);
    expect(codes(t, 'MDL006')).toEqual([]);
    expect(codes(t, 'VIA007').map((f) => f.elementId)).toEqual(['pf']);
  });

  it('devices of a VMD domain inside the VMD endpoint are no MDL002', () => {
    const t = mk([
      dev('vmd', 'endpoint', '00:0e.0', { iommuId: 'dmar0', vendorId: 0x8086, deviceId: 0x9a0b, acs: null }),
      dev('vrp', 'root-port', '10000:e0:06.0', { parentId: 'vmd', secondaryBus: 0xe1, acs: ACS }),
      dev('nvme', 'endpoint', '10000:e1:00.0', { parentId: 'vrp', acs: null }),
    ]);
    expect(codes(t, 'MDL002')).toEqual([]);
  });

  it('other devices inside an endpoint are still MDL002: a function that is not a VF, a VF inside a VF, a same-domain child', () => {
    const t = mk([
      rp,
      pf,
      dev('fn', 'endpoint', '01:00.1', { parentId: 'pf' }),
      dev('vf0', 'endpoint', '01:02.0', { parentId: 'pf', isVirtualFunction: true }),
      dev('vfvf', 'endpoint', '01:02.1', { parentId: 'vf0', isVirtualFunction: true }),
      dev('ep', 'endpoint', '00:0e.0', { iommuId: 'dmar0' }),
      dev('kid', 'endpoint', '02:00.0', { parentId: 'ep' }),
    ]);
    expect(codes(t, 'MDL002').map((f) => [f.elementId, f.message])).toEqual([
      ['fn', 'fn (0000:01:00.1) is nested in endpoint pf (0000:01:00.0), which is not a bridge'],
      ['kid', 'kid (0000:02:00.0) is nested in endpoint ep (0000:00:0e.0), which is not a bridge'],
      ['vfvf', 'vfvf (0000:01:02.1) is nested in endpoint vf0 (0000:01:02.0), which is not a bridge'],
    ]);
  });

  it('MDL002 on the bridge\'s own bus says the device may be its sibling (a lost `}`); on another bus it does not', () => {
    const rp2 = dev('rp2', 'root-port', '00:02.0', { parentId: 'rp0', secondaryBus: 2, acs: ACS });
    const far = dev('far', 'endpoint', '05:00.0', { parentId: 'rp0', acs: null });
    const found = codes(mk([rp, rp2, far]), 'MDL002');
    expect(found.map((f) => [f.elementId, f.message, f.related.map((r) => r.id)])).toEqual([
      ['far', "far (0000:05:00.0) is on bus 05, but rp0's secondary bus is 01", ['rp0']],
      ['rp2', "rp2 (0000:00:02.0) is on bus 00, but rp0's secondary bus is 01; rp0 is itself on bus 00, so rp2 may be its sibling with a '}' missing before it", ['rp0']],
    ]);
    expect(found[1].explanation).toMatch(/sibling of the bridge.*`}` that closes the bridge's block/);
    expect(found[0].explanation).not.toMatch(/sibling/);
  });

  it('MDL006: a VF in a bridge or at the top level cannot be tied to its PF, which then gets no VIA007', () => {
    const t = mk(
      [
        rp,
        pf,
        dev('vf0', 'endpoint', '01:02.0', { parentId: 'rp0', isVirtualFunction: true }),
        dev('vf1', 'endpoint', '00:03.0', { iommuId: 'dmar0', isVirtualFunction: true }),
      ],
      [vm('g', 'h', ['pf'])],
    );
    expect(codes(t, 'MDL006').map((f) => [f.elementId, f.severity, f.message, f.related.map((r) => r.id)])).toEqual([
      ['vf0', 'warning', "virtual function vf0 (0000:01:02.0) is in root port rp0 (0000:00:01.0), not in its PF: the PF's SR-IOV state is unknown (no VIA007 for it)", ['rp0']],
      ['vf1', 'warning', "virtual function vf1 (0000:00:03.0) is at the top level of the host, not in its PF: the PF's SR-IOV state is unknown (no VIA007 for it)", []],
    ]);
    expect(codes(t, 'VIA007')).toEqual([]);
    expect(codes(t, 'MDL002')).toEqual([]);
  });
});

describe('MDL009: Intel caps against the raw ecap / cap registers (CAP-VTD-02/03)', () => {
  const unit = (extra: Parameters<typeof iommu>[2]) => topo([host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, snoopControl: false, passthrough: true, cachingMode: false, scalableMode: false, ...extra })], [dev('ep', 'endpoint', '01:00.0', { iommuId: 'dmar0' })])]);
  const mdl009 = (t: Topology) => simulate(t).findings.filter((f) => f.code === 'MDL009');
  it('the worked decode (ecap f050da: IR, PT, SC) with snoop-control missing: one warning with the fix that adds it', () => {
    const f = mdl009(unit({ rawEcap: 0xf050dan, rawCap: 0xc0000020660462n }));
    expect(f.map((x) => [x.severity, x.message])).toEqual([['warning', 'IOMMU dmar0: caps contradict its registers: ECAP.SC (bit 7) is 1 but snoop-control is not listed; simulated with the caps']]);
    expect(f[0].fixes).toEqual([{ kind: 'set-iommu-property', iommuId: 'dmar0', property: 'caps', value: 'snoop-control' }]);
  });
  it('snoop-control listed but ECAP.SC clear (the false "enforced" answer): a warning, no fix', () => {
    const f = mdl009(unit({ snoopControl: true, rawEcap: 0x5an }));
    expect(f.map((x) => x.message)).toEqual(['IOMMU dmar0: caps contradict its registers: snoop-control is listed but ECAP.SC (bit 7) is 0; simulated with the caps']);
    expect(f[0].fixes).toEqual([]);
  });
  it('agreeing registers, IR or scalable mode supported but not listed, or no registers: nothing', () => {
    expect(mdl009(unit({ snoopControl: true, rawEcap: 0xf050dan, rawCap: 0xc0000020660462n }))).toEqual([]);
    expect(mdl009(unit({ snoopControl: true, interruptRemapping: false, rawEcap: 0x800000f050dan }))).toEqual([]);
    expect(mdl009(unit({}))).toEqual([]);
  });
});

describe('MDL010 / MDL011: hwpt blocks that change nothing', () => {
  const h = host('h', '6.12', [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [
    dev('gpu', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci' }),
    dev('nic', 'endpoint', '0000:02:00.0', { driver: 'vfio-pci' }),
  ]);
  const find = (backend: Vm['backend'], hwpts: Vm['hwpts']) => simulate(topo([h], [vm('v', 'h', ['gpu', 'nic'], { backend, hwpts })])).findings.filter((f) => f.code === 'MDL010' || f.code === 'MDL011');
  it('MDL010: a hwpt block on vfio-type1 or iommufd-compat is ignored; the fix switches to the device cdev', () => {
    for (const backend of ['vfio-type1', 'iommufd-compat'] as const) {
      const f = find(backend, [{ id: 'w1', name: 'shared', deviceIds: ['gpu', 'nic'] }]);
      expect(f.map((x) => [x.code, x.elementId]), backend).toEqual([['MDL010', 'w1']]);
      expect(f[0].message).toBe(`hwpt shared in VM v: backend ${backend} cannot attach devices to a manual HWPT; the block is ignored and its devices are simulated as assigned`);
      expect(f[0].fixes).toEqual([{ kind: 'hwpt-to-assign', vmId: 'v', hwptId: 'w1' }, { kind: 'set-backend', vmId: 'v', backend: 'iommufd-cdev' }]);
    }
    expect(find('iommufd-cdev', [{ id: 'w1', name: 'shared', deviceIds: ['gpu', 'nic'] }])).toEqual([]);
    // before 6.6 there is no device cdev: no fix that would fail the VM (KVER001)
    const old = simulate(topo([{ ...h, kernel: { major: 6, minor: 2 } }], [vm('v', 'h', ['gpu', 'nic'], { backend: 'vfio-type1', hwpts: [{ id: 'w1', name: 'shared', deviceIds: ['gpu'] }] })])).findings.find((x) => x.code === 'MDL010')!;
    expect(old.fixes).toEqual([{ kind: 'hwpt-to-assign', vmId: 'v', hwptId: 'w1' }]);
    expect(old.explanation).toContain('not on 6.2');
    // nor when the blocks split an iommu_group: on the cdev the split would fail (HWPT001)
    const mf = host('h', '6.12', [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], [
      dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d }, driver: 'pcieport' }),
      dev('gpu', 'endpoint', '0000:01:00.0', { parentId: 'rp', multifunction: true, acs: null, driver: 'vfio-pci' }),
      dev('audio', 'endpoint', '0000:01:00.1', { parentId: 'rp', acs: null, driver: 'vfio-pci' }),
    ]);
    const split = (hwptIds: string[], assigned = ['gpu', 'audio']) =>
      simulate(topo([mf], [vm('v', 'h', assigned, { backend: 'vfio-type1', hwpts: [{ id: 'w1', name: 'p', deviceIds: hwptIds }] })])).findings.find((x) => x.code === 'MDL010')!.fixes;
    expect(split(['audio'])).toEqual([{ kind: 'hwpt-to-assign', vmId: 'v', hwptId: 'w1' }]);
    expect(split(['gpu', 'audio'])).toContainEqual({ kind: 'set-backend', vmId: 'v', backend: 'iommufd-cdev' });
    expect(simulate(topo([mf], [vm('v', 'h', ['gpu', 'audio'], { backend: 'iommufd-cdev', hwpts: [{ id: 'w1', name: 'p', deviceIds: ['audio'] }] })])).findings.map((x) => x.code)).toContain('HWPT001');
    // MDL011 stays quiet where MDL010 says the blocks are ignored
    expect(find('vfio-type1', [{ id: 'w1', name: 'a', deviceIds: ['gpu'] }, { id: 'w2', name: 'b', deviceIds: ['gpu'] }]).map((x) => x.code)).toEqual(['MDL010', 'MDL010']);
    // nor before 6.6 on iommufd-cdev (no device cdev: KVER001)
    const cdev65 = simulate(topo([{ ...h, kernel: { major: 6, minor: 5 } }], [vm('v', 'h', ['gpu'], { backend: 'iommufd-cdev', hwpts: [{ id: 'w1', name: 'a', deviceIds: ['gpu'] }, { id: 'w2', name: 'b', deviceIds: ['gpu'] }] })])).findings;
    expect(cdev65.map((x) => x.code)).not.toContain('MDL011');
  });
  it('MDL011: a device in two hwpt blocks is attached through the first; the later listing is reported', () => {
    const f = find('iommufd-cdev', [
      { id: 'w1', name: 'a', deviceIds: ['gpu'] },
      { id: 'w2', name: 'b', deviceIds: ['gpu', 'nic'] },
    ]);
    expect(f.map((x) => [x.code, x.elementId])).toEqual([['MDL011', 'w2']]);
    expect(f[0].message).toBe('gpu (0000:01:00.0) in VM v is listed in hwpt a and hwpt b: it is attached through hwpt a, the first');
    expect(f[0].related).toEqual([{ id: 'w1', message: 'gpu is attached through this HWPT' }]);
    expect(f[0].fixes).toEqual([{ kind: 'unlist-from-hwpt', vmId: 'v', hwptId: 'w2', deviceId: 'gpu' }]);
    // the simulation agrees: gpu is on hwpt a
    const r = simulate(topo([h], [vm('v', 'h', ['gpu', 'nic'], { backend: 'iommufd-cdev', hwpts: [{ id: 'w1', name: 'a', deviceIds: ['gpu'] }, { id: 'w2', name: 'b', deviceIds: ['gpu', 'nic'] }] })]));
    expect(r.vms.get('v')!.attach.find((o) => o.deviceId === 'gpu')?.domain).toMatch(/^hwpt a /);
    expect(find('iommufd-cdev', [{ id: 'w1', name: 'a', deviceIds: ['gpu'] }, { id: 'w2', name: 'b', deviceIds: ['nic'] }])).toEqual([]);
  });
});

describe('MDL012: a capability of another IOMMU driver', () => {
  const arm = (driver: 'arm-smmu-v3' | 'arm-smmu', extra: object) => host('a', '6.12', [iommu('u', driver, { msi: 'gicv3-its', ...extra })], [dev('nic', 'rciep', '0000:00:01.0', { driver: 'vfio-pci', dmaCoherent: true })], { arch: 'arm64' });
  const mdl = (h: ReturnType<typeof arm>) => simulate(topo([h])).findings.filter((f) => f.code === 'MDL012');
  it('SMMUv2 coherent-walk on an SMMUv3 unit: ignored, and the fix swaps it for coherent', () => {
    const [f, ...rest] = mdl(arm('arm-smmu-v3', { coherentWalk: true }));
    expect(rest).toEqual([]);
    expect(f.message).toBe("IOMMU u: 'coherent-walk' is not a capability of arm-smmu-v3; ignored (did you mean 'coherent'?)");
    expect(f.fixes).toEqual([{ kind: 'replace-iommu-cap', iommuId: 'u', from: 'coherent-walk', to: 'coherent' }]);
    // and with coherent listed too, only the removal
    expect(mdl(arm('arm-smmu-v3', { coherentWalk: true, coherent: true }))[0].fixes).toEqual([{ kind: 'remove-iommu-caps', iommuId: 'u', caps: ['coherent-walk'] }]);
    expect(mdl(arm('arm-smmu', { coherentWalk: true }))).toEqual([]);
  });
  it('Intel and Arm capabilities on an AMD unit; nothing for the driver\'s own', () => {
    const h = host('h', '6.12', [iommu('ivhd0', 'amd-vi', { interruptRemapping: true, snoopControl: true, canwbs: true, cachingMode: true })], []);
    const [f] = simulate(topo([h])).findings.filter((x) => x.code === 'MDL012');
    expect(f.message).toBe("IOMMU ivhd0: 'snoop-control', 'canwbs' are not capabilities of amd-vi; ignored");
    expect(f.fixes).toEqual([
      { kind: 'remove-iommu-caps', iommuId: 'ivhd0', caps: ['snoop-control', 'canwbs'] },
      { kind: 'remove-iommu-caps', iommuId: 'ivhd0', caps: ['snoop-control'] },
      { kind: 'remove-iommu-caps', iommuId: 'ivhd0', caps: ['canwbs'] },
    ]);
    expect(simulate(topo([host('h', '6.12', [iommu('d', 'intel-vtd', { interruptRemapping: true, snoopControl: true, passthrough: true, graphicsOnly: false })], [])])).findings.filter((x) => x.code === 'MDL012')).toEqual([]);
  });
});
