import { describe, expect, it } from 'vitest';
import { globalDomainPolicy, groupDefaultDomain, policyType } from '../src/groups/default-domain.js';
import type { Host, Iommu } from '../src/model.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

/** One Intel unit, a root port with ACS and two endpoints behind their own ports: three groups. */
function intel(kernel = '6.12', unit: Partial<Iommu> = { passthrough: true }, extra: Partial<Host> = {}): Host {
  return host('h', kernel, [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true, msi: 'x86-ir', ...unit })], [
    dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
    dev('nic', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' }),
    dev('rp2', 'root-port', '0000:00:02.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
    dev('tb', 'endpoint', '0000:02:00.0', { parentId: 'rp2', acs: null, untrusted: true }),
  ], extra);
}

/** An Intel unit whose ECAP register was read with bit 6 (PT) clear. */
const NO_PT: Partial<Iommu> = { passthrough: false, rawEcap: 0xf010n };

/** Type of each group of `h`, by the name of its first member. */
function types(h: Host): Record<string, string> {
  const r = simulate(topo([h]));
  const a = r.hosts.get('h')!;
  const out: Record<string, string> = {};
  for (const g of a.grouping.groups) out[g.deviceIds[0].split('/').pop()!] = a.defaultDomains!.get(g.number)!.type;
  return out;
}

const codes = (h: Host) => simulate(topo([h])).findings.map((f) => f.code);

describe('global default-domain policy (DOM-DEF-01)', () => {
  it('Kconfig defaults: lazy (DMA-FQ) on x86 and s390, strict (DMA) on arm64', () => {
    expect(policyType(globalDomainPolicy(intel()))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...intel(), arch: 's390x' }))).toBe('DMA-FQ');
    const arm = globalDomainPolicy({ ...intel(), arch: 'arm64' });
    expect(policyType(arm)).toBe('DMA');
    expect(arm.strictFrom).toContain('IOMMU_DEFAULT_DMA_STRICT');
  });

  it('iommu=pt and iommu.passthrough=1 give identity; iommu= is x86 only, iommu.passthrough everywhere', () => {
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'quiet iommu=pt' }))).toBe('identity');
    expect(globalDomainPolicy({ ...intel(), cmdline: 'iommu=pt' })).toMatchObject({ passthroughFrom: 'iommu=pt', typeFromCmdline: true });
    expect(policyType(globalDomainPolicy({ ...intel(), arch: 'arm64', cmdline: 'iommu=pt' }))).toBe('DMA');
    expect(policyType(globalDomainPolicy({ ...intel(), arch: 'arm64', cmdline: 'iommu.passthrough=1' }))).toBe('identity');
    expect(policyType(globalDomainPolicy({ ...intel(), arch: 'arm64', cmdline: 'iommu.passthrough=y' }))).toBe('identity');
  });

  it('iommu= options are comma-separated and matched by prefix; the last token wins', () => {
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu=soft,pt' }))).toBe('identity');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu=pt iommu=nopt' }))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu=pt iommu.passthrough=0' }))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu.passthrough=0 iommu=pt' }))).toBe('identity');
    // a value kstrtobool rejects changes nothing; so does anything after `--`
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu.passthrough=maybe' }))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: '-- iommu=pt' }))).toBe('DMA-FQ');
  });

  it('strict: iommu.strict=1, and the deprecated intel_iommu=strict and amd_iommu=fullflush', () => {
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu.strict=1' }))).toBe('DMA');
    expect(policyType(globalDomainPolicy({ ...intel(), arch: 'arm64', cmdline: 'iommu.strict=0' }))).toBe('DMA-FQ');
    expect(globalDomainPolicy({ ...intel(), cmdline: 'intel_iommu=on,strict' })).toMatchObject({ strict: true, strictFrom: 'intel_iommu=on,strict (deprecated; it forces strict mode)' });
    expect(globalDomainPolicy({ ...intel(), cmdline: 'amd_iommu=fullflush' }).strict).toBe(true);
    // they are __setup handlers, run after the early parameters: iommu.strict=0 after them does not undo them
    expect(globalDomainPolicy({ ...intel(), cmdline: 'intel_iommu=strict iommu.strict=0' }).strict).toBe(true);
    expect(globalDomainPolicy({ ...intel(), cmdline: 'amd_iommu=fullflush iommu.strict=0' }).strictFrom).toBe('amd_iommu=fullflush (deprecated; it forces strict mode)');
  });

  it('boolean values as kstrtobool reads them: by the first character (on/off by the second)', () => {
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu.passthrough=10' }))).toBe('identity');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu.passthrough=on' }))).toBe('identity');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu=pt iommu.passthrough=of' }))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...intel(), cmdline: 'iommu=pt iommu.passthrough=' }))).toBe('identity');
  });

  it('before 5.15 a lazy domain reads DMA (no DMA-FQ type yet); before 5.11 there is no type file and no prediction', () => {
    const old = simulate(topo([intel('5.14')])).hosts.get('h')!;
    expect([...old.defaultDomains!.values()].map((d) => d.type)).toEqual(['DMA', 'DMA', 'DMA', 'DMA']);
    expect(old.defaultDomains!.get(0)!.why.join(' ')).toContain('predates the DMA-FQ domain type');
    expect(simulate(topo([intel('5.10')])).hosts.get('h')!.defaultDomains!.size).toBe(0);
  });

  it('an emulated IOMMU (caching mode) forces strict for the whole host, whatever iommu.strict says (DOM-DEF-02)', () => {
    const cm = intel('6.12', { passthrough: true, cachingMode: true });
    const p = globalDomainPolicy({ ...cm, cmdline: 'iommu.strict=0' });
    expect(p.strict).toBe(true);
    expect(p.strictFrom).toContain('IOMMU batching disallowed due to virtualization');
    // Intel skips it when first-level translation is the default (scalable mode)
    expect(globalDomainPolicy(intel('6.12', { passthrough: true, cachingMode: true, scalableMode: true })).strict).toBe(false);
    const amd = { ...intel(), iommus: [iommu('ivhd0', 'amd-vi', { cachingMode: true })] };
    expect(globalDomainPolicy(amd).strictFrom).toContain('AMD-Vi: Using strict mode due to virtualization');
  });
});

