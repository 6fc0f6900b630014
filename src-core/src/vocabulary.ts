/**
 * The enumerated values the model accepts, with one-line documentation. The language server uses these for
 * validation ("unknown driver 'intel-vdt'; did you mean 'intel-vtd'?"), completion and hovers, so the
 * vocabulary lives next to the model it describes, not in the grammar.
 */
import type { AcsFlagName, Arch, Iommu, IommuDriver, MsiController, PciKind, VfioBackend } from './model.js';

export interface Term<T extends string = string> {
  name: T;
  doc: string;
}

export const IOMMU_DRIVERS: Term<IommuDriver>[] = [
  { name: 'intel-vtd', doc: 'Intel VT-d DMAR unit (drivers/iommu/intel). Snoop control is per unit (ECAP.SC, bit 7).' },
  { name: 'amd-vi', doc: 'AMD-Vi IOMMU (drivers/iommu/amd). Always reports IOMMU_CAP_CACHE_COHERENCY; v1 page tables force coherency with the FC bit.' },
  { name: 'arm-smmu-v3', doc: 'Arm SMMUv3 (drivers/iommu/arm/arm-smmu-v3). CACHE_COHERENCY = ARM_SMMU_FEAT_COHERENCY (≥ 6.1); enforce via IORT CANWBS (≥ 6.13).' },
  { name: 'arm-smmu', doc: 'Arm SMMU v1/v2 / MMU-500 (drivers/iommu/arm/arm-smmu). CACHE_COHERENCY = coherent table walk (≥ 6.1), or dma-coherent device (≥ 6.2).' },
  { name: 'virtio-iommu', doc: 'virtio-iommu (drivers/iommu/virtio-iommu.c), typical in guests. Reports CACHE_COHERENCY from 6.0; no interrupt isolation of its own.' },
  { name: 's390', doc: 's390 zPCI IOMMU. One group per PCI function; MSIs count as isolated (arch_is_isolated_msi).' },
  { name: 'none', doc: 'No IOMMU translates these devices: no iommu_group, VFIO cannot assign them (except unsafe no-IOMMU mode).' },
];

/**
 * DSL capability names → the {@link Iommu} boolean field they set, and the drivers whose simulation reads it (a
 * capability of another driver's hardware, e.g. SMMUv2 `coherent-walk` on an SMMUv3 unit, changes nothing: MDL012).
 */
export const IOMMU_CAPS: (Term & { field: keyof Iommu; drivers: readonly IommuDriver[] })[] = [
  { name: 'snoop-control', field: 'snoopControl', drivers: ['intel-vtd'], doc: 'Intel ECAP.SC (bit 7): the unit can force snooping (ignore PCIe No-Snoop). Feeds IOMMU_CAP_ENFORCE_CACHE_COHERENCY.' },
  { name: 'interrupt-remapping', field: 'interruptRemapping', drivers: ['intel-vtd', 'amd-vi'], doc: 'Interrupt remapping supported and enabled (Intel ECAP.IR on every DRHD and DMAR INTR_REMAP flag; AMD IR). Gives isolated MSI.' },
  { name: 'scalable-mode', field: 'scalableMode', drivers: ['intel-vtd'], doc: 'Intel scalable-mode translation (ECAP.SMTS, bit 43) in use. ≤ 5.18 counts like snoop control for IOMMU_CAP_CACHE_COHERENCY.' },
  { name: 'passthrough', field: 'passthrough', drivers: ['intel-vtd'], doc: 'Intel ECAP.PT (bit 6): hardware pass-through (identity default domains). Without it listed, a unit counts as lacking PT only when its `ecap` value has bit 6 clear (DOM002).' },
  { name: 'caching-mode', field: 'cachingMode', drivers: ['intel-vtd', 'amd-vi'], doc: 'Intel CAP.CM / AMD NpCache: an emulated IOMMU inside a VM (forces strict invalidation).' },
  { name: 'graphics-only', field: 'graphicsOnly', drivers: ['intel-vtd'], doc: 'Intel DRHD whose device scope is only the integrated graphics (a graphics-only unit): intel_iommu=igfx_off makes the driver ignore it, and the iGPU then has no iommu_group (DOM-DEF-03).' },
  { name: 'coherent-walk', field: 'coherentWalk', drivers: ['arm-smmu'], doc: 'SMMU v1/v2 ARM_SMMU_FEAT_COHERENT_WALK (IDR0.CTTW or firmware).' },
  { name: 'coherent', field: 'coherent', drivers: ['arm-smmu-v3'], doc: 'SMMUv3 ARM_SMMU_FEAT_COHERENCY (IDR0.COHACC, bit 4, or firmware dma-coherent / IORT COHACC override).' },
  { name: 'canwbs', field: 'canwbs', drivers: ['arm-smmu-v3'], doc: 'IORT root-complex memory-access flag CANWBS: SMMUv3 can enforce cache coherency (6.13+).' },
];

