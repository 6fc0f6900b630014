import { GATES, since } from '../kernel-gates.js';
import { TYPE1_UNSAFE_PARAM } from '../vm/drivers.js';
import { enableIrFix, irRelated, UNSAFE_WARNING } from './ir-common.js';
import type { Rule } from './rule.js';
import { devLabel, errnoAt, kernelLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** IR001: type1 refuses a group without MSI isolation (VFIO-IR-01 ≤ 6.2, VFIO-IR-02 ≥ 6.3). */
export const irType1Rule: Rule = {
  meta: {
    code: 'IR001',
    title: 'no MSI isolation: type1 attach fails',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'vfio_iommu_type1 attaches a group only if its MSIs are isolated (interrupt remapping / ITS). Without it the attach fails with -EPERM and the kernel logs "No interrupt remapping support". ≤ 6.2 the check is global (irq_domain_check_msi_remap) or IOMMU_CAP_INTR_REMAP; ≥ 6.3 it is per group (iommu_group_has_isolated_msi).',
    kernel: [
      { rule: 'VFIO-IR-01', source: 'drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group; kernel/irq/irqdomain.c:irq_domain_check_msi_remap', versions: '≤ 6.2' },
      { rule: 'VFIO-IR-02', source: 'drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group; drivers/iommu/iommu.c:iommu_group_has_isolated_msi', versions: '≥ 6.3', commit: '6b1a7a00427c' },
    ],
    fix: 'Remove `intremap=off` / `nointremap` from the command line, enable interrupt remapping where the hardware supports it, or set vfio_iommu_type1.allow_unsafe_interrupts=1 (insecure).',
  },
  check(ctx) {
    return perOutcome(ctx, 'IR001', (v) => {
      const how = since(v.kernel, GATES.isolatedMsi)
        ? 'checks `iommu_group_has_isolated_msi()`: every device of the group must deliver MSIs through an irq domain with IRQ_DOMAIN_FLAG_ISOLATED_MSI (Intel/AMD IR, GICv3 ITS) or be on s390'
        : 'checks `irq_domain_check_msi_remap()` (true only if *every* MSI domain in the system is ITS-backed) or IOMMU_CAP_INTR_REMAP (Intel/AMD with IR on, s390)';
      return {
        code: 'IR001',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no MSI isolation, type1 attach fails → ${errnoAt(v.outcome)}`,
        explanation: `On ${kernelLabel(v)}, \`vfio_iommu_type1_attach_group\` ${how}. Neither holds here, so the attach is undone after the domain was allocated and the VMM gets -EPERM at ${v.outcome.step}, with the log line \`${v.outcome.kernelMessage}\`. Without isolation a device could write any MSI address/data and inject interrupts into the host. The module parameter \`${TYPE1_UNSAFE_PARAM}\` (writable at run time) skips the check silently.`,
        elementId: v.outcome.deviceId,
        related: irRelated(v.host, v.iommu, v.kernel),
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [...enableIrFix(v.iommu, v.host, v.hostAnalysis.bootParams, ctx.declaredHost?.(v.host.id)), { kind: 'set-param', hostId: v.host.id, param: TYPE1_UNSAFE_PARAM, value: '1', warning: UNSAFE_WARNING }],
      };
    });
  },
};
