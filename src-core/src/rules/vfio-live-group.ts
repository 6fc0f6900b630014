import type { IommuGroup } from '../analysis.js';
import { effectiveKernel } from '../caps/platform.js';
import type { Finding } from '../findings.js';
import { atLeast, formatKernel } from '../kernel-version.js';
import type { Rule } from './rule.js';
import { legacyAnyDriverViable } from '../vm/ownership.js';
import { devLabel, relVm } from './vfio-common.js';

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
    const out: Finding[] = [];
    for (const vm of ctx.topology.vms) {
      if (vm.backend !== 'vfio-type1') continue; // iommufd needs ≥ 6.2, where the notifier is gone
      const va = ctx.vms.get(vm.id);
      const ha = ctx.hosts.get(vm.hostId);
      if (!va || !ha) continue;
      const kernel = effectiveKernel(ha.kernel);
      if (atLeast(kernel, 5, 19)) continue;
      // groups with container users: those of devices the VM got (a failed start releases its container)
      const used = new Map<IommuGroup, string[]>();
      for (const o of va.attach) {
        if (!o.ok) continue;
        const g = ha.grouping.groupOf.get(o.deviceId);
        if (!g) continue;
        const ids = used.get(g);
        if (ids) ids.push(o.deviceId);
        else used.set(g, [o.deviceId]);
      }
      const assigned = new Set(vm.assignedIds);
      for (const [g, inVm] of used) {
        for (const id of g.deviceIds) {
          const d = ctx.device(id);
          if (!d || assigned.has(id) || d.driver !== null || legacyAnyDriverViable(d)) continue;
          out.push({
            code: 'VIA008',
            severity: 'warning',
            message: `${devLabel(d, id)} has no driver while VM ${vm.name} uses its iommu_group ${g.number} (kernel ${formatKernel(kernel)}): a host driver binding to it then crashes the host (BUG_ON in vfio_iommu_group_notifier)`,
            explanation: `Before 5.19 an unbound device keeps its iommu_group viable, so VM ${vm.name} starts. But vfio judges a driver only after it has bound: \`vfio_iommu_group_notifier\` gets IOMMU_GROUP_NOTIFY_BOUND_DRIVER, and for a driver other than a VFIO driver or pci-stub on a group with container users it hits \`BUG_ON\` (a kernel oops; with panic_on_oops a host panic). Any later bind does it: loading the device's module, \`echo 1 > /sys/bus/pci/rescan\`, a hotplug, a udev rule or driverctl. Binding the device to vfio-pci (or pci-stub) first, or giving it to the VM too, leaves nothing to bind. 5.19 replaced the notifier by DMA ownership (VFIO-GRP-05), which refuses the bind instead.`,
            elementId: id,
            related: [relVm(vm, `VM ${vm.name} uses this iommu_group`), ...inVm.map((x) => ({ id: x, message: `assigned to VM ${vm.name}, same iommu_group` }))],
            kernel: this.meta.kernel,
            fixes: [
              { kind: 'set-driver', deviceId: id, driver: 'vfio-pci' },
              { kind: 'assign-devices', vmId: vm.id, deviceIds: [id] },
            ],
          });
        }
      }
    }
    return out;
  },
};
