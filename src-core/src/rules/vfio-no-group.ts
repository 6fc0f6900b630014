import type { Rule } from './rule.js';
import { devLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** VIA005: the device has no iommu_group (no IOMMU translates it), so VFIO registration fails. */
export const vfioNoGroupRule: Rule = {
  meta: {
    code: 'VIA005',
    title: 'assigned device has no iommu_group',
    defaultSeverity: 'error',
    summary: 'No IOMMU translates the device, so it has no iommu_group and vfio-pci registration fails with -EINVAL (outside noiommu mode).',
    kernel: [{ rule: 'VFIO-CC-01', source: 'drivers/vfio/vfio_main.c:vfio_group_find_or_alloc (5.19–6.5), drivers/vfio/group.c:vfio_device_set_group (≥ 6.6)', versions: 'all' }],
    fix: 'Give the device (or its host bridge) an IOMMU in the topology, and enable the IOMMU on the kernel command line.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA005', (v) => ({
      code: 'VIA005',
      severity: 'error',
      message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no iommu_group → -EINVAL at vfio-pci probe`,
      explanation: `VFIO needs the device's iommu_group to isolate its DMA. This device is not translated by any IOMMU in the model (no \`iommuId\` on it or its parents, and the host has no single IOMMU), so \`iommu_group_get\` returns NULL and registration fails: \`${v.outcome.kernelMessage}\`. Only the unsafe noiommu mode would accept it, which KVM device assignment does not use.`,
      elementId: v.outcome.deviceId,
      related: [],
      kernel: this.meta.kernel,
      outcome: outcomeOf(v.outcome),
    }));
  },
};
