/**
 * Whether the IOMMU can block PCIe no-snoop for a device: the `enforce_cache_coherency` domain op (≥ 5.19),
 * the static IOMMU_CAP_ENFORCE_CACHE_COHERENCY (≥ 6.2), or, in ≤ 5.18, `IOMMU_CACHE` mappings that set Intel SNP /
 * AMD FC.
 */
import { GATES, since } from '../kernel-gates.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { intelLegacyAllSnoop } from './cache-coherency.js';

/**
 * The page-table format of the VFIO (unmanaged) domains an AMD unit gives VFIO and iommufd on `kernel`: its `pgtable`
 * from 6.14 (f9b80f941e0e removed `domain_alloc()`: "If the admin is forcing v2 … force it everywhere, including for
 * VFIO"); v1 before, whatever the unit's DMA domains use (6.1–6.13 `amd_iommu_domain_alloc` forced v1 for
 * IOMMU_DOMAIN_UNMANAGED; before 6.1 DMA domains had no v2). The same gate as `amd_iommu=pgtbl_v2` (boot-params.ts).
 * Outside the reference (IOMMU-ENF-01 calls the question UNCONFIRMED); the 6.13.y stable backport is not modelled.
 */
export function vfioPgtable(iommu: Iommu, kernel: KernelVersion): 'v1' | 'v2' {
  return iommu.pgtable === 'v2' && since(kernel, GATES.amdPgtblOption) ? 'v2' : 'v1';
}

/** Result of {@link enforceCap}: `reportedOnly` = the kernel says yes but no-snoop is not blocked. */
export interface EnforceAnswer {
  enforce: boolean;
  reportedOnly: boolean;
}

/**
 * IOMMU-ENF-01 / IOMMU-ENF-03 / IOMMU-CC-01:
 * - intel-vtd: ≤ 5.18 the global all-SC-or-scalable rule (SNP via IOMMU_CACHE); ≥ 5.19 the unit's ECAP.SC
 *   (`domain_support_force_snooping`; undeclared = no SC).
 * - amd-vi: always true; with a v2 page table for VFIO domains ({@link vfioPgtable}: `pgtable v2`, from 6.14) the
 *   answer is the "lie" (no FC bit) → `reportedOnly` (IOMMU-ENF-01: the `enforce_cache_coherency` op, from 5.19,
 *   6043257b1de0, answers yes). Before 6.14 VFIO domains are v1, so there is nothing to lie about.
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
      return { enforce: true, reportedOnly: vfioPgtable(iommu, kernel) === 'v2' };
    case 'arm-smmu-v3':
      return { enforce: since(kernel, GATES.smmuv3Canwbs) && iommu.canwbs === true, reportedOnly: false };
    default:
      return no;
  }
}
