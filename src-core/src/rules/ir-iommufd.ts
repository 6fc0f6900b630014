import { GATES, since } from '../kernel-gates.js';
import { IOMMUFD_UNSAFE_PARAM, TYPE1_UNSAFE_PARAM } from '../vm/drivers.js';
import { enableIrFix, irRelated, UNSAFE_WARNING } from './ir-common.js';
import type { Rule } from './rule.js';
import { devLabel, errnoAt, kernelLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** IR003: iommufd refuses a device without MSI isolation (IOMMUFD-IR-01 at attach 6.2–6.5, IOMMUFD-IR-02 at bind ≥ 6.6). */
export const irIommufdRule: Rule = {
  meta: {
    code: 'IR003',
    title: 'no MSI isolation: iommufd bind/attach fails',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'iommufd requires isolated MSIs: -EPERM at bind (≥ 6.6) or at attach (6.2–6.5). It has its own module parameter iommufd.allow_unsafe_interrupts; vfio_iommu_type1.allow_unsafe_interrupts is ignored on iommufd paths.',
    kernel: [
      { rule: 'IOMMUFD-IR-01', source: 'drivers/iommu/iommufd/device.c:iommufd_device_setup_msi', versions: '6.2–6.5' },
      { rule: 'IOMMUFD-IR-02', source: 'drivers/iommu/iommufd/device.c:iommufd_device_bind', versions: '≥ 6.6', commit: 'd525a5b8cf39' },
    ],
    fix: 'Remove `intremap=off` / `nointremap` from the command line, enable interrupt remapping where possible, or set iommufd.allow_unsafe_interrupts=1 (insecure).',
  },
  check(ctx) {
    return perOutcome(ctx, 'IR003', (v) => {
      const where = since(v.kernel, GATES.iommufdIrAtBind) ? 'in `iommufd_device_bind`, before DMA ownership is claimed' : 'when the device is attached to its IOAS/HWPT (`iommufd_device_setup_msi`)';
      const ignored = v.detail.type1ParamIgnored
        ? ` Note: \`${TYPE1_UNSAFE_PARAM}\` is set on this host, but it only affects the type1 container; iommufd ignores it.`
        : '';
      return {
        code: 'IR003',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no MSI isolation, iommufd refuses the device → ${errnoAt(v.outcome)}`,
        explanation: `On ${kernelLabel(v)} iommufd checks MSI isolation ${where}. The device's iommu_group has no isolated MSI (no interrupt remapping / ITS), so the VMM gets -EPERM at ${v.outcome.step}. iommufd has its own override, \`${IOMMUFD_UNSAFE_PARAM}\`.${ignored}`,
        elementId: v.outcome.deviceId,
        related: irRelated(v.host, v.iommu, v.kernel),
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [...enableIrFix(v.iommu, v.host, v.hostAnalysis.bootParams, ctx.declaredHost?.(v.host.id)), { kind: 'set-param', hostId: v.host.id, param: IOMMUFD_UNSAFE_PARAM, value: '1', warning: UNSAFE_WARNING }],
      };
    });
  },
};
