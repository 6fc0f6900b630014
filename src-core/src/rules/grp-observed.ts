import type { IommuGroup } from '../analysis.js';
import type { Finding } from '../findings.js';
import type { PciDevice } from '../model.js';
import { hostGroupings, labelSet } from './grp-common.js';
import type { Rule } from './rule.js';

/** GRP003: computed group membership differs from the `observedGroup` recorded on the host. */
export const grpObservedRule: Rule = {
  meta: {
    code: 'GRP003',
    title: 'simulated iommu_group differs from the observed one',
    defaultSeverity: 'warning',
    summary:
      'The importer recorded which devices shared an iommu_group on the real host. The simulator computed a different membership. Either the model misses an input (ACS values, quirks, firmware timing) or the simulator is wrong; both are worth reporting.',
    kernel: [
      { rule: 'GRP-ALG-01', source: 'drivers/iommu/iommu.c:pci_device_group', versions: '5.15–7.2 (unchanged)' },
      { rule: 'GRP-ACS-06', source: 'drivers/pci/pci.c:pci_acs_init, drivers/pci/pci-driver.c:pci_dma_configure', versions: 'timing differs ≤ 6.19 / ≥ 7.0' },
    ],
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { host, details } of hostGroupings(ctx)) {
      const observed = host.devices.filter((d) => d.observedGroup !== undefined);
      if (!observed.length) continue;
      // observed devices by observed group number and by simulated group, each list in probe order
      const byObserved = new Map<number, PciDevice[]>();
      const bySimulated = new Map<IommuGroup, PciDevice[]>();
      for (const o of observed) {
        push(byObserved, o.observedGroup!, o);
        const g = details.groupOf.get(o.id);
        if (g) push(bySimulated, g, o);
      }
      const topo = details.topology;
      const keys = new Map<PciDevice[], string>();
      const key = (xs: PciDevice[]) => {
        let k = keys.get(xs);
        if (k === undefined) keys.set(xs, (k = xs.map((x) => x.id).sort().join(',')));
        return k;
      };
      const seen = new Set<string>();
      for (const d of observed) {
        // NaN never equals itself, so a NaN observed group has no members (not even d)
        const obs = Number.isNaN(d.observedGroup) ? [] : byObserved.get(d.observedGroup!)!;
        const g = details.groupOf.get(d.id);
        const sim: PciDevice[] = g ? bySimulated.get(g)! : [];
        if (g && key(sim) === key(obs)) continue;
        const sig = `${key(sim)}|${key(obs)}`;
        if (seen.has(sig)) continue;
        seen.add(sig);
        const others = (xs: PciDevice[]) => xs.filter((x) => x !== d);
        const together = (xs: PciDevice[]) => (xs.length ? `with ${labelSet(topo, xs)}` : 'alone');
        const simText = g ? `puts ${topo.label(d)} ${together(others(sim))}` : `gives ${topo.label(d)} no iommu_group (${details.ungrouped.get(d.id) ?? 'not grouped'})`;
        const diff = [...sim, ...obs].filter((x, i, a) => a.indexOf(x) === i && x !== d);
        out.push({
          code: 'GRP003',
          severity: 'warning',
          message: `simulator ${simText}; host had ${topo.label(d)} ${together(others(obs))} (iommu_group ${d.observedGroup})`,
          explanation:
            `Only devices with a recorded \`observedGroup\` are compared, by membership (group numbers are not stable, GRP-ORD-01). Typical causes: ACS Control values that differ at group time from what was captured (GRP-ACS-06 timing, setpci after boot, SPT/UPT ports CFG-ACS-03), a quirk or DMA alias the model does not know, or a downstream kernel patch such as pcie_acs_override. ACS timing on this host: ${details.timing.text}.`,
          elementId: d.id,
          related: diff.map((x) => ({ id: x.id, message: `${topo.label(x)}: simulated group ${details.groupOf.get(x.id)?.number ?? 'none'}, observed group ${x.observedGroup}` })),
          kernel: this.meta.kernel,
        });
      }
    }
    return out;
  },
};

function push<K>(index: Map<K, PciDevice[]>, key: K, d: PciDevice): void {
  const list = index.get(key);
  if (list) list.push(d);
  else index.set(key, [d]);
}
