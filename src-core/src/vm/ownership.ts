/** Group viability and DMA ownership across VMs (VFIO-GRP-01/02/03/05/07/08). */
import type { HostAnalysis, IommuGroup } from '../analysis.js';
import { atLeast } from '../kernel-version.js';
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
  assigned: ReadonlySet<string>,
  elsewhere: ReadonlySet<string>,
  device: (id: string) => PciDevice | undefined = (id) => host.devices.find((x) => x.id === id),
): OwnershipConflict[] {
  const out: OwnershipConflict[] = [];
  for (const id of group.deviceIds) {
    if (assigned.has(id) || elsewhere.has(id)) continue;
    const d = device(id);
    if (!d || typeof d.driver !== 'string') continue;
    const bad = atLeast(kernel, 5, 19) ? !isDriverManagedDma(d.driver) : !(BRIDGE_KINDS.has(d.kind) || isLegacyAllowedDriver(d.driver));
    if (bad) out.push({ deviceId: id, driver: d.driver });
  }
  return out;
}

/** The VM (earlier in `topology.vms`, same host) that already holds a group, and one of its devices there. */
export interface GroupHolder {
  vm: Vm;
  deviceId: string;
}

/**
 * VFIO-GRP-02/07: the first VM (in `topology.vms` order) on the same host that assigns a device of `group`
 * holds it; later VMs fail. Returns the holder when it is not `vm` itself.
 */
export function groupHolder(topology: Topology, vm: Vm, analysis: HostAnalysis, group: IommuGroup): GroupHolder | undefined {
  for (const other of topology.vms) {
    if (other.hostId !== vm.hostId) continue;
    const hit = other.assignedIds.find((id) => analysis.grouping.groupOf.get(id) === group);
    if (hit === undefined) continue;
    return other.id === vm.id ? undefined : { vm: other, deviceId: hit };
  }
  return undefined;
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
