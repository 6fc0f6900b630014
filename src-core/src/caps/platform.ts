/**
 * Platform facts the capability tables need: the effective architecture, the stable-backport assumption and
 * the device → IOMMU resolution. Pure helpers, no kernel behaviour of their own.
 */
import type { SimulationOptions } from '../analysis.js';
import { resolveIommu, type HostTopology } from '../groups/topology.js';
import type { Arch, Host, Iommu, KernelVersion, PciDevice } from '../model.js';
import { ASSUMED_KERNEL } from '../kernel-version.js';

export { ASSUMED_KERNEL };

/** {@link hostArch} lives in `arch.ts` (one rule for the whole simulator); re-exported for the capability tables. */
export { hostArch } from '../arch.js';

/**
 * Reference §0.3: whether a stable kernel X.Y.Z is assumed to carry the known backports of its series.
 * True when `options.stableBackports !== false` and Z > 50 (the reference's suggested threshold).
 */
export function hasStableBackports(kernel: KernelVersion, options: SimulationOptions): boolean {
  return options.stableBackports !== false && (kernel.patch ?? 0) > 50;
}

/**
 * The IOMMU translating `device` (`groups/topology.ts:resolveIommu`: device.iommuId, else the nearest
 * ancestor's, else the host's single non-`none` unit), or undefined when none resolves or its driver is `none`.
 * Pass `topo` (an index of this host with unique device ids) to make the ancestor walk O(depth).
 */
export function iommuOf(host: Host, device: PciDevice, topo?: HostTopology): Iommu | undefined {
  const u = resolveIommu(host, device, topo);
  return u && u.driver !== 'none' ? u : undefined;
}

/** `kernel ?? ASSUMED_KERNEL`. */
export function effectiveKernel(kernel: KernelVersion | undefined): KernelVersion {
  return kernel ?? ASSUMED_KERNEL;
}

/**
 * CAP-COH-01: is the device's DMA cache-coherent? x86 always (`dev_is_dma_coherent()` is constant true);
 * arm64 the firmware flag (`dma-coherent` / `_CCA`), undeclared = not coherent (arch default); other arches the
 * firmware flag, undeclared = coherent.
 */
export function deviceDmaCoherent(arch: Arch, device: PciDevice): boolean {
  if (arch === 'x86_64') return true;
  if (arch === 'arm64') return device.dmaCoherent === true;
  return device.dmaCoherent ?? true;
}
