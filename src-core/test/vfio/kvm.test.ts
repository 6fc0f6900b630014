import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/simulate.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { INTEL_GROUPS, intelHost, oneVm } from './fixtures.js';
import { run } from './helpers.js';

describe('KVM-BOX-01 matrix', () => {
  it('≤ 5.18 Intel, all DMARs SC: boxes 1/2, KVM coherent, WBINVD nop', () => {
    const h = intelHost('5.18');
    h.iommus[1].snoopControl = true;
    const r = run(oneVm(h, ['gpu', 'audio']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').box).toBe(1);
    expect(r.outcome('vm1', 'audio').box).toBe(2);
    expect(r.vm('vm1')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'nop' });
  });
  it('≤ 5.18 Intel, any DMAR non-SC: no domain blocks NS; KVM noncoherent (container-wide), WBINVD emulated', () => {
    const r = run(oneVm(intelHost('5.18'), ['gpu', 'audio']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').box).toBe(3);
    expect(r.outcome('vm1', 'audio').box).toBe(4);
    expect(r.vm('vm1')).toMatchObject({ kvmNoncoherent: true, wbinvd: 'emulated' });
    expect(r.outcome('vm1', 'gpu').codes).toContain('KVM003');
    expect(r.codes()).not.toContain('KVM001');
    // the message says why, naming the unit that makes the global rule fail (gpu itself is behind dmar0, which has SC)
    expect(r.find('KVM003', 'gpu')!.message).toBe('gpu (0000:65:00.0) in VM vm1: no-snoop not blocked (up to 5.18 no VT-d domain gets IOMMU_CACHE while dmar1 lacks snoop control); KVM emulates WBINVD (box 3)');
    expect(r.find('KVM003', 'gpu')!.explanation).toContain('not every VT-d unit has snoop control or scalable mode (dmar1 has neither)');
  });
  it('≥ 5.19 Intel behind SC: boxes 1/2 safe; behind non-SC: 3 safe with kvm-vfio', () => {
    const r = run(oneVm(intelHost('5.19'), ['gpu', 'audio', 'nic']), INTEL_GROUPS);
    expect([r.outcome('vm1', 'gpu').box, r.outcome('vm1', 'audio').box, r.outcome('vm1', 'nic').box]).toEqual([1, 2, 3]);
    expect(r.vm('vm1').kvmNoncoherent).toBe(true);
    expect(r.find('KVM003', 'nic')!.severity).toBe('info');
    expect(r.find('KVM003', 'nic')!.message).toBe('nic (0000:66:00.0) in VM vm1: no-snoop not blocked (dmar1 has no snoop control); KVM emulates WBINVD (box 3)');
    expect(r.find('KVM003', 'gpu')).toBeUndefined();
  });
  it('AMD v1: safe; AMD v2: box 3 reported coherent → KVM002', () => {
    const mk = (pg: 'v1' | 'v2') =>
      run(topo([host('a', '6.14', [iommu('i', 'amd-vi', { pgtable: pg })], [dev('x', 'endpoint', '01:00.0', { driver: 'vfio-pci', noSnoop: true })])], [vm('v', 'a', ['x'])]), { a: [['x']] });
    const v1 = mk('v1');
    expect(v1.outcome('v', 'x').box).toBe(1);
    expect(v1.codes().filter((c) => c.startsWith('KVM'))).toEqual([]);
    const v2 = mk('v2');
    expect(v2.outcome('v', 'x')).toMatchObject({ box: 3, domainEnforced: true });
    expect(v2.vm('v')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'nop' });
    expect(v2.find('KVM002', 'x')!.fixes).toEqual([{ kind: 'set-iommu-property', iommuId: 'i', property: 'pgtable', value: 'v1' }]);
  });
  it('AMD pgtable v2 before 6.14: VFIO domains are v1 whatever the unit uses (f9b80f941e0e) → no KVM002; from 6.14 KVM002', () => {
    const mk = (k: string) =>
      run(topo([host('a', k, [iommu('i', 'amd-vi', { pgtable: 'v2' })], [dev('x', 'endpoint', '01:00.0', { driver: 'vfio-pci', noSnoop: true })])], [vm('v', 'a', ['x'])]), { a: [['x']] });
    for (const k of ['5.15', '5.18', '5.19', '6.1', '6.6', '6.13']) {
      const r = mk(k);
      expect(r.outcome('v', 'x').box, k).toBe(1);
      expect(r.codes().filter((c) => c.startsWith('KVM')), k).toEqual([]);
    }
    expect(mk('6.14').find('KVM002', 'x')).toBeDefined();
  });
  it('AMD v2 from the command line (amd_iommu=pgtbl_v2, no pgtable line, ≥ 6.14): KVM002, and the fix changes the command line', () => {
    const mk = (cmdline: string, kernel = '6.14') =>
      simulate(topo([host('a', kernel, [iommu('i', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir' })], [dev('x', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci', noSnoop: true })], { cmdline })], [vm('v', 'a', ['x'])]));
    const f = mk('quiet amd_iommu=pgtbl_v2,force_isolation -- single').findings.find((x) => x.code === 'KVM002')!;
    expect(f.fixes).toEqual([{ kind: 'set-cmdline', hostId: 'a', cmdline: 'quiet amd_iommu=pgtbl_v1,force_isolation -- single', removed: 'amd_iommu=pgtbl_v2', added: 'amd_iommu=pgtbl_v1' }]);
    const fixed = (f.fixes![0] as { cmdline: string }).cmdline;
    expect(mk(fixed).findings.map((x) => x.code)).not.toContain('KVM002');
    // before 6.14 VFIO domains are v1 whatever the command line says
    for (const k of ['5.15', '6.8', '6.12']) expect(mk('amd_iommu=pgtbl_v2', k).findings.map((x) => x.code), k).not.toContain('KVM002');
  });
  it('amd_iommu=pgtbl_v2 on a host without a kernel line follows the defaultKernel option (--default-kernel)', () => {
    const t = topo([host('a', '6.14', [iommu('i', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir' })], [dev('x', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci', noSnoop: true })], { cmdline: 'amd_iommu=pgtbl_v2', kernel: undefined })], [vm('v', 'a', ['x'])]);
    expect(simulate(t, { defaultKernel: { major: 6, minor: 14 } }).findings.map((x) => x.code)).toContain('KVM002');
    expect(simulate(t, { defaultKernel: { major: 6, minor: 12 } }).findings.map((x) => x.code)).not.toContain('KVM002');
  });
  it('no kvm-vfio: box 3 → KVM001 (silent corruption); box 4 fine', () => {
    const r = run(oneVm(intelHost('6.12'), ['nic'], { kvmVfio: false }), INTEL_GROUPS);
    expect(r.vm('vm1')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'nop' });
    const f = r.find('KVM001', 'nic')!;
    expect(f.severity).toBe('error');
    expect(f.fixes).toEqual([{ kind: 'add-kvm-vfio', vmId: 'vm1' }]);
    expect(f.related).toContainEqual({ id: 'dmar1', message: 'VT-d unit dmar1 has no snoop control (ECAP.SC=0)' });
    const quiet = run(oneVm(intelHost('6.12'), ['nic'], { kvmVfio: false, guestNoSnoop: false }), INTEL_GROUPS);
    expect(quiet.outcome('vm1', 'nic').box).toBe(4);
    expect(quiet.codes()).not.toContain('KVM001');
  });
  it('unknown noSnoop is treated as "may use" (box 3 / 1)', () => {
    const h = intelHost('6.12');
    for (const d of h.devices) delete d.noSnoop;
    const r = run(oneVm(h, ['gpu', 'audio', 'nic'], { kvmVfio: false }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'audio').box).toBe(1);
    expect(r.outcome('vm1', 'nic').box).toBe(3);
    expect(r.find('KVM001', 'nic')!.explanation).toMatch(/assumes the guest may use it/);
  });
  it('guestNoSnoop overrides the device bit', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio'], { guestNoSnoop: true }), INTEL_GROUPS);
    expect(r.outcome('vm1', 'audio').box).toBe(1);
  });
  it('arm64: no hook → KVM005; wbinvd not applicable; CANWBS (6.13) blocks NS', () => {
    const mk = (k: string) =>
      run(topo([host('a', k, [iommu('s', 'arm-smmu-v3', { coherent: true, canwbs: true, msi: 'gicv3-its' })], [dev('x', 'endpoint', '01:00.0', { driver: 'vfio-pci', noSnoop: true, dmaCoherent: true })], { arch: 'arm64' })], [vm('v', 'a', ['x'])]), { a: [['x']] });
    const old = mk('6.12');
    expect(old.vm('v')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'not-applicable' });
    expect(old.outcome('v', 'x').box).toBe(3);
    expect(old.find('KVM005', 'x')!.severity).toBe('warning');
    expect(old.codes()).not.toContain('KVM001');
    const neu = mk('6.13');
    expect(neu.outcome('v', 'x')).toMatchObject({ box: 1, domainEnforced: true });
    expect(neu.codes()).not.toContain('KVM005');
  });
});

