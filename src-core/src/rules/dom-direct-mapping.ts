import type { PciDevice } from '../model.js';
import { INTEL_RMRR_MESSAGE, REQUIRE_DIRECT_MESSAGE } from '../vm/messages.js';
import type { Rule } from './rule.js';
import { devLabel, errnoAt, kernelLabel, outcomeOf, perOutcome, type OutcomeView } from './vfio-common.js';

/** "this device" or the labels of the members that require the mapping. */
function membersText(v: OutcomeView, ids: readonly string[], device: (id: string) => PciDevice | undefined): string {
  return ids.map((id) => (id === v.outcome.deviceId ? 'this device' : devLabel(device(id), id))).join(', ');
}

/**
 * DOM001: a member of the assigned device's iommu_group requires a firmware 1:1 mapping (`requires-direct-mapping`:
 * a `direct` reserved region, DOM-RESV-01), which no VFIO / iommufd domain has. ≥ 6.6 the IOMMU core refuses the
 * DMA-ownership claim (-EINVAL); before that Intel refuses the attach (-EPERM); other drivers do not refuse (warning).
 */
export const domDirectMappingRule: Rule = {
  meta: {
    code: 'DOM001',
    title: 'device requires a firmware 1:1 mapping (RMRR / IVMD)',
    defaultSeverity: 'error',
    severityNote: 'warning where nothing refuses the domain: drivers other than Intel VT-d before the generic check',
    summary:
      'A device of the iommu_group has a `direct` reserved region (an RMRR or IVMD range that is not relaxable), so the kernel must keep it identity-mapped. ≥ 6.6 the IOMMU core refuses to move it to the blocking domain, which VFIO and iommufd do when they claim DMA ownership: -EINVAL at VFIO_GROUP_SET_CONTAINER or bind, "Firmware has requested this device have a 1:1 IOMMU mapping". Before that Intel VT-d refuses the attach with -EPERM ("ineligible for IOMMU domain attach due to platform RMRR requirement"); other drivers attach without the mapping (warning).',
    kernel: [
      { rule: 'DOM-RESV-01', source: 'drivers/iommu/iommu.c:__iommu_device_set_domain, iommu_create_device_direct_mappings', versions: '≥ 6.6 (merged for 6.6; the reference, from S-6.12, dates it to 6.2–6.12)', commit: 'a48ce36e2786' },
      { rule: 'DOM-RESV-01', source: 'drivers/iommu/intel/iommu.c:intel_iommu_attach_device, device_rmrr_is_relaxable', versions: '≤ 6.5, Intel' },
    ],
    fix: 'Take the device out of the VM. The lasting fix is in firmware: a setting or update that drops the reserved range, or a slot it does not cover.',
  },
  check(ctx) {
    return perOutcome(ctx, 'DOM001', (v) => {
      const ids = v.detail.directMappingIds ?? [v.outcome.deviceId];
      const check = v.detail.directMappingCheck ?? 'generic';
      const who = membersText(v, ids, ctx.device);
      const g = v.hostAnalysis.grouping.groupOf.get(v.outcome.deviceId);
      const group = `iommu_group ${g?.number ?? '?'}`;
      const region = 'a `direct` region in `/sys/kernel/iommu_groups/N/reserved_regions` (an RMRR of the ACPI DMAR table or an IVMD range of IVRS; `direct-relaxable` ones, such as the RMRRs of USB and graphics devices since 5.3, do not count)';
      const related = ids.filter((id) => id !== v.outcome.deviceId).map((id) => ({ id, message: `same ${group}; firmware requires a 1:1 mapping for it` }));
      const fixes = [{ kind: 'unassign-device' as const, vmId: v.vm.id, deviceId: v.outcome.deviceId }];
      const base = { code: 'DOM001', elementId: v.outcome.deviceId, related, kernel: this.meta.kernel, fixes };
      const dev = devLabel(v.device, v.outcome.deviceId);
      if (check === 'none') {
        return {
          ...base,
          severity: 'warning' as const,
          message: `${dev} in VM ${v.vm.name}: firmware requires a 1:1 IOMMU mapping for ${who}; ${kernelLabel(v)} does not refuse the VFIO domain, which lacks that mapping`,
          explanation: `Firmware asks the IOMMU to keep an identity mapping for ${who} (${region}). On ${kernelLabel(v)} with ${v.iommu ? `the ${v.iommu.driver} driver` : 'this IOMMU driver'} nothing refuses the VFIO / iommufd domain (the reference documents no refusal for this driver before the generic check), but that domain holds only what the VMM maps: while the ${group} is attached, the firmware's range is no longer identity-mapped for the device. From 6.6 (a48ce36e2786) the IOMMU core refuses the DMA-ownership claim with -EINVAL and logs \`${REQUIRE_DIRECT_MESSAGE}\`.`,
        };
      }
      const how =
        check === 'generic'
          ? `the IOMMU core marks such a device \`require_direct\` (\`iommu_create_device_direct_mappings\`), and \`__iommu_device_set_domain\` refuses to put it in a blocking domain. VFIO (\`iommu_group_claim_dma_owner\`, at VFIO_GROUP_SET_CONTAINER) and iommufd (\`iommu_device_claim_dma_owner\`, at bind) both begin by moving the whole ${group} to the blocking domain, so the claim fails with -EINVAL for every device of the group and the kernel logs \`${REQUIRE_DIRECT_MESSAGE}\`. This generic check is in the kernel from 6.6 (a48ce36e2786); before it only Intel refused.`
          : `the Intel VT-d driver refuses to attach a device with a non-relaxable RMRR (\`device_is_rmrr_locked\`) to an unmanaged domain, which every VFIO type1 and iommufd domain is: \`intel_iommu_attach_device\` fails the attach of the ${group} with -EPERM and logs \`${INTEL_RMRR_MESSAGE}\`. From 6.6 the IOMMU core refuses earlier, at the DMA-ownership claim, with -EINVAL, for every driver.`;
      return {
        ...base,
        severity: 'error' as const,
        message: `${dev} in VM ${v.vm.name}: firmware requires a 1:1 IOMMU mapping for ${who} → ${errnoAt(v.outcome)}`,
        explanation: `Firmware asks the IOMMU to keep an identity mapping for ${who} (${region}). On ${kernelLabel(v)} ${how} No kernel parameter lifts it; the range must go from the firmware tables, or the device must stay with the host.`,
        outcome: outcomeOf(v.outcome),
      };
    });
  },
};
