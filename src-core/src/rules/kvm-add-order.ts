import { GATES, since } from '../kernel-gates.js';
import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome, relIommu } from './vfio-common.js';

/**
 * KVM007: box 3 with a kvm-vfio device that KVM still counts coherent because the VMM adds each VFIO group before
 * `VFIO_GROUP_SET_CONTAINER` (`kvm-vfio-add before-container`): ≤ 5.18 the ADD fails with -EINVAL, 5.19–6.1 the last
 * group added has no container yet and counts as coherent (KVM-VFIO-01/02). The outcome code comes from vm/kvm.ts.
 */
export const kvmAddOrderRule: Rule = {
  meta: {
    code: 'KVM007',
    title: 'kvm-vfio group added before its container: KVM counts no-snoop DMA as coherent',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'The VMM adds each VFIO group to the kvm-vfio device before VFIO_GROUP_SET_CONTAINER (`kvm-vfio-add before-container`), the IOMMU does not block no-snoop and the device may use it (box 3). Up to 5.18 the ADD fails with -EINVAL (it needs a container user), so KVM never learns of the group; on 5.19–6.1 a group without a container counts as coherent, and KVM keeps the answer of the last ADD. Either way WBINVD stays a no-op. From 6.2 KVM reads static device caps and the order does not matter.',
    kernel: [
      { rule: 'KVM-VFIO-01', source: 'virt/kvm/vfio.c:kvm_vfio_set_group (5.15: vfio_group_get_external_user), kvm_vfio_file_add (6.1)', versions: '≤ 6.1' },
      { rule: 'KVM-VFIO-02', source: 'virt/kvm/vfio.c:kvm_vfio_update_coherency; drivers/vfio/vfio.c:vfio_file_enforced_coherent (5.19–6.1: no container → coherent)', versions: '5.19–6.1' },
      { rule: 'KVM-X86-WBINVD-01', source: 'arch/x86/kvm/x86.c:need_emulate_wbinvd', versions: 'all' },
    ],
    fix: 'Add each group to the kvm-vfio device after VFIO_GROUP_SET_CONTAINER, as QEMU does (`kvm-vfio-add after-container`), or run kernel 6.2 or newer.',
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM007', (v) => {
      const reason = noBlockReason(v.iommu, v.kernel, v.host);
      const failed = !since(v.kernel, GATES.kvmVfioAnyGroupFile);
      const what = failed
        ? `On ${kernelLabel(v)} KVM_DEV_VFIO_GROUP_ADD takes a container user (vfio_group_get_external_user), so adding a group that has no container yet fails with -EINVAL: KVM holds none of VM ${v.vm.name}'s groups (if the VMM goes on after the error).`
        : `On ${kernelLabel(v)} a group file without a container counts as coherent (vfio_file_enforced_coherent), and KVM recomputes only on the next ADD or DEL: at the last ADD the last group opened had no container yet, and no group added before it made the VM noncoherent.`;
      return {
        code: 'KVM007',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: kvm-vfio group added before its container → KVM counts no-snoop DMA as coherent, guest WBINVD is a no-op (silent corruption risk)`,
        explanation: `${reason}, so the device's no-snoop TLPs bypass CPU caches (box 3). VM ${v.vm.name} adds each VFIO group to the kvm-vfio device before VFIO_GROUP_SET_CONTAINER. ${what} KVM therefore never registers noncoherent DMA: WBINVD stays a NOP and guest memory types are ignored. **The kernel logs nothing.** From 6.2 KVM reads each file's static IOMMU_CAP_ENFORCE_CACHE_COHERENCY instead, and the order no longer matters.`,
        elementId: v.outcome.deviceId,
        related: [...relIommu(v.iommu, reason), { id: v.vm.id, message: `VM ${v.vm.name} adds its VFIO groups to kvm-vfio before setting their container` }],
        kernel: this.meta.kernel,
        outcome: { step: failed ? 'KVM_DEV_VFIO_GROUP_ADD (-EINVAL)' : 'guest WBINVD (kvm_emulate_wbinvd)' },
        fixes: [{ kind: 'set-kvm-vfio-add', vmId: v.vm.id, order: 'after-container' }],
      };
    });
  },
};
