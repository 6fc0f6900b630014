import { GATES, since } from '../kernel-gates.js';
import type { Rule } from './rule.js';
import { devLabel, errnoAt, kernelLabel, outcomeOf, perOutcome, relIommu } from './vfio-common.js';

/** T1002: a manual HWPT refuses the device: force-snoop mismatch (IOMMU-ENF-02, IOMMUFD-CC-02) or another SMMU. */
export const hwptForceSnoopRule: Rule = {
  meta: {
    code: 'T1002',
    title: 'manual HWPT refuses the device (force-snoop / coherency mismatch, or another SMMU instance)',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'A coherency-enforced (force-snoop) domain refuses a device that cannot force-snoop: Intel -EOPNOTSUPP in 5.19–6.1, -EINVAL from 6.2. In 6.2–6.6 iommufd also fails (-EINVAL) trying to upgrade a non-enforced HWPT for a capable device. A manual HWPT has no fallback.',
    kernel: [
      { rule: 'IOMMU-ENF-02', source: 'drivers/iommu/intel/iommu.c:prepare_domain_attach_device (S-6.1), paging_domain_compatible_second_stage (S-7.2)', versions: '5.19–6.1 EOPNOTSUPP; ≥ 6.2 EINVAL', commit: 'f4a147735793' },
      { rule: 'IOMMUFD-CC-02', source: 'drivers/iommu/iommufd/device.c:iommufd_hw_pagetable_attach', versions: '≥ 6.2' },
      { rule: 'outside the reference', source: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, arm-smmu/arm-smmu.c:arm_smmu_attach_dev (a domain of another SMMU instance: -EINVAL)', versions: 'all' },
    ],
    fix: 'Attach the device to a separate HWPT that matches its coherency.',
  },
  check(ctx) {
    return perOutcome(ctx, 'T1002', (v) => {
      const caps = v.caps;
      const first = v.detail.hwptFirstDeviceId !== undefined ? ctx.device(v.detail.hwptFirstDeviceId) : undefined;
      const firstIommu = first ? ctx.deviceCaps?.(v.host.id, first.id)?.iommuId : undefined;
      const otherUnit = firstIommu !== undefined ? ctx.iommu(firstIommu)?.name : undefined;
      const instance = v.detail.hwptRefusal === 'instance';
      const why = instance
        ? `The HWPT was allocated by ${devLabel(first, v.detail.hwptFirstDeviceId)}${otherUnit ? ` behind ${otherUnit}` : ''}; an ARM SMMU domain belongs to the SMMU instance it was first attached through, and this device is behind ${v.iommu?.name ?? 'another SMMU'}, so the driver's attach refuses it with -EINVAL (arm_smmu_attach_dev: the domain's SMMU differs). This is not about coherency.`
        : caps?.enforceCoherency
        ? `The HWPT was allocated by ${devLabel(first, v.detail.hwptFirstDeviceId)}, which cannot force-snoop, so it is not enforced; on ${kernelLabel(v)} iommufd tries to upgrade it for this capable device and \`enforce_cache_coherency\` fails.`
        : `The HWPT was allocated by ${devLabel(first, v.detail.hwptFirstDeviceId)} with \`enforce_cache_coherency\` (force-snoop); this device's IOMMU cannot force-snoop, so the driver's attach refuses it (${since(v.kernel, GATES.intelForceSnoopEinval) ? '-EINVAL since 6.2' : '-EOPNOTSUPP in 5.19–6.1'}).`;
      return {
        code: 'T1002',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: HWPT ${v.detail.hwptName ?? '?'} refuses the device → ${errnoAt(v.outcome)}`,
        explanation: `${why} A manually allocated HWPT (IOMMU_HWPT_ALLOC) is never swapped for another one, so VFIO_DEVICE_ATTACH_IOMMUFD_PT returns the error to the VMM. ${instance ? 'Give the devices of each SMMU instance their own HWPT.' : 'There is no uAPI flag to request or refuse no-snoop blocking; put devices with and without force-snoop in separate HWPTs.'}`,
        elementId: v.outcome.deviceId,
        related: [...(first ? [{ id: first.id, message: `allocated HWPT ${v.detail.hwptName ?? '?'}` }] : []), ...relIommu(v.iommu, instance ? `another SMMU instance than HWPT ${v.detail.hwptName ?? '?'}'s` : caps?.enforceCoherency ? 'unit can force-snoop' : 'unit cannot force-snoop (no snoop control)')],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [{ kind: 'separate-hwpt', vmId: v.vm.id, deviceId: v.outcome.deviceId, coherent: caps?.enforceCoherency === true, ...(instance ? { instance: true } : {}) }],
      };
    });
  },
};
