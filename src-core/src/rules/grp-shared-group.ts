import type { IommuGroup } from '../analysis.js';
import type { Finding, RelatedElement } from '../findings.js';
import { ENDPOINT_KINDS, isBridge } from '../groups/index.js';
import { GATES, since } from '../kernel-gates.js';
import type { KernelVersion, PciDevice } from '../model.js';
import { isDriverManagedDma } from '../vm/drivers.js';
import { concatPieces, hostGroupings, members } from './grp-common.js';
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
    for (const { details, kernel } of hostGroupings(ctx)) {
      const topo = details.topology;
      const uniqueIds = topo.uniqueIds;
      const groups = details.groups;
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k];
        if (g.deviceIds.length < 2) continue;
        const devs = members(details, g);
        const first = firstEndpoint(devs);
        if (!first) continue;
        // the reason text of each member: at its own index in `g.reasons` when they line up, else looked up by id
        const byId = memberReasons(g, devs, uniqueIds);
        // one pass over the members, each named up to three times below (labels are formatted once per run)
        let firstLabel = '';
        // the labels of the other members and of those of them that are not bridges, as the message lists them
        let others = '';
        let endpoints = '';
        let nOthers = 0;
        let nEndpoints = 0;
        // ≥ 5.19: bridges bound to a driver that claims DMA (shpchp, not pcieport) block the group like an endpoint would
        let blockingBridges = '';
        // one entry per other member (`first` is normally there once; the list is cut if it repeats)
        const related: RelatedElement[] = new Array(devs.length - 1);
        for (let i = 0; i < devs.length; i++) {
          const d = devs[i];
          const label = topo.label(d);
          const reason = byId ? byId[i] : g.reasons[i].text;
          if (d === first) {
            firstLabel = label;
            continue;
          }
          others += nOthers ? `, ${label}` : label;
          if (!isBridge(d)) endpoints += nEndpoints++ ? `, ${label}` : label;
          else if (typeof d.driver === 'string' && since(kernel, GATES.dmaOwnership) && !isDriverManagedDma(d.driver)) blockingBridges += `${blockingBridges ? ', ' : ''}${label} bound to ${d.driver}`;
          related[nOthers++] = { id: d.id, message: reason ?? `in iommu_group ${g.number}` };
        }
        if (nOthers < related.length) related.length = nOthers;
        // the member lines as pieces (not a lines array and its join, which would copy them all once more)
        const lines = concatPieces((j) => `\n- ${topo.label(devs[j])}: ${(byId ? byId[j] : g.reasons[j].text) ?? ''}`, 0, devs.length);
        const explanation = `Members and why they are in this group:${lines}\n\nThe group number is the expected IDA order (GRP-ORD-01); the real number may differ, membership does not.`;
        out.push({
          code: 'GRP002',
          severity: 'info',
          message: shareMessage({ first: firstLabel, others, endpoints, nEndpoints, hasBridges: nOthers > nEndpoints, group: g.number, kernel, blockingBridges }),
          explanation,
          elementId: first.id,
          related,
          kernel: this.meta.kernel,
        });
      }
    }
    return out;
  },
};

/**
 * The reason text recorded for each of `devs` (the group's members, in order), the first one recorded for its id;
 * undefined when each member's reason is the one at its own index in `g.reasons` (the normal case: one reason per
 * member, added together). Otherwise, or when ids may repeat, the reasons are looked up by id.
 */
function memberReasons(g: IommuGroup, devs: readonly PciDevice[], uniqueIds: boolean): (string | undefined)[] | undefined {
  const rs = g.reasons;
  let aligned = uniqueIds && rs.length === devs.length;
  for (let i = 0; aligned && i < devs.length; i++) aligned = rs[i].deviceId === devs[i].id;
  if (aligned) return undefined;
  const byId = new Map<string, string>();
  for (const r of rs) if (!byId.has(r.deviceId)) byId.set(r.deviceId, r.text);
  return devs.map((d) => byId.get(d.id));
}

/** The first member that is an endpoint (the device GRP002 reports on), or undefined. */
function firstEndpoint(devs: readonly PciDevice[]): PciDevice | undefined {
  for (let i = 0; i < devs.length; i++) if (ENDPOINT_KINDS.has(devs[i].kind)) return devs[i];
  return undefined;
}

/** What {@link shareMessage} words: labels are `name (BDF)`, lists are `, `-separated labels. */
interface ShareParts {
  /** The first endpoint of the group (the device GRP002 is on). */
  first: string;
  /** Every other member. */
  others: string;
  /** The other members that are not bridges, and how many. */
  endpoints: string;
  nEndpoints: number;
  /** Some other member is a bridge. */
  hasBridges: boolean;
  /** The group number (expected IDA order). */
  group: number;
  kernel: KernelVersion;
  /** The bridges bound to a driver that claims DMA (≥ 5.19), as `br (…) bound to shpchp`; empty when none. */
  blockingBridges: string;
}

/**
 * "X shares iommu_group N with A, B; to assign it, A and B must be bound to vfio-pci, pci-stub or no driver and go to
 * no other VM (bridges may stay bound to pcieport)". VFIO takes the group as a whole: the other endpoints need not be
 * assigned too, but no host driver may use them (VFIO-GRP-03 / VFIO-GRP-05) and no other VM may hold the group
 * (VIA002). Bridges: up to 5.18 any driver is fine (`vfio_dev_viable` skips non-normal header types); from 5.19 only
 * pcieport or no driver (`driver_managed_dma`), and `blockingBridges` names those bound to another.
 */
function shareMessage({ first, others, endpoints, nEndpoints, hasBridges, group: n, kernel, blockingBridges }: ShareParts): string {
  const head = `${first} shares iommu_group ${n} with ${others}`;
  // the drivers a bridge may stay bound to when the group is assigned
  const bridgeDrivers = since(kernel, GATES.dmaOwnership) ? 'pcieport' : 'any driver';
  if (!nEndpoints) {
    if (blockingBridges) return `${head}; only bridges, but to assign it they must be bound to pcieport or no driver (${blockingBridges})`;
    return `${head}; only bridges, which may stay bound to ${bridgeDrivers} when it is assigned`;
  }
  const also = blockingBridges ? `, and the bridges to pcieport or no driver (${blockingBridges})` : '';
  return `${head}; to assign it, ${endpoints} must be bound to vfio-pci, pci-stub or no driver${also} and go to no other VM${hasBridges && !blockingBridges ? ` (bridges may stay bound to ${bridgeDrivers})` : ''}`;
}
