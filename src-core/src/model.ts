/**
 * The typed topology model the simulator consumes.
 *
 * This is the only input of `src-core`: the language server lowers its AST into it, the importer builds it
 * from sysfs / lspci, and tests build it by hand (see `src-core/test/builders.ts`). Nothing here knows about
 * Langium, LSP or VS Code.
 *
 * Conventions:
 * - Every element has an `id` that is unique inside one {@link Topology}. Findings refer to elements by id;
 *   the caller maps ids back to source ranges.
 * - `undefined` means "not stated / unknown". The simulator must not guess silently: a rule that needs an
 *   unknown input either assumes the documented default or emits an `info` finding saying what it assumed.
 */

/** A PCI address: domain (0..0xffffffff), bus (0..255), device (0..31), function (0..7). */
export interface Bdf {
  domain: number;
  bus: number;
  device: number;
  fn: number;
}

/** ACS feature bits as in the ACS Capability/Control registers (PCIe spec; `include/uapi/linux/pci_regs.h`). */
export const ACS = {
  SV: 0x01,
  TB: 0x02,
  RR: 0x04,
  CR: 0x08,
  UF: 0x10,
  EC: 0x20,
  DT: 0x40,
} as const;
export type AcsFlagName = keyof typeof ACS;

/**
 * ACS extended capability of one function: 7-bit masks of {@link ACS} bits.
 * `ctl` is the Control value *as read after boot* (e.g. from `lspci -vv`), or as written in the topology file.
 * `firmwareCtl` is the Control value firmware left before Linux enabled ACS, when known (used when ACS is not
 * enabled before grouping, GRP-ACS-06, and for `pci=config_acs=`, GRP-CMD-02).
 */
export interface AcsCapability {
  cap: number;
  ctl: number;
  firmwareCtl?: number;
}

/** PCIe Device/Port type (PCIe Capabilities register bits 7:4, CFG-PCIE-01) plus conventional PCI kinds. */
export type PciKind =
  | 'host-bridge' // conventional host bridge function on a root bus (class 0x0600), not PCIe
  | 'root-port' // 0x4
  | 'switch-upstream' // 0x5
  | 'switch-downstream' // 0x6
  | 'pcie-to-pci-bridge' // 0x7
  | 'pci-to-pcie-bridge' // 0x8
  | 'pci-bridge' // conventional PCI-to-PCI bridge (no PCIe capability)
  | 'endpoint' // 0x0
  | 'legacy-endpoint' // 0x1
  | 'rciep' // 0x9
  | 'rc-event-collector' // 0xa
  | 'pci-device'; // conventional PCI function (no PCIe capability)

/** Kinds that have a secondary bus (a PCI header type 1 bridge). */
export const BRIDGE_KINDS: ReadonlySet<PciKind> = new Set<PciKind>([
  'root-port',
  'switch-upstream',
  'switch-downstream',
  'pcie-to-pci-bridge',
  'pci-to-pcie-bridge',
  'pci-bridge',
]);

/** Kinds without a PCI Express capability (conventional PCI for the kernel, GRP-ACS-02 step 2). */
export const CONVENTIONAL_KINDS: ReadonlySet<PciKind> = new Set<PciKind>(['host-bridge', 'pci-bridge', 'pci-device']);