describe('group default domains (DOM-DEF-02, DOM-DEF-03)', () => {
  it('every group follows the host default, except an untrusted member, which forces DMA', () => {
    expect(types(intel())).toEqual({ rp: 'DMA-FQ', nic: 'DMA-FQ', rp2: 'DMA-FQ', tb: 'DMA' });
    expect(types({ ...intel(), cmdline: 'iommu=pt' })).toEqual({ rp: 'identity', nic: 'identity', rp2: 'identity', tb: 'DMA' });
  });

  it('Intel without ECAP.PT: DMA on 6.12 even under a lazy default or iommu=pt; 6.1 emulates identity', () => {
    const noPt = intel('6.12', NO_PT, { cmdline: 'iommu=pt' });
    expect(types(noPt)).toEqual({ rp: 'DMA', nic: 'DMA', rp2: 'DMA', tb: 'DMA' });
    expect(types(intel('6.12', NO_PT))).toMatchObject({ nic: 'DMA' });
    // a unit that does not list passthrough and has no ECAP value: pass-through assumed, as on nearly all hardware
    expect(types(intel('6.12', { passthrough: false }, { cmdline: 'iommu=pt' }))).toMatchObject({ nic: 'identity' });
    expect(codes(intel('6.12', { passthrough: false }, { cmdline: 'iommu=pt' }))).not.toContain('DOM002');
    // an ECAP value with bit 6 set has PT whatever the caps say
    expect(types(intel('6.12', { passthrough: false, rawEcap: 0xf050n }, { cmdline: 'iommu=pt' }))).toMatchObject({ nic: 'identity' });
    expect(types({ ...noPt, kernel: { major: 6, minor: 1 } })).toMatchObject({ nic: 'identity' });
    const old = simulate(topo([{ ...noPt, kernel: { major: 6, minor: 1 } }])).hosts.get('h')!;
    expect(old.defaultDomains!.get(old.grouping.groupOf.get('nic')?.number ?? -1)?.why.join(' ')).toContain('1:1 page table');
    // the change (184bee388d46) was merged for 6.12: 6.11 still emulates identity
    expect(types({ ...noPt, kernel: { major: 6, minor: 11 } })).toMatchObject({ nic: 'identity' });
    const at = simulate(topo([{ ...noPt, kernel: { major: 6, minor: 12, patch: 0 } }])).hosts.get('h')!;
    const d = at.defaultDomains!.get(at.grouping.groupOf.get('nic')!.number)!;
    expect(d).toMatchObject({ type: 'DMA', by: 'iommu-driver' });
  });

  it('arm-smmu-v3 gives the HiSilicon PTT device an identity domain under a strict default', () => {
    const u = iommu('smmu0', 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' });
    const ptt = dev('ptt', 'rciep', '0000:00:10.0', { vendorId: 0x19e5, deviceId: 0xa12e });
    const other = dev('nic', 'rciep', '0000:00:11.0', { vendorId: 0x19e5, deviceId: 0xa222 });
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [ptt], { major: 6, minor: 12 })).toMatchObject({ type: 'identity', by: 'iommu-driver' });
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [other], { major: 6, minor: 12 })).toMatchObject({ type: 'DMA', by: 'host-default' });
    // identity wins a conflict between members; with an untrusted member the kernel refuses to probe: no prediction
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [other, ptt], undefined)?.type).toBe('identity');
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [ptt, { ...other, untrusted: true }], undefined)).toBeUndefined();
    // merged for 6.1 (24b6c7798a01): 6.0 follows the host default
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [ptt], { major: 6, minor: 1 })).toMatchObject({ type: 'identity', by: 'iommu-driver' });
    expect(groupDefaultDomain(globalDomainPolicy({ ...intel(), arch: 'arm64' }), u, [ptt], { major: 6, minor: 0 })).toMatchObject({ type: 'DMA', by: 'host-default' });
  });

  it('the analysis builds default domains on first read, as plain data (JSON), and none for a unit turned off', () => {
    const a = simulate(topo([intel()])).hosts.get('h')!;
    const json = JSON.parse(JSON.stringify({ ...a, defaultDomains: [...a.defaultDomains!] }));
    expect(json.domainPolicy).toMatchObject({ passthrough: false, strict: false });
    expect(json.defaultDomains).toHaveLength(4);
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['domainPolicy', 'defaultDomains']));
    expect(simulate(topo([{ ...intel(), cmdline: 'intel_iommu=off' }])).hosts.get('h')!.defaultDomains!.size).toBe(0);
  });
});

