import type { Finding } from '../findings.js';
import { devLabel, kindDevLabel } from '../groups/names.js';
import { hostGroupings } from './grp-common.js';
import type { Rule } from './rule.js';

/** GRP004: a device whose ACS state is unknown was consulted by the grouping and assumed to have no ACS. */
export const grpAcsUnknownRule: Rule = {
  meta: {
    code: 'GRP004',
    title: 'ACS state unknown: grouping assumed no ACS',
    defaultSeverity: 'warning',
    summary:
      'A bridge or multifunction device on a grouping path has no recorded ACS capability state (e.g. an lspci capture taken without root shows "Capabilities: <access denied>"). The simulator assumed it has no ACS capability, which can only make groups larger than reality.',
    kernel: [
      { rule: 'GRP-ACS-03', source: 'drivers/pci/pci.c:pci_acs_flags_enabled', versions: 'all' },
      { rule: 'SYSFS-PCI-02', source: 'drivers/pci/pci-sysfs.c:pci_read_config', versions: 'all' },
    ],
    fix: 'Re-capture `lspci -vvv -nn -D` as root, or state `acs none` / the ACSCap/ACSCtl values in the topology (the quick fix states `acs none`, what the grouping assumed).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { details } of hostGroupings(ctx)) {
      for (const id of details.assumedNoAcs) {
        const d = details.topology.device(id);
        if (!d) continue;
        const g = details.groupOf.get(id);
        const others = g ? g.deviceIds.filter((x) => x !== id) : [];
        out.push({
          code: 'GRP004',
          severity: 'warning',
          message: `ACS state of ${kindDevLabel(d)} is unknown; grouping assumed it has no ACS capability`,
          explanation: `\`pci_acs_enabled()\` needed this device's ACS Capability and Control registers (it is a root/downstream port or a multifunction function), but the model does not say whether it has an ACS capability. Without root, Linux exposes only the first 64 bytes of config space, so captures lack the extended capabilities. Treating it as "no ACS" is the conservative choice: ${g ? `it is in iommu_group ${g.number}${others.length ? ' together with other devices' : ''}` : 'it has no group'}, and with ACS the groups may be smaller.`,
          elementId: id,
          related: others.map((x) => {
            const o = details.topology.device(x);
            return { id: x, message: o ? `${devLabel(o)} shares the group` : 'shares the group' };
          }),
          kernel: this.meta.kernel,
          fixes: [{ kind: 'declare-no-acs', deviceId: id }],
        });
      }
    }
    return out;
  },
};
