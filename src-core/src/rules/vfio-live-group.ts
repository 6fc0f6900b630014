import { GATES, since } from '../kernel-gates.js';
import type { HostAnalysis, IommuGroup, VmAnalysis } from '../analysis.js';
import { formatBdf } from '../bdf.js';
import { effectiveKernel } from '../caps/platform.js';
import type { Finding } from '../findings.js';
import { formatKernel } from '../kernel-version.js';
import { BRIDGE_KINDS, type KernelVersion, type PciDevice, type Vm } from '../model.js';
import { legacyAnyDriverViable } from '../vm/ownership.js';
import type { Rule, RuleContext } from './rule.js';
import { devLabel, relVm } from './vfio-common.js';

/**
 * The iommu_groups a VM holds while it runs: those of its devices, when every device attached. A device that fails
 * makes the VMM abort the start (QEMU exits when a vfio-pci device fails to realize), and the error path closes the
 * group and container / iommufd fds, so a VM whose start fails holds nothing. Map from the group to the ids of the
 * VM's devices in it, in attach order.
 */
function groupsHeld(va: VmAnalysis, ha: HostAnalysis): Map<IommuGroup, string[]> {
  const used = new Map<IommuGroup, string[]>();
  if (!va.attach.every((o) => o.ok)) return used;
  for (const o of va.attach) {
    const g = ha.grouping.groupOf.get(o.deviceId);
    if (!g) continue;
    const ids = used.get(g);
    if (ids) ids.push(o.deviceId);
    else used.set(g, [o.deviceId]);
  }
  return used;
}

/** A member without a driver of an iommu_group a VM holds, that the VM was not assigned. */
interface UnboundMember {
  vm: Vm;
  /** The host's kernel, or the assumed one when it declares none (`kernelAssumed`). */
  kernel: KernelVersion;
  kernelAssumed: boolean;
  group: IommuGroup;
  /** The VM's devices in that group. */
  inVm: string[];
  id: string;
  device: PciDevice;
}

/**
 * Every {@link UnboundMember} (driver `none`, so unknown drivers are not judged) of the VMs `vmApplies` accepts, on the
 * kernels `kernelApplies` accepts (an undeclared kernel is {@link effectiveKernel}'s), except the members `exempt` says.
 */
function unboundMembers(ctx: RuleContext, vmApplies: (vm: Vm) => boolean, kernelApplies: (k: KernelVersion) => boolean, exempt: (d: PciDevice) => boolean): UnboundMember[] {
  const out: UnboundMember[] = [];
  for (const vm of ctx.topology.vms) {
    if (!vmApplies(vm)) continue;
    const va = ctx.vms.get(vm.id);
    const ha = ctx.hosts.get(vm.hostId);
    if (!va || !ha) continue;
    const kernel = effectiveKernel(ha.kernel);
    if (!kernelApplies(kernel)) continue;
    const assigned = new Set(vm.assignedIds);
    for (const [group, inVm] of groupsHeld(va, ha)) {
      for (const id of group.deviceIds) {
        const device = ctx.device(id);
        if (device && !assigned.has(id) && device.driver === null && !exempt(device)) out.push({ vm, kernel, kernelAssumed: ha.kernel === undefined, group, inVm, id, device });
      }
    }
  }
  return out;
}

/** What VIA008 and VIA009 share: the finding's element and related elements (the VM, and its devices in the group). */
function memberPlace(m: UnboundMember, holds: string): Pick<Finding, 'elementId' | 'related'> {
  const { vm } = m;
  return {
    elementId: m.id,
    related: [relVm(vm, `VM ${vm.name} ${holds} this iommu_group`), ...m.inVm.map((x) => ({ id: x, message: `assigned to VM ${vm.name}, same iommu_group` }))],
  };
}

