import { describe, expect, it } from 'vitest';
import type { Iommu, PciDevice } from '../../src/model.js';
import { dev, host, iommu } from '../builders.js';
import { analyze } from './helpers.js';

function capsOf(kernel: string, unit: Iommu, d: PciDevice, extra: Parameters<typeof host>[4] = {}, others: Iommu[] = []) {
  const h = host('h', kernel, [unit, ...others], [d], extra);
  return analyze(h, [[d.id]]).caps.get(d.id)!;
}

describe('IOMMU_CAP_CACHE_COHERENCY (IOMMU-CC-02)', () => {
  const ep = (extra: Partial<PciDevice> = {}) => dev('ep', 'endpoint', '01:00.0', { iommuId: 'u', ...extra });
  it('virtio-iommu: 5.19 false, 6.0 true, 5.19.y with backports true', () => {
    expect(capsOf('5.19', iommu('u', 'virtio-iommu'), ep()).cacheCoherency).toBe(false);
    expect(capsOf('6.0', iommu('u', 'virtio-iommu'), ep()).cacheCoherency).toBe(true);
    expect(capsOf('5.19.10', iommu('u', 'virtio-iommu'), ep()).cacheCoherency).toBe(true);
  });
  it('arm-smmu-v3: 6.0 always true, 6.1 = FEAT_COHERENCY', () => {
    const arm = { arch: 'arm64' as const };
    expect(capsOf('6.0', iommu('u', 'arm-smmu-v3', { coherent: false }), ep(), arm).cacheCoherency).toBe(true);
    expect(capsOf('6.1', iommu('u', 'arm-smmu-v3', { coherent: false }), ep(), arm).cacheCoherency).toBe(false);
    expect(capsOf('6.1', iommu('u', 'arm-smmu-v3', { coherent: true }), ep(), arm).cacheCoherency).toBe(true);
  });
  it('arm-smmu v2: 6.1 coherent walk only; 6.2 walk || dma-coherent; 6.1.192 has the backport', () => {
    const arm = { arch: 'arm64' as const };
    const u = iommu('u', 'arm-smmu', { coherentWalk: false });
    expect(capsOf('6.0', u, ep(), arm).cacheCoherency).toBe(true);
    expect(capsOf('6.1', u, ep({ dmaCoherent: true }), arm).cacheCoherency).toBe(false);
    expect(capsOf('6.2', u, ep({ dmaCoherent: true }), arm).cacheCoherency).toBe(true);
    expect(capsOf('6.2', u, ep({ dmaCoherent: false }), arm).cacheCoherency).toBe(false);
    expect(capsOf('6.1.192', u, ep({ dmaCoherent: true }), arm).cacheCoherency).toBe(true);
    expect(capsOf('6.1', iommu('u', 'arm-smmu', { coherentWalk: true }), ep(), arm).cacheCoherency).toBe(true);
  });
  it('intel: 5.18 global all-SC-or-scalable, 5.19 always true', () => {
    const sc = iommu('u', 'intel-vtd', { snoopControl: true });
    const nosc = iommu('v', 'intel-vtd', { snoopControl: false });
    expect(capsOf('5.18', sc, ep(), {}, [nosc]).cacheCoherency).toBe(false);
    expect(capsOf('5.18', sc, ep(), {}, [iommu('v', 'intel-vtd', { scalableMode: true })]).cacheCoherency).toBe(true);
    expect(capsOf('5.19', nosc, dev('ep', 'endpoint', '01:00.0', { iommuId: 'v' })).cacheCoherency).toBe(true);
  });
});