describe('KVM-VFIO-02: what "noncoherent" means per version', () => {
  it('5.19–6.1: container-wide enforce; ≥ 6.2: per-device static cap', () => {
    for (const k of ['6.1', '6.2']) {
      const r = run(oneVm(intelHost(k), ['gpu', 'audio']), INTEL_GROUPS);
      expect(r.vm('vm1').kvmNoncoherent).toBe(false);
    }
    const both = run(oneVm(intelHost('6.2'), ['gpu', 'audio', 'nic']), INTEL_GROUPS);
    expect(both.vm('vm1').kvmNoncoherent).toBe(true);
  });
  it('no kvm-vfio → never noncoherent', () => {
    expect(run(oneVm(intelHost('5.19'), ['nic'], { kvmVfio: false }), INTEL_GROUPS).vm('vm1').kvmNoncoherent).toBe(false);
  });
  it('KVM003 wording: guest MTRR ≤ 6.10 vs guest PAT ≥ 6.11', () => {
    expect(run(oneVm(intelHost('6.10'), ['nic']), INTEL_GROUPS).find('KVM003', 'nic')!.explanation).toMatch(/guest MTRRs/);
    expect(run(oneVm(intelHost('6.11'), ['nic']), INTEL_GROUPS).find('KVM003', 'nic')!.explanation).toMatch(/guest PAT decides/);
  });
  it('failed devices get no box', () => {
    const r = run(oneVm(intelHost('6.12', {}, false), ['nic']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic').box).toBeUndefined();
  });
});

describe('KVER000', () => {
  it('host without kernel and no default → warning listing the assumption', () => {
    const h = intelHost('6.12');
    delete h.kernel;
    const r = run(oneVm(h, ['gpu', 'audio']), INTEL_GROUPS);
    const f = r.find('KVER000', 'h')!;
    expect(f.message).toContain('assuming 6.12');
    expect(f.explanation).toMatch(/VFIO-GRP-05/);
    expect(r.outcome('vm1', 'gpu').ok).toBe(true);
  });
  it('not with a defaultKernel option', () => {
    const h = intelHost('6.12');
    delete h.kernel;
    const r = run(oneVm(h, ['gpu', 'audio']), INTEL_GROUPS, { defaultKernel: { major: 5, minor: 15 } });
    expect(r.find('KVER000')).toBeUndefined();
    expect(r.outcome('vm1', 'gpu').domain).toBe('domain#1 (no IOMMU_CACHE)');
  });
});

describe('end to end through simulate()', () => {
  it('computes groups, caps, VM outcomes and VFIO findings', () => {
    const h = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: false, interruptRemapping: false })], [
      dev('rp', 'root-port', '00:01.0', { driver: 'pcieport', acs: { cap: 0x1f, ctl: 0x1d } }),
      dev('nic', 'endpoint', '01:00.0', { parentId: 'rp', driver: 'ixgbe', noSnoop: true, acs: null }),
    ]);
    const res = simulate(topo([h], [vm('v', 'h', ['nic'], { kvmVfio: false })]));
    expect(res.hosts.get('h')!.grouping.groupOf.get('nic')).toBeDefined();
    const o = res.vms.get('v')!.attach[0];
    expect(o).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_SET_IOMMU' });
    const codes = res.findings.filter((f) => f.elementId === 'nic').map((f) => f.code);
    expect(codes).toContain('IR001');
    expect(codes).toContain('VIA004');
    expect(res.findings.some((f) => f.code === 'INT001')).toBe(false);
  });
  it('a healthy assignment produces no VFIO errors', () => {
    const h = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: true })], [
      dev('rp', 'root-port', '00:01.0', { driver: 'pcieport', acs: { cap: 0x1f, ctl: 0x1d } }),
      dev('nic', 'endpoint', '01:00.0', { parentId: 'rp', driver: 'vfio-pci', noSnoop: true, acs: null }),
    ]);
    const res = simulate(topo([h], [vm('v', 'h', ['nic'])]));
    expect(res.vms.get('v')!.attach[0]).toMatchObject({ ok: true, box: 1, domainEnforced: true });
    expect(res.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('KVM006: kvm-vfio assumed for an unknown VMM', () => {
  it('box 3 in a VM whose kvm-vfio device is only assumed: a warning that names the KVM001 it would be', () => {
    // nic is behind dmar1 (no snoop control) and uses no-snoop: box 3 on 6.12
    const mk = (extra: Parameters<typeof vm>[3]) => oneVm(intelHost('6.12'), ['gpu', 'audio', 'nic'], extra);
    const r = run(mk({ vmm: 'custom-vmm', kvmVfioFrom: 'assumed' }), INTEL_GROUPS);
    const f = r.find('KVM006', 'nic')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toBe('nic (0000:66:00.0) in VM vm1: kvm-vfio assumed (vmm custom-vmm, no kvm-vfio line); without it this no-snoop device is KVM001 (silent corruption)');
    // devices whose domain blocks no-snoop do not depend on it
    expect(r.find('KVM006', 'gpu')).toBeUndefined();
    // the simulation itself keeps the assumption: KVM told noncoherent, KVM003 as with a stated kvm-vfio
    expect(r.vm('vm1').kvmNoncoherent).toBe(true);
    // stated (or a VMM known to create it): no warning
    expect(run(mk({ vmm: 'custom-vmm' }), INTEL_GROUPS).codes()).not.toContain('KVM006');
    expect(run(mk({ vmm: 'qemu', kvmVfioFrom: 'vmm' }), INTEL_GROUPS).codes()).not.toContain('KVM006');
    // stated no: KVM001 itself
    expect(run(mk({ vmm: 'custom-vmm', kvmVfio: false }), INTEL_GROUPS).find('KVM001', 'nic')).toBeDefined();
  });
  it('kvmVfioDefault: qemu, cloud-hypervisor and crosvm create it; anything else is assumed', async () => {
    const { kvmVfioDefault } = await import('../../src/vm/vmm.js');
    for (const v of ['qemu', 'QEMU', 'cloud-hypervisor', 'crosvm', 'libvirt']) expect(kvmVfioDefault(v), v).toEqual({ kvmVfio: true, from: 'vmm' });
    for (const v of ['custom-vmm', 'firecracker', undefined]) expect(kvmVfioDefault(v), String(v)).toEqual({ kvmVfio: true, from: 'assumed' });
  });
});

describe('KVER002: kernel outside the modelled releases', () => {
  const h = (k: string) => topo([host('h', k, [], [])]);
  it('older than 5.15 or newer than 7.2, by mainline release; nothing inside the range', () => {
    const f = (k: string) => simulate(h(k)).findings.filter((x) => x.code === 'KVER002');
    expect(f('3.10')[0]).toMatchObject({ severity: 'info', message: 'host h: kernel 3.10 is older than the modelled releases (5.15–7.2); answers follow 5.15' });
    expect(f('7.5')[0].message).toBe('host h: kernel 7.5 is newer than the modelled releases (5.15–7.2); answers follow 7.2');
    for (const k of ['5.15', '5.15.0', '6.12', '7.2', '7.2.13']) expect(f(k), k).toEqual([]);
  });
  it('reads the effective kernel: no declared kernel and a defaultKernel option outside the range', () => {
    const t = topo([{ ...host('h', '6.12', [], []), kernel: undefined }]);
    const f = (o: Parameters<typeof simulate>[1]) => simulate(t, o).findings.filter((x) => x.code === 'KVER002');
    expect(f({ defaultKernel: { major: 5, minor: 4 } })[0]).toMatchObject({ severity: 'info', message: 'host h: default kernel 5.4 is older than the modelled releases (5.15–7.2); answers follow 5.15' });
    expect(f({ defaultKernel: { major: 6, minor: 12 } })).toEqual([]);
    expect(f({})).toEqual([]); // KVER000 reports the assumed 6.12
    // a declared kernel wins over the option, as in the simulation
    expect(simulate(h('5.4'), { defaultKernel: { major: 6, minor: 12 } }).findings.filter((x) => x.code === 'KVER002')).toHaveLength(1);
  });
});

describe('KVM007: kvm-vfio ADD before VFIO_GROUP_SET_CONTAINER (KVM-VFIO-01/02)', () => {
  const before = { kvmVfioAddBeforeContainer: true, vmm: 'custom' };
  it('5.19–6.1: the last group added has no container and counts coherent; earlier enforcing domains keep KVM coherent → KVM007 on the box-3 device', () => {
    const r = run(oneVm(intelHost('6.1'), ['gpu', 'nic'], before), INTEL_GROUPS);
    expect(r.outcome('vm1', 'nic').box).toBe(3);
    expect(r.vm('vm1')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'nop' });
    expect(r.outcome('vm1', 'nic').codes).toContain('KVM007');
    expect(r.codes()).not.toContain('KVM003');
    const f = r.find('KVM007', 'nic')!;
    expect(f.severity).toBe('error');
    expect(f.explanation).toContain('a group file without a container counts as coherent');
    expect(f.fixes).toEqual([{ kind: 'set-kvm-vfio-add', vmId: 'vm1', order: 'after-container' }]);
    // the same devices added after their containers: container-wide noncoherent, WBINVD emulated (KVM003, safe)
    const after = run(oneVm(intelHost('6.1'), ['gpu', 'nic']), INTEL_GROUPS);
    expect(after.vm('vm1')).toMatchObject({ kvmNoncoherent: true, wbinvd: 'emulated' });
    expect(after.codes()).not.toContain('KVM007');
  });
  it('5.19–6.1: a non-enforcing domain added before the last group makes the VM noncoherent, so the order is harmless', () => {
    const r = run(oneVm(intelHost('6.1'), ['nic', 'gpu'], before), INTEL_GROUPS);
    expect(r.vm('vm1')).toMatchObject({ kvmNoncoherent: true, wbinvd: 'emulated' });
    expect(r.codes()).not.toContain('KVM007');
    expect(r.outcome('vm1', 'nic').codes).toContain('KVM003');
  });
  it('≤ 5.18: every ADD fails with -EINVAL, KVM holds no group → KVM007 even for one group; ≥ 6.2 the order does not matter', () => {
    const old = run(oneVm(intelHost('5.15'), ['nic'], before), INTEL_GROUPS);
    expect(old.vm('vm1')).toMatchObject({ kvmNoncoherent: false, wbinvd: 'nop' });
    const f = old.find('KVM007', 'nic')!;
    expect(f.outcome?.step).toBe('KVM_DEV_VFIO_GROUP_ADD (-EINVAL)');
    expect(f.explanation).toContain('fails with -EINVAL');
    const single = run(oneVm(intelHost('6.1'), ['nic'], before), INTEL_GROUPS);
    expect(single.codes()).toContain('KVM007');
    const fixed = run(oneVm(intelHost('6.2'), ['gpu', 'nic'], before), INTEL_GROUPS);
    expect(fixed.codes()).not.toContain('KVM007');
    expect(fixed.vm('vm1').kvmNoncoherent).toBe(true);
    // iommufd backends pass no group container through this path
    const cdev = run(oneVm(intelHost('6.1'), ['nic'], { ...before, backend: 'iommufd-compat' }), INTEL_GROUPS);
    expect(cdev.codes()).not.toContain('KVM007');
  });
});