/** The quick fixes of VIA008 and VIA009: bind the member to vfio-pci, or assign it to the VM too. */
function memberFixes(m: UnboundMember): Finding['fixes'] {
  return [
    { kind: 'set-driver', deviceId: m.id, driver: 'vfio-pci' },
    { kind: 'assign-devices', vmId: m.vm.id, deviceIds: [m.id] },
  ];
}

/**
 * VIA008 (VFIO-GRP-04, ≤ 5.18): an iommu_group a VM uses through the legacy VFIO container has another member with no
 * driver. The group stays viable (an unbound device is allowed), but vfio checks a driver only after it has bound: the
 * group notifier gets `IOMMU_GROUP_NOTIFY_BOUND_DRIVER`, finds a driver outside the allow-list (VFIO-GRP-03) on a
 * group with container users, and hits `BUG_ON`. So a host driver binding to that member while the VM runs (a module
 * load, a PCI rescan, a hotplug, a udev rule) crashes the host. Bridges are exempt (any driver is allowed on a
 * non-normal header), and members whose driver is unknown are not judged. 5.19 replaced the notifier by the DMA
 * ownership count (VFIO-GRP-05), which refuses such a bind instead.
 * Source: drivers/vfio/vfio.c:vfio_iommu_group_notifier, vfio_group_nb_verify (≤ 5.18); removed by 3b86f317c9c7
 * "vfio: Remove iommu group notifier" (5.19).
 */
export const vfioLiveGroupRule: Rule = {
  meta: {
    code: 'VIA008',
    title: 'unbound group member can crash the host (≤ 5.18)',
    defaultSeverity: 'warning',
    summary:
      'Kernel ≤ 5.18: a device of an iommu_group that a VM uses has no driver. If a host driver binds to it while the VM runs (module load, rescan, hotplug), vfio_iommu_group_notifier hits a BUG_ON and the host crashes.',
    kernel: [{ rule: 'VFIO-GRP-04', source: 'drivers/vfio/vfio.c:vfio_iommu_group_notifier, vfio_group_nb_verify', versions: '≤ 5.18', commit: '3b86f317c9c7 (removed, 5.19)' }],
    fix: 'Bind the member to vfio-pci (or pci-stub) before starting the VM, or assign it to the VM too.',
  },
  check(ctx) {
    // iommufd needs ≥ 6.2, where the notifier is gone; groups with container users are those of devices the VM got
    return unboundMembers(ctx, (vm) => vm.backend === 'vfio-type1', (k) => !since(k, GATES.dmaOwnership), legacyAnyDriverViable).map((m) => {
      const { vm, kernel, group: g, id, device: d } = m;
      return {
        code: 'VIA008',
        severity: 'warning',
        message: `${devLabel(d, id)} has no driver while VM ${vm.name} uses its iommu_group ${g.number} (kernel ${formatKernel(kernel)}): a host driver binding to it then crashes the host (BUG_ON in vfio_iommu_group_notifier)`,
        explanation: `Before 5.19 an unbound device keeps its iommu_group viable, so VM ${vm.name} starts. But vfio judges a driver only after it has bound: \`vfio_iommu_group_notifier\` gets IOMMU_GROUP_NOTIFY_BOUND_DRIVER, and for a driver other than a VFIO driver or pci-stub on a group with container users it hits \`BUG_ON\` (a kernel oops; with panic_on_oops a host panic). Any later bind does it: loading the device's module, \`echo 1 > /sys/bus/pci/rescan\`, a hotplug, a udev rule or driverctl. Binding the device to vfio-pci (or pci-stub) first, or giving it to the VM too, leaves nothing to bind. 5.19 replaced the notifier by DMA ownership (VFIO-GRP-05), which refuses the bind instead.`,
        ...memberPlace(m, 'uses'),
        kernel: this.meta.kernel,
        fixes: memberFixes(m),
      };
    });
  },
};

