import { analysisDomains } from '../groups/default-domain.js';
import type { Finding } from '../findings.js';
import { topologyOf } from '../groups/index.js';
import type { PciDevice } from '../model.js';
import type { Rule } from './rule.js';

/**
 * DOM003: the default domain the simulator predicts for a group differs from the `observed-domain` the importer
 * recorded (`/sys/kernel/iommu_groups/<N>/type`). One finding per group, at its first member whose record differs.
 */
export const domObservedRule: Rule = {
  meta: {
    code: 'DOM003',
    title: 'predicted default domain differs from the observed one',
    defaultSeverity: 'info',
    summary:
      'The importer recorded each group\'s `/sys/kernel/iommu_groups/<N>/type` on the real host, and the simulator predicts another type. The model lacks an input the kernel used (a distribution Kconfig such as IOMMU_DEFAULT_PASSTHROUGH, memory encryption, Intel\'s integrated-GPU or Azalia identity maps, AMD\'s identity default for PASID-capable devices), the type was changed at run time through the writable `type` file, or the simulator is wrong.',
    kernel: [
      { rule: 'DOM-TYPE-01', source: 'drivers/iommu/iommu.c:iommu_group_show_type, iommu_group_store_type', versions: '≥ 5.11' },
      { rule: 'DOM-DEF-01', source: 'drivers/iommu/iommu.c:iommu_subsys_init, iommu_set_def_domain_type', versions: 'all' },
      { rule: 'DOM-DEF-03', source: 'drivers/iommu/iommu.c:iommu_get_default_domain_type, iommu_get_def_domain_type', versions: 'all' },
    ],
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const host of ctx.topology.hosts) {
      // nothing recorded (every file not written by the importer): the prediction is not even built
      if (!host.devices.some((d) => d.observedDomainType !== undefined)) continue;
      const ha = ctx.hosts.get(host.id);
      if (!ha) continue;
      const domains = analysisDomains(host, ha).byGroup;
      const topo = topologyOf(ha.grouping, host);
      for (const g of ha.grouping.groups) {
        const predicted = domains.get(g.number);
        if (!predicted) continue;
        const members = g.deviceIds.map((id) => topo.device(id)).filter((d): d is PciDevice => !!d && d.observedDomainType !== undefined);
        const first = members.find((d) => d.observedDomainType !== predicted.type);
        if (!first) continue;
        const seen = [...new Set(members.map((d) => d.observedDomainType))];
        out.push({
          code: 'DOM003',
          severity: 'info',
          message: `simulator predicts default domain ${predicted.type} for iommu_group ${g.number}; the host had ${seen.join(' and ')} (${first.name})`,
          explanation: `The prediction: ${predicted.why.join('; ')}. The host's \`/sys/kernel/iommu_groups/<N>/type\` read ${seen.join(' and ')}. Inputs the model does not have: the distribution's Kconfig (IOMMU_DEFAULT_PASSTHROUGH, or strict instead of lazy), memory encryption (SME/SEV/TDX switching a Kconfig pass-through default back to translated), Intel's integrated-GPU and Azalia identity maps, AMD's identity default for PASID-capable devices, qcom arm-smmu identity lists; or someone wrote the group's \`type\` file after boot (DOM-TYPE-01).`,
          elementId: first.id,
          related: members.filter((d) => d !== first).map((d) => ({ id: d.id, message: `same iommu_group ${g.number}, observed ${d.observedDomainType}` })),
          kernel: this.meta.kernel,
        });
      }
    }
    return out;
  },
};
