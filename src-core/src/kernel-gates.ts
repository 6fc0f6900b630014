/**
 * The kernel releases at which a behaviour the simulator models changes: one table, read by the simulator (every
 * version test of the form "from X.Y on" goes through {@link since}) and by the kernel-line hover
 * ({@link kernelGates}). A gate is a mainline release (X.Y): the patch level never matters here; stable-series
 * exceptions (backports, regressions) are modelled where they apply and listed by {@link STABLE_EXCEPTIONS}.
 *
 * Each entry names the reference rule (../shared/reference) and the kernel source of the change. Where the
 * reference does not confirm the release, `unconfirmed` says what is assumed.
 */
import { ASSUMED_KERNEL, atLeast, formatKernel } from './kernel-version.js';
import { hostArch } from './arch.js';
import type { Arch, Host, Iommu, KernelVersion } from './model.js';

/** One version boundary of modelled kernel behaviour. */
export interface KernelGate {
  /** Stable identifier (the key in {@link GATES}). */
  readonly id: string;
  /** First mainline release (major, minor) with the newer behaviour. */
  readonly since: readonly [number, number];
  /** The subsystem or component concerned, for display (`VFIO`, `intel-vtd`, `KVM x86`, …). */
  readonly area: string;
  /** Only hosts with an IOMMU of one of these drivers are concerned; absent = every host. */
  readonly drivers?: readonly Iommu['driver'][];
  /** Only hosts of this architecture family are concerned; absent = every architecture. */
  readonly arch?: 'x86' | 'arm64';
  /** The behaviour from `since` on, one sentence. */
  readonly from: string;
  /** The behaviour before `since`, one sentence. */
  readonly before: string;
  /** Reference rule ids, or `outside the reference`. */
  readonly rule: string;
  /** Kernel source (file:function) and, where known, the commit. */
  readonly source: string;
  /** Set when the reference does not confirm the release: what the simulator assumes. */
  readonly unconfirmed?: string;
}

function gate<K extends string>(id: K, g: Omit<KernelGate, 'id'>): KernelGate & { id: K } {
  return { id, ...g };
}

/**
 * The gates, by id. Sorted by release only for reading; {@link kernelGates} sorts.
 */
