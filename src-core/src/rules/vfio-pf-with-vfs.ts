import type { Rule } from './rule.js';
import { devLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** VIA007: vfio-pci refuses a PF whose SR-IOV virtual functions are enabled (VFIO-PCI-01). */
export const vfioPfWithVfsRule: Rule = {
  meta: {
    code: 'VIA007',
    title: 'vfio-pci refuses a PF with SR-IOV enabled',
    defaultSeverity: 'error',
    summary:
      'The assigned device is an SR-IOV physical function with virtual functions enabled (VFs nested under it). vfio-pci will not bind such a PF: probe fails with -EBUSY and the kernel logs "Cannot bind to PF with SR-IOV enabled", so the VMM finds no VFIO device.',
    kernel: [{ rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci_core.c:vfio_pci_core_register_device (pci_num_vf); drivers/base/dd.c:call_driver_probe', versions: 'all' }],
    fix: 'Assign the virtual functions instead, or disable SR-IOV on the PF (sriov_numvfs = 0) and remove its VFs from the file.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA007', (v) => {
      const vfIds = v.detail.vfIds ?? [];
      const vfs = vfIds.map((id) => devLabel(ctx.device(id), id));
      const shown = vfs.length > 3 ? `${vfs.slice(0, 3).join(', ')} and ${vfs.length - 3} more` : vfs.join(', ');
      return {
        code: 'VIA007',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: SR-IOV PF with ${vfIds.length} virtual function${vfIds.length === 1 ? '' : 's'} enabled (${shown}); vfio-pci refuses it → -EBUSY at vfio-pci probe`,
        explanation: `\`vfio_pci_core_register_device\` rejects a physical function that has VFs enabled (\`pci_num_vf()\` > 0): the VFs may be in use by the host or by other VFIO users, vfio-pci cannot take them over, and disabling SR-IOV from the probe would unbind the VFs' drivers. The kernel logs \`${v.outcome.kernelMessage}\`, the driver core \`vfio-pci: probe of … failed with error -16\`, and no VFIO device exists for the PF. Assign the VFs (each is its own function for vfio-pci), or set \`sriov_numvfs\` to 0 before binding the PF.`,
        elementId: v.outcome.deviceId,
        related: vfIds.map((id) => ({ id, message: 'enabled virtual function of this PF' })),
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [{ kind: 'unassign-device', vmId: v.vm.id, deviceId: v.outcome.deviceId }],
      };
    });
  },
};