export interface PciDevice {
  id: string;
  /** User-facing name (the DSL identifier), e.g. `gpu`. */
  name: string;
  bdf: Bdf;
  kind: PciKind;
  /** Id of the bridge whose secondary bus this function sits on; undefined = on a root bus. */
  parentId?: string;
  /** Secondary bus number for bridges. Undefined = derived from children (or unknown). */
  secondaryBus?: number;
  vendorId?: number;
  deviceId?: number;
  subsystemVendorId?: number;
  subsystemDeviceId?: number;
  /** 24-bit class code 0xCCSSPP, or the 16-bit 0xCCSS form (the simulator accepts both, see `classBase`). */
  classCode?: number;
  /**
   * Kernel `pdev->multifunction` (GRP-MF-02). Undefined = derive: function > 0 → true; function 0 → true iff
   * another function exists in the same slot. VFs are never multifunction.
   */
  multifunction?: boolean;
  /** ACS extended capability; `null` = known to be absent; `undefined` = unknown (e.g. non-root capture). */
  acs?: AcsCapability | null;
  /** PCIe DevCtl "Enable No Snoop" (bit 11). Guest-controlled under VFIO (VFIO-PCI-02). Undefined = unknown. */
  noSnoop?: boolean;
  /** Firmware-described coherent DMA (`DEV_DMA_COHERENT`, CAP-COH-01). Undefined = arch default. */
  dmaCoherent?: boolean;
  /** Bound host driver name (`vfio-pci`, `nvidia`, `pcieport`, ...); `null` = no driver bound; undefined = unknown. */
  driver?: string | null;
  /** Id of the IOMMU unit translating this device's DMA. Undefined = inherited from the parent / host default. */
  iommuId?: string;
  /** iommu_group number observed on a real host (importer). Used only for the model-vs-host comparison. */
  observedGroup?: number;
  /**
   * `/sys/kernel/iommu_groups/<N>/type` of its group observed on a real host (importer): one of
   * {@link DOMAIN_TYPES}' names (`DMA`, `DMA-FQ`, `identity`, …). Used only for the model-vs-host comparison (DOM003).
   */
  observedDomainType?: string;
  /** SR-IOV virtual function. */
  isVirtualFunction?: boolean;
  /** Extra devfns on the same bus that this function issues DMA as (quirk `dma_alias_mask`, GRP-ALIAS-03). */
  dmaAliasDevfns?: number[];
  /** Firmware requires a 1:1 (`direct`) reserved region (RMRR/IVMD), DOM-RESV-01. */
  requiresDirectMapping?: boolean;
  /** External-facing / untrusted (Thunderbolt). */
  untrusted?: boolean;
  /**
   * Intel PCH root ports only (GRP-QRK-03): the quirk enable hook `pci_quirk_enable_intel_pch_acs` failed on this
   * host (boot log "Failed to enable Intel PCH ACS quirk"), so `pci_quirk_intel_pch_acs` answers "not isolated".
   * Undefined/false = the hook succeeded whenever an IOMMU requested ACS before grouping. Added by the grouping work.
   */
  pchAcsQuirkFailed?: boolean;
}

export type IommuDriver = 'intel-vtd' | 'amd-vi' | 'arm-smmu-v3' | 'arm-smmu' | 'virtio-iommu' | 's390' | 'none';

/**
 * MSI controller / interrupt domain kind that the IOMMU's devices deliver MSIs through.
 * `x86-ir` = Intel DMAR-IR or AMD-IR remapping domain (IRQ_DOMAIN_FLAG_ISOLATED_MSI).
 */
export type MsiController =
  | 'x86-ir'
  | 'x86-vector'
  | 'hyperv-ir'
  | 'gicv3-its'
  | 'gicv3-its-preits'
  | 'gicv2m'
  | 'gicv3-mbi'
  | 'gicv5-its'
  | 'riscv-imsic'
  | 's390-zpci';

export interface Iommu {
  id: string;
  name: string;
  driver: IommuDriver;
  /** Intel ECAP.SC (snoop control). Only meaningful for intel-vtd. */
  snoopControl?: boolean;
  /** Intel scalable mode (ECAP.SMTS and enabled). */
  scalableMode?: boolean;
  /**
   * Interrupt remapping supported by the unit *and enabled* (Intel ECAP.IR on every DRHD, AMD IR on).
   * Undefined = derive from `msi` (`x86-ir` ⇒ true).
   */
  interruptRemapping?: boolean;
  /** Intel ECAP.PT hardware pass-through. */
  passthrough?: boolean;
  /** Intel CAP.CM / AMD NpCache: an emulated IOMMU inside a VM. */
  cachingMode?: boolean;
  /**
   * Intel DRHD whose device scope is the integrated graphics only (a graphics-only unit): `intel_iommu=igfx_off`
   * makes the driver ignore it (DOM-DEF-03).
   */
  graphicsOnly?: boolean;
  /**
   * Set by `applyBootParams` on a unit whose DMA remapping a command-line switch turns off (`intel_iommu=off`,
   * `intel_iommu=igfx_off` for a graphics-only unit, `iommu=off`), whose `driver` it then sets to `none`: the driver
   * the unit had. Interrupt remapping does not depend on DMA remapping (`intel_prepare_irq_remapping` checks every
   * DRHD's ECAP.IR, ignored or not, and not `dmar_disabled`, CAP-IR-01), so such an Intel unit without ECAP.IR still
   * leaves the host without it. Not written in files.
   */
  translationOffDriver?: IommuDriver;
  /** arm-smmu v1/v2 ARM_SMMU_FEAT_COHERENT_WALK (IDR0.CTTW or firmware). */
  coherentWalk?: boolean;
  /** arm-smmu-v3 ARM_SMMU_FEAT_COHERENCY (IDR0.COHACC or firmware `dma-coherent` / IORT COHACC). */
  coherent?: boolean;
  /** ACPI IORT root-complex memory-access flag CANWBS (arm-smmu-v3, read by 6.13+). */
  canwbs?: boolean;
  /** AMD page-table format used for DMA domains (VFIO domains: from 6.14, `caps/enforce.ts:vfioPgtable`). */
  pgtable?: 'v1' | 'v2';
  /** MSI controller the devices behind this unit use. */
  msi?: MsiController;
  /** Raw Intel CAP_REG / ECAP_REG or AMD EFR values, when imported (informational; decoded by the importer). */
  rawCap?: bigint;
  rawEcap?: bigint;
  /**
   * The capability fields were decoded from {@link rawEcap} / {@link rawCap} (an Intel unit written with register
   * values and no `caps` list): a fix corrects the register, and a capability listed on its own would replace them.
   */
  capsFromRegisters?: boolean;
}

