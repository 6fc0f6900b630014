/**
 * Whether the IOMMU can block PCIe no-snoop for a device: the `enforce_cache_coherency` domain op (≥ 5.19),
 * the static IOMMU_CAP_ENFORCE_CACHE_COHERENCY (≥ 6.2), or, in ≤ 5.18, `IOMMU_CACHE` mappings that set Intel SNP /
 * AMD FC.
 */
import { GATES, since } from '../kernel-gates.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { intelLegacyAllSnoop } from './cache-coherency.js';

/** Result of {@link enforceCap}: `reportedOnly` = the kernel says yes but no-snoop is not blocked. */
export interface EnforceAnswer {
  enforce: boolean;
  reportedOnly: boolean;
}

/**
 * IOMMU-ENF-01 / IOMMU-ENF-03 / IOMMU-CC-01:
 * - intel-vtd: ≤ 5.18 the global all-SC-or-scalable rule (SNP via IOMMU_CACHE); ≥ 5.19 the unit's ECAP.SC
 *   (`domain_support_force_snooping`; undeclared = no SC).
 * - amd-vi: always true; with `pgtable: 'v2'` the answer is the "lie" (no FC bit) → `reportedOnly`, from 5.19 only:
 *   the lie is the `enforce_cache_coherency` op's answer, and the op exists from 5.19 (IOMMU-ENF-01, 6043257b1de0
 *   "iommu: Introduce the domain op enforce_cache_coherency()"). ≤ 5.18 there is no op to lie: KVM asks
 *   VFIO_DMA_CC_IOMMU, i.e. IOMMU_CACHE (IOMMU-CC-01, VFIO-T1-CC-02).
 * - arm-smmu-v3: ≥ 6.13 IORT CANWBS (`canwbs`), else false.
 * - everyone else: op missing → false.
 * Sources: intel/iommu.c:intel_iommu_enforce_cache_coherency, amd/iommu.c:amd_iommu_enforce_cache_coherency,
 * arm-smmu-v3.c:arm_smmu_enforce_cache_coherency (6.13), include/linux/iommu.h (4989764d8ed3, 6.2).
 */
export function enforceCap(iommu: Iommu | undefined, host: Host, kernel: KernelVersion): EnforceAnswer {
  const no = { enforce: false, reportedOnly: false };
  if (!iommu) return no;
  switch (iommu.driver) {
    case 'intel-vtd':
      return { enforce: since(kernel, GATES.intelPerUnitSnoop) ? iommu.snoopControl === true : intelLegacyAllSnoop(host), reportedOnly: false };
    case 'amd-vi':
      return { enforce: true, reportedOnly: iommu.pgtable === 'v2' && since(kernel, GATES.enforceCacheCoherencyOp) };
    case 'arm-smmu-v3':
      return { enforce: since(kernel, GATES.smmuv3Canwbs) && iommu.canwbs === true, reportedOnly: false };
    default:
      return no;
  }
}
