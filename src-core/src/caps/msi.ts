/**
 * MSI isolation: IOMMU_CAP_INTR_REMAP / irq_domain_check_msi_remap (≤ 6.2) and msi_device_has_isolated_msi
 * (≥ 6.3), IRQ-ISO-01.
 */
import { GATES, since } from '../kernel-gates.js';
import type { Arch, Host, Iommu, KernelVersion, MsiController } from '../model.js';

/** An x86 unit's own interrupt-remapping statement: `interruptRemapping`, else read from its `msi` line (none = `x86-ir`). */
export function unitStatesIr(u: Iommu): boolean {
  return u.interruptRemapping ?? (u.msi === undefined || u.msi === 'x86-ir');
}

/**
 * CAP-IR-01: the intel-vtd units of `host` without interrupt remapping (ECAP.IR clear, or turned off). Intel enables
 * IR for every DRHD or for none: `intel_prepare_irq_remapping` gives up ("goto error") as soon as one unit lacks
 * ECAP.IR, so one such unit leaves the whole host without IR. Empty when every Intel unit has it.
 * Source: drivers/iommu/intel/irq_remapping.c:intel_prepare_irq_remapping ("First make sure all IOMMUs support IRQ
 * remapping"), all versions.
 */
export function intelIrBlockers(host: Host): Iommu[] {
  return host.iommus.filter(blocksIntelIr);
}

/**
 * Whether `u` is an intel-vtd unit without interrupt remapping ({@link intelIrBlockers}), also one whose DMA remapping
 * the command line turned off (`Iommu.translationOffDriver`): IR reads every DRHD (CAP-IR-01).
 */
function blocksIntelIr(u: Iommu): boolean {
  return (u.driver === 'intel-vtd' || u.translationOffDriver === 'intel-vtd') && !unitStatesIr(u);
}

/**
 * Whether interrupt remapping is on for the devices behind an x86 unit (intel-vtd / amd-vi): its own
 * `interruptRemapping` (undefined = read from its MSI controller) and, for Intel, every other Intel unit of the host
 * too ({@link intelIrBlockers}, CAP-IR-01). False for other drivers.
 */
export function x86IrEnabled(iommu: Iommu, host: Host): boolean {
  if (iommu.driver === 'amd-vi') return unitStatesIr(iommu);
  if (iommu.driver !== 'intel-vtd') return false;
  // asked for every device (isolatedMsi): a scan, not the blocker list
  return unitStatesIr(iommu) && !host.iommus.some(blocksIntelIr);
}

/**
 * The MSI controller devices behind `iommu` use. intel-vtd / amd-vi: `x86-ir` when interrupt remapping is on
 * ({@link x86IrEnabled}), else `x86-vector`, so the ≤ 6.2 and ≥ 6.3 checks read one answer; a stated `msi x86-ir` /
 * `x86-vector` that contradicts the unit's capabilities is overridden by them (MDL007 reports it), another stated
 * controller (`hyperv-ir`) is kept. Other drivers: `iommu.msi`, else s390 → `s390-zpci`; arm-smmu* → `gicv3-its`;
 * virtio-iommu (no interrupt-remapping or isolated-MSI capability of its own, CAP-VIRTIO-01) / no IOMMU → the arch
 * default (arm64 `gicv3-its`, s390x `s390-zpci`, riscv64 `riscv-imsic`, otherwise `x86-vector`).
 */
export function msiControllerOf(iommu: Iommu | undefined, host: Host, arch: Arch): MsiController {
  if (iommu?.driver === 'intel-vtd' || iommu?.driver === 'amd-vi') {
    if (iommu.msi !== undefined && iommu.msi !== 'x86-ir' && iommu.msi !== 'x86-vector') return iommu.msi;
    return x86IrEnabled(iommu, host) ? 'x86-ir' : 'x86-vector';
  }
  if (iommu?.msi) return iommu.msi;
  switch (iommu?.driver) {
    case 's390':
      return 's390-zpci';
    case 'arm-smmu':
    case 'arm-smmu-v3':
      return 'gicv3-its';
    default:
      return arch === 'arm64' ? 'gicv3-its' : arch === 's390x' ? 's390-zpci' : arch === 'riscv64' ? 'riscv-imsic' : 'x86-vector';
  }
}

