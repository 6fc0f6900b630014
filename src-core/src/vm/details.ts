/**
 * Extra facts about one {@link AttachOutcome} that the rules need to word their findings (which group member
 * conflicts, which other VM holds the group, ...). Kept beside the outcome in a WeakMap so the shared
 * `AttachOutcome` shape stays as declared in `analysis.ts`.
 */
import type { AttachOutcome, VmAnalysis } from '../analysis.js';
import type { KernelVersion } from '../model.js';
import type { DirectMappingCheck } from './direct-mapping.js';

/** A group member that keeps the group non-viable / owned by the kernel (VFIO-GRP-03/05). */
export interface OwnershipConflict {
  deviceId: string;
  /** Its bound host driver. */
  driver: string;
}

/** A domain / HWPT that already existed when the device's group got its own (VFIO-T1-SHARE-01). */
export interface DomainPeer {
  label: string;
  /** enforce_cache_coherency (≥ 5.19) or IOMMU_CACHE prot (≤ 5.18) of that domain. */
  flag: boolean;
  /** ops key (driver[:pgtable]) of that domain. */
  ops: string;
}

export interface AttachDetail {
  iommuId?: string;
  groupNumber?: number;
  /** VIA001 */
  conflicts?: OwnershipConflict[];
  /** VIA002: the VM that already holds the group, and the device there. */
  otherVmId?: string;
  otherDeviceId?: string;
  /** T1001: existing domains the group could not share, and this domain's flag / ops. */
  domainPeers?: DomainPeer[];
  domainFlag?: boolean;
  domainOps?: string;
  /** T1002 / HWPT001: the HWPT that refused the device and the device it was allocated by. */
  hwptName?: string;
  hwptFirstDeviceId?: string;
  /**
   * T1002: why the HWPT refused the device: `force-snoop` (enforced HWPT, device cannot force-snoop), `upgrade`
   * (6.2–6.6: the non-enforced HWPT could not be upgraded for this capable device), `instance` (an ARM SMMU domain of
   * another SMMU instance).
   */
  hwptRefusal?: 'force-snoop' | 'upgrade' | 'instance';
  /** HWPT001: the device's own HWPT (its `hwpt` block's id), and the group's HWPT: a `hwpt` block's id, or undefined when iommufd allocated it (auto domain). */
  hwptOwnId?: string;
  hwptGroupId?: string;
  /** IR003: `vfio_iommu_type1.allow_unsafe_interrupts` is set but ignored on the iommufd path. */
  type1ParamIgnored?: boolean;
  /** IR001-IR004: where the MSI check ran. */
  irStage?: 'type1-attach' | 'iommufd-bind' | 'iommufd-attach';
  /** VIA007: the PF's enabled virtual functions. */
  vfIds?: string[];
  /** DOM001: the group's members that require a direct mapping, and the check that applies (DOM-RESV-01). */
  directMappingIds?: string[];
  directMappingCheck?: DirectMappingCheck;
  /** KVM-BOX-01 inputs. */
  usesNoSnoop?: boolean;
  noSnoopAssumed?: boolean;
}

/** VM-wide facts (kernel used, arch, why KVM is (non)coherent). */
export interface VmDetail {
  kernel: KernelVersion;
  kernelAssumed: boolean;
  x86: boolean;
  /** Ids of devices whose vfio file KVM treats as not coherent (KVM-VFIO-02). */
  noncoherentDeviceIds: string[];
}

const attachDetails = new WeakMap<AttachOutcome, AttachDetail>();
const vmDetails = new WeakMap<VmAnalysis, VmDetail>();

/**
 * Record details for an outcome (merged into any earlier record). The first call stores a copy of `d`, later ones
 * assign into that copy: the same keys in the same order as merging into a new object each time (a key keeps its
 * first place, a new key goes last), without an object and a map update per call.
 */
export function setAttachDetail(o: AttachOutcome, d: AttachDetail): void {
  const earlier = attachDetails.get(o);
  if (earlier) Object.assign(earlier, d);
  else attachDetails.set(o, { ...d });
}

/** Details of an outcome produced by `simulateVm`; `{}` for foreign objects. */
export function attachDetail(o: AttachOutcome): AttachDetail {
  return attachDetails.get(o) ?? {};
}

export function setVmDetail(v: VmAnalysis, d: VmDetail): void {
  vmDetails.set(v, d);
}

/** VM-wide details of an analysis produced by `simulateVm`; undefined for foreign objects. */
export function vmDetail(v: VmAnalysis): VmDetail | undefined {
  return vmDetails.get(v);
}