export type Arch = 'x86_64' | 'arm64' | 's390x' | 'ppc64le' | 'riscv64';

/** Kernel version `major.minor[.patch]`. */
export interface KernelVersion {
  major: number;
  minor: number;
  patch?: number;
}

export interface Host {
  id: string;
  name: string;
  /** Undefined = not declared; the simulator then uses `SimulationOptions.defaultKernel` or reports KVER000. */
  kernel?: KernelVersion;
  /** Undefined = inferred from the IOMMU drivers, else x86_64 (`arch.ts:hostArch`, used by every part of the simulator). */
  arch?: Arch;
  /** Firmware description type: matters for ACS timing on arm64 (GRP-ACS-06). Default: acpi on x86, devicetree on arm64 (of `hostArch`). */
  firmware?: 'acpi' | 'devicetree';
  /** Kernel command line as one string, e.g. `intel_iommu=on iommu=pt pci=config_acs=...`. */
  cmdline?: string;
  /** Module parameters, key `module.param` (e.g. `vfio_iommu_type1.allow_unsafe_interrupts`), raw string value. */
  params: Record<string, string>;
  /** Out-of-tree `pcie_acs_override` patch is applied to this kernel (GRP-CMD-03). Default false. */
  acsOverridePatch?: boolean;
  /**
   * Override for GRP-ACS-06: whether the kernel enabled ACS (and applied `pci=` ACS options) before iommu_group
   * formation. Undefined = derive from kernel version + firmware type (`groups/acs-effective.ts:acsTiming`).
   * Added by the grouping work.
   */
  acsEnabledBeforeGrouping?: boolean;
  iommus: Iommu[];
  /** All PCI functions of the host, in probe order (GRP-ORD-01): parents before children. */
  devices: PciDevice[];
}

export type VfioBackend = 'vfio-type1' | 'iommufd-compat' | 'iommufd-cdev';

/** A manually created iommufd HW page table (IOMMU_HWPT_ALLOC) or an explicit IOAS grouping. */
export interface Hwpt {
  id: string;
  name: string;
  /** Devices attached to this HWPT, in attach order. */
  deviceIds: string[];
}

export interface Vm {
  id: string;
  name: string;
  hostId: string;
  /** e.g. `qemu`, `cloud-hypervisor`, `firecracker`, `crosvm`. */
  vmm?: string;
  backend: VfioBackend;
  /** The VMM creates KVM_DEV_TYPE_VFIO and adds every group/device fd (KVM-VFIO-01). */
  kvmVfio: boolean;
  /**
   * Where {@link kvmVfio} comes from (vm/vmm.ts): `stated` (undefined counts so), `vmm` (a VMM known to create the
   * device), `assumed` (unknown VMM: taken as created; KVM006 says so where it matters).
   */
  kvmVfioFrom?: 'stated' | 'vmm' | 'assumed';
  /**
   * The VMM adds each VFIO group file to the kvm-vfio device before `VFIO_GROUP_SET_CONTAINER` (reference input
   * `vmm.kvmVfioAddBeforeContainer`, KVM-VFIO-01/02). Undefined / false: after, as QEMU does. Matters for group files
   * on kernels ≤ 6.1 only (vm/kvm.ts).
   */
  kvmVfioAddBeforeContainer?: boolean;
  /** Assigned devices (ids of {@link PciDevice}) in the order the VMM opens them. */
  assignedIds: string[];
  /** Optional explicit HWPTs (iommufd backends only). Devices not listed attach to the IOAS automatically. */
  hwpts: Hwpt[];
  /** The guest enables PCIe No-Snoop on assigned devices (VFIO-PCI-02). Default: use each device's `noSnoop`. */
  guestNoSnoop?: boolean;
}

export interface Topology {
  hosts: Host[];
  vms: Vm[];
}
