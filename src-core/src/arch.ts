/**
 * The host's architecture, one rule for every part of the simulator: the command-line reading (x86-only options),
 * the default-domain Kconfig defaults, the capability tables, KVM's memory types and the firmware default.
 * Pure, no kernel behaviour of its own.
 */
import type { Arch, Host } from './model.js';

/**
 * The host's architecture: `host.arch`, else inferred from its IOMMU drivers (the first unit whose driver names an
 * architecture: intel-vtd / amd-vi → x86_64, arm-smmu / arm-smmu-v3 → arm64, s390 → s390x), else x86_64.
 * Never throws.
 */
export function hostArch(host: Pick<Host, 'arch' | 'iommus'>): Arch {
  if (host.arch) return host.arch;
  for (const i of host.iommus) {
    if (i.driver === 'intel-vtd' || i.driver === 'amd-vi') return 'x86_64';
    if (i.driver === 'arm-smmu' || i.driver === 'arm-smmu-v3') return 'arm64';
    if (i.driver === 's390') return 's390x';
  }
  return 'x86_64';
}

/** Whether {@link hostArch} is x86_64. */
export function isX86Host(host: Pick<Host, 'arch' | 'iommus'>): boolean {
  return hostArch(host) === 'x86_64';
}

/** How {@link hostArch} was decided: `stated` (`arch` line), `inferred` (from an IOMMU driver) or `default` (x86_64). */
export function hostArchSource(host: Pick<Host, 'arch' | 'iommus'>): 'stated' | 'inferred' | 'default' {
  if (host.arch) return 'stated';
  return host.iommus.some((i) => ['intel-vtd', 'amd-vi', 'arm-smmu', 'arm-smmu-v3', 's390'].includes(i.driver)) ? 'inferred' : 'default';
}
