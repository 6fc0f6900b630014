/** The group-level MSI isolation answer shared by type1 and iommufd (VFIO-IR-01/02, IOMMUFD-IR-01/02). */
import { GATES, since } from '../kernel-gates.js';
import type { IommuGroup } from '../analysis.js';
import type { VmRun } from './run.js';

/**
 * ≥ 6.3 `iommu_group_has_isolated_msi(group)`: AND over every device of the iommu_group.
 * ≤ 6.2 `irq_domain_check_msi_remap() || IOMMU_CAP_INTR_REMAP` on any device of the group (per device from
 * ~6.0, bus-wide before; all members share one IOMMU so the answers coincide).
 * Source: drivers/iommu/iommu.c:iommu_group_has_isolated_msi; drivers/vfio/vfio_iommu_type1.c:
 * vfio_iommu_type1_attach_group.
 */
export function groupHasIsolatedMsi(run: VmRun, group: IommuGroup): boolean {
  const answers = group.deviceIds.map((id) => run.caps(id)?.isolatedMsi === true);
  return since(run.kernel, GATES.isolatedMsi) ? answers.every(Boolean) : answers.some(Boolean);
}
