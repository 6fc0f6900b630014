import type { Finding } from '../findings.js';
import type { IommuGroup } from '../analysis.js';
import { ENDPOINT_KINDS, type GroupingDetails, type HostTopology } from '../groups/index.js';
import type { PciDevice } from '../model.js';
import { concatPieces, hostGroupings } from './grp-common.js';
import type { Rule } from './rule.js';

/** GRP001: endpoints below different non-ACS downstream ports of one switch get different groups (EX-1b). */
export const grpSwitchP2pRule: Rule = {
  meta: {
    code: 'GRP001',
    title: 'switch without ACS on its downstream ports: separate groups but P2P possible',
    defaultSeverity: 'warning',
    summary:
      'Linux gives each downstream port of a switch its own iommu_group when the path above the switch is ACS-isolated, even if the downstream ports themselves lack ACS. Endpoints under different downstream ports then sit in different groups although the switch can route peer-to-peer traffic between them without the IOMMU seeing it.',
    kernel: [
      { rule: 'GRP-PATH-01', source: 'drivers/iommu/iommu.c:pci_device_group', versions: '5.15–7.2 (unchanged)' },
      { rule: 'GRP-FUT-01', source: 'drivers/pci/pci.c:pci_reachable_set (unmerged series "Fix incorrect iommu_groups with PCIe ACS")', versions: 'not merged as of 7.2' },
    ],
    fix: 'Assign all endpoints behind the switch to the same VM, use a switch whose downstream ports implement ACS, or enable ACS on them (pci=config_acs= on ≥ 6.11 if the hardware advertises it).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { host, details } of hostGroupings(ctx)) {
      const topo = details.topology;
      const devices = host.devices;
      for (let k = 0; k < devices.length; k++) {
        const usp = devices[k];
        if (usp.kind !== 'switch-upstream') continue;
        // the downstream ports with grouped endpoints below them; `eps` holds all those endpoints, port after port
        const dsps: PciDevice[] = [];
        const eps: PciDevice[] = [];
        for (const dsp of topo.children(usp.id)) {
          if (dsp.kind !== 'switch-downstream') continue;
          const n = eps.length;
          if (groupedEndpointsBelow(topo, dsp.id, details.groupOf, eps).length > n) dsps.push(dsp);
        }
        if (dsps.length < 2) continue;
        const leaky = dsps.filter((dsp) => !details.acsEnabled(dsp).isolated);
        if (!leaky.length) continue;
        const groups = new Set<IommuGroup>();
        for (const e of eps) groups.add(details.groupOf.get(e.id)!);
        if (groups.size < 2) continue;
        out.push({
          code: 'GRP001',
          severity: 'warning',
          message: `${topo.kindDevLabel(usp)}: endpoints under different downstream ports are in ${groups.size} different iommu_groups, but ${leaky.map((dsp) => topo.label(dsp)).join(', ')} ${leaky.length === 1 ? 'lacks' : 'lack'} ACS, so P2P between them bypasses the IOMMU`,
          explanation: explain(details, leaky),
          elementId: usp.id,
          related: eps.map((e) => ({ id: e.id, message: `${topo.label(e)} is in iommu_group ${details.groupOf.get(e.id)!.number}` })),
          kernel: this.meta.kernel,
        });
      }
    }
    return out;
  },
};

/** GRP001's explanation, naming why each of the `leaky` downstream ports is not ACS-isolating. */
function explain(details: GroupingDetails, leaky: readonly PciDevice[]): string {
  const why = concatPieces((i) => `${i ? '; ' : ''}${details.topology.label(leaky[i])}: ${details.acsEnabled(leaky[i]).why}`, 0, leaky.length);
  return `The path from the switch to the root bus is ACS-isolated, so \`pci_device_group\` stops at each downstream port and gives every downstream-port subtree its own group (GRP-PATH-01). It never checks the downstream ports against each other. Without ACS P2P Request Redirect on a downstream port (${why}), the switch forwards a transaction from one endpoint straight to a sibling port, and the IOMMU never sees it. Assigning these endpoints to different VMs (or one to the host) is therefore not isolated, although VFIO allows it. Jason Gunthorpe's unmerged series would merge these groups (GRP-FUT-01).`;
}

/**
 * The endpoints below `id` that have an iommu_group, appended to `out` depth-first in probe order (the order of
 * `topo.subtree(id)`, without building the whole subtree first).
 */
function groupedEndpointsBelow(topo: HostTopology, id: string, groupOf: ReadonlyMap<string, unknown>, out: PciDevice[]): PciDevice[] {
  for (const c of topo.children(id)) {
    if (ENDPOINT_KINDS.has(c.kind) && groupOf.has(c.id)) out.push(c);
    groupedEndpointsBelow(topo, c.id, groupOf, out);
  }
  return out;
}
