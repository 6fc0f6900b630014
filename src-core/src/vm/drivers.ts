/** Host-driver classification for VFIO viability and DMA ownership (VFIO-GRP-03, VFIO-GRP-05). */
import type { Host } from '../model.js';
import { kstrtobool } from '../kernel-cmdline.js';

/** Trimmed, lower case, `_` as `-`. */
function norm(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/** `vfio-pci` or one of its variant drivers (`mlx5_vfio_pci`, `nvgrace-gpu-vfio-pci`, ...). */
export function isVfioPciDriver(name: string | null | undefined): boolean {
  return typeof name === 'string' && /^(?:[a-z0-9-]+-)?vfio-pci$/.test(norm(name));
}

/** A vfio-pci variant driver (`mlx5_vfio_pci`, `qat_vfio_pci`, ...), not vfio-pci itself in any spelling. */
export function isVfioPciVariantDriver(name: string | null | undefined): boolean {
  return isVfioPciDriver(name) && norm(name!) !== 'vfio-pci';
}

/**
 * VFIO-GRP-05 (≥ 5.19): drivers that set `driver_managed_dma` and so do not count as a kernel-DMA owner:
 * vfio-pci and its variants, vfio-platform, vfio-amba, vfio-fsl-mc, vfio-cdx, pci-stub, pcieport.
 * Source: drivers/pci/pci-driver.c:pci_dma_configure, drivers/iommu/iommu.c:iommu_device_use_default_domain.
 */
export function isDriverManagedDma(name: string): boolean {
  const n = norm(name);
  return isVfioPciDriver(n) || ['vfio-platform', 'vfio-amba', 'vfio-fsl-mc', 'vfio-cdx', 'pci-stub', 'pcieport'].includes(n);
}

/**
 * VFIO-GRP-03 (≤ 5.18) allow-list for a *bound* driver: a VFIO bus driver or `pci-stub`
 * (drivers/vfio/vfio.c:vfio_dev_driver_allowed). Non-normal header types are allowed with any driver by the caller.
 */
export function isLegacyAllowedDriver(name: string): boolean {
  const n = norm(name);
  return isVfioPciDriver(n) || n.startsWith('vfio-') || n === 'pci-stub';
}

/**
 * Boolean module parameter as `param_set_bool` / `kstrtobool` reads it ({@link isTrueParamValue}).
 * Missing = the default (false).
 */
export function boolParam(host: Host, key: string): boolean {
  const v = host.params[key];
  return v !== undefined && isTrueParamValue(v);
}

/**
 * A bool module parameter's value (a host's `param` line: what `/sys/module/<module>/parameters/` shows, `Y` / `N`)
 * that reads as true, as the newest `kstrtobool` reads it (kernel-cmdline.ts): `1`, `y…`, `t…`, `e…`, `on`. The
 * command line's values are read by the host's kernel before they get here (boot-params.ts).
 */
export function isTrueParamValue(v: string): boolean {
  return kstrtobool(v.trim()) === true;
}

/** `vfio_iommu_type1.allow_unsafe_interrupts` (VFIO-IR-01). */
export const TYPE1_UNSAFE_PARAM = 'vfio_iommu_type1.allow_unsafe_interrupts';
/** `iommufd.allow_unsafe_interrupts` (IOMMUFD-IR-01/02, 6.2+). */
export const IOMMUFD_UNSAFE_PARAM = 'iommufd.allow_unsafe_interrupts';
