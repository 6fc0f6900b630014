import { cacheCoherencyFixedIn } from '../caps/cache-coherency.js';
import { atLeast } from '../kernel-version.js';
import { noCcReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, outcomeOf, perOutcome } from './vfio-common.js';

/** CC001: the IOMMU lacks IOMMU_CAP_CACHE_COHERENCY → vfio-pci probe -22 / iommufd bind -EINVAL (VFIO-CC-01, IOMMUFD-CC-01). */
export const ccProbeRule: Rule = {
  meta: {
    code: 'CC001',
    title: 'IOMMU lacks IOMMU_CAP_CACHE_COHERENCY: VFIO refuses the device',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'From 5.19 VFIO registers a device only if its IOMMU reports IOMMU_CAP_CACHE_COHERENCY; otherwise vfio-pci probe fails with -22 ("vfio-pci: probe of <BDF> failed with error -22"). iommufd_device_bind checks the same cap first (-EINVAL). Affected: virtio-iommu before 6.0, non-coherent SMMUs (6.1+), POWER 5.19–6.3, drivers without a capable op.',
    kernel: [
      { rule: 'VFIO-CC-01', source: 'drivers/vfio/vfio_main.c:vfio_group_find_or_alloc (5.19–6.5), __vfio_register_dev (≥ 6.6)', versions: '≥ 5.19', commit: 'e8ae0e140c05' },
      { rule: 'IOMMUFD-CC-01', source: 'drivers/iommu/iommufd/device.c:iommufd_device_bind', versions: '≥ 6.2' },
      { rule: 'IOMMU-CC-02', source: 'drivers/iommu/*:*_capable', versions: 'per driver' },
    ],
    fix: 'Use a kernel where the driver reports the cap (virtio-iommu ≥ 6.0, POWER ≥ 6.4).',
  },
  check(ctx) {
    return perOutcome(ctx, 'CC001', (v) => {
      const fixedIn = cacheCoherencyFixedIn(v.iommu);
      const fixes = fixedIn && !atLeast(v.kernel, Number(fixedIn.split('.')[0]), Number(fixedIn.split('.')[1])) ? [{ kind: 'set-kernel' as const, hostId: v.host.id, version: fixedIn }] : [];
      const reason = noCcReason(v.iommu, v.kernel);
      return {
        code: 'CC001',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: IOMMU lacks IOMMU_CAP_CACHE_COHERENCY → -EINVAL at vfio-pci probe`,
        explanation: `On ${kernelLabel(v)} VFIO requires \`device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY)\` before it registers a device, because type1 and iommufd map guest memory with IOMMU_CACHE. ${reason}. Registration fails with -EINVAL, the driver core logs \`${v.outcome.kernelMessage}\` and no /dev/vfio node appears; with iommufd, \`iommufd_device_bind\` would refuse it with -EINVAL as its first check.${fixedIn ? ` Kernel ${fixedIn} makes this driver report the cap.` : ''}`,
        elementId: v.outcome.deviceId,
        related: v.iommu ? [{ id: v.iommu.id, message: reason }] : [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes,
      };
    });
  },
};