export const GATES = {
  groupTypeFile: gate('groupTypeFile', { since: [5, 11], area: 'IOMMU core', from: 'each iommu_group has a `type` file in sysfs (/sys/kernel/iommu_groups/N/type) showing its default domain', before: 'no `type` file: the default domain type cannot be read or changed from sysfs', rule: 'DOM-TYPE-01', source: 'drivers/iommu/iommu.c:iommu_group_show_type' }),
  dmaFq: gate('dmaFq', { since: [5, 15], area: 'IOMMU core', from: 'a lazy (flush-queue) default domain has its own type, DMA-FQ', before: 'a lazy default domain is an IOMMU_DOMAIN_DMA with a flush queue and reads DMA', rule: 'DOM-DEF-01', source: 'include/linux/iommu.h:IOMMU_DOMAIN_DMA_FQ (7cf8a638678c)' }),
  intelSmOff: gate('intelSmOff', { since: [5, 15], area: 'intel-vtd', drivers: ['intel-vtd'], from: '`intel_iommu=sm_off` is an option (scalable mode can be turned off)', before: '`intel_iommu=sm_off` is not an option', rule: 'outside the reference', source: 'drivers/iommu/intel/iommu.c:intel_iommu_setup (792fb43ce2c9)' }),
  kstrtoboolTrueFalse: gate('kstrtoboolTrueFalse', { since: [5, 19], area: 'lib', from: 'boolean parameters also take `true` / `false` (kstrtobool by first letter t/f)', before: 'boolean parameters take only 1/0, y/n and on/off', rule: 'outside the reference', source: 'lib/kstrtox.c:kstrtobool (0d6ea3ac94ca)' }),
  dmaOwnership: gate('dmaOwnership', { since: [5, 19], area: 'VFIO', from: 'VFIO claims DMA ownership of the whole iommu_group (iommu_group_claim_dma_owner): a member bound to a driver without driver_managed_dma fails VFIO_GROUP_SET_CONTAINER with -EPERM; pcieport is fine', before: 'group viability is checked at VFIO_GROUP_GET_DEVICE_FD: every member must be bound to a VFIO driver or pci-stub (bridges pass with any driver), else -EINVAL; a driver binding to a member while the group is in use triggers a BUG_ON', rule: 'VFIO-GRP-03, VFIO-GRP-05', source: 'drivers/iommu/iommu.c:iommu_group_claim_dma_owner; drivers/vfio/vfio.c:vfio_dev_viable (≤ 5.18)' }),
  vfioProbeCoherency: gate('vfioProbeCoherency', { since: [5, 19], area: 'VFIO', from: 'VFIO registers a device only if its IOMMU reports IOMMU_CAP_CACHE_COHERENCY; otherwise vfio-pci probe fails with -EINVAL (CC001)', before: 'VFIO registers a device whatever its IOMMU reports', rule: 'VFIO-CC-01', source: 'drivers/vfio/vfio_main.c:vfio_group_find_or_alloc (e8ae0e140c05)' }),
  kvmVfioAnyGroupFile: gate('kvmVfioAnyGroupFile', { since: [5, 19], area: 'KVM', from: 'KVM_DEV_VFIO_GROUP_ADD takes any VFIO group file; one without a container yet counts as coherent until the next ADD or DEL (a VMM that adds before VFIO_GROUP_SET_CONTAINER, KVM007)', before: 'KVM_DEV_VFIO_GROUP_ADD takes a container user: a group without a container with an IOMMU set, or not viable, fails with -EINVAL', rule: 'KVM-VFIO-01, KVM-VFIO-02', source: 'virt/kvm/vfio.c:kvm_vfio_set_group (5.15), kvm_vfio_file_add (6.1); a905ad043f32' }),
  enforceCacheCoherencyOp: gate('enforceCacheCoherencyOp', { since: [5, 19], area: 'IOMMU core / VFIO type1', from: 'domains have the `enforce_cache_coherency` op: VFIO type1 asks each domain to block no-snoop and keeps domains of different ops (AMD v1 and v2 page tables) apart; an AMD v2 page table answers yes without blocking no-snoop (KVM002)', before: 'coherency is the IOMMU_CACHE prot bit on each mapping, and KVM asks the container VFIO_DMA_CC_IOMMU', rule: 'IOMMU-ENF-01, VFIO-T1-CC-01, IOMMU-CC-01', source: 'include/linux/iommu.h:enforce_cache_coherency (6043257b1de0); drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group' }),
  intelPerUnitSnoop: gate('intelPerUnitSnoop', { since: [5, 19], area: 'intel-vtd', drivers: ['intel-vtd'], from: 'IOMMU_CAP_CACHE_COHERENCY is reported for every device, and a domain blocks no-snoop when its own unit has snoop control (ECAP.SC)', before: 'one answer for the whole host: coherency (and force-snoop) only when every unit has snoop control or scalable mode', rule: 'IOMMU-CC-02, IOMMU-ENF-01', source: 'drivers/iommu/intel/iommu.c:intel_iommu_capable, domain_support_force_snooping' }),
  virtioCapable: gate('virtioCapable', { since: [6, 0], area: 'virtio-iommu', drivers: ['virtio-iommu'], from: 'virtio-iommu reports IOMMU_CAP_CACHE_COHERENCY (viommu_capable)', before: 'virtio-iommu has no `capable` op, so IOMMU_CAP_CACHE_COHERENCY is not reported and VFIO (≥ 5.19) refuses its devices', rule: 'CAP-VIRTIO-01', source: 'drivers/iommu/virtio-iommu.c:viommu_capable' }),
  hisiPttIdentity: gate('hisiPttIdentity', { since: [6, 1], area: 'arm-smmu-v3', drivers: ['arm-smmu-v3'], from: 'a HiSilicon PTT device (19e5:a12e) always gets an identity default domain', before: 'a HiSilicon PTT device follows the host default', rule: 'DOM-DEF-03', source: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:arm_smmu_def_domain_type (24b6c7798a01, merged for 6.1-rc1 with the hisi_ptt driver; stable backports to 6.0.y and 5.19.17 are not modelled)' }),
  perUnitProbe: gate('perUnitProbe', { since: [6, 1], area: 'IOMMU core', from: 'devices are probed in one pass per IOMMU unit, in registration order (this changes group numbers, not membership)', before: 'devices are probed in one pass in device order', rule: 'GRP-ORD-01', source: 'drivers/iommu/iommu.c:bus_iommu_probe', unconfirmed: 'the reference finds it in 6.1 and not in 5.15; the release in between is not pinned' }),
  acsQuirkRows61: gate('acsQuirkRows61', { since: [6, 1], area: 'PCI quirks', from: 'the ACS quirk table has the rows marked † in the reference (newer Broadcom multifunction, Qualcomm and Loongson root ports)', before: 'those quirk rows are absent, so the devices count as not isolated', rule: 'GRP-QRK-02', source: 'drivers/pci/quirks.c:pci_dev_acs_enabled' }),
  smmuv3CoherencyCap: gate('smmuv3CoherencyCap', { since: [6, 1], area: 'arm-smmu-v3', drivers: ['arm-smmu-v3'], from: 'IOMMU_CAP_CACHE_COHERENCY only for a coherent SMMU (ARM_SMMU_FEAT_COHERENCY)', before: 'IOMMU_CAP_CACHE_COHERENCY is always reported', rule: 'IOMMU-CC-02', source: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:arm_smmu_capable' }),
  smmuCoherentWalk: gate('smmuCoherentWalk', { since: [6, 1], area: 'arm-smmu', drivers: ['arm-smmu'], from: 'IOMMU_CAP_CACHE_COHERENCY follows the coherent table walk (IDR0.CTTW)', before: 'IOMMU_CAP_CACHE_COHERENCY is always reported', rule: 'IOMMU-CC-02, CAP-SMMU2-01', source: 'drivers/iommu/arm/arm-smmu/arm-smmu.c:arm_smmu_capable (df198b37e72c)' }),
  smmuDmaCoherent: gate('smmuDmaCoherent', { since: [6, 2], area: 'arm-smmu', drivers: ['arm-smmu'], from: 'IOMMU_CAP_CACHE_COHERENCY also for a device that firmware marks dma-coherent', before: 'only the coherent table walk counts (6.1, unless the stable backport is in)', rule: 'IOMMU-CC-02, CAP-SMMU2-01', source: 'drivers/iommu/arm/arm-smmu/arm-smmu.c:arm_smmu_capable (ac9c5e92dd15)' }),
  iommufd: gate('iommufd', { since: [6, 2], area: 'iommufd', from: 'iommufd exists (/dev/iommu, VFIO group-compat mode, the iommufd.allow_unsafe_interrupts parameter)', before: 'only the legacy vfio_iommu_type1 container exists: an iommufd VMM gets -ENOENT (KVER001)', rule: '§7 timeline', source: 'drivers/iommu/iommufd/main.c' }),
  kvmStaticCoherency: gate('kvmStaticCoherency', { since: [6, 2], area: 'KVM', from: 'KVM asks each kvm-vfio file whether its devices have IOMMU_CAP_ENFORCE_CACHE_COHERENCY (static caps; the domain is not consulted, KVM004)', before: 'KVM asks the container whether all its type1 domains enforce coherency (container-wide)', rule: 'KVM-VFIO-02', source: 'virt/kvm/vfio.c:kvm_vfio_update_coherency; drivers/vfio/group.c:vfio_group_enforced_coherent' }),
  intelForceSnoopEinval: gate('intelForceSnoopEinval', { since: [6, 2], area: 'intel-vtd', drivers: ['intel-vtd'], from: 'attaching a device without snoop control to a force-snoop domain fails with -EINVAL', before: 'attaching a device without snoop control to a force-snoop domain fails with -EOPNOTSUPP', rule: 'IOMMU-ENF-02', source: 'drivers/iommu/intel/iommu.c:prepare_domain_attach_device (f4a147735793)' }),
  isolatedMsi: gate('isolatedMsi', { since: [6, 3], area: 'VFIO / IRQ', from: 'MSI isolation is per device (msi_device_has_isolated_msi): a type1 group needs every member isolated', before: 'MSI isolation is irq_domain_check_msi_remap() || IOMMU_CAP_INTR_REMAP, and one isolated member of the group suffices', rule: 'VFIO-IR-01, VFIO-IR-02, IOMMUFD-IR-01', source: 'kernel/irq/msi.c:msi_device_has_isolated_msi; drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group' }),
  iommufdIrAtBind: gate('iommufdIrAtBind', { since: [6, 6], area: 'iommufd', from: 'iommufd checks MSI isolation in iommufd_device_bind, before DMA ownership is claimed', before: 'iommufd checks MSI isolation when the device is attached to its IOAS/HWPT (iommufd_device_setup_msi)', rule: 'IOMMUFD-IR-01', source: 'drivers/iommu/iommufd/device.c:iommufd_device_bind' }),
  vfioCdev: gate('vfioCdev', { since: [6, 6], area: 'VFIO', from: 'VFIO device character devices exist (/dev/vfio/devices/vfioX, VFIO_DEVICE_BIND_IOMMUFD)', before: 'no VFIO device cdev: an iommufd-cdev VMM gets -ENOENT (KVER001)', rule: 'VFIO-GRP-08', source: 'drivers/vfio/device_cdev.c:vfio_df_ioctl_bind_iommufd' }),
  iommufdNoUpgrade: gate('iommufdNoUpgrade', { since: [6, 7], area: 'iommufd', from: 'a device that can force-snoop attaches to a non-enforced HWPT as it is', before: 'iommufd upgrades a non-enforced HWPT to force-snoop for a capable device, which fails (-EINVAL) when a device that cannot is already attached', rule: 'IOMMUFD-CC-02', source: 'drivers/iommu/iommufd/hw_pagetable.c:iommufd_hwpt_paging_alloc (2ccabf81ddff)' }),
  virtioNoFlushQueue: gate('virtioNoFlushQueue', { since: [6, 8], area: 'virtio-iommu', drivers: ['virtio-iommu'], from: 'virtio-iommu supports lazy (DMA-FQ) default domains', before: 'a lazy default domain on virtio-iommu is downgraded to strict DMA', rule: 'DOM-DEF-02', source: 'drivers/iommu/virtio-iommu.c:viommu_capable (IOMMU_CAP_DEFERRED_FLUSH; "iommu/virtio: Add ops->flush_iotlb_all and enable deferred flush", IOMMU pull for 6.8)' }),
  intelNoPassthroughDma: gate('intelNoPassthroughDma', { since: [6, 12], area: 'intel-vtd', drivers: ['intel-vtd'], from: 'a unit without hardware pass-through (ECAP.PT) always gets a translated, strict DMA default domain', before: 'a unit without ECAP.PT emulates an identity default domain with a 1:1 page table', rule: 'DOM-DEF-03', source: 'drivers/iommu/intel/iommu.c:device_def_domain_type (184bee388d46, with the si_domain removal; IOMMU pull for 6.12)' }),
  acsCmdlineFromFirmware: gate('acsCmdlineFromFirmware', { since: [6, 11], area: 'PCI', from: '`pci=disable_acs_redir=` and `pci=config_acs=` both compute ACS Control from the firmware value, config_acs last', before: 'only `pci=disable_acs_redir=` exists, and it clears RR/CR/EC from the current value', rule: 'GRP-CMD-01, GRP-CMD-02', source: 'drivers/pci/pci.c:__pci_config_acs', unconfirmed: 'the reference dates it from a backport pull request (MED): mainline 6.11' }),
  kvmGuestPat: gate('kvmGuestPat', { since: [6, 11], area: 'KVM x86 (Intel EPT)', arch: 'x86', drivers: ['intel-vtd'], from: 'with noncoherent DMA, Intel EPT maps guest RAM WB without IPAT, so the guest PAT decides the memory type (guest MTRRs are no longer virtualized)', before: 'with noncoherent DMA, Intel EPT takes the memory type from the guest MTRRs without IPAT', rule: 'KVM-X86-MEMTYPE-01', source: 'arch/x86/kvm/vmx/vmx.c:vmx_get_mt_mask', unconfirmed: 'the reference rates the 6.11 release MED (the code of 6.12 and 7.2 HIGH)' }),
  genericDirectMapping: gate('genericDirectMapping', { since: [6, 6], area: 'IOMMU core', from: 'a group with a member that requires a 1:1 direct mapping (RMRR, IVMD) cannot be claimed by VFIO or iommufd: -EINVAL for every driver', before: 'only Intel refuses such a group (RMRR-locked device, -EPERM at attach); other drivers attach it without the mapping', rule: 'DOM-RESV-01', source: 'drivers/iommu/iommu.c:__iommu_device_set_domain (a48ce36e2786 "iommu: Prevent RESV_DIRECT devices from blocking domains", IOMMU pull for 6.6)' }),
  smmuv3Canwbs: gate('smmuv3Canwbs', { since: [6, 13], area: 'arm-smmu-v3', drivers: ['arm-smmu-v3'], from: 'arm-smmu-v3 has the `enforce_cache_coherency` op, which succeeds when the root complex has IORT CANWBS', before: 'arm-smmu-v3 has no `enforce_cache_coherency` op, so no-snoop is never blocked', rule: 'IOMMU-ENF-03', source: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:arm_smmu_enforce_cache_coherency' }),
  amdPgtblOption: gate('amdPgtblOption', { since: [6, 14], area: 'amd-vi', drivers: ['amd-vi'], from: '`amd_iommu=pgtbl_v1|pgtbl_v2` chooses the page table of VFIO domains too', before: 'VFIO (unmanaged) domains always use the v1 page table (6.1–6.13), whatever `amd_iommu=pgtbl_*` says', rule: 'outside the reference', source: 'drivers/iommu/amd/init.c:parse_amd_iommu_options; drivers/iommu/amd/iommu.c (f9b80f941e0e removed domain_alloc(); also backported to 6.13.y stable, not modelled)' }),
  kstrtoboolEnabledDisabled: gate('kstrtoboolEnabledDisabled', { since: [6, 16], area: 'lib', from: 'boolean parameters also take `enabled` / `disabled` (first letter e/d)', before: '`enabled` / `disabled` are rejected', rule: 'outside the reference', source: 'lib/kstrtox.c:kstrtobool (ae5b3500856f)' }),
  acsAtDmaConfigure: gate('acsAtDmaConfigure', { since: [7, 0], area: 'PCI / IOMMU core', from: 'ACS is enabled in pci_dma_configure, before the device is grouped, on every platform', before: 'ACS is enabled at enumeration (pci_acs_init); on device-tree platforms the request comes too late, so ACS keeps its firmware values at grouping', rule: 'GRP-ACS-06', source: 'drivers/pci/pci-driver.c:pci_dma_configure (c41e2fb67e26)', unconfirmed: 'the reference dates the 7.0 ACS changes from the merge-window push log (MED)' }),
  idtBrokenAcsSv: gate('idtBrokenAcsSv', { since: [7, 0], area: 'PCI quirks', from: 'IDT switches 0x80b5/0x8090 lose ACS Source Validation (pci_disable_broken_acs_cap)', before: 'their advertised ACS SV is used', rule: 'GRP-ACS-07', source: 'drivers/pci/quirks.c:pci_disable_broken_acs_cap', unconfirmed: 'the reference dates the 7.0 ACS changes from the merge-window push log (MED)' }),
  aspeedNoAlias: gate('aspeedNoAlias', { since: [7, 0], area: 'PCI quirks', from: 'the ASPEED AST1150 bridge adds no DMA alias', before: 'the ASPEED AST1150 bridge aliases the devices behind it', rule: 'GRP-ALIAS-02', source: 'drivers/pci/quirks.c (550a190494a0 "PCI: Add PCI_BRIDGE_NO_ALIAS quirk for ASPEED AST1150", PCI pull for 7.0)' }),
  gicv5Its: gate('gicv5Its', { since: [7, 0], area: 'IRQ (arm64)', arch: 'arm64', from: 'a GICv5 ITS isolates MSIs', before: 'no GICv5 ITS driver: MSIs behind it are not isolated', rule: 'VFIO-IR-02', source: 'drivers/irqchip/irq-gic-v5-its.c' }),
} as const satisfies Record<string, KernelGate>;

/** The id of a gate in {@link GATES}. */
export type GateId = keyof typeof GATES;

/**
 * True when `kernel` has the newer behaviour of `gate` (mainline release ≥ `gate.since`). `kernel` undefined = the
 * kernel the simulator assumes for a host without one ({@link ASSUMED_KERNEL}, 6.12, as KVER000 says), so gates of
 * later releases are false for it. Never throws.
 */
export function since(kernel: KernelVersion | undefined, gate: KernelGate): boolean {
  const k = kernel ?? ASSUMED_KERNEL;
  return atLeast(k, gate.since[0], gate.since[1]);
}

/** `X.Y` of a gate's release. */
export function gateRelease(gate: KernelGate): string {
  return formatKernel({ major: gate.since[0], minor: gate.since[1] });
}

/** A host as far as gate relevance goes: its IOMMU drivers and architecture. */
export interface GateScope {
  drivers: readonly Iommu['driver'][];
  arch?: Arch;
}

/** The scope of a host: its IOMMU drivers (`none` left out) and its architecture (`arch.ts:hostArch`). */
export function hostGateScope(host: Pick<Host, 'arch' | 'iommus'>): GateScope {
  return { drivers: host.iommus.map((u) => u.driver).filter((d) => d !== 'none'), arch: hostArch(host) };
}

/** Whether `gate` concerns a host with the IOMMU drivers and architecture of `scope`. */
export function gateConcerns(gate: KernelGate, scope: GateScope): boolean {
  if (gate.drivers && !gate.drivers.some((d) => scope.drivers.includes(d))) return false;
  if (gate.arch === 'x86' && scope.arch !== undefined && scope.arch !== 'x86_64') return false;
  if (gate.arch === 'arm64' && scope.arch !== undefined && scope.arch !== 'arm64') return false;
  return true;
}

/** One gate as it stands on one kernel. */
export interface GateState {
  gate: KernelGate;
  /** The kernel has the newer behaviour. */
  applies: boolean;
}

/**
 * Every gate that concerns `scope` (all gates when `scope` is undefined), sorted by release, each with whether
 * `kernel` has it. Never throws.
 */
export function kernelGates(kernel: KernelVersion | undefined, scope?: GateScope): GateState[] {
  return (Object.values(GATES) as KernelGate[])
    .filter((g) => !scope || gateConcerns(g, scope))
    .sort((a, b) => a.since[0] - b.since[0] || a.since[1] - b.since[1])
    .map((gate) => ({ gate, applies: since(kernel, gate) }));
}

/** Stable-series exceptions to the mainline gates, each modelled where it applies. */
export interface StableException {
  /** The stable releases concerned, for display (`6.12.75–6.12.77`). */
  range: string;
  /** True when `kernel` is in the range. */
  matches(kernel: KernelVersion): boolean;
  what: string;
  rule: string;
}

/** GRP-ACS-06's stable regression: the backport of c41e2fb67e26 to 6.12.75–6.12.77 (read by groups/acs-effective.ts). */
export const ACS_TIMING_REGRESSION: StableException = {
  range: '6.12.75–6.12.77',
  matches: (k) => k.major === 6 && k.minor === 12 && (k.patch ?? 0) >= 75 && (k.patch ?? 0) <= 77,
  what: 'ACS is enabled in pci_dma_configure only after iommu_group formation (a regression from the backport 7a126c1b6cfa of c41e2fb67e26), so groups form with the firmware ACS values',
  rule: 'GRP-ACS-06',
};

/** The stable-series exceptions the simulator models. */
export const STABLE_EXCEPTIONS: readonly StableException[] = [ACS_TIMING_REGRESSION];

/** What {@link hostKernelGates} reports for one host. */
export interface HostKernelGates {
  /** The kernel the host is simulated with; undefined = none given (no kernel line, no default): the assumed kernel. */
  kernel: KernelVersion | undefined;
  /** Gates concerning the host that `kernel` has, oldest release first. */
  inEffect: KernelGate[];
  /** Gates concerning the host that `kernel` does not have yet, oldest release first. */
  ahead: KernelGate[];
  /** Stable-series exceptions `kernel` falls in. */
  stable: StableException[];
}

/**
 * The version gates that concern `host` (by its IOMMU drivers and architecture, {@link gateConcerns}), split by
 * whether `kernel` has them. `kernel` is the effective kernel (the host's `kernel`, else the default kernel); undefined
 * is the assumed kernel ({@link ASSUMED_KERNEL}), as the simulator reads it. Never throws.
 */
export function hostKernelGates(host: Pick<Host, 'arch' | 'iommus'>, kernel: KernelVersion | undefined): HostKernelGates {
  const states = kernelGates(kernel, hostGateScope(host));
  return {
    kernel,
    inEffect: states.filter((s) => s.applies).map((s) => s.gate),
    ahead: states.filter((s) => !s.applies).map((s) => s.gate),
    stable: kernel ? STABLE_EXCEPTIONS.filter((e) => e.matches(kernel)) : [],
  };
}

/** One gate crossed when a host moves from one kernel to another. */
export interface CrossedGate {
  gate: KernelGate;
  /** `gained`: the new kernel has the newer behaviour and the old one does not (an upgrade); `lost`: the reverse. */
  change: 'gained' | 'lost';
}

/**
 * The gates concerning `host` whose behaviour differs between kernel `from` and kernel `to` (the effective kernels;
 * undefined = the assumed kernel, {@link ASSUMED_KERNEL}), oldest release first. Never throws.
 */
export function gatesBetween(host: Pick<Host, 'arch' | 'iommus'>, from: KernelVersion | undefined, to: KernelVersion | undefined): CrossedGate[] {
  const out: CrossedGate[] = [];
  for (const { gate } of kernelGates(undefined, hostGateScope(host))) {
    const a = since(from, gate);
    const b = since(to, gate);
    if (a !== b) out.push({ gate, change: b ? 'gained' : 'lost' });
  }
  return out;
}

/** Mainline releases with long-term (LTS) stable series among the modelled ones (kernel.org "longterm"). */
export const LTS_RELEASES: ReadonlySet<string> = new Set(['5.15', '6.1', '6.6', '6.12']);

/** The releases at which modelled behaviour changes, oldest first, each with its gates (for completion). */
export function gateReleases(): { release: string; lts: boolean; gates: KernelGate[] }[] {
  const out: { release: string; lts: boolean; gates: KernelGate[] }[] = [];
  for (const { gate } of kernelGates(undefined)) {
    const release = gateRelease(gate);
    const last = out[out.length - 1];
    if (last?.release === release) last.gates.push(gate);
    else out.push({ release, lts: LTS_RELEASES.has(release), gates: [gate] });
  }
  return out;
}
