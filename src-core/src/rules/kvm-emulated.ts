import { GATES, since } from '../kernel-gates.js';
import { intelUnitsWithoutSnoop } from '../caps/cache-coherency.js';
import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome, relIommu, type OutcomeView } from './vfio-common.js';

/** Why the device's domain does not block no-snoop, in a few words for the message: the unit, or the global rule up to 5.18. */
function shortNoBlock(v: OutcomeView): string {
  if (!v.iommu) return 'no IOMMU';
  if (v.iommu.driver === 'intel-vtd') {
    if (since(v.kernel, GATES.intelPerUnitSnoop)) return `${v.iommu.name} has no snoop control`;
    const lacking = intelUnitsWithoutSnoop(v.host).map((u) => u.name);
    return `up to 5.18 no VT-d domain gets IOMMU_CACHE while ${lacking.length ? lacking.join(', ') : 'a unit'} lacks snoop control`;
  }
  return `${v.iommu.name}: ${v.outcome.domain ?? 'its domain'} does not enforce coherency`;
}

/** KVM003: non-enforced domain with kvm-vfio: KVM emulates WBINVD and honours guest memory types (KVM-VFIO-02). */
export const kvmEmulatedRule: Rule = {
  meta: {
    code: 'KVM003',
    title: 'noncoherent DMA: KVM emulates WBINVD',
    readsCaps: true,
    defaultSeverity: 'info',
    summary:
      'The device is in a domain that does not block no-snoop and the VMM uses kvm-vfio, so KVM registers noncoherent DMA: guest WBINVD really flushes and (Intel EPT) guest memory types are honoured. If the device uses no-snoop (box 3 of the KVM-BOX-01 matrix), this emulation is what keeps it safe; if it does not (box 4), the VM pays for the flushes without needing them.',
    kernel: [
      { rule: 'KVM-VFIO-02', source: 'virt/kvm/vfio.c:kvm_vfio_update_coherency', versions: 'all' },
      { rule: 'KVM-X86-WBINVD-01', source: 'arch/x86/kvm/x86.c:kvm_emulate_wbinvd_noskip', versions: 'all' },
      { rule: 'KVM-X86-MEMTYPE-01', source: 'arch/x86/kvm/vmx/vmx.c:vmx_get_mt_mask', versions: '≤ 6.10 guest MTRR; ≥ 6.11 guest PAT' },
    ],
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM003', (v) => {
      const ept = since(v.kernel, GATES.kvmGuestPat)
        ? 'On Intel (≥ 6.11) EPT maps guest RAM WB without IPAT, so the guest PAT decides the memory type.'
        : 'On Intel (≤ 6.10) EPT takes the memory type from the guest MTRRs without IPAT, so guest PAT is honoured too; MTRR writes and CR0.CD toggles zap SPTEs.';
      const box = v.outcome.box === 3 ? 'The device may use no-snoop (box 3): this is what makes it safe.' : 'The device does not use no-snoop (box 4): the flushes cost time (an IPI and WBINVD per CPU the vCPU ran on) without protecting anything.';
      return {
        code: 'KVM003',
        severity: 'info',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no-snoop not blocked (${shortNoBlock(v)}); KVM emulates WBINVD (box ${v.outcome.box})`,
        explanation: `${noBlockReason(v.iommu, v.kernel, v.host)}. With the kvm-vfio device, KVM on ${kernelLabel(v)} counts the VM as having noncoherent DMA, so a guest WBINVD runs WBINVD on every physical CPU the vCPU ran on (IPIs). ${ept} On AMD NPT only WBINVD changes. ${box}`,
        elementId: v.outcome.deviceId,
        related: relIommu(v.iommu, noBlockReason(v.iommu, v.kernel, v.host)),
        kernel: this.meta.kernel,
      };
    });
  },
};