/**
 * What may follow `caps`: the {@link IOMMU_CAPS}, or `unknown` (the unit's capabilities are not known, e.g. a host
 * imported from lspci alone): the simulator then holds the host back (SYN003) instead of reading every capability as
 * absent.
 */
export const IOMMU_CAP_TERMS: Term[] = [
  ...IOMMU_CAPS,
  { name: 'unknown', doc: 'The capabilities of this unit are not known (lspci does not show them): the findings that depend on them (interrupt remapping, coherency, KVM) wait (SYN003) until they are stated, from /sys/class/iommu/<unit>/; grouping and ownership are still checked.' },
];

export const MSI_CONTROLLERS: Term<MsiController>[] = [
  { name: 'x86-ir', doc: 'x86 interrupt remapping domain (Intel DMAR-IR / AMD-IR): IRQ_DOMAIN_FLAG_ISOLATED_MSI.' },
  { name: 'x86-vector', doc: 'x86 vector domain without interrupt remapping: MSIs are not isolated.' },
  { name: 'hyperv-ir', doc: 'Hyper-V IR: not isolated for VFIO.' },
  { name: 'gicv3-its', doc: 'Arm GICv3 ITS: isolated MSI (except the Socionext pre-ITS quirk).' },
  { name: 'gicv3-its-preits', doc: 'GICv3 ITS with the Socionext "pre-ITS" quirk: isolation flag cleared.' },
  { name: 'gicv2m', doc: 'Arm GICv2m: no MSI isolation.' },
  { name: 'gicv3-mbi', doc: 'Arm GICv3 MBI: no MSI isolation.' },
  { name: 'gicv5-its', doc: 'Arm GICv5 ITS (7.x): isolated MSI.' },
  { name: 'riscv-imsic', doc: 'RISC-V IMSIC/APLIC: no isolated-MSI flag.' },
  { name: 's390-zpci', doc: 's390 zPCI: arch_is_isolated_msi() is always true.' },
];

export const PGTABLE_FORMATS: Term<'v1' | 'v2'>[] = [
  { name: 'v1', doc: 'AMD v1 (host) page table: PTE FC bit forces coherency.' },
  { name: 'v2', doc: 'AMD v2 (guest-format) page table: no FC bit; coherency is reported but not enforced. VFIO and iommufd domains use it from 6.14; before, they get v1 page tables whatever the unit uses.' },
];

/** Values of `/sys/kernel/iommu_groups/<N>/type` (DOM-TYPE-01, `drivers/iommu/iommu.c:iommu_group_show_type`). */
export const DOMAIN_TYPES: Term[] = [
  { name: 'DMA', doc: 'IOMMU_DOMAIN_DMA: translated, strict IOTLB invalidation on every unmap.' },
  { name: 'DMA-FQ', doc: 'IOMMU_DOMAIN_DMA_FQ: translated, lazy invalidation through a flush queue (the x86 default).' },
  { name: 'identity', doc: 'IOMMU_DOMAIN_IDENTITY: pass-through, DMA is not translated (iommu=pt).' },
  { name: 'blocked', doc: 'IOMMU_DOMAIN_BLOCKED as default domain (only drivers with a static blocked default; the iommufd selftest mock).' },
  { name: 'unmanaged', doc: 'IOMMU_DOMAIN_UNMANAGED as default domain (no mainstream x86/arm64 driver).' },
  { name: 'unknown', doc: 'No default domain (drivers without default-domain support) or IOMMU_DOMAIN_PLATFORM.' },
];

/**
 * Kernel command-line options the simulator reads (see `cmdline-effects.ts`), for completion inside `cmdline "…"`.
 * Each doc names the rule it feeds.
 */
