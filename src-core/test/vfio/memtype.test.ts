import { describe, expect, it } from 'vitest';
import { guestMemtypeText, x86VirtExtension } from '../../src/vm/memtype.js';
import { host, iommu } from '../builders.js';

const intel = (k: string) => host('h', k, [iommu('dmar0', 'intel-vtd')], []);

describe('guest memory types (KVM-X86-MEMTYPE-01)', () => {
  it('the CPU vendor from the IOMMU vendor, x86 only', () => {
    expect(x86VirtExtension(intel('6.12'))).toBe('vmx');
    expect(x86VirtExtension(host('h', '6.12', [iommu('ivhd0', 'amd-vi')], []))).toBe('svm');
    expect(x86VirtExtension({ ...intel('6.12'), arch: 'arm64' })).toBeUndefined();
    expect(guestMemtypeText(host('h', '6.12', [iommu('v', 'virtio-iommu')], []), undefined, true)).toBeUndefined();
  });

  it('Intel: WB+IPAT unless noncoherent; then guest MTRRs up to 6.10, guest PAT from 6.11', () => {
    expect(guestMemtypeText(intel('6.12'), { major: 6, minor: 12 }, false)).toMatch(/^Intel EPT on 6\.12: guest RAM is WB with IPAT, so the guest's PAT is ignored/);
    expect(guestMemtypeText(intel('6.12'), { major: 6, minor: 12 }, true)).toMatch(/WB without IPAT and the guest's PAT decides/);
    expect(guestMemtypeText(intel('6.6'), { major: 6, minor: 6 }, true)).toMatch(/comes from the guest's MTRRs without IPAT/);
    expect(guestMemtypeText(intel('6.6'), { major: 6, minor: 6 }, false)).toMatch(/PAT and MTRRs are ignored/);
  });

  it('AMD: noncoherent DMA changes no memory type', () => {
    const amd = host('h', '6.12', [iommu('ivhd0', 'amd-vi')], []);
    expect(guestMemtypeText(amd, { major: 6, minor: 12 }, true)).toBe(guestMemtypeText(amd, { major: 6, minor: 12 }, false));
    expect(guestMemtypeText(amd, undefined, true)).toMatch(/^AMD NPT/);
  });
});
