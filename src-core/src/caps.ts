/**
 * Per-device IOMMU capabilities as the kernel answers them for one host and kernel version
 * (IOMMU-CC-02, IOMMU-ENF-01/03, VFIO-IR-01/02, CAP-COH-01). The per-driver tables live in `caps/`.
 */
import type { DeviceCaps, GroupingResult, SimulationOptions } from './analysis.js';
import { cacheCoherencyCap } from './caps/cache-coherency.js';
import { enforceCap } from './caps/enforce.js';
import { isolatedMsi } from './caps/msi.js';
import { deviceDmaCoherent, effectiveKernel, hostArch, iommuOf } from './caps/platform.js';
import { topologyOf } from './groups/index.js';
import type { HostTopology } from './groups/topology.js';
import type { Host, Iommu, KernelVersion } from './model.js';

/**
 * Compute {@link DeviceCaps} for every PCI function of `host`.
 *
 * - `cacheCoherency`: IOMMU_CAP_CACHE_COHERENCY (IOMMU-CC-02; `caps/cache-coherency.ts`).
 * - `enforceCoherency` / `enforceIsReportedOnly`: enforce_cache_coherency / IOMMU_CAP_ENFORCE_CACHE_COHERENCY
 *   (IOMMU-ENF-01/03; ≤ 5.18 the Intel global IOMMU_CACHE/SNP rule; `caps/enforce.ts`).
 * - `isolatedMsi`: ≤ 6.2 global `irq_domain_check_msi_remap() || IOMMU_CAP_INTR_REMAP`, ≥ 6.3 per-device
 *   `msi_device_has_isolated_msi` (VFIO-IR-01/02; `caps/msi.ts`).
 * - `dmaCoherent`: CAP-COH-01.
 *
 * The device's IOMMU is the group's `iommuId` when grouped, else resolved from the topology. A device with no
 * IOMMU gets all-false caps except `dmaCoherent` (and `isolatedMsi` by the platform rule).
 * `kernel` undefined → {@link ASSUMED_KERNEL}. Never throws. The answers besides `dmaCoherent` depend only on the
 * device's IOMMU unit (and, for cache coherency, on `dmaCoherent`), so they are computed once per unit.
 */
export function computeDeviceCaps(
  host: Host,
  kernel: KernelVersion | undefined,
  grouping: GroupingResult,
  options: SimulationOptions,
): Map<string, DeviceCaps> {
  const k = effectiveKernel(kernel);
  const arch = hostArch(host);
  const out = new Map<string, DeviceCaps>();
  const topo = hostIndex(host, grouping);
  /** IOMMU units by id (the first of a repeated id, as `host.iommus.find` answers). */
  const unitById = new Map<string, Iommu>();
  for (const i of host.iommus) if (!unitById.has(i.id)) unitById.set(i.id, i);
  /** The answers that depend on the unit alone (and on `dmaCoherent` for cache coherency), once per unit. */
  const perUnit = new Map<Iommu | undefined, UnitCaps>();
  for (let i = 0; i < host.devices.length; i++) {
    const d = host.devices[i];
    const gid = grouping.groupOf.get(d.id)?.iommuId;
    const iommu = (gid !== undefined ? unitById.get(gid) : undefined) ?? iommuOf(host, d, topo);
    const dmaCoherent = deviceDmaCoherent(arch, d);
    let u = perUnit.get(iommu);
    if (!u) {
      const enf = enforceCap(iommu, host, k);
      u = {
        cacheCoherency: cacheCoherencyCap(iommu, host, k, false, options),
        cacheCoherencyIfDmaCoherent: cacheCoherencyCap(iommu, host, k, true, options),
        enforce: enf.enforce,
        reportedOnly: enf.reportedOnly,
        isolatedMsi: isolatedMsi(iommu, host, arch, k),
      };
      perUnit.set(iommu, u);
    }
    out.set(d.id, {
      deviceId: d.id,
      iommuId: iommu?.id,
      cacheCoherency: dmaCoherent ? u.cacheCoherencyIfDmaCoherent : u.cacheCoherency,
      enforceCoherency: u.enforce,
      enforceIsReportedOnly: u.reportedOnly,
      isolatedMsi: u.isolatedMsi,
      dmaCoherent,
    });
  }
  return out;
}

/** A unit's answers in {@link computeDeviceCaps}: the `caps/` functions read only the unit, host, kernel and options. */
interface UnitCaps {
  /** `cacheCoherencyCap` for a device that is not DMA-coherent. */
  cacheCoherency: boolean;
  /** `cacheCoherencyCap` for a DMA-coherent device. */
  cacheCoherencyIfDmaCoherent: boolean;
  enforce: boolean;
  reportedOnly: boolean;
  isolatedMsi: boolean;
}

/**
 * A device index of `host` for the IOMMU walk: the grouping's own {@link HostTopology} when it indexes the same
 * devices, else a new one; undefined when device ids repeat (the walk then keeps `find`'s first-match answers).
 */
function hostIndex(host: Host, grouping: GroupingResult): HostTopology | undefined {
  const topo = topologyOf(grouping, host);
  return topo.uniqueIds ? topo : undefined;
}