export const CMDLINE_OPTIONS: Term[] = [
  { name: 'intel_iommu=on', doc: 'Enable Intel VT-d (needed where the kernel is built with INTEL_IOMMU_DEFAULT_ON=n).' },
  { name: 'intel_iommu=off', doc: 'Turn VT-d DMA remapping off: no iommu_groups for its devices (BOOT001). Interrupt remapping stays.' },
  { name: 'intel_iommu=sm_off', doc: 'VT-d in legacy mode (from 5.15): a unit\'s `scalable-mode` does not count (IOMMU_CACHE up to 5.18, caching-mode strictness).' },
  { name: 'amd_iommu=off', doc: 'Turn the AMD IOMMU off: no translation and no interrupt remapping (BOOT001).' },
  { name: 'amd_iommu=pgtbl_v1', doc: 'AMD v1 page tables (with the Force-Coherent bit) for units without a `pgtable` line.' },
  { name: 'amd_iommu=pgtbl_v2', doc: 'AMD v2 page tables: no Force-Coherent bit, so no-snoop is not blocked although coherency is reported (KVM002).' },
  { name: 'iommu=pt', doc: 'x86: identity (pass-through) default domains for host drivers (DOM-DEF-01). VFIO is not affected.' },
  { name: 'iommu=nopt', doc: 'x86: translated default domains (DOM-DEF-01).' },
  { name: 'iommu=off', doc: 'x86: no IOMMU at all (BOOT001).' },
  { name: 'iommu.passthrough=1', doc: 'Identity (pass-through) default domains, any architecture (DOM-DEF-01).' },
  { name: 'iommu.passthrough=0', doc: 'Translated default domains (DOM-DEF-01).' },
  { name: 'iommu.strict=1', doc: 'Strict IOTLB invalidation on every unmap: DMA domains, no flush queue (DOM-DEF-01).' },
  { name: 'iommu.strict=0', doc: 'Lazy invalidation through a flush queue: DMA-FQ domains (DOM-DEF-01).' },
  { name: 'intremap=off', doc: 'Interrupt remapping off: MSIs are not isolated, VFIO refuses assignment (BOOT002, IR001).' },
  { name: 'nointremap', doc: 'Same as intremap=off (BOOT002).' },
  { name: 'pci=config_acs=', doc: 'Set ACS Control bits of the named devices before grouping, e.g. pci=config_acs=xx11x@0000:00:1c.0 (≥ 6.11, GRP-CMD-02).' },
  { name: 'pci=disable_acs_redir=', doc: 'Clear the ACS redirect bits of the named devices (GRP-CMD-01).' },
  { name: 'pcie_acs_override=downstream,multifunction', doc: 'Out-of-tree ACS override patch only (declare `acs-override-patch`): treats ports as isolating, which they are not (GRP-CMD-03).' },
  { name: 'vfio_iommu_type1.allow_unsafe_interrupts=1', doc: 'Let VFIO type1 attach without MSI isolation: insecure, a guest can inject interrupts (VFIO-IR-01, IR002).' },
  { name: 'iommufd.allow_unsafe_interrupts=1', doc: 'The same for iommufd (IOMMUFD-IR-01).' },
  { name: 'vfio-pci.disable_denylist=1', doc: 'Let vfio-pci bind devices on its denylist (VFIO-PCI-01).' },
];

export const VFIO_BACKENDS: Term<VfioBackend>[] = [
  { name: 'vfio-type1', doc: 'Legacy VFIO container with the type1 IOMMU driver (/dev/vfio/vfio + group fds).' },
  { name: 'iommufd-compat', doc: 'Group fds with iommufd acting as the container (≥ 6.2).' },
  { name: 'iommufd-cdev', doc: 'VFIO device cdevs (/dev/vfio/devices/vfioN) bound to iommufd (≥ 6.6).' },
];

/** When a VMM adds each VFIO group to the kvm-vfio device (`kvm-vfio-add`, reference input `vmm.kvmVfioAddBeforeContainer`). */
export const KVM_VFIO_ADD_ORDERS: Term<'after-container' | 'before-container'>[] = [
  { name: 'after-container', doc: 'KVM_DEV_VFIO_FILE_ADD after VFIO_GROUP_SET_CONTAINER (what QEMU does; the default): KVM sees the group with its container and domains.' },
  {
    name: 'before-container',
    doc: 'KVM_DEV_VFIO_FILE_ADD before VFIO_GROUP_SET_CONTAINER: ≤ 5.18 the ADD fails with -EINVAL (no container user); 5.19–6.1 the group without a container counts as coherent until the next ADD or DEL (KVM-VFIO-02); ≥ 6.2 the order does not matter.',
  },
];

export const ARCHES: Term<Arch>[] = [
  { name: 'x86_64', doc: 'x86-64: DMA is always cache-coherent for the CPU; KVM has the noncoherent-DMA hook.' },
  { name: 'arm64', doc: 'AArch64: coherency comes from firmware (dma-coherent / _CCA); KVM has no noncoherent-DMA hook.' },
  { name: 's390x', doc: 's390x.' },
  { name: 'ppc64le', doc: 'POWER (spapr TCE IOMMU, groups per Partitionable Endpoint): not simulated, the host gets ARCH001 only.' },
  { name: 'riscv64', doc: 'RISC-V 64.' },
];

