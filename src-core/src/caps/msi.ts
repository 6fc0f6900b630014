/**
 * MSI isolation: IOMMU_CAP_INTR_REMAP / irq_domain_check_msi_remap (≤ 6.2) and msi_device_has_isolated_msi
 * (≥ 6.3), IRQ-ISO-01.
 */
import { atLeast } from '../kernel-version.js';
import type { Arch, Host, Iommu, KernelVersion, MsiController } from '../model.js';

/**
 * The MSI controller devices behind `iommu` use: `iommu.msi`, else by driver: intel-vtd / amd-vi → `x86-ir`
 * unless `interruptRemapping === false` (then `x86-vector`); s390 → `s390-zpci`; arm-smmu* → `gicv3-its`;
 * virtio-iommu (no interrupt-remapping or isolated-MSI capability of its own, CAP-VIRTIO-01) / no IOMMU → the arch default (arm64 `gicv3-its`, s390x `s390-zpci`, riscv64 `riscv-imsic`,
 * otherwise `x86-vector`).
 */
export function msiControllerOf(iommu: Iommu | undefined, arch: Arch): MsiController {
  if (iommu?.msi) return iommu.msi;
  switch (iommu?.driver) {
    case 'intel-vtd':
    case 'amd-vi':
      return iommu.interruptRemapping === false ? 'x86-vector' : 'x86-ir';
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
 * VFIO-IR-01: `IOMMU_CAP_INTR_REMAP` (≤ 6.2): intel-vtd / amd-vi when IR is enabled (`interruptRemapping`,
 * undefined = derived from the MSI controller being `x86-ir`); s390 always; ARM SMMUs and virtio-iommu never.
 * Source: intel/iommu.c:intel_iommu_capable, amd/iommu.c:amd_iommu_capable, s390-iommu.c:s390_iommu_capable.
 */
export function reportsIntrRemap(iommu: Iommu | undefined, arch: Arch): boolean {
  if (!iommu) return false;
  if (iommu.driver === 's390') return true;
  if (iommu.driver === 'intel-vtd' || iommu.driver === 'amd-vi') return iommu.interruptRemapping ?? msiControllerOf(iommu, arch) === 'x86-ir';
  return false;
}

/**
 * VFIO-IR-01: `irq_domain_check_msi_remap()` (≤ 6.2): true iff every MSI domain in the system has
 * IRQ_DOMAIN_FLAG_MSI_REMAP in its hierarchy; only a (non pre-ITS) GICv3 ITS sets it. The system's MSI domains
 * are taken as the MSI controllers of all the host's IOMMUs (plus the arch default when there is none).
 * Source: kernel/irq/irqdomain.c:irq_domain_check_msi_remap, drivers/irqchip/irq-gic-v3-its.c.
 */
export function globalMsiRemap(host: Host, arch: Arch): boolean {
  const ctrls = host.iommus.length ? host.iommus.map((i) => msiControllerOf(i.driver === 'none' ? undefined : i, arch)) : [msiControllerOf(undefined, arch)];
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
  if (ctrl === 'gicv5-its') return atLeast(kernel, 7, 0);
  return false;
}

/**
 * Per-device isolated-MSI answer as the VFIO/iommufd check sees it:
 * ≤ 6.2 `irq_domain_check_msi_remap() || IOMMU_CAP_INTR_REMAP` (VFIO-IR-01, IOMMUFD-IR-01);
 * ≥ 6.3 `msi_device_has_isolated_msi` (VFIO-IR-02).
 */
export function isolatedMsi(iommu: Iommu | undefined, host: Host, arch: Arch, kernel: KernelVersion): boolean {
  if (!atLeast(kernel, 6, 3)) return globalMsiRemap(host, arch) || reportsIntrRemap(iommu, arch);
  return controllerIsolatesMsi(msiControllerOf(iommu, arch), arch, kernel);
}