/**
 * VIA009 (VFIO-GRP-06, ≥ 5.19): an iommu_group a VM holds (legacy container or iommufd) has another member with no
 * driver. While VFIO or iommufd owns the group, binding a driver without `driver_managed_dma` to another member fails
 * in `really_probe` before the driver's probe runs: `pci_dma_configure` → `iommu_device_use_default_domain` returns
 * -EBUSY. No "probe … failed" line is printed (that comes only from `call_driver_probe`), so auto-probe silently leaves
 * the device without a driver and a manual `echo BDF > /sys/bus/pci/drivers/X/bind` returns -EBUSY, until the VM
 * releases the group. Information only: the host is safe (this replaced the ≤ 5.18 BUG_ON of VIA008), but the device
 * is unusable on the host while the VM runs. Bridges are exempt (ports bind pcieport, which sets `driver_managed_dma`,
 * VFIO-GRP-05; shpchp on a conventional bridge would not, but rarely binds on its own), and members whose driver is
 * unknown are not judged.
 * Source: drivers/base/dd.c:really_probe (dma_configure failure path), drivers/pci/pci-driver.c:pci_dma_configure
 * (S-6.1); drivers/iommu/iommu.c:iommu_device_use_default_domain (S-6.12); 5.19+ (1ea2a07a532b, 512881eacfa7).
 */
export const vfioOwnedGroupRule: Rule = {
  meta: {
    code: 'VIA009',
    title: 'unbound group member cannot get a host driver while the VM runs (≥ 5.19)',
    defaultSeverity: 'info',
    summary:
      'Kernel ≥ 5.19: a device of an iommu_group that a VM holds has no driver. While the VM runs, binding a host driver to it fails with -EBUSY in dma_configure (nothing in dmesg); it stays driverless until the VM releases the group.',
    kernel: [
      { rule: 'VFIO-GRP-06', source: 'drivers/base/dd.c:really_probe, drivers/pci/pci-driver.c:pci_dma_configure, drivers/iommu/iommu.c:iommu_device_use_default_domain', versions: '≥ 5.19', commit: '1ea2a07a532b, 512881eacfa7' },
    ],
    fix: 'Bind the member to vfio-pci to reserve it for VFIO explicitly, or assign it to the VM too.',
  },
  check(ctx) {
    // bridges: ports bind pcieport, which sets driver_managed_dma (a conventional or PCIe-to-PCI bridge could get
    // shpchp, which does not, but that rarely binds on its own); ≤ 5.18 is VIA008
    return unboundMembers(ctx, () => true, (k) => since(k, GATES.dmaOwnership), (d) => BRIDGE_KINDS.has(d.kind)).map((m) => {
      const { vm, kernel, group: g, id, device: d } = m;
      const owner = vm.backend === 'vfio-type1' ? 'VFIO (its legacy container)' : 'its iommufd context';
      return {
        code: 'VIA009',
        severity: 'info',
        message: `${devLabel(d, id)} has no driver and cannot get one while VM ${vm.name} holds its iommu_group ${g.number}: a host driver bind fails with -EBUSY, with nothing in dmesg (kernel ${formatKernel(kernel)}${m.kernelAssumed ? ', assumed' : ''})`,
        explanation: `Since 5.19 an iommu_group has one DMA owner. VM ${vm.name} makes ${owner} the owner of iommu_group ${g.number} when it starts, and from then on \`really_probe\` refuses every driver without \`driver_managed_dma\` on the other members: \`pci_dma_configure\` → \`iommu_device_use_default_domain\` returns -EBUSY before the driver's probe runs. That path prints no "probe … failed" line, so auto-probe (module load, rescan, hotplug) silently leaves ${devLabel(d, id)} without a driver, and \`echo ${formatBdf(d.bdf)} > /sys/bus/pci/drivers/<driver>/bind\` returns -EBUSY. The host stays safe (before 5.19 the same bind crashed it, VIA008); the device is usable on the host again once the VM stops. Binding it to vfio-pci makes the reservation explicit, and assigning it gives it to the guest.`,
        ...memberPlace(m, 'holds'),
        kernel: this.meta.kernel,
        fixes: memberFixes(m),
      };
    });
  },
};
