/** Group viability and DMA ownership across VMs (VFIO-GRP-01/02/03/05/07/08). */
import { GATES, since } from '../kernel-gates.js';
import type { HostAnalysis, IommuGroup } from '../analysis.js';
import { BRIDGE_KINDS, type Host, type KernelVersion, type PciDevice, type Topology, type VfioBackend, type Vm } from '../model.js';
import type { OwnershipConflict } from './details.js';
import { isDriverManagedDma, isLegacyAllowedDriver } from './drivers.js';

/**
 * Members of `group` not assigned to the VM that keep it from being used:
 * - ≤ 5.18 (VFIO-GRP-03, `vfio_dev_viable`): bound to a driver that is neither a VFIO bus driver nor
 *   `pci-stub`, unless the member is a bridge (non-normal header type: any driver passes).
 * - ≥ 5.19 (VFIO-GRP-05, `iommu_group_claim_dma_owner`): bound to a driver without `driver_managed_dma`
 *   (bridges included: e.g. `shpchp`; `pcieport` is fine).
 * Members with no driver (`null`) or an unknown driver (`undefined`) never conflict. `assigned` = ids the VM assigns
 * (its VMM rebinds those, VIA004). A member another VM assigns counts with the driver it has: a VM started earlier that
 * holds the group fails this one first (VIA002), and one started later has not rebound its devices yet.
 * `device` looks a member up on the host (default: `host.devices.find`; pass an index for O(1)).
 */
export function ownershipConflicts(
  host: Host,
  group: IommuGroup,
  kernel: KernelVersion,
  assigned: IdSet,
  device: (id: string) => PciDevice | undefined = (id) => host.devices.find((x) => x.id === id),
): OwnershipConflict[] {
  const out: OwnershipConflict[] = [];
  for (let i = 0; i < group.deviceIds.length; i++) {
    const id = group.deviceIds[i];
    if (assigned.has(id)) continue;
    const d = device(id);
    if (!d || typeof d.driver !== 'string') continue;
    const bad = since(kernel, GATES.dmaOwnership) ? !isDriverManagedDma(d.driver) : !(legacyAnyDriverViable(d) || isLegacyAllowedDriver(d.driver));
    if (bad) out.push({ deviceId: id, driver: d.driver });
  }
  return out;
}

/**
 * ≤ 5.18 (VFIO-GRP-03/04): a member whose header type is not normal (a bridge) keeps its group viable with any
 * driver bound, so neither the viability check nor the bound-driver notifier judges its driver.
 * Source: drivers/vfio/vfio.c:vfio_dev_viable (`dev_is_pci(dev) && pdev->hdr_type != PCI_HEADER_TYPE_NORMAL`).
 */
export function legacyAnyDriverViable(d: PciDevice): boolean {
  return BRIDGE_KINDS.has(d.kind);
}

/** The VM (earlier in `topology.vms`, same host) that already holds a group, and one of its devices there. */
export interface GroupHolder {
  vm: Vm;
  deviceId: string;
}

/** What the ownership checks ask of a set of device ids (a `ReadonlySet<string>` will do). */
export interface IdSet {
  has(id: string): boolean;
}

/**
 * Which VM holds each iommu_group as the VMs start, indexed once per host and simulation for the question every VM
 * asks ({@link holder}); asking it of each of V VMs directly walks all VMs each time (O(V²) in all).
 *
 * VMs start in `topology.vms` order, and a VM whose start-up fails ({@link markFailed}: the VMM exits, as QEMU does
 * when a vfio-pci device cannot be realized) holds nothing afterwards: its groups' files are closed again, so a later
 * VM can open them (VFIO-GRP-01: `-EBUSY` only "while another open file exists").
 */
export class VmAssignments {
  /** Per host id: the holder of each group, for the grouping it was built with (dropped when a VM is marked failed). */
  private readonly holders = new Map<string, { analysis: HostAnalysis; byGroup: Map<IommuGroup, GroupHolder> }>();
  private readonly failed = new Set<string>();

  constructor(private readonly topology: Topology) {}

  /**
   * VFIO-GRP-02/07: the VM holding `group` when `vm` starts: the first VM on the same host (in `topology.vms` order)
   * that assigns a device of the group and has not failed ({@link markFailed}), with its first such device; undefined
   * when that is `vm` itself (or none does).
   */
  holder(vm: Vm, analysis: HostAnalysis, group: IommuGroup): GroupHolder | undefined {
    let h = this.holders.get(vm.hostId);
    if (h?.analysis !== analysis) {
      const byGroup = new Map<IommuGroup, GroupHolder>();
      for (const other of this.topology.vms) {
        if (other.hostId !== vm.hostId || this.failed.has(other.id)) continue;
        for (let i = 0; i < other.assignedIds.length; i++) {
          const id = other.assignedIds[i];
          const g = analysis.grouping.groupOf.get(id);
          if (g && !byGroup.has(g)) byGroup.set(g, { vm: other, deviceId: id });
        }
      }
      h = { analysis, byGroup };
      this.holders.set(vm.hostId, h);
    }
    const holder = h.byGroup.get(group);
    return holder && holder.vm.id !== vm.id ? holder : undefined;
  }

  /** `vm`'s start-up failed: from now on it holds no group for the VMs that start after it. */
  markFailed(vm: Vm): void {
    if (this.failed.has(vm.id)) return;
    this.failed.add(vm.id);
    this.holders.delete(vm.hostId);
  }
}

/** Step and errno a second VM gets for a group already held by `holder` (VFIO-GRP-01/02/07/08). */
export interface SplitFailure {
  step: string;
  errno: 'EBUSY' | 'EPERM';
  rule: string;
}

/**
 * - group-fd backends (type1, iommufd-compat): the group character device is single-open, and in ≥ 6.6 cannot
 *   be opened while a member is bound through its cdev → `open(/dev/vfio/<group>)` -EBUSY (VFIO-GRP-01/08).
 * - cdev: binding to a second iommufd context → -EPERM (VFIO-GRP-07); while the other VM holds the group fd
 *   → -EBUSY (VFIO-GRP-08). Both at `VFIO_DEVICE_BIND_IOMMUFD`.
 * Source: drivers/vfio/group.c:vfio_group_fops_open, vfio_device_block_group; drivers/iommu/iommu.c:
 * iommu_device_claim_dma_owner.
 */
export function splitFailure(mine: VfioBackend, holder: VfioBackend, groupNumber: number): SplitFailure {
  if (mine !== 'iommufd-cdev') return { step: `open(/dev/vfio/${groupNumber})`, errno: 'EBUSY', rule: holder === 'iommufd-cdev' ? 'VFIO-GRP-08' : 'VFIO-GRP-01' };
  return holder === 'iommufd-cdev'
    ? { step: 'VFIO_DEVICE_BIND_IOMMUFD', errno: 'EPERM', rule: 'VFIO-GRP-07' }
    : { step: 'VFIO_DEVICE_BIND_IOMMUFD', errno: 'EBUSY', rule: 'VFIO-GRP-08' };
}
