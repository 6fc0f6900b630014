/**
 * Derived facts the simulator computes once per topology and that every consumer (rules, hover, inlay hints,
 * the CLI's JSON output) reads. Shapes only; computed in `groups/`, `caps.ts` and `vm/`.
 */
import type { Finding } from './findings.js';
import type { BootParamEffect } from './boot-params.js';
import type { KernelVersion } from './model.js';
import type { DefaultDomain, DomainPolicy } from './groups/default-domain.js';

/** Why a device ended up in its group (for hovers): one step of GRP-ALG-01. */
export interface GroupReason {
  deviceId: string;
  /** e.g. `acs-path` (joined the highest non-ACS bridge), `alias`, `multifunction`, `root-bus`, `own`. */
  kind: 'own' | 'acs-path' | 'dma-alias' | 'multifunction' | 'vmd' | 'no-iommu';
  /** The device whose group it joined (bridge, sibling function, alias), if any. */
  viaId?: string;
  /** Human sentence, e.g. "root port 00:1c.0 has no ACS capability". */
  text: string;
}

/** One computed iommu_group. */
export interface IommuGroup {
  /** Expected group number (IDA order, GRP-ORD-01); real numbers may differ, membership is exact. */
  number: number;
  /** Member device ids in probe order. */
  deviceIds: string[];
  iommuId?: string;
  reasons: GroupReason[];
}

export interface GroupingResult {
  groups: IommuGroup[];
  /** device id → its group; devices not translated by any IOMMU are absent. */
  groupOf: Map<string, IommuGroup>;
  /** Whether ACS was enabled before grouping (GRP-ACS-06) for this host. */
  acsEnabledBeforeGrouping: boolean;
  /** Effective ACS Control value used per device id (after cmdline and kernel enabling, GRP-ACS-05 / GRP-CMD-*). */
  effectiveAcsCtl: Map<string, number | null>;
}

/** Per-device capabilities as the kernel would answer them (IOMMU-CC-02, IOMMU-ENF-03, VFIO-IR-*). */
export interface DeviceCaps {
  deviceId: string;
  iommuId?: string;
  /** `device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY)`. */
  cacheCoherency: boolean;
  /** The IOMMU can block no-snoop for this device: enforce_cache_coherency would succeed / ENFORCE cap. */
  enforceCoherency: boolean;
  /** The enforce answer is a lie (AMD v2 page table, IOMMU-ENF-01 caveat): reported true, not blocked. */
  enforceIsReportedOnly: boolean;
  /** `msi_device_has_isolated_msi` (≥ 6.3) or the legacy global/cap answer (≤ 6.2). */
  isolatedMsi: boolean;
  /** Does the device's DMA snoop CPU caches on its own (firmware dma-coherent / x86 always)? */
  dmaCoherent: boolean;
}

export interface HostAnalysis {
  hostId: string;
  /** Effective kernel (declared, or the default option). */
  kernel?: KernelVersion;
  grouping: GroupingResult;
  caps: Map<string, DeviceCaps>;
  /** Ids of the host's devices. */
  deviceIds?: ReadonlySet<string>;
  /** Command-line switches that turned translation or interrupt remapping off (already applied). */
  bootParams?: BootParamEffect[];
  /** The host-wide default-domain policy: pass-through or translated, strict or lazy, and why (DOM-DEF-01/02). */
  domainPolicy?: DomainPolicy;
  /** Group number → its predicted default domain, `/sys/kernel/iommu_groups/<N>/type` (DOM-DEF-01..03). */
  defaultDomains?: Map<number, DefaultDomain>;
}

/** Alex Williamson's no-snoop matrix box for one assigned device (KVM-BOX-01). */
export type CoherencyBox = 1 | 2 | 3 | 4;

/** Outcome of one assigned device when the VMM starts the VM, step by step as the kernel sees it. */
export interface AttachOutcome {
  deviceId: string;
  ok: boolean;
  /** The step that fails, or the last step when ok (e.g. `VFIO_GROUP_SET_CONTAINER`, `VFIO_DEVICE_BIND_IOMMUFD`). */
  step: string;
  errno?: string;
  kernelMessage?: string;
  /** Label of the type1 domain / iommufd HWPT the device's group ends up in (e.g. `domain#1 (enforced)`). */
  domain?: string;
  /** Does that domain block no-snoop (enforce_cache_coherency)? */
  domainEnforced?: boolean;
  box?: CoherencyBox;
  /** Codes of findings that explain a failure or risk on this device. */
  codes: string[];
}

export interface VmAnalysis {
  vmId: string;
  attach: AttachOutcome[];
  /** KVM was told about noncoherent DMA (kvm_arch_register_noncoherent_dma), KVM-VFIO-02. */
  kvmNoncoherent: boolean;
  /** Guest WBINVD: really flushes (`emulated`) or is skipped (`nop`), KVM-X86-WBINVD-01. */
  wbinvd: 'nop' | 'emulated' | 'not-applicable';
}

export interface SimulationResult {
  findings: Finding[];
  hosts: Map<string, HostAnalysis>;
  vms: Map<string, VmAnalysis>;
}

export interface SimulationOptions {
  /** Kernel assumed for hosts without `kernel` (editor setting `iommu.defaultKernel`). */
  defaultKernel?: KernelVersion;
  /**
   * Simulate every host as if it booted this kernel, whatever its `kernel` line says (`iommu-topo upgrade --to`).
   * Default: none (each host's own kernel, else `defaultKernel`).
   */
  kernelOverride?: KernelVersion;
  /** Assume stable backports are present (reference §0.3). Default true. */
  stableBackports?: boolean;
}