/**
 * VFIO-IR-01: `IOMMU_CAP_INTR_REMAP` (≤ 6.2): intel-vtd / amd-vi when IR is enabled, the global
 * `irq_remapping_enabled` (Intel: {@link x86IrEnabled}, every unit; AMD: any AMD unit with IR on) and the devices' MSIs go through it (the controller
 * {@link msiControllerOf} is `x86-ir`, not a stated `hyperv-ir`); s390 always; ARM SMMUs and virtio-iommu never.
 * Source: intel/iommu.c:intel_iommu_capable, amd/iommu.c:amd_iommu_capable, s390-iommu.c:s390_iommu_capable.
 */
export function reportsIntrRemap(iommu: Iommu | undefined, host: Host): boolean {
  if (!iommu) return false;
  if (iommu.driver === 's390') return true;
  if (iommu.driver === 'intel-vtd') return msiControllerOf(iommu, host, 'x86_64') === 'x86-ir';
  // amd_iommu_capable answers the global irq_remapping_enabled: IR on for the system, whichever unit the device is on
  // (a stated other controller, `hyperv-ir`, still says the device's MSIs do not go through it)
  if (iommu.driver === 'amd-vi') {
    const own = msiControllerOf(iommu, host, 'x86_64');
    if (own !== 'x86-ir' && own !== 'x86-vector') return false;
    return host.iommus.some((u) => u.driver === 'amd-vi' && x86IrEnabled(u, host));
  }
  return false;
}

/**
 * VFIO-IR-01: `irq_domain_check_msi_remap()` (≤ 6.2): true iff every MSI domain in the system has
 * IRQ_DOMAIN_FLAG_MSI_REMAP in its hierarchy; only a (non pre-ITS) GICv3 ITS sets it. The system's MSI domains
 * are taken as the MSI controllers of all the host's IOMMUs (plus the arch default when there is none).
 * Source: kernel/irq/irqdomain.c:irq_domain_check_msi_remap, drivers/irqchip/irq-gic-v3-its.c.
 */
export function globalMsiRemap(host: Host, arch: Arch): boolean {
  // a `driver none` unit translates nothing, but its stated `msi` is still an MSI domain of the system (a GICv2m)
  const ctrls = host.iommus.length ? host.iommus.map((i) => (i.driver === 'none' ? (i.msi ?? msiControllerOf(undefined, host, arch)) : msiControllerOf(i, host, arch))) : [msiControllerOf(undefined, host, arch)];
  return ctrls.every((c) => c === 'gicv3-its');
}

/**
 * VFIO-IR-02 (≥ 6.3): `msi_device_has_isolated_msi(dev)`: the MSI domain (or a parent) has
 * IRQ_DOMAIN_FLAG_ISOLATED_MSI (`x86-ir`, `gicv3-its`, `gicv5-its` from 7.0), or `arch_is_isolated_msi()`
 * (s390). Not: x86 vector, Hyper-V IR, GICv2m, GICv3-MBI, pre-ITS quirk, RISC-V IMSIC.
 * Source: kernel/irq/msi.c:msi_device_has_isolated_msi, arch/s390/include/asm/msi.h.
 */
export function controllerIsolatesMsi(ctrl: MsiController, arch: Arch, kernel: KernelVersion): boolean {
  if (arch === 's390x' || ctrl === 's390-zpci') return true;
  if (ctrl === 'x86-ir' || ctrl === 'gicv3-its') return true;
  if (ctrl === 'gicv5-its') return since(kernel, GATES.gicv5Its);
  return false;
}

/**
 * Per-device isolated-MSI answer as the VFIO/iommufd check sees it:
 * ≤ 6.2 `irq_domain_check_msi_remap() || IOMMU_CAP_INTR_REMAP` (VFIO-IR-01, IOMMUFD-IR-01);
 * ≥ 6.3 `msi_device_has_isolated_msi` (VFIO-IR-02).
 */
export function isolatedMsi(iommu: Iommu | undefined, host: Host, arch: Arch, kernel: KernelVersion): boolean {
  if (!since(kernel, GATES.isolatedMsi)) return globalMsiRemap(host, arch) || reportsIntrRemap(iommu, host);
  return controllerIsolatesMsi(msiControllerOf(iommu, host, arch), arch, kernel);
}
