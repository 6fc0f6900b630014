import { GATES, since } from '../kernel-gates.js';
import type { FixHint } from '../findings.js';
import type { Rule } from './rule.js';
import { devLabel, errnoAt, kernelLabel, otherVmsAssigning, outcomeOf, perOutcome } from './vfio-common.js';

/**
 * VIA001: the device's iommu_group is not viable (≤ 5.18, VFIO-GRP-03) or its DMA ownership cannot be claimed
 * (≥ 5.19, VFIO-GRP-05 / VFIO-GRP-07) because another member is bound to a host DMA driver.
 */
export const vfioViabilityRule: Rule = {
  meta: {
    code: 'VIA001',
    title: 'iommu_group not viable / DMA ownership conflict',
    defaultSeverity: 'error',
    summary:
      'Another device of the iommu_group is bound to a host driver that does DMA through the kernel. ≥ 5.19 VFIO cannot claim DMA ownership of the group (-EPERM at VFIO_GROUP_SET_CONTAINER, or at bind with iommufd); ≤ 5.18 the group is not viable and VFIO_GROUP_GET_DEVICE_FD fails with -EINVAL.',
    kernel: [
      { rule: 'VFIO-GRP-03', source: 'drivers/vfio/vfio.c:vfio_dev_viable, vfio_group_get_device_fd', versions: '≤ 5.18' },
      { rule: 'VFIO-GRP-05', source: 'drivers/iommu/iommu.c:iommu_group_claim_dma_owner; drivers/vfio/container.c:vfio_container_attach_group', versions: '≥ 5.19', commit: '1ea2a07a532b, 70693f470848' },
      { rule: 'VFIO-GRP-07', source: 'drivers/iommu/iommufd/device.c:iommufd_device_bind', versions: '≥ 6.2' },
    ],
    fix: 'Assign the whole group to the VM with the other members bound to vfio-pci (the preferred quick fix), or only assign them (the VMM must then rebind them, VIA004), or bind the other member to vfio-pci (or unbind it). A group member another VM assigns splits the group: the fixes take it out of that VM (else it fails with VIA002), or the VM gives up its device and leaves the group to the other VM.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA001', (v) => {
      const conflicts = v.detail.conflicts ?? [];
      const names = conflicts.map((c) => `${devLabel(ctx.device(c.deviceId), c.deviceId)} bound to ${c.driver}`).join(', ');
      const modern = since(v.kernel, GATES.dmaOwnership);
      const g = v.hostAnalysis.grouping.groupOf.get(v.outcome.deviceId);
      const explanation = modern
        ? `On ${kernelLabel(v)} every iommu_group has a DMA owner count. A driver without \`driver_managed_dma\` (here: ${names}) counts as a kernel DMA user (\`pci_dma_configure\` → \`iommu_device_use_default_domain\`), so \`iommu_group_claim_dma_owner\` / \`iommu_device_claim_dma_owner\` refuses VFIO with -EPERM. Only vfio-pci and its variants, pci-stub and pcieport leave the group free. The VMM fails at ${v.outcome.step}; nothing is printed in the kernel log.`
        : `On ${kernelLabel(v)} a group is viable only if every member has no driver, a VFIO driver, pci-stub, or is a bridge. ${names} breaks that, so \`vfio_group_get_device_fd\` returns -EINVAL although VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU succeeded. Binding such a driver while the group is in use would even hit a BUG_ON (VFIO-GRP-04).`;
      // with iommufd-cdev, into the HWPT block the device is attached to (the first listing it): a group member in
      // another HWPT, or on the automatic domain, is HWPT001
      const hwpt = v.vm.backend === 'iommufd-cdev' ? v.vm.hwpts.find((h) => h.deviceIds.includes(v.outcome.deviceId)) : undefined;
      const assign: FixHint = { kind: 'assign-devices', vmId: v.vm.id, deviceIds: conflicts.map((c) => c.deviceId), ...(hwpt ? { hwptId: hwpt.id } : {}) };
      // the group goes to whichever VM starts first, so a group member another VM assigns (a conflict or any other
      // member) splits it: every fix that lets this VM start also takes those members out of the other VMs, else they
      // fail with VIA002 once this VM holds the group; or this VM gives its device up and leaves the group to them
      const moves: Extract<FixHint, { kind: 'unassign-device' }>[] = [];
      for (const id of g?.deviceIds ?? []) {
        for (const o of otherVmsAssigning(ctx, v.vm, id)) moves.push({ kind: 'unassign-device', vmId: o.id, deviceId: id });
      }
      const withMoves = (f: FixHint): FixHint => (moves.length ? { kind: 'all-of', fixes: [f, ...moves] } : f);
      const elsewhere = new Set(moves.map((m) => m.deviceId));
      const toVfio: FixHint[] = conflicts.map((c) => ({ kind: 'set-driver', deviceId: c.deviceId, driver: 'vfio-pci' }));
      // binding or unbinding a member another VM assigns would only move the failure there
      const local = conflicts.filter((c) => !elsewhere.has(c.deviceId));
      const fixes: FixHint[] = [
        // first the whole group with its members bound to vfio-pci (assigned as they are, each would be VIA004 until
        // the VMM rebinds it), then each step alone
        { kind: 'all-of', fixes: [assign, ...moves, ...toVfio] },
        withMoves(assign),
        ...local.map((c) => withMoves({ kind: 'set-driver', deviceId: c.deviceId, driver: 'vfio-pci' })),
        ...local.map((c) => withMoves({ kind: 'set-driver', deviceId: c.deviceId, driver: null })),
        ...(moves.length ? [{ kind: 'unassign-device' as const, vmId: v.vm.id, deviceId: v.outcome.deviceId }] : []),
      ];
      return {
        code: 'VIA001',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: iommu_group ${g?.number ?? '?'} is not usable, ${names} → ${errnoAt(v.outcome)}`,
        explanation,
        elementId: v.outcome.deviceId,
        related: [
          ...conflicts.map((c) => {
            // a member another VM assigns keeps its host driver until that VM's VMM rebinds it, and a group cannot go
            // to two VMs anyway (VIA002)
            const other = otherVmsAssigning(ctx, v.vm, c.deviceId)[0];
            return { id: c.deviceId, message: `same iommu_group, bound to host driver ${c.driver}${other ? ` (VM ${other.name} assigns it too, but a group cannot be split between VMs)` : ''}` };
          }),
          // the other members another VM assigns: the split the fixes resolve
          ...[...elsewhere].filter((id) => id !== v.outcome.deviceId && !conflicts.some((c) => c.deviceId === id)).map((id) => ({
            id,
            message: `same iommu_group, assigned to VM ${otherVmsAssigning(ctx, v.vm, id).map((o) => o.name).join(', ')}: a group cannot be split between VMs`,
          })),
        ],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes,
      };
    });
  },
};