describe('DOM002: iommu=pt on an Intel unit without ECAP.PT', () => {
  it('reported at the unit with its groups; fixes: drop iommu=pt (it does nothing on this host), or correct the ecap value', () => {
    const r = simulate(topo([intel('6.12', NO_PT, { cmdline: 'iommu=pt' })], [vm('v', 'h', ['nic'])]));
    const f = r.findings.filter((x) => x.code === 'DOM002');
    expect(f).toHaveLength(1);
    expect(f[0].elementId).toBe('dmar0');
    // the untrusted device's group is DMA for its own reason and is not listed
    expect(f[0].message).toBe('IOMMU dmar0 has no hardware pass-through (ECAP.PT): iommu=pt is ignored for its iommu_groups 0, 1, 2, which get strict DMA domains on 6.12');
    const ecap = `0x${(NO_PT.rawEcap! | 0x40n).toString(16)}`;
    expect(f[0].fixes).toEqual([
      { kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'iommu=pt' },
      { kind: 'all-of', fixes: [{ kind: 'set-iommu-property', iommuId: 'dmar0', property: 'ecap', value: ecap }, { kind: 'set-iommu-property', iommuId: 'dmar0', property: 'passthrough', value: 'true' }] },
    ]);
    // a unit whose caps come from its registers: the register alone; a second unit with PT keeps iommu=pt useful
    const regs = simulate(topo([intel('6.12', { ...NO_PT, capsFromRegisters: true }, { cmdline: 'quiet iommu=pt,soft' })], [vm('v', 'h', ['nic'])])).findings.find((x) => x.code === 'DOM002')!;
    expect(regs.fixes).toEqual([
      { kind: 'set-cmdline', hostId: 'h', cmdline: 'quiet iommu=soft', removed: 'iommu=pt' },
      { kind: 'set-iommu-property', iommuId: 'dmar0', property: 'ecap', value: ecap },
    ]);
    // every pass-through request goes, and the title names each
    const both = simulate(topo([intel('6.12', NO_PT, { cmdline: 'iommu.passthrough=1 iommu=pt' })])).findings.find((x) => x.code === 'DOM002')!;
    expect(both.fixes![0]).toEqual({ kind: 'set-cmdline', hostId: 'h', cmdline: '', removed: 'iommu.passthrough=1 and iommu=pt' });
    const two = intel('6.12', NO_PT, { cmdline: 'iommu=pt' });
    two.iommus.push(iommu('dmar1', 'intel-vtd', { passthrough: true, interruptRemapping: true }));
    two.devices = two.devices.map((d) => (d.id === 'rp' ? { ...d, iommuId: 'dmar0' } : d.id === 'rp2' ? { ...d, iommuId: 'dmar1' } : d));
    expect(simulate(topo([two])).findings.find((x) => x.code === 'DOM002')!.fixes!.map((x) => x.kind)).toEqual(['all-of']);
  });

  it('not without a pass-through request, with ECAP.PT, before 6.12, or when a later token undoes it', () => {
    expect(codes(intel('6.12', NO_PT))).not.toContain('DOM002');
    expect(codes(intel('6.12', { passthrough: true }, { cmdline: 'iommu=pt' }))).not.toContain('DOM002');
    expect(codes(intel('6.1', NO_PT, { cmdline: 'iommu=pt' }))).not.toContain('DOM002');
    expect(codes(intel('6.12', NO_PT, { cmdline: 'iommu=pt iommu.passthrough=0' }))).not.toContain('DOM002');
    expect(codes(intel('6.11', NO_PT, { cmdline: 'iommu.passthrough=1' }))).not.toContain('DOM002');
    expect(codes(intel('6.12', NO_PT, { cmdline: 'iommu.passthrough=1' }))).toContain('DOM002');
  });
});

