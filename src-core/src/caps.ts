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
import type { Arch, Host, Iommu, KernelVersion, PciDevice } from './model.js';

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
 * The device's IOMMU is its own unit, resolved from the topology (`iommuOf`), even when it joined the group of a
 * bridge behind another unit (GRP-EDGE-01). A device with no
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
  return new HostCaps(host, kernel, grouping, options).all();
}

/**
 * The {@link computeDeviceCaps} answers of one host, computed on demand: {@link get} answers for one device what
 * the map holds for its id, {@link all} builds the map. `simulate()` asks one device at a time (the VM walks and
 * rules read the assigned devices only) and leaves the whole map to the first reader of `HostAnalysis.caps`
 * (hovers, inlay hints, the CLI's JSON). The inputs are read when asked, so they must not change in between (the
 * simulation result holds them anyway).
 */
export class HostCaps {
  private readonly k: KernelVersion;
  private readonly arch: Arch;
  /** The grouping's device index, for device lookups by id (the last device with an id, as the map keeps it). */
  private readonly index: HostTopology;
  /** The index for the IOMMU walk; undefined when ids repeat (the walk then keeps `find`'s first-match answers). */
  private readonly walkIndex: HostTopology | undefined;
  /** The answers that depend on the unit alone (and on `dmaCoherent` for cache coherency), once per unit. */
  private readonly perUnit = new Map<Iommu | undefined, UnitCaps>();
  /** {@link get}'s answers so far. */
  private readonly byId = new Map<string, DeviceCaps | undefined>();

  constructor(
    private readonly host: Host,
    kernel: KernelVersion | undefined,
    grouping: GroupingResult,
    private readonly options: SimulationOptions,
  ) {
    this.k = effectiveKernel(kernel);
    this.arch = hostArch(host);
    this.index = topologyOf(grouping, host);
    this.walkIndex = this.index.uniqueIds ? this.index : undefined;
  }

  /** The caps `all().get(id)` would hold: those of the host's last device with this id; undefined if none has it. */
  get(id: string): DeviceCaps | undefined {
    let c = this.byId.get(id);
    if (c === undefined && !this.byId.has(id)) {
      const d = this.index.device(id);
      c = d && this.of(d);
      this.byId.set(id, c);
    }
    return c;
  }

  /** Caps of every PCI function of the host by id, in device order. */
  all(): Map<string, DeviceCaps> {
    const out = new Map<string, DeviceCaps>();
    const devices = this.host.devices;
    for (let i = 0; i < devices.length; i++) out.set(devices[i].id, this.of(devices[i]));
    return out;
  }

  private of(d: PciDevice): DeviceCaps {
    // The device's own unit, not its group's: a device can join the group of a bridge behind another unit
    // (GRP-EDGE-01, "nothing checks that a device and the bridge whose group it joins are behind the same IOMMU
    // instance"), and the kernel asks the device's own unit (device_iommu_capable → dev_iommu_ops(dev)->capable;
    // Intel's domain_support_force_snooping walks every attached device's unit).
    const iommu = iommuOf(this.host, d, this.walkIndex);
    const dmaCoherent = deviceDmaCoherent(this.arch, d);
    let u = this.perUnit.get(iommu);
    if (!u) {
      const { host, k, options } = this;
      const enf = enforceCap(iommu, host, k);
      u = {
        cacheCoherency: cacheCoherencyCap(iommu, host, k, false, options),
        cacheCoherencyIfDmaCoherent: cacheCoherencyCap(iommu, host, k, true, options),
        enforce: enf.enforce,
        reportedOnly: enf.reportedOnly,
        isolatedMsi: isolatedMsi(iommu, host, this.arch, k),
      };
      this.perUnit.set(iommu, u);
    }
    return {
      deviceId: d.id,
      iommuId: iommu?.id,
      cacheCoherency: dmaCoherent ? u.cacheCoherencyIfDmaCoherent : u.cacheCoherency,
      enforceCoherency: u.enforce,
      enforceIsReportedOnly: u.reportedOnly,
      isolatedMsi: u.isolatedMsi,
      dmaCoherent,
    };
  }
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
