/**
 * `device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY)` per IOMMU driver × kernel version.
 */
import { GATES, since } from '../kernel-gates.js';
import type { SimulationOptions } from '../analysis.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { hasStableBackports } from './platform.js';

/**
 * IOMMU-CC-01 (≤ 5.18) Intel answer: global, true only if every VT-d unit of the host has ECAP.SC or is in
 * scalable mode (`domain_update_iommu_snooping(NULL)`). An undeclared `snoopControl` counts as no SC.
 * Source: drivers/iommu/intel/iommu.c:intel_iommu_capable, domain_update_iommu_snooping (S-5.15).
 */
export function intelLegacyAllSnoop(host: Host): boolean {
  return intelUnitsWithoutSnoop(host).length === 0;
}

/** The VT-d units of `host` with neither ECAP.SC nor scalable mode: the ones that make {@link intelLegacyAllSnoop} false. */
export function intelUnitsWithoutSnoop(host: Host): Iommu[] {
  return host.iommus.filter((i) => i.driver === 'intel-vtd' && i.snoopControl !== true && i.scalableMode !== true);
}

/**
 * IOMMU-CC-02: does the IOMMU report IOMMU_CAP_CACHE_COHERENCY for a device behind it?
 * - intel-vtd: ≤ 5.18 the global all-SC-or-scalable rule, ≥ 5.19 always true.
 * - amd-vi, s390: always true.
 * - arm-smmu (v1/v2): ≤ 6.0 true; 6.1 `coherentWalk`; ≥ 6.2 (or 6.1.y with backports) `coherentWalk || dmaCoherent`
 *   (CAP-SMMU2-01: the coherent walk is IDR0.CTTW unless firmware overrides it; `coherentWalk` is that final value).
 * - arm-smmu-v3: ≤ 6.0 true; ≥ 6.1 `coherent` (ARM_SMMU_FEAT_COHERENCY; undeclared = false).
 * - virtio-iommu: ≥ 6.0 true (5.19.y with a sublevel and backports: true); before that no `capable` op → false
 *   (CAP-VIRTIO-01; its MSI isolation is the platform's, see caps/msi.ts).
 * - none / no IOMMU: false.
 * Sources: intel/iommu.c:intel_iommu_capable, amd/iommu.c:amd_iommu_capable, arm-smmu.c:arm_smmu_capable
 * (df198b37e72c 6.1, ac9c5e92dd15 6.2), arm-smmu-v3.c:arm_smmu_capable, virtio-iommu.c:viommu_capable (6.0).
 */
export function cacheCoherencyCap(
  iommu: Iommu | undefined,
  host: Host,
  kernel: KernelVersion,
  dmaCoherent: boolean,
  options: SimulationOptions,
): boolean {
  if (!iommu) return false;
  switch (iommu.driver) {
    case 'intel-vtd':
      return since(kernel, GATES.intelPerUnitSnoop) ? true : intelLegacyAllSnoop(host);
    case 'amd-vi':
    case 's390':
      return true;
    case 'arm-smmu': {
      if (!since(kernel, GATES.smmuCoherentWalk)) return true;
      const walk = iommu.coherentWalk === true;
      const plusDev = since(kernel, GATES.smmuDmaCoherent) || hasStableBackports(kernel, options);
      return walk || (plusDev && dmaCoherent);
    }
    case 'arm-smmu-v3':
      return since(kernel, GATES.smmuv3CoherencyCap) ? iommu.coherent === true : true;
    case 'virtio-iommu':
      if (since(kernel, GATES.virtioCapable)) return true;
      return kernel.major === 5 && kernel.minor === 19 && (kernel.patch ?? 0) > 0 && options.stableBackports !== false;
    case 'none':
      return false;
  }
}

/**
 * The first kernel that makes `cacheCoherencyCap` true for this driver, when a newer kernel is the fix
 * (virtio-iommu → 6.0). Undefined when no kernel fixes it (the cause is a hardware/firmware property).
 */
export function cacheCoherencyFixedIn(iommu: Iommu | undefined): string | undefined {
  return iommu?.driver === 'virtio-iommu' ? '6.0' : undefined;
}
