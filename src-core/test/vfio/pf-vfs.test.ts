import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/simulate.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { run } from './helpers.js';

/** Root port → SR-IOV NIC PF 01:00.0; `vfs` VFs nested under the PF (01:00.1…), or under the root port. */
function sriovHost(vfs: number, under: 'pf' | 'rp' = 'pf') {
  const devices = [
    dev('rp', 'root-port', '00:01.0', { iommuId: 'dmar0', driver: 'pcieport', acs: { cap: 0x1f, ctl: 0x1d } }),
    dev('pf', 'endpoint', '01:00.0', { iommuId: 'dmar0', parentId: 'rp', driver: 'vfio-pci', noSnoop: false, acs: { cap: 0x1f, ctl: 0x1d } }),
  ];
  for (let i = 0; i < vfs; i++) {
    devices.push(dev(`vf${i}`, 'endpoint', `01:00.${i + 1}`, { iommuId: 'dmar0', parentId: under, isVirtualFunction: true, driver: 'vfio-pci', noSnoop: false, acs: null }));
  }
  return host('h', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true })], devices);
}
const groups = (n: number) => ({ h: [['rp'], ['pf'], ...Array.from({ length: n }, (_, i) => [`vf${i}`])] });

describe('VIA007: vfio-pci refuses a PF with SR-IOV enabled (VFIO-PCI-01)', () => {
  it('assigning the PF fails at probe with -EBUSY and the pci_warn; the finding relates the VFs', () => {
    const r = run(topo([sriovHost(2)], [vm('v', 'h', ['pf'])]), groups(2));
    expect(r.outcome('v', 'pf')).toMatchObject({ ok: false, step: 'vfio-pci probe', errno: 'EBUSY', kernelMessage: 'vfio-pci 0000:01:00.0: Cannot bind to PF with SR-IOV enabled', codes: ['VIA007'] });
    const f = r.find('VIA007', 'pf')!;
    expect(f.severity).toBe('error');
    expect(f.message).toBe('pf (0000:01:00.0) in VM v: SR-IOV PF with 2 virtual functions enabled (vf0 (0000:01:00.1), vf1 (0000:01:00.2)); vfio-pci refuses it → -EBUSY at vfio-pci probe');
    expect(f.related).toEqual([
      { id: 'vf0', message: 'enabled virtual function of this PF' },
      { id: 'vf1', message: 'enabled virtual function of this PF' },
    ]);
    expect(f.fixes).toEqual([{ kind: 'unassign-device', vmId: 'v', deviceId: 'pf' }]);
  });

  it('the VFs themselves can be assigned; a PF without VFs is not refused', () => {
    const r = run(topo([sriovHost(2)], [vm('v', 'h', ['vf0', 'vf1'])]), groups(2));
    expect(r.outcome('v', 'vf0').ok).toBe(true);
    expect(r.codes()).not.toContain('VIA007');
    expect(run(topo([sriovHost(0)], [vm('v', 'h', ['pf'])]), groups(0)).outcome('v', 'pf').ok).toBe(true);
  });

  it('many VFs: the message lists three and counts the rest', () => {
    const r = run(topo([sriovHost(5)], [vm('v', 'h', ['pf'])]), groups(5));
    expect(r.find('VIA007', 'pf')!.message).toContain('5 virtual functions enabled (vf0 (0000:01:00.1), vf1 (0000:01:00.2), vf2 (0000:01:00.3) and 2 more)');
  });

  it('VFs nested under the bridge instead of the PF: the model does not link them to the PF, no VIA007', () => {
    const r = run(topo([sriovHost(2, 'rp')], [vm('v', 'h', ['pf'])]), groups(2));
    expect(r.outcome('v', 'pf').ok).toBe(true);
  });

  it('simulate(): computed groups, the PF refused before any later step (no group or ownership checks)', () => {
    const h = sriovHost(1);
    h.devices[1].driver = 'ixgbe';
    const res = simulate(topo([h], [vm('v', 'h', ['pf'])]));
    const o = res.vms.get('v')!.attach[0];
    expect(o).toMatchObject({ ok: false, errno: 'EBUSY' });
    expect(o.codes).toEqual(['VIA004', 'VIA007']);
    expect(res.findings.filter((f) => f.code === 'VIA007').map((f) => f.elementId)).toEqual(['pf']);
    // binding vfio-pci is refused too: VIA004 offers no bind fix and says why
    const via004 = res.findings.find((f) => f.code === 'VIA004')!;
    expect(via004.fixes).toBeUndefined();
    expect(via004.explanation).toMatch(/rebind cannot help: vfio-pci refuses a PF with SR-IOV enabled \(VIA007\)/);
  });
});
