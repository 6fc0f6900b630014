/**
 * KVM-X86-MEMTYPE-01: the memory types a guest's RAM gets in the second-stage page tables, which decide whether the
 * guest's own cache attributes (PAT, MTRRs) take effect; it matters with no-snoop DMA, where the guest maps buffers
 * uncached or write-combining. Intel EPT depends on whether KVM was told about noncoherent DMA; AMD NPT never does.
 * Sources: S-5.15 / S-6.1 `arch/x86/kvm/vmx/vmx.c:vmx_get_mt_mask`; S-6.12 / S-7.2 `vmx.c:vmx_ignore_guest_pat`,
 * `vmx_get_mt_mask`, `mmu/mmu.c:kvm_mmu_may_ignore_guest_pat`.
 */
import { GATES, since } from '../kernel-gates.js';
import { formatKernel } from '../kernel-version.js';
import type { Host, KernelVersion } from '../model.js';
import { isX86Host } from '../arch.js';

/** The CPU's virtualization extension, as the model can tell it: from the host's IOMMU vendor (VT-d ⇒ VMX, AMD-Vi ⇒ SVM). */
export function x86VirtExtension(host: Host): 'vmx' | 'svm' | undefined {
  if (!isX86Host(host)) return undefined;
  if (host.iommus.some((u) => u.driver === 'intel-vtd')) return 'vmx';
  if (host.iommus.some((u) => u.driver === 'amd-vi')) return 'svm';
  return undefined;
}

/**
 * One sentence on the guest RAM memory types for a VM on `host` whose KVM was (`noncoherent`) or was not told about
 * noncoherent DMA; undefined when the host is not x86 or its CPU vendor cannot be told. `kernel` undefined = newest.
 */
export function guestMemtypeText(host: Host, kernel: KernelVersion | undefined, noncoherent: boolean): string | undefined {
  const ext = x86VirtExtension(host);
  if (!ext) return undefined;
  const k = kernel ? formatKernel(kernel) : 'current kernels';
  if (ext === 'svm') return `AMD NPT: the guest's PAT always combines with the host's; noncoherent DMA changes only WBINVD, not memory types (KVM-X86-MEMTYPE-01)`;
  const newer = since(kernel, GATES.kvmGuestPat);
  if (!noncoherent) {
    return newer
      ? `Intel EPT on ${k}: guest RAM is WB with IPAT, so the guest's PAT is ignored (KVM_X86_QUIRK_IGNORE_GUEST_PAT, on by default; from 6.16 a VMM may turn it off on CPUs with self-snoop) (KVM-X86-MEMTYPE-01)`
      : `Intel EPT on ${k}: guest RAM is WB with IPAT, so the guest's PAT and MTRRs are ignored (KVM-X86-MEMTYPE-01)`;
  }
  return newer
    ? `Intel EPT on ${k}: noncoherent DMA, so guest RAM is WB without IPAT and the guest's PAT decides (guest MTRRs are no longer virtualized since 6.11) (KVM-X86-MEMTYPE-01)`
    : `Intel EPT on ${k}: noncoherent DMA, so the memory type comes from the guest's MTRRs without IPAT and its PAT is honoured; with CR0.CD set, UC (or WB with KVM_X86_QUIRK_CD_NW_CLEARED) (KVM-X86-MEMTYPE-01)`;
}
