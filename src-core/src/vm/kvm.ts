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
 * - A VMM that adds each group before `VFIO_GROUP_SET_CONTAINER` (`vm.kvmVfioAddBeforeContainer`, type1 group files):
 *   ≤ 5.18 every ADD fails with -EINVAL (it takes a container user), so KVM holds no file and none is counted;
 *   5.19–6.1 KVM keeps what it computed at the last ADD, when the last group opened had no container yet (counted
 *   coherent) and the container held the domains of the groups before it. ≥ 6.2 the order does not matter.
 * - ≥ 6.2: static caps: a group file is coherent iff every assigned device of the group has
 *   IOMMU_CAP_ENFORCE_CACHE_COHERENCY; a cdev file iff its device has it. Domain state is not consulted.
 * Only successfully opened devices are added (the VMM adds the fds it holds). Source: virt/kvm/vfio.c:
 * kvm_vfio_update_coherency; drivers/vfio/vfio_main.c:vfio_file_enforced_coherent; drivers/vfio/group.c:
 * vfio_group_enforced_coherent.
 */
export function noncoherentDevices(run: VmRun, ok: AttachOutcome[], type1Domains: Type1Domain[]): string[] {
  if (!since(run.kernel, GATES.kvmStaticCoherency)) {
    const counted = addedBeforeContainer(run) ? filesAtLastAdd(run, ok) : ok;
    const used = new Set(counted.map((o) => o.domain));
    const allCoherent = type1Domains.filter((d) => used.has(d.label)).every((d) => d.flag);
    return allCoherent ? [] : counted.map((o) => o.deviceId);
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

/** The VM adds type1 group files to kvm-vfio before setting their container, on a kernel where that order matters (≤ 6.1). */
export function addedBeforeContainer(run: VmRun): boolean {
  return run.vm.kvmVfio && run.vm.kvmVfioAddBeforeContainer === true && run.vm.backend === 'vfio-type1' && !since(run.kernel, GATES.kvmStaticCoherency);
}

/**
 * The opened devices whose group files KVM answers for with their container after the last ADD of a VMM that adds
 * before `VFIO_GROUP_SET_CONTAINER` (KVM-VFIO-01/02): none ≤ 5.18 (every ADD fails with -EINVAL); 5.19–6.1 those of
 * every group but the last one opened (groups are added in first-open order, one file per group), whose file had
 * no container at its ADD and so counted as coherent.
 */
function filesAtLastAdd(run: VmRun, ok: AttachOutcome[]): AttachOutcome[] {
  if (!since(run.kernel, GATES.kvmVfioAnyGroupFile) || ok.length === 0) return [];
  let last: unknown;
  const seen = new Set<unknown>();
  for (const o of ok) {
    const g = run.group(o.deviceId);
    if (!seen.has(g)) {
      seen.add(g);
      last = g;
    }
  }
  return ok.filter((o) => run.group(o.deviceId) !== last);
}

/**
 * Box and KVM finding codes for each successfully attached device:
 * - x86, box 3, no kvm-vfio → KVM001 (KVM-NOHOOK-01); box 3 with a kvm-vfio device only assumed (unknown VMM) → KVM006;
 * - x86, box 3, kvm-vfio but KVM told coherent because of the AMD v2 "lie" → KVM002 (≥ 5.19, where
 *   amd_iommu_enforce_cache_coherency exists, IOMMU-ENF-01; `caps/enforce.ts:enforceCap` gates `enforceIsReportedOnly`);
 * - x86, ≥ 6.2, box 3, static ENFORCE but the domain is not enforced, with kvm-vfio → KVM004 (IOMMUFD-CC-02 derived;
 *   box 3 per KVM-BOX-01: a device that does not use no-snoop, box 4, is fine with KVM treating it as coherent, and
 *   gets no code);
 * - x86, ≤ 6.1, box 3, kvm-vfio but KVM coherent because the VMM adds each group before its container (ADD fails
 *   ≤ 5.18; the last group counts as coherent 5.19–6.1, KVM-VFIO-01/02) → KVM007;
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
    else if (o.box === 3 && !kvmNoncoherent && addedBeforeContainer(run)) addCode(o, 'KVM007');
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
