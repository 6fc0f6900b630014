import { TYPE1_UNSAFE_PARAM } from '../vm/drivers.js';
import { irRelated } from './ir-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome } from './vfio-common.js';

/** IR002: vfio_iommu_type1.allow_unsafe_interrupts bypasses the missing MSI isolation (VFIO-IR-01/02). */
export const irType1BypassRule: Rule = {
  meta: {
    code: 'IR002',
    title: 'type1 allow_unsafe_interrupts bypass in use',
    readsCaps: true,
    defaultSeverity: 'warning',
    summary: 'The group has no MSI isolation, but vfio_iommu_type1.allow_unsafe_interrupts is set: the attach succeeds, nothing is logged, and the guest can forge MSIs.',
    kernel: [{ rule: 'VFIO-IR-01', source: 'drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group', versions: 'all' }],
  },
  check(ctx) {
    return perOutcome(ctx, 'IR002', (v) => ({
      code: 'IR002',
      severity: 'warning',
      message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no MSI isolation, attach allowed by ${TYPE1_UNSAFE_PARAM}`,
      explanation: `On ${kernelLabel(v)} the device's MSIs are not isolated, but \`${TYPE1_UNSAFE_PARAM}=${v.host.params[TYPE1_UNSAFE_PARAM]}\` makes \`vfio_iommu_type1_attach_group\` skip the check. The attach succeeds and **no message is printed**. A malicious guest can program the device to write arbitrary MSI messages and inject interrupts into the host or other guests.`,
      elementId: v.outcome.deviceId,
      related: irRelated(v.host, v.iommu, v.kernel),
      kernel: this.meta.kernel,
    }));
  },
};
