import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, perOutcome, relIommu } from './vfio-common.js';
import { hostArch } from '../arch.js';

/** KVM005: non-x86: KVM has no noncoherent-DMA hook; coherency depends on the platform (KVM-NOHOOK-01, KVM-BOX-01). */
export const kvmNonX86Rule: Rule = {
  meta: {
    code: 'KVM005',
    title: 'non-x86: no KVM noncoherent-DMA handling',
    readsCaps: true,
    defaultSeverity: 'warning',
    summary:
      '__KVM_HAVE_ARCH_NONCOHERENT_DMA exists only on x86. On arm64 and others kvm-vfio coherency has no effect, so a device that is not DMA-coherent, or uses no-snoop without an enforcing SMMU (SMMUv3 CANWBS, 6.13+), relies on the platform and the guest for cache maintenance.',
    kernel: [
      { rule: 'KVM-NOHOOK-01', source: 'include/linux/kvm_host.h (kvm_arch_register_noncoherent_dma stubs)', versions: 'all' },
      { rule: 'IOMMU-ENF-01', source: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (CANWBS)', versions: '≥ 6.13' },
    ],
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM005', (v) => {
      const why = [
        v.caps?.dmaCoherent ? undefined : 'the device is not firmware dma-coherent',
        v.detail.usesNoSnoop ? `it may use no-snoop${v.detail.noSnoopAssumed ? ' (not stated, assumed)' : ''}` : undefined,
      ].filter(Boolean).join(' and ');
      return {
        code: 'KVM005',
        severity: 'warning',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: ${why}, and KVM on ${hostArch(v.host)} has no noncoherent-DMA hook`,
        explanation: `${noBlockReason(v.iommu, v.kernel, v.host)}. On ${hostArch(v.host)} the kvm-vfio coherency calls are empty stubs: KVM does nothing about noncoherent DMA, whether or not the VMM creates the kvm-vfio device. Correctness depends on the platform interconnect and on the guest doing its own cache maintenance with the right memory attributes.`,
        elementId: v.outcome.deviceId,
        related: relIommu(v.iommu, noBlockReason(v.iommu, v.kernel, v.host)),
        kernel: this.meta.kernel,
      };
    });
  },
};
