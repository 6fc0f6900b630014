/**
 * The host's architecture, one rule for every part of the simulator: the command-line reading (x86-only options),
 * the default-domain Kconfig defaults, the capability tables, KVM's memory types and the firmware default.
 * Pure, no kernel behaviour of its own.
 */
import type { Arch, Host } from './model.js';

/** The architecture an IOMMU driver implies, or undefined (`virtio-iommu`, `none`). */
function driverArch(driver: string): Arch | undefined {
  if (driver === 'intel-vtd' || driver === 'amd-vi') return 'x86_64';
  if (driver === 'arm-smmu' || driver === 'arm-smmu-v3') return 'arm64';
  if (driver === 's390') return 's390x';
  return undefined;
}

/**
 * The host's architecture and how it was decided: `host.arch` (`stated`), else the first IOMMU unit whose driver
 * implies one (`inferred`: intel-vtd / amd-vi → x86_64, arm-smmu / arm-smmu-v3 → arm64, s390 → s390x), else x86_64
 * (`default`). Never throws.
 */
export function hostArchOf(host: Pick<Host, 'arch' | 'iommus'>): { arch: Arch; source: 'stated' | 'inferred' | 'default' } {
  if (host.arch) return { arch: host.arch, source: 'stated' };
  for (const i of host.iommus) {
    const arch = driverArch(i.driver);
    if (arch) return { arch, source: 'inferred' };
  }
  return { arch: 'x86_64', source: 'default' };
}

/** The host's architecture ({@link hostArchOf}). Never throws. */
export function hostArch(host: Pick<Host, 'arch' | 'iommus'>): Arch {
  return host.arch ?? hostArchOf(host).arch;
}

/** Whether {@link hostArch} is x86_64. */
export function isX86Host(host: Pick<Host, 'arch' | 'iommus'>): boolean {
  return hostArch(host) === 'x86_64';
}
