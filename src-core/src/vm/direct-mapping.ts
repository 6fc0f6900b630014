/**
 * DOM-RESV-01: a device whose firmware requires a 1:1 mapping (a `direct` reserved region, not `direct-relaxable`:
 * an Intel RMRR other than the graphics/USB ones, an AMD IVMD range) cannot be given to VFIO or iommufd, whose
 * domains do not contain that mapping. Where the kernel refuses depends on the kernel and the IOMMU driver.
 */
import { GATES, since } from '../kernel-gates.js';
import type { IommuGroup } from '../analysis.js';
import type { Iommu, KernelVersion } from '../model.js';
import type { VmRun } from './run.js';

/**
 * Which check refuses a group with a `require_direct` member:
 * - `generic` (S-6.12, S-7.2; drivers/iommu/iommu.c:__iommu_device_set_domain, a48ce36e2786 "iommu: Prevent
 *   RESV_DIRECT devices from blocking domains"): the move to the blocking domain when VFIO / iommufd claims DMA
 *   ownership fails with -EINVAL, for every IOMMU driver. The reference dates its first release only to 6.2–6.12;
 *   the commit was merged for 6.6 (IOMMU pull for 6.6), which the simulator applies.
 * - `intel-rmrr` (Intel before that; S-6.1, drivers/iommu/intel/iommu.c:intel_iommu_attach_device,
 *   `device_is_rmrr_locked`): attaching the group to an unmanaged (VFIO / iommufd) domain fails with -EPERM.
 * - `none`: no refusal is known to the reference (other drivers before the generic check); the attach goes
 *   through, without the firmware's 1:1 mapping in the VFIO domain.
 */
export type DirectMappingCheck = 'generic' | 'intel-rmrr' | 'none';

/** The check that applies on `kernel` behind an IOMMU of `driver` (undefined: unknown unit → no driver check). */
export function directMappingCheck(driver: Iommu['driver'] | undefined, kernel: KernelVersion): DirectMappingCheck {
  if (since(kernel, GATES.genericDirectMapping)) return 'generic';
  return driver === 'intel-vtd' ? 'intel-rmrr' : 'none';
}

/** Members of `group` that require a direct mapping, and the check that applies; undefined when none does. */
export interface DirectMappingBlock {
  check: DirectMappingCheck;
  /** Ids of the group's devices declared `requires-direct-mapping`, in group order. */
  memberIds: string[];
}

/**
 * The direct-mapping block of `group` on the run's host: every member counts, assigned or not, because VFIO and
 * iommufd take DMA ownership of (and attach) the whole group. The unit is the group's (its first member's).
 */
export function directMappingBlock(run: VmRun, group: IommuGroup): DirectMappingBlock | undefined {
  let ids: string[] | undefined;
  for (let i = 0; i < group.deviceIds.length; i++) {
    const id = group.deviceIds[i];
    if (run.hostDevice(id)?.requiresDirectMapping === true) (ids ??= []).push(id);
  }
  if (!ids) return undefined;
  const iommuId = run.caps(group.deviceIds[0])?.iommuId ?? group.iommuId;
  const driver = iommuId === undefined ? undefined : run.host.iommus.find((u) => u.id === iommuId)?.driver;
  return { check: directMappingCheck(driver, run.kernel), memberIds: ids };
}
