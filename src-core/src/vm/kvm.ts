/** The KVM side: kvm-vfio coherency, WBINVD and the no-snoop box (KVM-VFIO-02, KVM-X86-WBINVD-01, KVM-BOX-01). */
import { GATES, since } from '../kernel-gates.js';
import type { AttachOutcome, CoherencyBox } from '../analysis.js';
import { attachDetail, setAttachDetail } from './details.js';
import { addCode, type VmRun } from './run.js';
import type { Type1Domain } from './type1.js';
import { kvmVfioSource } from './vmm.js';

/**
 * KVM-BOX-01: 1 = IOMMU blocks no-snoop and the device uses it; 2 = blocks, does not use; 3 = does not block,
 * uses; 4 = neither.
 */
export function coherencyBox(iommuBlocksNoSnoop: boolean, usesNoSnoop: boolean): CoherencyBox {
  if (iommuBlocksNoSnoop) return usesNoSnoop ? 1 : 2;
  return usesNoSnoop ? 3 : 4;
}

/**
 * KVM-VFIO-02: ids of the VM's attached devices whose kvm-vfio file KVM considers not enforced-coherent.
 * - ≤ 5.18: the container answers VFIO_DMA_CC_IOMMU = all type1 domains have IOMMU_CACHE (container-wide).
 * - 5.19–6.1: all type1 domains have `enforce_cache_coherency` (container-wide).
 * - ≥ 6.2: static caps: a group file is coherent iff every assigned device of the group has
 *   IOMMU_CAP_ENFORCE_CACHE_COHERENCY; a cdev file iff its device has it. Domain state is not consulted.
 * Only successfully opened devices are added (the VMM adds the fds it holds). Source: virt/kvm/vfio.c:
 * kvm_vfio_update_coherency; drivers/vfio/vfio_main.c:vfio_file_enforced_coherent; drivers/vfio/group.c:
 * vfio_group_enforced_coherent.
 */
export function noncoherentDevices(run: VmRun, ok: AttachOutcome[], type1Domains: Type1Domain[]): string[] {
  if (!since(run.kernel, GATES.kvmStaticCoherency)) {
    const used = new Set(ok.map((o) => o.domain));
    const allCoherent = type1Domains.filter((d) => used.has(d.label)).every((d) => d.flag);
    return allCoherent ? [] : ok.map((o) => o.deviceId);
  }
  if (run.vm.backend === 'iommufd-cdev') return ok.filter((o) => run.caps(o.deviceId)?.enforceCoherency !== true).map((o) => o.deviceId);
  const out: string[] = [];
  for (const o of ok) {
    const g = run.group(o.deviceId);
    const peers = ok.filter((p) => run.group(p.deviceId) === g);
    if (!peers.every((p) => run.caps(p.deviceId)?.enforceCoherency === true)) out.push(o.deviceId);
  }
  return out;
}

/**
 * Box and KVM finding codes for each successfully attached device:
 * - x86, box 3, no kvm-vfio → KVM001 (KVM-NOHOOK-01); box 3 with a kvm-vfio device only assumed (unknown VMM) → KVM006;
 * - x86, box 3, kvm-vfio but KVM told coherent because of the AMD v2 "lie" → KVM002 (≥ 5.19, where
 *   amd_iommu_enforce_cache_coherency exists, IOMMU-ENF-01; `caps/enforce.ts:enforceCap` gates `enforceIsReportedOnly`);
 * - x86, ≥ 6.2, box 3, static ENFORCE but the domain is not enforced, with kvm-vfio → KVM004 (IOMMUFD-CC-02 derived;
 *   box 3 per KVM-BOX-01: a device that does not use no-snoop, box 4, is fine with KVM treating it as coherent, and
 *   gets no code);
 * - x86, domain does not block no-snoop and KVM is noncoherent → KVM003 (WBINVD emulated, guest PAT/MTRR);
 * - non-x86, not dma-coherent or using no-snoop, and no enforcing IOMMU → KVM005.
 * "Uses no-snoop" = `vm.guestNoSnoop ?? device.noSnoop`, unknown → assumed to use it.
 */
export function applyBoxes(run: VmRun, ok: AttachOutcome[], kvmNoncoherent: boolean, x86: boolean): void {
  for (const o of ok) {
    const d = run.device(o.deviceId);
    const caps = run.caps(o.deviceId);
    const stated = run.vm.guestNoSnoop ?? d?.noSnoop;
    const uses = stated ?? true;
    const blocks = o.domainEnforced === true && caps?.enforceIsReportedOnly !== true;
    o.box = coherencyBox(blocks, uses);
    setAttachDetail(o, { usesNoSnoop: uses, noSnoopAssumed: stated === undefined });
    if (!x86) {
      if (!blocks && (uses || caps?.dmaCoherent !== true)) addCode(o, 'KVM005');
      continue;
    }
    if (!run.vm.kvmVfio) {
      if (o.box === 3) addCode(o, 'KVM001');
      continue;
    }
    // box 3 rests on a kvm-vfio device nobody stated (an unknown VMM): without it, this would be KVM001
    if (o.box === 3 && kvmVfioSource(run.vm) === 'assumed') addCode(o, 'KVM006');
    if (o.box === 3 && !kvmNoncoherent && caps?.enforceIsReportedOnly === true) addCode(o, 'KVM002');
    else if (since(run.kernel, GATES.kvmStaticCoherency) && caps?.enforceCoherency === true && o.domainEnforced === false) {
      // box 4 (no no-snoop used): KVM taking the device as coherent is harmless; no KVM003 either, whose reason
      // ("<unit> has no snoop control") would be wrong for a unit that can force-snoop
      if (o.box === 3) addCode(o, 'KVM004');
    } else if (!blocks && kvmNoncoherent) addCode(o, 'KVM003');
  }
}

/** Whether an outcome's box came from an assumed no-snoop value (for explanations). */
export function noSnoopAssumed(o: AttachOutcome): boolean {
  return attachDetail(o).noSnoopAssumed === true;
}
