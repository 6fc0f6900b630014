import type { Rule } from './rule.js';
import { devLabel, perOutcome } from './vfio-common.js';

/** VIA004: an assigned device is bound to a host driver other than vfio-pci / a variant. */
export const vfioHostDriverRule: Rule = {
  meta: {
    code: 'VIA004',
    title: 'assigned device bound to a host driver',
    defaultSeverity: 'warning',
    summary: 'The device is assigned to a VM but bound to a host driver other than vfio-pci or a vfio-pci variant. The VMM (or libvirt "managed") must unbind it and bind vfio-pci before start-up; the simulation assumes it does.',
    kernel: [
      { rule: 'VFIO-GRP-05', source: 'drivers/pci/pci-driver.c:pci_dma_configure', versions: '≥ 5.19' },
      { rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci_core.c:vfio_pci_core_register_device', versions: 'all' },
    ],
    fix: 'Bind the device to vfio-pci.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA004', (v) => ({
      code: 'VIA004',
      severity: 'warning',
      message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: bound to host driver ${v.device?.driver ?? '?'}, not vfio-pci`,
      explanation: `Only a device bound to vfio-pci (or a variant such as mlx5_vfio_pci) has a VFIO device the VMM can open. While ${v.device?.driver ?? 'the host driver'} is bound it also counts as a kernel DMA user of its iommu_group. Unless the VMM rebinds it (libvirt \`managed='yes'\`, driverctl, \`driver_override\`), start-up fails; the rest of this simulation assumes the rebind happens.`,
      elementId: v.outcome.deviceId,
      related: [],
      kernel: this.meta.kernel,
      fixes: [{ kind: 'set-driver', deviceId: v.outcome.deviceId, driver: 'vfio-pci' }],
    }));
  },
};
