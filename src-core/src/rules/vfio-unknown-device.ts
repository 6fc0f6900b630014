import type { Rule } from './rule.js';
import { perOutcome } from './vfio-common.js';

/** VIA006: the VM assigns a device id its host does not have. */
export const vfioUnknownDeviceRule: Rule = {
  meta: {
    code: 'VIA006',
    title: 'assigned device not on the host',
    defaultSeverity: 'error',
    summary: 'The VM assigns a device that is not a PCI function of its host; the VMM would fail to find the sysfs device.',
    kernel: [],
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA006', (v) => ({
      code: 'VIA006',
      severity: 'error',
      message: `VM ${v.vm.name}: assigned device ${v.outcome.deviceId} is not a PCI function of host ${v.host.name} → -ENODEV`,
      explanation: `The VMM opens assigned devices through sysfs of its own host. \`${v.outcome.deviceId}\` is not declared on host ${v.host.name}, so there is no device to bind to vfio-pci.`,
      elementId: v.vm.id,
      related: [],
      kernel: [],
      outcome: { errno: 'ENODEV', step: v.outcome.step },
    }));
  },
};
