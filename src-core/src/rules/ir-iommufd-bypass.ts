import { GATES, since } from '../kernel-gates.js';
import { IOMMUFD_UNSAFE_PARAM } from '../vm/drivers.js';
import { irRelated } from './ir-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** IR004: iommufd.allow_unsafe_interrupts overrides missing isolation; the kernel logs a dev_warn per device. */
export const irIommufdBypassRule: Rule = {
  meta: {
    code: 'IR004',
    title: 'iommufd allow_unsafe_interrupts bypass in use',
    readsCaps: true,
    defaultSeverity: 'warning',
    summary: 'No MSI isolation, but iommufd.allow_unsafe_interrupts is set: the device binds, and the kernel logs "MSI interrupts are not secure, ..." for it. The guest can forge MSIs.',
    kernel: [
      { rule: 'IOMMUFD-IR-02', source: 'drivers/iommu/iommufd/device.c:iommufd_device_bind', versions: '≥ 6.6' },
      { rule: 'IOMMUFD-IR-01', source: 'drivers/iommu/iommufd/device.c:iommufd_device_setup_msi', versions: '6.2–6.5' },
    ],
  },
  check(ctx) {
    return perOutcome(ctx, 'IR004', (v) => {
      const unconfirmed = since(v.kernel, GATES.iommufdIrAtBind) ? '' : ' (On 6.2–6.5 the exact wording of this warning is not confirmed by the reference; an earlier draft differed.)';
      return {
        code: 'IR004',
        severity: 'warning',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no MSI isolation, allowed by ${IOMMUFD_UNSAFE_PARAM}; the kernel warns`,
        explanation: `On ${kernelLabel(v)} the device has no isolated MSI, but \`${IOMMUFD_UNSAFE_PARAM}=${v.host.params[IOMMUFD_UNSAFE_PARAM]}\` overrides the check, and iommufd logs per device: \`${v.outcome.kernelMessage}\`.${unconfirmed} The device can write arbitrary MSI messages, so a malicious guest can inject interrupts into the host.`,
        elementId: v.outcome.deviceId,
        related: irRelated(v.host, v.iommu, v.kernel),
        kernel: this.meta.kernel,
        outcome: { ...outcomeOf(v.outcome), errno: undefined },
      };
    });
  },
};