describe('enforce_cache_coherency / IOMMU_CAP_ENFORCE_CACHE_COHERENCY (IOMMU-ENF-01/03)', () => {
  const ep = dev('ep', 'endpoint', '01:00.0', { iommuId: 'u' });
  it('intel: per-unit SC from 5.19, global rule before', () => {
    expect(capsOf('5.19', iommu('u', 'intel-vtd', { snoopControl: true }), ep).enforceCoherency).toBe(true);
    expect(capsOf('5.19', iommu('u', 'intel-vtd', { snoopControl: false }), ep).enforceCoherency).toBe(false);
    expect(capsOf('5.18', iommu('u', 'intel-vtd', { snoopControl: true }), ep, {}, [iommu('v', 'intel-vtd')]).enforceCoherency).toBe(false);
  });
  it('amd: true; a v2 page table is reported only, from 6.14, when VFIO domains use it (v1 before, f9b80f941e0e)', () => {
    const v1 = capsOf('6.14', iommu('u', 'amd-vi'), ep);
    const v2 = capsOf('6.14', iommu('u', 'amd-vi', { pgtable: 'v2' }), ep);
    expect([v1.enforceCoherency, v1.enforceIsReportedOnly]).toEqual([true, false]);
    expect([v2.enforceCoherency, v2.enforceIsReportedOnly]).toEqual([true, true]);
    const old = capsOf('6.13', iommu('u', 'amd-vi', { pgtable: 'v2' }), ep);
    expect([old.enforceCoherency, old.enforceIsReportedOnly]).toEqual([true, false]);
  });
  it('arm-smmu-v3: CANWBS counts from 6.13', () => {
    const u = iommu('u', 'arm-smmu-v3', { coherent: true, canwbs: true });
    expect(capsOf('6.12', u, ep, { arch: 'arm64' }).enforceCoherency).toBe(false);
    expect(capsOf('6.13', u, ep, { arch: 'arm64' }).enforceCoherency).toBe(true);
  });
  it('virtio-iommu / arm-smmu / s390: false', () => {
    expect(capsOf('6.12', iommu('u', 'virtio-iommu'), ep).enforceCoherency).toBe(false);
    expect(capsOf('6.12', iommu('u', 'arm-smmu', { coherentWalk: true }), ep, { arch: 'arm64' }).enforceCoherency).toBe(false);
    expect(capsOf('6.12', iommu('u', 's390'), ep, { arch: 's390x' }).enforceCoherency).toBe(false);
  });
});

