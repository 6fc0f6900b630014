import { effectiveKernel } from '../caps/platform.js';
import type { IommuGroup } from '../analysis.js';
import type { Finding } from '../findings.js';
import type { Vm } from '../model.js';
import { GATES, since } from '../kernel-gates.js';
import { formatKernel } from '../kernel-version.js';
import { devLabel } from './vfio-common.js';
import type { Rule } from './rule.js';

/**
 * MDL010: a VM's `hwpt` blocks on a backend that cannot name a HW page table. Only the VFIO device cdev
 * (`iommufd-cdev`, ≥ 6.6) attaches a device to a HWPT chosen by the VMM (`VFIO_DEVICE_ATTACH_IOMMUFD_PT` with the id
 * `IOMMU_HWPT_ALLOC` returned, IOMMUFD-CC-02); the group fd paths (`vfio-type1`, and `iommufd-compat`, where iommufd
 * stands in for the container) attach whole groups to the container's domains or the IOAS's automatic HWPTs. The
 * simulator assigns the block's devices and ignores the block, so what the user meant is not what is simulated.
 */
export const hwptWithoutCdevRule: Rule = {
  meta: {
    code: 'MDL010',
    title: '`hwpt` block on a backend without manual HWPTs',
    summary:
      'A VM declares a `hwpt` block but its backend is `vfio-type1` or `iommufd-compat`. Only the VFIO device cdev (`backend iommufd-cdev`) can attach a device to a manually allocated HWPT (IOMMU_HWPT_ALLOC + VFIO_DEVICE_ATTACH_IOMMUFD_PT); on the group fd paths the container or the IOAS picks the domains. The devices are simulated as assigned and the block is ignored.',
    defaultSeverity: 'warning',
    kernel: [
      { rule: 'IOMMUFD-CC-02', source: 'drivers/iommu/iommufd/hw_pagetable.c:iommufd_hwpt_alloc; drivers/vfio/device_cdev.c:vfio_df_ioctl_attach_pt', versions: '≥ 6.6 (device cdev)' },
      { rule: 'VFIO-GRP-08', source: 'drivers/vfio/device_cdev.c:vfio_df_ioctl_bind_iommufd', versions: '≥ 6.6' },
    ],
    fix: 'Turn the block into an `assign` line (the quick fix; nothing simulated changes), or use `backend iommufd-cdev` (from 6.6, and when the blocks keep each iommu_group on one HWPT; a quick fix too, after which the block takes effect and is checked).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const vm of ctx.topology.vms) {
      if (vm.backend === 'iommufd-cdev' || !vm.hwpts.length) continue;
      // the cdev exists from 6.6 (VFIO-GRP-08): before, switching backends would fail the VM (KVER001), so no fix
      const kernel = effectiveKernel(ctx.hosts.get(vm.hostId)?.kernel);
      // and not when the blocks split an iommu_group (a member on another HWPT or none): with the cdev they would take
      // effect and the split fail (HWPT001), trading this warning for an error
      const cdev = since(kernel, GATES.vfioCdev) && !splitsGroup(vm, ctx.hosts.get(vm.hostId)?.grouping.groupOf);
      for (const h of vm.hwpts) {
        out.push({
          code: this.meta.code,
          severity: this.meta.defaultSeverity,
          message: `hwpt ${h.name} in VM ${vm.name}: backend ${vm.backend} cannot attach devices to a manual HWPT; the block is ignored and its devices are simulated as assigned`,
          explanation: `A manual HWPT is allocated with IOMMU_HWPT_ALLOC and a device is put on it with VFIO_DEVICE_ATTACH_IOMMUFD_PT, an ioctl of the VFIO device cdev (\`/dev/vfio/devices/vfioX\`, ≥ 6.6${cdev ? '' : `; not on ${formatKernel(kernel)}, so the block cannot take effect on this kernel`}). With \`backend ${vm.backend}\` the VMM opens group fds: ${vm.backend === 'vfio-type1' ? 'the type1 container creates and shares its own IOMMU domains' : 'iommufd stands in for the container and attaches each group to an automatic HWPT of the IOAS'}, and no HWPT can be named. The simulator therefore assigns the block's devices and ignores the grouping it asks for.`,
          elementId: h.id,
          related: [{ id: vm.id, message: `backend ${vm.backend}` }],
          kernel: this.meta.kernel,
          // first the fix that changes no outcome (the block as the assign line it is simulated as); the backend switch
          // makes the block take effect, with what that brings (HWPT001, T1002, IR003 at bind), so it is not preferred
          fixes: [{ kind: 'hwpt-to-assign', vmId: vm.id, hwptId: h.id }, ...(cdev ? [{ kind: 'set-backend' as const, vmId: vm.id, backend: 'iommufd-cdev' }] : [])],
        });
      }
    }
    return out;
  },
};

