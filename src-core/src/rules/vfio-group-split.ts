import type { Rule } from './rule.js';
import { devLabel, errnoAt, outcomeOf, perOutcome } from './vfio-common.js';

/** VIA002: an iommu_group split across two VMs: the later VM fails (VFIO-GRP-01/02/07/08). */
export const vfioGroupSplitRule: Rule = {
  meta: {
    code: 'VIA002',
    title: 'iommu_group split across VMs',
    defaultSeverity: 'error',
    summary:
      'A group belongs to at most one container / iommufd context. When two VMs assign devices of the same iommu_group, the VM started second fails: -EBUSY opening the group (single-open group fd, or group fd vs cdev exclusion ≥ 6.6) or -EPERM at VFIO_DEVICE_BIND_IOMMUFD (another iommufd context owns the group). VMs start in file order, and one whose start-up fails holds nothing: its VMM exits and closes the group.',
    kernel: [
      { rule: 'VFIO-GRP-01', source: 'drivers/vfio/group.c:vfio_group_fops_open', versions: 'all' },
      { rule: 'VFIO-GRP-02', source: 'drivers/vfio/group.c:vfio_group_ioctl_set_container', versions: 'all' },
      { rule: 'VFIO-GRP-07', source: 'drivers/iommu/iommu.c:iommu_device_claim_dma_owner; iommufd/device.c:iommufd_device_bind', versions: '≥ 6.2' },
      { rule: 'VFIO-GRP-08', source: 'drivers/vfio/group.c:vfio_device_block_group', versions: '≥ 6.6' },
    ],
    fix: 'Assign all devices of the group to one VM.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA002', (v) => {
      const other = v.detail.otherVmId !== undefined ? ctx.vm(v.detail.otherVmId) : undefined;
      const otherDev = v.detail.otherDeviceId !== undefined ? ctx.device(v.detail.otherDeviceId) : undefined;
      const cdev = v.vm.backend === 'iommufd-cdev';
      const why = cdev
        ? v.outcome.errno === 'EPERM'
          ? '`iommufd_device_bind` claims DMA ownership per device with the iommufd context as owner; the other VM\'s context already owns the group, so the claim fails with -EPERM.'
          : 'The other VM holds the group character device open, and while it is open no device of the group may bind through its cdev (-EBUSY).'
        : 'The group character device `/dev/vfio/<group>` can be open only once (and, from 6.6, not at all while a member is bound through its cdev), so the second VMM gets -EBUSY before it can even set a container.';
      return {
        code: 'VIA002',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: iommu_group ${v.detail.groupNumber ?? '?'} is already used by VM ${other?.name ?? '?'} → ${errnoAt(v.outcome)}`,
        explanation: `All devices of an iommu_group share one container or iommufd context; a group cannot be split between VMs. VM ${other?.name ?? '?'} (started first) uses ${devLabel(otherDev, v.detail.otherDeviceId)} of the same group. ${why}`,
        elementId: v.outcome.deviceId,
        related: [
          ...(other ? [{ id: other.id, message: `VM ${other.name} already uses iommu_group ${v.detail.groupNumber ?? '?'}` }] : []),
          ...(otherDev ? [{ id: otherDev.id, message: `same iommu_group, assigned to VM ${other?.name ?? '?'}` }] : []),
        ],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [{ kind: 'unassign-device', vmId: v.vm.id, deviceId: v.outcome.deviceId }],
      };
    });
  },
};