describe("a device that joins the group of a bridge behind another unit keeps its own unit's caps (GRP-EDGE-01)", () => {
  // The endpoint is translated by dmar1/ivhd1 but joins rp's group (rp has no ACS), whose unit is dmar0/ivhd0.
  // The kernel asks the device's own unit (device_iommu_capable; Intel domain_support_force_snooping walks every
  // attached device's unit), so the group's first unit must not lend its snoop control or IR to the endpoint.
  const mixed = (driver: 'intel-vtd' | 'amd-vi', groupUnit: Partial<Parameters<typeof iommu>[2]>, ownUnit: Partial<Parameters<typeof iommu>[2]>) =>
    host('h', '6.12', [iommu('u0', driver, groupUnit), iommu('u1', driver, ownUnit)], [
      dev('rp', 'root-port', '00:01.0', { driver: 'pcieport', iommuId: 'u0', acs: null }),
      dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', iommuId: 'u1', driver: 'vfio-pci', noSnoop: true, acs: null }),
    ]);
  it('snoop control on the group unit only: not enforced, KVM001 without kvm-vfio', () => {
    const h = mixed('intel-vtd', { snoopControl: true, interruptRemapping: true, msi: 'x86-ir' }, { snoopControl: false, interruptRemapping: true, msi: 'x86-ir' });
    const res = simulate(topo([h], [vm('v', 'h', ['ep'], { kvmVfio: false })]));
    expect(res.hosts.get('h')!.grouping.groupOf.get('ep')!.deviceIds).toEqual(['rp', 'ep']);
    expect(res.hosts.get('h')!.caps.get('ep')).toMatchObject({ iommuId: 'u1', enforceCoherency: false });
    expect(res.hosts.get('h')!.caps.get('rp')).toMatchObject({ iommuId: 'u0', enforceCoherency: true });
    expect(res.vms.get('v')!.attach[0]).toMatchObject({ ok: true, domainEnforced: false });
    expect(res.findings.filter((f) => f.elementId === 'ep').map((f) => f.code)).toContain('KVM001');
  });
  it('the same host with snoop control on both units is enforced and has no KVM001', () => {
    const u = { snoopControl: true, interruptRemapping: true, msi: 'x86-ir' as const };
    const res = simulate(topo([mixed('intel-vtd', u, u)], [vm('v', 'h', ['ep'], { kvmVfio: false })]));
    expect(res.vms.get('v')!.attach[0]).toMatchObject({ ok: true, domainEnforced: true });
    expect(res.findings.map((f) => f.code)).not.toContain('KVM001');
  });
  it('IR on the group unit only (AMD, 6.12): the endpoint has no isolated MSI, IR001', () => {
    const h = mixed('amd-vi', { interruptRemapping: true, msi: 'x86-ir' }, { interruptRemapping: false, msi: 'x86-vector' });
    const res = simulate(topo([h], [vm('v', 'h', ['ep'])]));
    expect(res.hosts.get('h')!.caps.get('ep')).toMatchObject({ iommuId: 'u1', isolatedMsi: false });
    expect(res.vms.get('v')!.attach[0]).toMatchObject({ ok: false, errno: 'EPERM' });
    expect(res.findings.filter((f) => f.elementId === 'ep').map((f) => f.code)).toContain('IR001');
  });
});
