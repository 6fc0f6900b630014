/** Wording shared by the CC/KVM rules: why an IOMMU does (not) block no-snoop or report CACHE_COHERENCY. */
import { GATES, since } from '../kernel-gates.js';
import { intelUnitsWithoutSnoop } from '../caps/cache-coherency.js';
import { vfioPgtable } from '../caps/enforce.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { iommuLabel } from './vfio-common.js';

/**
 * One line on why `iommu` does not block no-snoop for this device (IOMMU-ENF-01, IOMMU-CC-01). Up to 5.18 the VT-d
 * answer is global: with the (booted) `host` given, the units without snoop control or scalable mode are named.
 */
export function noBlockReason(iommu: Iommu | undefined, kernel: KernelVersion, host?: Host): string {
  if (!iommu) return 'no IOMMU blocks no-snoop for this device';
  const l = iommuLabel(iommu);
  switch (iommu.driver) {
    case 'intel-vtd': {
      if (since(kernel, GATES.intelPerUnitSnoop)) return `${l} has no snoop control (ECAP.SC=0)`;
      const lacking = host ? intelUnitsWithoutSnoop(host).map((u) => u.name) : [];
      const which = lacking.length ? ` (${lacking.join(', ')} ${lacking.length === 1 ? 'has' : 'have'} neither)` : '';
      return `${l}: not every VT-d unit has snoop control or scalable mode${which}, so up to 5.18 type1 uses IOMMU_CACHE (SNP) for no domain`;
    }
    case 'amd-vi':
      return vfioPgtable(iommu, kernel) === 'v2' ? `${l} uses the v2 page table, which has no Force-Coherent bit` : `${l} forces coherency (FC bit)`;
    case 'arm-smmu-v3':
      return since(kernel, GATES.smmuv3Canwbs) ? `${l}: root complex lacks IORT CANWBS, enforce_cache_coherency fails` : `${l}: no enforce_cache_coherency op before 6.13`;
    default:
      return `${l}: driver has no enforce_cache_coherency op`;
  }
}

/** One line on why `iommu` lacks IOMMU_CAP_CACHE_COHERENCY (IOMMU-CC-02). */
export function noCcReason(iommu: Iommu | undefined, kernel: KernelVersion): string {
  if (!iommu) return 'no IOMMU';
  const l = iommuLabel(iommu);
  switch (iommu.driver) {
    case 'virtio-iommu':
      return `${l} has no \`capable\` op before 6.0, so IOMMU_CAP_CACHE_COHERENCY is not reported`;
    case 'arm-smmu-v3':
      return `${l} is not coherent (ARM_SMMU_FEAT_COHERENCY: IDR0.COHACC / firmware dma-coherent${iommu.coherent === undefined ? '; not declared, assumed false' : ''})`;
    case 'arm-smmu':
      return since(kernel, GATES.smmuDmaCoherent)
        ? `${l} has no coherent table walk (ARM_SMMU_FEAT_COHERENT_WALK) and the device is not firmware dma-coherent`
        : `${l} has no coherent table walk (ARM_SMMU_FEAT_COHERENT_WALK)`;
    default:
      return `${l} does not report IOMMU_CAP_CACHE_COHERENCY`;
  }
}
