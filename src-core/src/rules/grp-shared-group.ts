import type { Finding } from '../findings.js';
import { ENDPOINT_KINDS, isBridge } from '../groups/index.js';
import type { PciDevice } from '../model.js';
import { devLabel } from '../groups/names.js';
import { hostGroupings, members } from './grp-common.js';
import type { Rule } from './rule.js';

/** GRP002: a group with several members that contains an endpoint (assign-together information). */
export const grpSharedGroupRule: Rule = {
  meta: {
    code: 'GRP002',
    title: 'device shares its iommu_group',
    defaultSeverity: 'info',
    summary:
      'The device is in an iommu_group with other devices. VFIO assigns whole groups: every other endpoint in it must be bound to vfio-pci (or have no driver) and go to the same VM. Bridges in the group may stay on pcieport.',
    kernel: [
      { rule: 'GRP-ALG-01', source: 'drivers/iommu/iommu.c:pci_device_group', versions: '5.15–7.2 (unchanged)' },
      { rule: 'GRP-MF-01', source: 'drivers/iommu/iommu.c:get_pci_function_alias_group', versions: 'all' },
    ],
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { details } of hostGroupings(ctx)) {
      for (const g of details.groups) {
        if (g.deviceIds.length < 2) continue;
        const devs = members(details, g);
        const first = devs.find((d) => ENDPOINT_KINDS.has(d.kind));
        if (!first) continue;
        const others = devs.filter((d) => d !== first);
        const reasons = new Map<string, string>();
        for (const r of g.reasons) if (!reasons.has(r.deviceId)) reasons.set(r.deviceId, r.text);
        const reasonOf = (id: string) => reasons.get(id);
        // each member is named up to three times below; format its label once
        const labels = new Map<PciDevice, string>();
        for (const d of devs) if (!labels.has(d)) labels.set(d, devLabel(d));
        const label = (d: PciDevice) => labels.get(d)!;
        out.push({
          code: 'GRP002',
          severity: 'info',
          message: shareMessage(first, others, g.number, label),
          explanation:
            `Members and why they are in this group:\n${devs.map((d) => `- ${label(d)}: ${reasonOf(d.id) ?? ''}`).join('\n')}\n\nThe group number is the expected IDA order (GRP-ORD-01); the real number may differ, membership does not.`,
          elementId: first.id,
          related: others.map((d) => ({ id: d.id, message: reasonOf(d.id) ?? `in iommu_group ${g.number}` })),
          kernel: this.meta.kernel,
        });
      }
    }
    return out;
  },
};

/** "X shares iommu_group N with A, B; it can only be assigned together with them (bridges C may stay on pcieport)". */
function shareMessage(first: PciDevice, others: PciDevice[], n: number, label: (d: PciDevice) => string = devLabel): string {
  const eps = others.filter((d) => !isBridge(d));
  const hasBridges = others.length > eps.length;
  const head = `${label(first)} shares iommu_group ${n} with ${others.map(label).join(', ')}`;
  if (!eps.length) return `${head}; only bridges, which may stay bound to pcieport when it is assigned`;
  return `${head}; it can only be assigned together with ${eps.map(label).join(', ')}${hasBridges ? ' (bridges may stay bound to pcieport)' : ''}`;
}
