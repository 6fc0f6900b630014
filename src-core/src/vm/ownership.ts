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
 * Members with no driver (`null`) or an unknown driver (`undefined`) never conflict.
 * `assigned` = ids the VM assigns; `elsewhere` = ids held by other VMs (reported as VIA002 instead).
 * `device` looks a member up on the host (default: `host.devices.find`; pass an index for O(1)).
 */
export function ownershipConflicts(
  host: Host,
  group: IommuGroup,
  kernel: KernelVersion,
  assigned: IdSet,
  elsewhere: IdSet,
  device: (id: string) => PciDevice | undefined = (id) => host.devices.find((x) => x.id === id),
): OwnershipConflict[] {
  const out: OwnershipConflict[] = [];
  for (let i = 0; i < group.deviceIds.length; i++) {
    const id = group.deviceIds[i];
    if (assigned.has(id) || elsewhere.has(id)) continue;
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

/** Who assigns what on one host: see {@link VmAssignments}. */
interface HostAssignments {
  /** Device id → the ids of the VMs assigning it, in `topology.vms` order (each once). */
  assignedBy: Map<string, string[]>;
  /** The holder of each group, for the grouping it was built with (dropped when a VM is marked failed). */
  holders?: { analysis: HostAnalysis; byGroup: Map<IommuGroup, GroupHolder> };
}

/**
 * Which VMs assign which devices, indexed once per simulation for the questions every VM asks: the ids other VMs
 * on its host assign (the `elsewhere` set) and which VM holds a group ({@link holder}). Asking them of each of V VMs
 * directly walks all VMs each time (O(V²) in all); the index walks them once per host.
 *
 * VMs start in `topology.vms` order, and a VM whose start-up fails ({@link markFailed}: the VMM exits, as QEMU does
 * when a vfio-pci device cannot be realized) holds nothing afterwards: its groups' files are closed again, so a later
 * VM can open them (VFIO-GRP-01: `-EBUSY` only "while another open file exists").
 */
export class VmAssignments {
  private readonly byHost = new Map<string, HostAssignments>();
  private readonly failed = new Set<string>();

  constructor(private readonly topology: Topology) {}

  /** Ids assigned by VMs on `vm`'s host whose id is not `vm.id` and that have not failed. */
  elsewhere(vm: Vm): IdSet {
    const assignedBy = this.host(vm.hostId).assignedBy;
    const failed = this.failed;
    return {
      has(id: string) {
        const by = assignedBy.get(id);
        if (!by) return false;
        for (let i = 0; i < by.length; i++) if (by[i] !== vm.id && !failed.has(by[i])) return true;
        return false;
      },
    };
  }

  /**
   * VFIO-GRP-02/07: the VM holding `group` when `vm` starts: the first VM on the same host (in `topology.vms` order)
   * that assigns a device of the group and has not failed ({@link markFailed}), with its first such device; undefined
   * when that is `vm` itself (or none does).
   */
  holder(vm: Vm, analysis: HostAnalysis, group: IommuGroup): GroupHolder | undefined {
    const a = this.host(vm.hostId);
    if (a.holders?.analysis !== analysis) {
      const byGroup = new Map<IommuGroup, GroupHolder>();
      for (const other of this.topology.vms) {
        if (other.hostId !== vm.hostId || this.failed.has(other.id)) continue;
        for (let i = 0; i < other.assignedIds.length; i++) {
          const id = other.assignedIds[i];
          const g = analysis.grouping.groupOf.get(id);
          if (g && !byGroup.has(g)) byGroup.set(g, { vm: other, deviceId: id });
        }
      }
      a.holders = { analysis, byGroup };
    }
    const holder = a.holders.byGroup.get(group);
    return holder && holder.vm.id !== vm.id ? holder : undefined;
  }

  /** `vm`'s start-up failed: from now on it holds no group and assigns nothing as far as later VMs are concerned. */
  markFailed(vm: Vm): void {
    if (this.failed.has(vm.id)) return;
    this.failed.add(vm.id);
    const a = this.byHost.get(vm.hostId);
    if (a) a.holders = undefined;
  }

  private host(hostId: string): HostAssignments {
    let a = this.byHost.get(hostId);
    if (!a) {
      const assignedBy = new Map<string, string[]>();
      for (const other of this.topology.vms) {
        if (other.hostId !== hostId) continue;
        for (let i = 0; i < other.assignedIds.length; i++) {
          const id = other.assignedIds[i];
          const by = assignedBy.get(id);
          if (!by) assignedBy.set(id, [other.id]);
          else if (by[by.length - 1] !== other.id) by.push(other.id);
        }
      }
      a = { assignedBy };
      this.byHost.set(hostId, a);
    }
    return a;
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