describe('not modelled', () => {
  it('s390 groups get no prediction rather than a guess', () => {
    const h = host('z', '6.12', [iommu('zpci', 's390')], [dev('nic', 'endpoint', '0000:00:00.0')], { arch: 's390x' });
    const a = simulate(topo([h])).hosts.get('z')!;
    expect(a.grouping.groups).toHaveLength(1);
    expect(a.defaultDomains!.size).toBe(0);
  });
});

describe('DOM003: predicted default domain against the observed one', () => {
  const observed = (type: string, ...names: string[]) => {
    const h = intel();
    return { ...h, devices: h.devices.map((d) => (names.includes(d.name) ? { ...d, observedDomainType: type } : d)) };
  };

  it('one finding per differing group, at its first member whose record differs, with the prediction\'s reasons', () => {
    const r = simulate(topo([observed('identity', 'rp', 'nic')]));
    const f = r.findings.filter((x) => x.code === 'DOM003');
    expect(f.map((x) => [x.elementId, x.message])).toEqual([
      ['nic', 'simulator predicts default domain DMA-FQ for iommu_group 2; the host had identity (nic)'],
      ['rp', 'simulator predicts default domain DMA-FQ for iommu_group 0; the host had identity (rp)'],
    ]);
    expect(f[0].explanation).toContain('IOMMU_DEFAULT_DMA_LAZY');
  });

  it('silent when the records agree, and for devices without a record', () => {
    expect(codes(observed('DMA-FQ', 'rp', 'nic'))).not.toContain('DOM003');
    // the untrusted device's group is DMA
    expect(codes(observed('DMA', 'tb'))).not.toContain('DOM003');
    expect(codes(intel())).not.toContain('DOM003');
  });
});

describe('flush queue (DOM-DEF-02)', () => {
  const virt = (kernel: string) => {
    const u = iommu('viommu', 'virtio-iommu', { msi: 'x86-vector' });
    return groupDefaultDomain(globalDomainPolicy(host('g', kernel, [u], [])), u, [dev('net', 'endpoint', '0000:01:00.0')], host('g', kernel, [], []).kernel);
  };
  it('virtio-iommu: DMA-FQ from 6.8 (deferred flush); before it the DMA_FQ allocation fails and the core falls back to DMA', () => {
    expect(virt('6.12')).toMatchObject({ type: 'DMA-FQ', by: 'host-default' });
    expect(virt('6.8')).toMatchObject({ type: 'DMA-FQ', by: 'host-default' });
    expect(virt('6.7')).toMatchObject({ type: 'DMA', by: 'iommu-driver' });
    expect(virt('6.1')).toMatchObject({ type: 'DMA', by: 'iommu-driver' });
    expect(virt('6.1')?.why[0]).toContain('falls back to a strict DMA domain');
    // other drivers keep the flush queue
    expect(groupDefaultDomain(globalDomainPolicy(intel('6.6')), intel('6.6').iommus[0], [], { major: 6, minor: 6 })?.type).toBe('DMA-FQ');
  });
});
