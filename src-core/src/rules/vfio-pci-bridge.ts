import type { Rule } from './rule.js';
import { devLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** VIA003: vfio-pci refuses bridges / non-normal header types (VFIO-PCI-01). */
export const vfioPciBridgeRule: Rule = {
  meta: {
    code: 'VIA003',
    title: 'vfio-pci refuses a bridge',
    defaultSeverity: 'error',
    summary: 'vfio-pci only binds normal (header type 0) functions. Bridges and ports fail probe with -EINVAL ("vfio-pci: probe of <BDF> failed with error -22"), so no VFIO device exists for them.',
    kernel: [{ rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci.c:vfio_pci_probe; vfio_pci_core.c:vfio_pci_core_register_device; drivers/base/dd.c:call_driver_probe', versions: 'all' }],
    fix: 'Remove the bridge from the VM; assign the endpoints behind it.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA003', (v) => ({
      code: 'VIA003',
      severity: 'error',
      message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: vfio-pci refuses ${v.device?.kind ?? 'the bridge'} (non-normal header type) → -EINVAL at vfio-pci probe`,
      explanation: `\`vfio_pci_probe\` returns -EINVAL for any function whose header type is not PCI_HEADER_TYPE_NORMAL. The driver core logs \`${v.outcome.kernelMessage}\` and no /dev/vfio node appears, so the VMM cannot open the device. Bridges and ports are never assigned; assign the endpoint functions below them instead (a bridge in the same iommu_group is fine when bound to pcieport or to no driver).`,
      elementId: v.outcome.deviceId,
      related: [],
      kernel: this.meta.kernel,
      outcome: outcomeOf(v.outcome),
      fixes: [{ kind: 'unassign-device', vmId: v.vm.id, deviceId: v.outcome.deviceId }],
    }));
  },
};
