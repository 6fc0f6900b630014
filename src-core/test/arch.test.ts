import { describe, expect, it } from 'vitest';
import { hostArch, hostArchOf } from '../src/arch.js';
import { applyBootParams } from '../src/boot-params.js';
import { cmdlineEffects } from '../src/cmdline-effects.js';
import { firmwareType } from '../src/groups/acs-effective.js';
import { globalDomainPolicy, policyType } from '../src/groups/default-domain.js';
import type { Host } from '../src/model.js';
import { simulate } from '../src/simulate.js';
import { x86VirtExtension } from '../src/vm/memtype.js';
import { dev, host, iommu, topo, vm } from './builders.js';

const hostArchSource = (h: Host) => hostArchOf(h).source;

/** A host built without an arch line (the builders state x86_64). */
const bare = (h: Host): Host => ({ ...h, arch: undefined });

/** An arm64 server as often written: SMMUv3 and a root port, but no `arch` line. */
function smmuHost(extra: Partial<Host> = {}): Host {
  return host('h', '6.12', [iommu('smmu0', 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' })], [
    dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
    dev('nic', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' }),
  ], { arch: undefined, ...extra });
}

describe('one architecture for the whole simulator (arch.ts:hostArch)', () => {
  it('infers the architecture from the IOMMU drivers when no arch line states it', () => {
    expect(hostArch(smmuHost())).toBe('arm64');
    expect(hostArchSource(smmuHost())).toBe('inferred');
    expect(hostArch(bare(host('h', '6.12', [iommu('ivhd0', 'amd-vi')], [])))).toBe('x86_64');
    expect(hostArch(bare(host('h', '6.12', [iommu('zpci', 's390')], [])))).toBe('s390x');
    expect(hostArch(bare(host('h', '6.12', [], [])))).toBe('x86_64');
    expect(hostArchSource(bare(host('h', '6.12', [], [])))).toBe('default');
    expect(hostArch(smmuHost({ arch: 'x86_64' }))).toBe('x86_64');
    expect(hostArchSource(smmuHost({ arch: 'x86_64' }))).toBe('stated');
  });

  it('an arch-less SMMU host gets arm64 Kconfig default domains: strict DMA, not x86 lazy DMA-FQ', () => {
    const p = globalDomainPolicy(smmuHost());
    expect(policyType(p)).toBe('DMA');
    expect(p.strictFrom).toContain('IOMMU_DEFAULT_DMA_STRICT');
    const a = simulate(topo([smmuHost()])).hosts.get('h')!;
    expect(a.grouping.groups.length).toBe(2);
    expect([...a.defaultDomains!.values()].map((d) => d.type)).toEqual(a.grouping.groups.map(() => 'DMA'));
  });

  it('x86 options on an arch-less SMMU host are ignored, as on a stated arm64 host', () => {
    const h = smmuHost({ cmdline: 'iommu=pt iommu.strict=0' });
    expect(policyType(globalDomainPolicy(h))).toBe('DMA-FQ'); // iommu.strict=0 counts, iommu=pt does not
    const effects = cmdlineEffects(h);
    expect(effects.find((e) => e.token === 'iommu=pt')).toMatchObject({ read: false, effect: 'an x86 option; this host is arm64' });
    expect(effects.find((e) => e.token === 'iommu.strict=0')?.read).toBe(true);
    expect(applyBootParams(smmuHost({ cmdline: 'iommu=off' })).effects).toEqual([]);
    expect(applyBootParams(bare(host('h', '6.12', [iommu('dmar0', 'intel-vtd')], [], { cmdline: 'iommu=off' }))).effects).toHaveLength(1);
  });

  it('firmware and KVM defaults follow the same architecture', () => {
    expect(firmwareType(smmuHost())).toBe('devicetree');
    expect(firmwareType(smmuHost({ firmware: 'acpi' }))).toBe('acpi');
    expect(firmwareType(bare(host('h', '6.12', [iommu('dmar0', 'intel-vtd')], [])))).toBe('acpi');
    expect(x86VirtExtension(smmuHost())).toBeUndefined();
    expect(x86VirtExtension(bare(host('h', '6.12', [iommu('dmar0', 'intel-vtd')], [])))).toBe('vmx');
  });
});

describe('ARCH001: POWER and RISC-V hosts are not simulated', () => {
  it('a ppc64le host with an assigned device: one ARCH001, no VIA005 and no other finding for it or its VM; other hosts as before', () => {
    const ppc = host('p', '6.6', [], [dev('nvme', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci', acs: null })], { arch: 'ppc64le' });
    const x86 = host('x', '6.12', [iommu('u', 'intel-vtd', { snoopControl: true, interruptRemapping: true, msi: 'x86-ir' })], [dev('gpu', 'endpoint', '0000:01:00.0', { driver: 'vfio-pci', acs: null })]);
    const r = simulate(topo([ppc, x86], [vm('v', 'p', ['nvme']), vm('w', 'x', ['gpu'])]));
    expect(r.findings.filter((f) => f.elementId === 'p' || f.elementId === 'nvme' || f.elementId === 'v').map((f) => [f.code, f.elementId])).toEqual([['ARCH001', 'p'], ['ARCH001', 'v']]);
    expect(r.findings.find((f) => f.elementId === 'v')!.message).toBe('VM v: its host p is POWER (ppc64le) and is not simulated; no finding is given for this VM');
    expect(r.findings.find((f) => f.code === 'ARCH001')!.message).toBe('host p: POWER (ppc64le) is not simulated; no finding is given for its devices and VMs');
    expect(r.hosts.has('p')).toBe(false);
    expect(r.vms.has('v')).toBe(false);
    expect(r.vms.get('w')?.attach[0]).toMatchObject({ deviceId: 'gpu', ok: true });
    // RISC-V is simulated (virtio-iommu groups with pci_device_group, GRP-DRV-01)
    const rv = host('r', '6.12', [iommu('viommu', 'virtio-iommu')], [dev('nic', 'endpoint', '0000:00:01.0', { driver: 'vfio-pci' })], { arch: 'riscv64' });
    const rr = simulate(topo([rv], [vm('l2', 'r', ['nic'], { backend: 'iommufd-cdev' })]));
    expect(rr.findings.map((f) => f.code)).not.toContain('ARCH001');
    expect(rr.hosts.get('r')?.grouping.groupOf.has('nic')).toBe(true);
  });
});