/**
 * Whether `vm`'s devices of one iommu_group would go to different HW page tables on the device cdev: each device to
 * the first `hwpt` block listing it, else to the automatic one, and two members of a group to different ones (the
 * split HWPT001 reports, IOMMUFD-CC-02). False without a grouping (`groupOf` undefined).
 */
function splitsGroup(vm: Vm, groupOf: ReadonlyMap<string, IommuGroup> | undefined): boolean {
  if (!groupOf) return false;
  const target = new Map<string, string>();
  for (const h of vm.hwpts) for (const id of h.deviceIds) if (!target.has(id)) target.set(id, h.id);
  const byGroup = new Map<IommuGroup, string>();
  for (const id of [...vm.assignedIds, ...target.keys()]) {
    const g = groupOf.get(id);
    if (!g) continue;
    const t = target.get(id) ?? '';
    const seen = byGroup.get(g);
    if (seen === undefined) byGroup.set(g, t);
    else if (seen !== t) return true;
  }
  return false;
}

/**
 * MDL011: a device listed in two `hwpt` blocks of one VM. A device is attached to one HW page table at a time; the
 * simulator attaches it through the first block that lists it (vm/iommufd.ts), so a later listing changes nothing.
 */
export const deviceInTwoHwptsRule: Rule = {
  meta: {
    code: 'MDL011',
    title: 'device in two `hwpt` blocks',
    summary:
      'A VM lists one device in two `hwpt` blocks. VFIO_DEVICE_ATTACH_IOMMUFD_PT puts a device on one HW page table (a second attach replaces the first, or fails for a group already attached elsewhere); the simulator attaches it through the first block that lists it, so the later listing changes nothing.',
    defaultSeverity: 'warning',
    kernel: [{ rule: 'VFIO-GRP-07', source: 'drivers/iommu/iommufd/device.c:iommufd_hw_pagetable_attach', versions: '≥ 6.6 (device cdev)' }],
    fix: 'Remove the device from one of the blocks (the quick fix takes it out of the later one).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const vm of ctx.topology.vms) {
      // on the group fd backends every block is ignored (MDL010), and before 6.6 there is no device cdev (KVER001):
      // no block attaches anything
      if (vm.hwpts.length < 2 || vm.backend !== 'iommufd-cdev' || !since(effectiveKernel(ctx.hosts.get(vm.hostId)?.kernel), GATES.vfioCdev)) continue;
      const first = new Map<string, (typeof vm.hwpts)[number]>();
      for (const h of vm.hwpts) {
        for (const id of h.deviceIds) {
          const earlier = first.get(id);
          if (!earlier) {
            first.set(id, h);
            continue;
          }
          if (earlier === h) continue;
          const d = ctx.device(id);
          out.push({
            code: this.meta.code,
            severity: this.meta.defaultSeverity,
            message: `${devLabel(d, id)} in VM ${vm.name} is listed in hwpt ${earlier.name} and hwpt ${h.name}: it is attached through hwpt ${earlier.name}, the first`,
            explanation: `A device is on one HW page table at a time. The simulator attaches it through the first \`hwpt\` block that lists it (hwpt ${earlier.name}); listing it in hwpt ${h.name} too changes nothing. If the device was meant to be on hwpt ${h.name}, remove it from hwpt ${earlier.name}.`,
            elementId: h.id,
            related: [{ id: earlier.id, message: `${d?.name ?? id} is attached through this HWPT` }],
            kernel: this.meta.kernel,
            fixes: [{ kind: 'unlist-from-hwpt', vmId: vm.id, hwptId: h.id, deviceId: id }],
          });
        }
      }
    }
    return out;
  },
};
