import { describe, expect, it } from 'vitest';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { INTEL_GROUPS, intelHost, oneVm } from './fixtures.js';
import { run } from './helpers.js';
import { simulate } from '../../src/simulate.js';

const TYPE1_MSG =
  'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform';

describe('type1: interrupt remapping (VFIO-IR-01/02)', () => {
  it('IR off → EPERM at VFIO_SET_IOMMU with the exact pr_warn, IR001 with both fixes', () => {
    const r = run(oneVm(intelHost('6.12', {}, false), ['gpu', 'audio', 'nic']), INTEL_GROUPS);
    const o = r.outcome('vm1', 'gpu');
    expect(o).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_SET_IOMMU', kernelMessage: TYPE1_MSG });
    expect(r.outcome('vm1', 'nic').step).toBe('VFIO_SET_IOMMU');
    const f = r.find('IR001', 'gpu')!;
    expect(f.severity).toBe('error');
    expect(f.message).toContain('gpu (0000:65:00.0)');
    expect(f.message).toContain('-EPERM at VFIO_SET_IOMMU');
    expect(f.outcome).toEqual({ errno: 'EPERM', step: 'VFIO_SET_IOMMU', kernelMessage: TYPE1_MSG });
    expect(f.related[0]).toMatchObject({ id: 'dmar0' });
    expect(f.fixes).toContainEqual({ kind: 'set-iommu-property', iommuId: 'dmar0', property: 'interruptRemapping', value: 'true' });
    expect(f.fixes!.find((x) => x.kind === 'set-param')).toMatchObject({ param: 'vfio_iommu_type1.allow_unsafe_interrupts', value: '1' });
    expect((f.fixes!.find((x) => x.kind === 'set-param') as { warning?: string }).warning).toMatch(/inject interrupts/);
  });

  it('AMD: the second group fails at VFIO_GROUP_SET_CONTAINER once the IOMMU is set (IR per unit)', () => {
    const h = intelHost('6.12');
    for (const u of h.iommus) u.driver = 'amd-vi';
    h.iommus[1].interruptRemapping = false;
    const r = run(oneVm(h, ['gpu', 'nic']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').ok).toBe(true);
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_SET_CONTAINER' });
  });

  it('Intel: one DRHD without IR leaves the host without it, so the first group already fails (CAP-IR-01)', () => {
    const h = intelHost('6.12');
    h.iommus[1].interruptRemapping = false;
    const r = run(oneVm(h, ['gpu', 'nic']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_SET_IOMMU' });
    const f = r.find('IR001', 'gpu')!;
    expect(f.related.find((x) => x.id === h.iommus[0].id)?.message).toMatch(/has interrupt remapping, but the host has none.*every DRHD or none/);
    expect(f.related.find((x) => x.id === h.iommus[1].id)?.message).toMatch(/leaves every Intel unit of the host without it/);
    // the quick fix turns IR on where it is missing, not on the gpu's own unit, which has it
    expect(f.fixes).toContainEqual({ kind: 'set-iommu-property', iommuId: h.iommus[1].id, property: 'interruptRemapping', value: 'true' });
    expect(f.fixes).not.toContainEqual(expect.objectContaining({ kind: 'set-iommu-property', iommuId: h.iommus[0].id }));
  });

  it('IR turned off by intremap=off / nointremap on the command line: the fix removes them, not a unit property (CAP-IR-01)', () => {
    // simulate(), not run(): the command line is applied to the host before the rules read it
    const find = (cmdline: string, code = 'IR001', backend: 'vfio-type1' | 'iommufd-cdev' = 'vfio-type1') =>
      simulate(oneVm(intelHost('6.12', { cmdline }), ['gpu'], { backend })).findings.find((x) => x.code === code && x.elementId === 'gpu');
    const f = find('quiet nointremap intremap=off,nosid intel_iommu=on -- single')!;
    expect(f.fixes![0]).toEqual({ kind: 'set-cmdline', hostId: 'h', cmdline: 'quiet intremap=nosid intel_iommu=on -- single', removed: 'nointremap, intremap=off' });
    // both units have IR in hardware: no unit property fix (the file already says so; the server could express none)
    expect(f.fixes!.filter((x) => x.kind === 'set-iommu-property')).toEqual([]);
    expect(f.fixes!.at(-1)).toMatchObject({ kind: 'set-param', param: 'vfio_iommu_type1.allow_unsafe_interrupts' });
    // the fixed command line clears IR001; a later intremap=on undoes an earlier off
    expect(find('quiet intremap=nosid intel_iommu=on -- single')).toBeUndefined();
    expect(find('intremap=off intremap=on')).toBeUndefined();
    // a unit without IR in hardware as well (as the file states it): removing the option alone would leave IR off, so
    // the first fix is both at once, the command line and that unit (not dmar0, which has IR), as one all-of fix
    const h = intelHost('6.12', { cmdline: 'intremap=off' });
    h.iommus[1].interruptRemapping = false;
    const ir001 = (x: typeof h) => simulate(oneVm(x, ['gpu'])).findings.find((y) => y.code === 'IR001')!.fixes!;
    expect(ir001(h)[0]).toEqual({
      kind: 'all-of',
      fixes: [
        { kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'intremap=off' },
        { kind: 'set-iommu-property', iommuId: 'dmar1', property: 'interruptRemapping', value: 'true' },
      ],
    });
    expect(ir001(h).filter((x) => x.kind === 'set-cmdline' || x.kind === 'set-iommu-property')).toEqual([]);
    // with the command line fixed, the unit alone
    expect(ir001({ ...h, cmdline: '' })[0]).toEqual({ kind: 'set-iommu-property', iommuId: 'dmar1', property: 'interruptRemapping', value: 'true' });
    // AMD: its one unit, the same way
    const amd = intelHost('6.12', { cmdline: 'intremap=off' });
    for (const u of amd.iommus) u.driver = 'amd-vi';
    expect(ir001(amd)[0]).toEqual({ kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'intremap=off' });
    amd.iommus[0].interruptRemapping = false;
    expect(ir001(amd)[0]).toEqual({
      kind: 'all-of',
      fixes: [
        { kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'intremap=off' },
        { kind: 'set-iommu-property', iommuId: 'dmar0', property: 'interruptRemapping', value: 'true' },
      ],
    });
    // iommufd (IR003) gets the same fix
    expect(find('intremap=off', 'IR003', 'iommufd-cdev')!.fixes![0]).toEqual({ kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'intremap=off' });
  });

  it.each(['1', 'Y', 'y', 'true', 'on'])('allow_unsafe_interrupts=%s bypasses silently (IR002)', (val) => {
    const r = run(oneVm(intelHost('6.12', { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': val } }, false), ['gpu', 'audio']), INTEL_GROUPS);
    const o = r.outcome('vm1', 'gpu');
    expect(o.ok).toBe(true);
    expect(o.kernelMessage).toBeUndefined();
    expect(o.codes).toContain('IR002');
    expect(r.find('IR002', 'gpu')!.message).toContain('vfio_iommu_type1.allow_unsafe_interrupts');
    expect(r.find('IR001')).toBeUndefined();
  });

  it.each(['0', 'N', 'off'])('allow_unsafe_interrupts=%s does not bypass', (val) => {
    const r = run(oneVm(intelHost('6.12', { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': val } }, false), ['gpu', 'audio']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').errno).toBe('EPERM');
  });

  it('the iommufd param does not help type1', () => {
    const r = run(oneVm(intelHost('6.12', { params: { 'iommufd.allow_unsafe_interrupts': '1' } }, false), ['gpu', 'audio']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').errno).toBe('EPERM');
  });

  it('6.2 vs 6.3: a GICv2m elsewhere breaks the global check only ≤ 6.2', () => {
    const mk = (k: string) =>
      host('a', k, [iommu('s0', 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' }), iommu('s1', 'arm-smmu-v3', { coherent: true, msi: 'gicv2m' })], [
        dev('ep', 'endpoint', '01:00.0', { iommuId: 's0', driver: 'vfio-pci', noSnoop: false, dmaCoherent: true }),
      ], { arch: 'arm64' });
    const t = (k: string) => topo([mk(k)], [vm('v', 'a', ['ep'])]);
    expect(run(t('6.2'), { a: [['ep']] }).outcome('v', 'ep')).toMatchObject({ ok: false, errno: 'EPERM' });
    expect(run(t('6.3'), { a: [['ep']] }).outcome('v', 'ep').ok).toBe(true);
    // IR001's related units: the device's own ITS is not blamed; the GICv2m is
    expect(run(t('6.2'), { a: [['ep']] }).find('IR001', 'ep')!.related).toEqual([
      { id: 's0', message: 'SMMUv3 s0: its MSI controller gicv3-its sets IRQ_DOMAIN_FLAG_MSI_REMAP, but before 6.3 the check is global (irq_domain_check_msi_remap), and another MSI domain of the host lacks it' },
      { id: 's1', message: 'SMMUv3 s1 uses MSI controller gicv2m without IRQ_DOMAIN_FLAG_MSI_REMAP, so the global irq_domain_check_msi_remap() is false' },
    ]);
  });
});

describe('type1: DMA ownership and viability (VFIO-GRP-03/05)', () => {
  it('5.19: a member bound to a host DMA driver → EPERM at VFIO_GROUP_SET_CONTAINER (VIA001)', () => {
    const h = intelHost('5.19');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(oneVm(h, ['gpu']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_SET_CONTAINER' });
    const f = r.find('VIA001', 'gpu')!;
    expect(f.message).toContain('audio (0000:65:00.1) bound to snd_hda_intel');
    expect(f.related).toContainEqual({ id: 'audio', message: 'same iommu_group, bound to host driver snd_hda_intel' });
    expect(f.fixes).toContainEqual({ kind: 'assign-devices', vmId: 'vm1', deviceIds: ['audio'] });
    expect(f.fixes).toContainEqual({ kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' });
    expect(f.fixes).toContainEqual({ kind: 'set-driver', deviceId: 'audio', driver: null });
  });

  it('5.18: the same group is non-viable → EINVAL at VFIO_GROUP_GET_DEVICE_FD', () => {
    const h = intelHost('5.18');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(oneVm(h, ['gpu']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'VFIO_GROUP_GET_DEVICE_FD' });
    expect(r.find('VIA001', 'gpu')!.explanation).toMatch(/viable/);
  });

  it('bridge with shpchp: fine in 5.18 (any driver), EPERM in 5.19; pcieport / pci-stub / no driver fine', () => {
    const mk = (k: string, drv: string | null) => {
      const h = intelHost(k);
      h.devices.find((d) => d.id === 'rp')!.driver = drv;
      return run(oneVm(h, ['ssd']), { h: [['gpu', 'audio'], ['nic'], ['rp', 'ssd']] }).outcome('vm1', 'ssd');
    };
    expect(mk('5.18', 'shpchp').ok).toBe(true);
    expect(mk('5.19', 'shpchp')).toMatchObject({ ok: false, errno: 'EPERM' });
    expect(mk('5.19', 'pcieport').ok).toBe(true);
    expect(mk('5.19', null).ok).toBe(true);
    expect(mk('5.19', 'pci-stub').ok).toBe(true);
  });

  it('assigning the whole group avoids VIA001', () => {
    const h = intelHost('6.12');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(oneVm(h, ['gpu', 'audio']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').ok).toBe(true);
    expect(r.find('VIA001')).toBeUndefined();
    expect(r.find('VIA004', 'audio')!.fixes).toEqual([{ kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' }]);
    expect(r.find('VIA004', 'gpu')).toBeUndefined();
  });
});

describe('type1: probe refusals (VFIO-PCI-01, VFIO-CC-01)', () => {
  it('bridge → EINVAL with the vfio-pci probe message (VIA003)', () => {
    const r = run(oneVm(intelHost('6.12'), ['rp']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'rp')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'vfio-pci probe', kernelMessage: 'vfio-pci: probe of 0000:00:1c.0 failed with error -22' });
    expect(r.find('VIA003', 'rp')!.message).toContain('rp (0000:00:1c.0)');
  });
  it('virtio-iommu on 5.19 → CC001 -22 with a set-kernel 6.0 fix; 6.0 fine; 5.18 no check', () => {
    const mk = (k: string) =>
      topo([host('g', k, [iommu('vi', 'virtio-iommu')], [dev('ep', 'endpoint', '00:03.0', { driver: 'vfio-pci', noSnoop: false })], { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': '1' } })], [vm('v', 'g', ['ep'])]);
    const r = run(mk('5.19'), { g: [['ep']] });
    expect(r.outcome('v', 'ep')).toMatchObject({ ok: false, errno: 'EINVAL', kernelMessage: 'vfio-pci: probe of 0000:00:03.0 failed with error -22' });
    const f = r.find('CC001', 'ep')!;
    expect(f.fixes).toEqual([{ kind: 'set-kernel', hostId: 'g', version: '6.0' }]);
    expect(f.related[0].message).toMatch(/no `capable` op before 6.0/);
    expect(run(mk('6.0'), { g: [['ep']] }).outcome('v', 'ep').ok).toBe(true);
    expect(run(mk('5.18'), { g: [['ep']] }).outcome('v', 'ep').ok).toBe(true);
  });
  it('a device with no iommu_group → VIA005', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu']), { h: [] });
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: false, errno: 'EINVAL', step: 'vfio-pci probe' });
    expect(r.find('VIA005', 'gpu')).toBeDefined();
  });
  it('VIA005 with several units and none declared: one fix per active unit, on the root port', () => {
    const units = [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', snoopControl: true }), iommu('dmar1', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', snoopControl: true }), iommu('off', 'none')];
    const mk = (rp: Partial<Parameters<typeof dev>[3]> = {}) =>
      topo([host('h', '6.12', units, [dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d }, ...rp }), dev('gpu', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' })])], [vm('v', 'h', ['gpu'])]);
    const f = simulate(mk()).findings.find((x) => x.code === 'VIA005')!;
    expect(f.fixes).toEqual([{ kind: 'set-device-iommu', deviceId: 'rp', iommuId: 'dmar0' }, { kind: 'set-device-iommu', deviceId: 'rp', iommuId: 'dmar1' }]);
    // the fix applied: translated, attached
    expect(simulate(mk({ iommuId: 'dmar1' })).findings.map((x) => x.code)).not.toContain('VIA005');
    // below a host bridge: the fix goes on the root port, not on the bridge (that would move its other devices too)
    const hb = topo([host('h', '6.12', units, [dev('hb', 'host-bridge', '0000:00:00.0'), dev('rp', 'root-port', '0000:00:01.0', { parentId: 'hb', acs: { cap: 0x1d, ctl: 0x1d } }), dev('gpu', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' })])], [vm('v', 'h', ['gpu'])]);
    expect(simulate(hb).findings.find((x) => x.code === 'VIA005')!.fixes!.map((x) => (x as { deviceId: string }).deviceId)).toEqual(['rp', 'rp']);
    // a unit declared but off: no such fix (the unit is known; BOOT001 or the topology says why)
    expect(simulate(mk({ iommuId: 'off' })).findings.find((x) => x.code === 'VIA005')!.fixes).toBeUndefined();
  });
  it('VIA005 says why the device is untranslated: no unit, several units, a unit with driver none, or turned off on the command line', () => {
    const units = (...drivers: Parameters<typeof iommu>[1][]) => drivers.map((d, i) => iommu(`dmar${i}`, d, { interruptRemapping: true, msi: 'x86-ir', snoopControl: true }));
    const mk = (us: ReturnType<typeof units>, gpu: Partial<Parameters<typeof dev>[3]> = {}, cmdline?: string) =>
      topo([host('h', '6.12', us, [dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }), dev('gpu', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci', ...gpu })], cmdline === undefined ? {} : { cmdline })], [vm('v', 'h', ['gpu'])]);
    const why = (t: ReturnType<typeof mk>) => simulate(t).findings.find((x) => x.code === 'VIA005')!.explanation;
    expect(why(mk(units('intel-vtd', 'intel-vtd')))).toContain('the host has 2 active units, none declared for it (the model cannot tell which one translates it), so `iommu_group_get` returns NULL');
    expect(why(mk(units('none')))).toContain('the host has no active IOMMU unit,');
    expect(why(mk(units('intel-vtd', 'none'), { iommuId: 'dmar1' }))).toContain('its IOMMU dmar1 has driver `none` in the topology: no IOMMU driver creates iommu_groups for it, so');
    // the command line turns the declared unit off: named, with the option
    expect(why(mk(units('intel-vtd'), { iommuId: 'dmar0' }, 'intel_iommu=off'))).toContain('its IOMMU dmar0 is turned off by `intel_iommu=off` on the kernel command line (BOOT001)');
    // the only unit, not declared on the device, turned off: the option is named too
    expect(why(mk(units('intel-vtd'), {}, 'quiet intel_iommu=off'))).toMatch(/no active IOMMU unit \(`intel_iommu=off` on the kernel command line turns translation off, BOOT001\)/);
    // an `iommu` that names no unit of the host (only the core API can say so; the DSL holds such a host back)
    expect(why(mk(units('intel-vtd'), { iommuId: 'ghost' }))).toContain('Here `iommu ghost` on it names no IOMMU unit of this host, so');
    const onParent = mk(units('intel-vtd', 'intel-vtd'));
    onParent.hosts[0].devices[0].iommuId = 'ghost';
    expect(why(onParent)).toContain('`iommu ghost` on rp (0000:00:01.0) names no IOMMU unit of this host');
  });
  it('unknown device id → VIA006', () => {
    const r = run(oneVm(intelHost('6.12'), ['ghost']), INTEL_GROUPS);
    expect(r.find('VIA006', 'vm1')!.outcome!.errno).toBe('ENODEV');
  });
});

describe('type1: domain sharing (VFIO-T1-SHARE-01)', () => {
  it('≥ 5.19: SC and non-SC groups never share; T1001 on the second', () => {
    const r = run(oneVm(intelHost('6.12'), ['gpu', 'audio', 'nic', 'ssd']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu')).toMatchObject({ ok: true, domain: 'domain#1 (enforce_cache_coherency)', domainEnforced: true });
    expect(r.outcome('vm1', 'nic')).toMatchObject({ ok: true, domain: 'domain#2 (no-snoop not blocked)', domainEnforced: false });
    expect(r.outcome('vm1', 'ssd').domain).toBe('domain#1 (enforce_cache_coherency)');
    expect(r.outcome('vm1', 'nic').codes).toContain('T1001');
    expect(r.outcome('vm1', 'ssd').codes).not.toContain('T1001');
    expect(r.find('T1001', 'nic')!.message).toContain('domain#1 (enforce_cache_coherency)');
    expect(r.find('T1001', 'nic')!.severity).toBe('info');
  });
  it('≤ 5.18: the prot key is global for Intel, so all groups share one domain', () => {
    const r = run(oneVm(intelHost('5.18'), ['gpu', 'nic']), INTEL_GROUPS);
    expect(r.outcome('vm1', 'gpu').domain).toBe('domain#1 (no IOMMU_CACHE)');
    expect(r.outcome('vm1', 'nic').domain).toBe('domain#1 (no IOMMU_CACHE)');
    expect(r.find('T1001')).toBeUndefined();
  });
  it('AMD v1 and v2 domains have different ops (≥ 5.19), and VFIO domains are v2 only from 6.14', () => {
    const mk = (k: string) => host('a', k, [iommu('i0', 'amd-vi'), iommu('i1', 'amd-vi', { pgtable: 'v2' })], [
      dev('x', 'endpoint', '01:00.0', { iommuId: 'i0', driver: 'vfio-pci', noSnoop: false }),
      dev('y', 'endpoint', '02:00.0', { iommuId: 'i1', driver: 'vfio-pci', noSnoop: false }),
    ]);
    const r = run(topo([mk('6.14')], [vm('v', 'a', ['x', 'y'])]), { a: [['x'], ['y']] });
    expect(r.outcome('v', 'x').domain).not.toBe(r.outcome('v', 'y').domain);
    expect(r.outcome('v', 'y').codes).toContain('T1001');
    // 6.13: both units give VFIO v1 domains, which share
    const old = run(topo([mk('6.13')], [vm('v', 'a', ['x', 'y'])]), { a: [['x'], ['y']] });
    expect(old.outcome('v', 'x').domain).toBe(old.outcome('v', 'y').domain);
  });
});

describe('groups split across VMs (VFIO-GRP-01/02/07/08)', () => {
  it('type1: the second VM fails with EBUSY opening the group; VIA002 names the other VM', () => {
    const t = topo([intelHost('6.12')], [vm('a', 'h', ['gpu']), vm('b', 'h', ['audio'])]);
    const r = run(t, INTEL_GROUPS);
    expect(r.outcome('a', 'gpu').ok).toBe(true);
    expect(r.outcome('b', 'audio')).toMatchObject({ ok: false, errno: 'EBUSY', step: 'open(/dev/vfio/0)' });
    const f = r.find('VIA002', 'audio')!;
    expect(f.related).toContainEqual({ id: 'a', message: 'VM a already uses iommu_group 0' });
    expect(f.message).toContain('-EBUSY');
    // the first VM does not see the other VM's device as an ownership conflict
    expect(r.find('VIA001')).toBeUndefined();
  });
  it('cdev vs cdev → EPERM at VFIO_DEVICE_BIND_IOMMUFD; cdev after a group user → EBUSY', () => {
    const r1 = run(topo([intelHost('6.12')], [vm('a', 'h', ['gpu'], { backend: 'iommufd-cdev' }), vm('b', 'h', ['audio'], { backend: 'iommufd-cdev' })]), INTEL_GROUPS);
    expect(r1.outcome('b', 'audio')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_DEVICE_BIND_IOMMUFD' });
    const r2 = run(topo([intelHost('6.12')], [vm('a', 'h', ['gpu']), vm('b', 'h', ['audio'], { backend: 'iommufd-cdev' })]), INTEL_GROUPS);
    expect(r2.outcome('b', 'audio')).toMatchObject({ ok: false, errno: 'EBUSY', step: 'VFIO_DEVICE_BIND_IOMMUFD' });
  });
  it('a VM whose start-up fails holds no group: the next VM opens it (its VMM exited), and sees its devices as unassigned', () => {
    // VM a's backend needs 6.6 (KVER001 on 6.2): it never opens the group, and VM b starts
    const t = topo([intelHost('6.2')], [vm('a', 'h', ['gpu'], { backend: 'iommufd-cdev' }), vm('b', 'h', ['audio'])]);
    const r = run(t, INTEL_GROUPS);
    expect(r.outcome('a', 'gpu')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(r.outcome('b', 'audio').ok).toBe(true);
    expect(r.find('VIA002')).toBeUndefined();
    // the failed VM's device is a member like any other for b's ownership check: bound to a host driver, it blocks
    const h = intelHost('6.2');
    h.devices.find((d) => d.id === 'gpu')!.driver = 'nouveau';
    const r2 = run(topo([h], [vm('a', 'h', ['gpu'], { backend: 'iommufd-cdev' }), vm('b', 'h', ['audio'])]), INTEL_GROUPS);
    expect(r2.outcome('b', 'audio')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_SET_CONTAINER' });
    expect(r2.find('VIA001', 'audio')!.message).toContain('gpu (0000:65:00.0) bound to nouveau');
    // a VM that starts holds the group, as before
    const r3 = run(topo([intelHost('6.6')], [vm('a', 'h', ['gpu'], { backend: 'iommufd-cdev' }), vm('b', 'h', ['audio'])]), INTEL_GROUPS);
    expect(r3.outcome('b', 'audio')).toMatchObject({ ok: false, errno: 'EBUSY' });
  });
  it("a member another VM assigns counts with its host driver: the VM started first fails (VIA001, naming the other VM), the later one then starts", () => {
    const h = intelHost('6.6');
    h.devices.find((d) => d.id === 'audio')!.driver = 'snd_hda_intel';
    const r = run(topo([h], [vm('a', 'h', ['gpu']), vm('b', 'h', ['audio'])]), INTEL_GROUPS);
    expect(r.outcome('a', 'gpu')).toMatchObject({ ok: false, errno: 'EPERM', step: 'VFIO_GROUP_SET_CONTAINER' });
    expect(r.find('VIA001', 'gpu')!.related).toEqual([{ id: 'audio', message: 'same iommu_group, bound to host driver snd_hda_intel (VM b assigns it too, but a group cannot be split between VMs)' }]);
    // a failed, so b opens the group; its own audio is rebound by its VMM (VIA004)
    expect(r.outcome('b', 'audio').ok).toBe(true);
    expect(r.outcome('b', 'audio').codes).toContain('VIA004');
    // a's group fixes take audio out of b (else b fails with VIA002 once a holds the group); binding audio alone would
    // only move the failure to b, so a may instead give gpu up
    expect(r.find('VIA001', 'gpu')!.fixes).toEqual([
      { kind: 'all-of', fixes: [{ kind: 'assign-devices', vmId: 'a', deviceIds: ['audio'] }, { kind: 'unassign-device', vmId: 'b', deviceId: 'audio' }, { kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' }] },
      { kind: 'all-of', fixes: [{ kind: 'assign-devices', vmId: 'a', deviceIds: ['audio'] }, { kind: 'unassign-device', vmId: 'b', deviceId: 'audio' }] },
      { kind: 'unassign-device', vmId: 'a', deviceId: 'gpu' },
    ]);
    // b's VIA004: with audio on vfio-pci a would start and hold the group first, so the fix takes gpu out of a
    const via004 = r.find('VIA004', 'audio')!;
    expect(via004.fixes).toEqual([{ kind: 'all-of', fixes: [{ kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' }, { kind: 'unassign-device', vmId: 'a', deviceId: 'gpu' }] }]);
    expect(via004.related.map((x) => x.id)).toEqual(['a']);
    // the VM order decides: with b first, b holds the group and a's gpu fails with VIA002, which is reported already
    const r2 = run(topo([h], [vm('b', 'h', ['audio']), vm('a', 'h', ['gpu'])]), INTEL_GROUPS);
    expect(r2.find('VIA002', 'gpu')).toBeDefined();
    expect(r2.find('VIA004', 'audio')!.fixes).toEqual([{ kind: 'set-driver', deviceId: 'audio', driver: 'vfio-pci' }]);
  });
  it('VMs on different hosts never conflict', () => {
    const h2 = { ...intelHost('6.12'), id: 'h2', name: 'h2' };
    const r = run(topo([intelHost('6.12'), h2], [vm('a', 'h', ['gpu']), vm('b', 'h2', ['gpu'])]), { ...INTEL_GROUPS, h2: INTEL_GROUPS.h });
    expect(r.outcome('b', 'gpu').ok).toBe(true);
  });
});
