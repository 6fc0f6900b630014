import type { Rule } from './rule.js';
import { devLabel, errnoAt, outcomeOf, perOutcome } from './vfio-common.js';

/** HWPT001: devices of one iommu_group must attach to the same HWPT (VFIO-GRP-07, IOMMUFD-SHARE-01). */
export const hwptGroupRule: Rule = {
  meta: {
    code: 'HWPT001',
    title: 'iommu_group members in different HWPTs',
    defaultSeverity: 'error',
    summary: 'iommufd attaches whole groups: every device of an iommu_group bound to one context must use the same HW page table. Attaching one to a different HWPT fails with -EINVAL.',
    kernel: [
      { rule: 'VFIO-GRP-07', source: 'drivers/iommu/iommufd/device.c:iommufd_hw_pagetable_attach ("igroup->hwpt differs")', versions: '≥ 6.2' },
      { rule: 'IOMMUFD-SHARE-01', source: 'drivers/iommu/iommufd/device.c:iommufd_device_auto_get_domain', versions: '≥ 6.2' },
    ],
    fix: 'Put all devices of the group in the same HWPT: the quick fix moves the device to the HWPT its group is attached to (or out of its `hwpt` block, onto the automatic domain).',
  },
  check(ctx) {
    return perOutcome(ctx, 'HWPT001', (v) => {
      const first = v.detail.hwptFirstDeviceId !== undefined ? ctx.device(v.detail.hwptFirstDeviceId) : undefined;
      return {
        code: 'HWPT001',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: its iommu_group is already attached to another HWPT → ${errnoAt(v.outcome)}`,
        explanation:
          v.detail.hwptName !== undefined
            ? `Only the first device of an iommu_group really attaches the group; ${devLabel(first, v.detail.hwptFirstDeviceId)} attached it to a different HWPT than ${v.detail.hwptName}. \`iommufd_hw_pagetable_attach\` refuses a second HWPT for the same group with -EINVAL.`
            : `Only the first device of an iommu_group really attaches the group; ${devLabel(first, v.detail.hwptFirstDeviceId)} attached it to a manual HWPT. This device is in no \`hwpt\` block, so it attaches to the IOAS, and \`iommufd_device_auto_get_domain\` only picks or allocates automatic HWPTs (manual ones are never chosen, IOMMUFD-SHARE-01): \`iommufd_hw_pagetable_attach\` refuses that second HWPT for the group with -EINVAL. List the device in the group's \`hwpt\` block.`,
        elementId: v.outcome.deviceId,
        related: first ? [{ id: first.id, message: 'same iommu_group, attached first' }] : [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        // out of its block to the group's HWPT or the automatic domain; a device in no block into the group's HWPT's
        ...(v.detail.hwptOwnId || v.detail.hwptGroupId ? { fixes: [{ kind: 'move-to-hwpt' as const, vmId: v.vm.id, deviceId: v.outcome.deviceId, fromHwptId: v.detail.hwptOwnId, toHwptId: v.detail.hwptGroupId }] } : {}),
      };
    });
  },
};
