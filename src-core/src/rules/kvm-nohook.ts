import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome, relIommu } from './vfio-common.js';

/** KVM001: box 3 without a kvm-vfio device: non-coherent DMA, WBINVD a no-op → silent corruption (KVM-NOHOOK-01). */
export const kvmNoHookRule: Rule = {
  meta: {
    code: 'KVM001',
    title: 'no-snoop DMA without kvm-vfio: guest cache flushes are ignored',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'The IOMMU does not block no-snoop, the device may use it (box 3), and the VMM does not create the kvm-vfio device. KVM then treats all DMA as coherent: guest WBINVD is a NOP and EPT forces WB, so the device can read stale memory. The kernel prints nothing.',
    kernel: [
      { rule: 'KVM-NOHOOK-01', source: 'virt/kvm/vfio.c (only caller of kvm_arch_register_noncoherent_dma)', versions: 'all' },
      { rule: 'KVM-X86-WBINVD-01', source: 'arch/x86/kvm/x86.c:need_emulate_wbinvd, kvm_emulate_wbinvd_noskip', versions: 'all' },
      { rule: 'KVM-BOX-01', source: 'derived', versions: 'x86' },
    ],
    fix: 'Create the kvm-vfio device in the VMM (KVM_DEV_TYPE_VFIO) and add every group/device fd.',
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM001', (v) => {
      const reason = noBlockReason(v.iommu, v.kernel, v.host);
      const assumed = v.detail.noSnoopAssumed ? ' The device\'s No-Snoop enable is not stated, so the simulator assumes the guest may use it (the guest controls that bit, VFIO-PCI-02).' : '';
      return {
        code: 'KVM001',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no-snoop DMA not blocked and no kvm-vfio device → guest WBINVD is a no-op (silent corruption risk)`,
        explanation: `${reason}, so the device's no-snoop TLPs bypass CPU caches (box 3).${assumed} Only \`virt/kvm/vfio.c\` tells KVM about noncoherent DMA; VM ${v.vm.name} does not create the kvm-vfio device, so on ${kernelLabel(v)} KVM keeps WBINVD a NOP and maps guest memory WB with IPAT, ignoring the guest's UC/WC attempts. The guest driver's cache management has no effect: the device may read stale data and writes may be lost. **The kernel logs nothing.**`,
        elementId: v.outcome.deviceId,
        related: [...relIommu(v.iommu, reason), { id: v.vm.id, message: `VM ${v.vm.name} has no kvm-vfio device` }],
        kernel: this.meta.kernel,
        outcome: { step: 'guest WBINVD (kvm_emulate_wbinvd)' },
        fixes: [{ kind: 'add-kvm-vfio', vmId: v.vm.id }],
      };
    });
  },
};