export const FIRMWARE_KINDS: Term<'acpi' | 'devicetree'>[] = [
  { name: 'acpi', doc: 'ACPI (DMAR/IVRS/IORT/VIOT tables): ACS is requested before PCI enumeration.' },
  { name: 'devicetree', doc: 'Device tree: before 7.0 ACS is requested only after bridges are enumerated (GRP-ACS-06).' },
];

export const ACS_FLAGS: Term<AcsFlagName>[] = [
  { name: 'SV', doc: 'Source Validation (bit 0). Required (REQ_ACS_FLAGS).' },
  { name: 'TB', doc: 'Translation Blocking (bit 1). Not required.' },
  { name: 'RR', doc: 'P2P Request Redirect (bit 2). Required.' },
  { name: 'CR', doc: 'P2P Completion Redirect (bit 3). Required.' },
  { name: 'UF', doc: 'Upstream Forwarding (bit 4). Required.' },
  { name: 'EC', doc: 'P2P Egress Control (bit 5). Not required.' },
  { name: 'DT', doc: 'Direct Translated P2P (bit 6). Not required.' },
];

export const PCI_KINDS: Term<PciKind>[] = [
  { name: 'host-bridge', doc: 'Host bridge function on a root bus (class 0x0600), conventional PCI.' },
  { name: 'root-port', doc: 'PCIe Root Port (type 0x4).' },
  { name: 'switch-upstream', doc: 'PCIe switch Upstream Port (type 0x5).' },
  { name: 'switch-downstream', doc: 'PCIe switch Downstream Port (type 0x6).' },
  { name: 'pcie-to-pci-bridge', doc: 'PCIe-to-PCI/PCI-X bridge (type 0x7): never ACS-isolating; children alias to (secondary bus, 00.0).' },
  { name: 'pci-to-pcie-bridge', doc: 'PCI/PCI-X-to-PCIe bridge (type 0x8): never ACS-isolating.' },
  { name: 'pci-bridge', doc: 'Conventional PCI-to-PCI bridge (no PCIe capability): children alias to the bridge.' },
  { name: 'endpoint', doc: 'PCIe Endpoint (type 0x0).' },
  { name: 'legacy-endpoint', doc: 'PCIe Legacy Endpoint (type 0x1).' },
  { name: 'rciep', doc: 'Root Complex Integrated Endpoint (type 0x9).' },
  { name: 'rc-event-collector', doc: 'Root Complex Event Collector (type 0xA): never ACS-isolating.' },
  { name: 'pci-device', doc: 'Conventional PCI function (no PCIe capability): never ACS-isolating.' },
];

/** Drivers that set `driver_managed_dma` (VFIO-GRP-05) or are otherwise VFIO-friendly; used for completion. */
export const COMMON_DRIVERS: Term[] = [
  { name: 'vfio-pci', doc: 'VFIO PCI driver: driver_managed_dma, does not count as a kernel DMA user.' },
  { name: 'pci-stub', doc: 'Stub driver: driver_managed_dma.' },
  { name: 'pcieport', doc: 'PCIe port driver: driver_managed_dma (≥ 5.19).' },
  { name: 'nvme', doc: 'NVMe host driver: a kernel DMA user.' },
  { name: 'amdgpu', doc: 'AMD GPU driver: a kernel DMA user.' },
  { name: 'nvidia', doc: 'NVIDIA proprietary driver: a kernel DMA user.' },
  { name: 'i915', doc: 'Intel graphics driver: a kernel DMA user.' },
  { name: 'snd_hda_intel', doc: 'HD audio driver: a kernel DMA user.' },
  { name: 'xhci_hcd', doc: 'USB 3 host controller driver: a kernel DMA user.' },
  { name: 'mlx5_core', doc: 'Mellanox ConnectX driver: a kernel DMA user.' },
  { name: 'ixgbe', doc: 'Intel 10GbE driver: a kernel DMA user.' },
  { name: 'virtio-pci', doc: 'virtio PCI transport: a kernel DMA user.' },
  { name: 'shpchp', doc: 'Standard hot-plug controller driver (bridges): not driver_managed_dma.' },
];

const nameSets = new WeakMap<readonly Term[], ReadonlySet<string>>();

/** The names of `terms` as a set, built once per term list (for O(1) membership tests on hot paths). */
export function termNames(terms: readonly Term[]): ReadonlySet<string> {
  let names = nameSets.get(terms);
  if (!names) nameSets.set(terms, (names = new Set(terms.map((t) => t.name))));
  return names;
}