describe('isolated MSI (VFIO-IR-01/02)', () => {
  const ep = dev('ep', 'endpoint', '01:00.0', { iommuId: 'u' });
  it('x86: IR on passes, IR off fails on both sides of 6.2/6.3', () => {
    for (const k of ['6.2', '6.3']) {
      expect(capsOf(k, iommu('u', 'intel-vtd', { interruptRemapping: true }), ep).isolatedMsi).toBe(true);
      expect(capsOf(k, iommu('u', 'intel-vtd', { interruptRemapping: false }), ep).isolatedMsi).toBe(false);
      expect(capsOf(k, iommu('u', 'amd-vi', { msi: 'x86-vector' }), ep).isolatedMsi).toBe(false);
    }
  });
  it('Intel: one DRHD without IR leaves every unit without it, on both sides of 6.2/6.3 (CAP-IR-01)', () => {
    const withIr = iommu('u', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir' });
    const without = iommu('w', 'intel-vtd', { interruptRemapping: false });
    for (const k of ['6.1', '6.2', '6.3', '6.12']) {
      expect(capsOf(k, withIr, ep, {}, [without]).isolatedMsi).toBe(false);
      expect(capsOf(k, withIr, ep, {}, [iommu('w', 'intel-vtd', { interruptRemapping: true })]).isolatedMsi).toBe(true);
      // AMD units decide for themselves: an Intel-less host with one AMD unit without IR does not affect another
      expect(capsOf(k, iommu('u', 'amd-vi', { interruptRemapping: true }), ep, {}, [iommu('w', 'amd-vi', { interruptRemapping: false })]).isolatedMsi).toBe(true);
    }
  });
  it('x86: a stated msi x86-ir / x86-vector that contradicts the caps gives one answer on both sides of 6.2/6.3', () => {
    for (const k of ['6.1', '6.12']) {
      expect(capsOf(k, iommu('u', 'intel-vtd', { interruptRemapping: false, msi: 'x86-ir' }), ep).isolatedMsi).toBe(false);
      expect(capsOf(k, iommu('u', 'intel-vtd', { interruptRemapping: true, msi: 'x86-vector' }), ep).isolatedMsi).toBe(true);
      expect(capsOf(k, iommu('u', 'amd-vi', { msi: 'x86-vector' }), ep).isolatedMsi).toBe(false);
    }
  });
  it('arm64 ITS: ≤ 6.2 global (one GICv2m elsewhere breaks it), ≥ 6.3 per device', () => {
    const its = iommu('u', 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' });
    const v2m = iommu('w', 'arm-smmu-v3', { coherent: true, msi: 'gicv2m' });
    expect(capsOf('6.2', its, ep, { arch: 'arm64' }, [v2m]).isolatedMsi).toBe(false);
    expect(capsOf('6.3', its, ep, { arch: 'arm64' }, [v2m]).isolatedMsi).toBe(true);
    expect(capsOf('6.2', its, ep, { arch: 'arm64' }).isolatedMsi).toBe(true);
    expect(capsOf('6.12', iommu('u', 'arm-smmu-v3', { msi: 'gicv3-its-preits' }), ep, { arch: 'arm64' }).isolatedMsi).toBe(false);
  });
  it('AMD ≤ 6.2: IOMMU_CAP_INTR_REMAP is the global irq_remapping_enabled, so a device on a unit without IR passes when another AMD unit has it; ≥ 6.3 its own MSI domain decides', () => {
    const without = iommu('w', 'amd-vi', { interruptRemapping: false });
    const onW = dev('ep', 'endpoint', '01:00.0', { iommuId: 'w' });
    expect(capsOf('6.1', without, onW, {}, [iommu('u', 'amd-vi', { interruptRemapping: true })]).isolatedMsi).toBe(true);
    expect(capsOf('6.1', without, onW).isolatedMsi).toBe(false);
    expect(capsOf('6.3', without, onW, {}, [iommu('u', 'amd-vi', { interruptRemapping: true })]).isolatedMsi).toBe(false);
  });
  it('arm64 ≤ 6.2: the stated MSI controller of a `driver none` unit (a GICv2m behind no SMMU) counts in the global check', () => {
    const its = iommu('u', 'arm-smmu-v3', { coherent: true, msi: 'gicv3-its' });
    expect(capsOf('6.2', its, ep, { arch: 'arm64' }, [iommu('n', 'none', { msi: 'gicv2m' })]).isolatedMsi).toBe(false);
    expect(capsOf('6.2', its, ep, { arch: 'arm64' }, [iommu('n', 'none')]).isolatedMsi).toBe(true);
    expect(capsOf('6.3', its, ep, { arch: 'arm64' }, [iommu('n', 'none', { msi: 'gicv2m' })]).isolatedMsi).toBe(true);
  });
  it('s390 always isolated; gicv5 only from 7.0', () => {
    expect(capsOf('5.15', iommu('u', 's390'), ep, { arch: 's390x' }).isolatedMsi).toBe(true);
    expect(capsOf('6.12', iommu('u', 's390'), ep, { arch: 's390x' }).isolatedMsi).toBe(true);
    expect(capsOf('7.0', iommu('u', 'arm-smmu-v3', { msi: 'gicv5-its' }), ep, { arch: 'arm64' }).isolatedMsi).toBe(true);
  });
});

describe('dmaCoherent (CAP-COH-01)', () => {
  it('x86 always; arm64 from the firmware flag, default not coherent', () => {
    expect(capsOf('6.12', iommu('u', 'intel-vtd'), dev('ep', 'endpoint', '01:00.0', { iommuId: 'u', dmaCoherent: false })).dmaCoherent).toBe(true);
    expect(capsOf('6.12', iommu('u', 'arm-smmu-v3'), dev('ep', 'endpoint', '01:00.0', { iommuId: 'u' }), { arch: 'arm64' }).dmaCoherent).toBe(false);
    expect(capsOf('6.12', iommu('u', 'arm-smmu-v3'), dev('ep', 'endpoint', '01:00.0', { iommuId: 'u', dmaCoherent: true }), { arch: 'arm64' }).dmaCoherent).toBe(true);
  });
  it('resolves the IOMMU through the parent chain', () => {
    const h = host('h', '6.12', [iommu('a', 'intel-vtd', { snoopControl: true }), iommu('b', 'intel-vtd', { snoopControl: false })], [
      dev('rp', 'root-port', '00:1c.0', { iommuId: 'b' }),
      dev('ep', 'endpoint', '01:00.0', { parentId: 'rp' }),
    ]);
    const a = analyze(h, []);
    expect(a.caps.get('ep')!.iommuId).toBe('b');
    expect(a.caps.get('ep')!.enforceCoherency).toBe(false);
  });
});
