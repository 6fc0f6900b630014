/**
 * DMA aliases: `pci_real_dma_dev` (Intel VMD, GRP-ALIAS-04), the devfn alias quirks (`dma_alias_mask`,
 * GRP-ALIAS-03), the bridge alias flags (GRP-ALIAS-02) and the walk `pci_for_each_dma_alias` (GRP-ALIAS-01).
 */
import { GATES, since } from '../kernel-gates.js';
import type { KernelVersion, PciDevice } from '../model.js';
import { isBridge, isConventional, type HostTopology } from './topology.js';
import { isX86Host } from '../arch.js';

/**
 * Intel VMD endpoint device IDs (vendor 0x8086): the `vmd` driver's `vmd_ids[]` table. 0x201d, 0x28c0, 0x467f, 0x4c3d
 * and 0x9a0b are in every version we model; 0xa77f (Raptor Lake), 0x7d0b (Meteor Lake) and 0xad0b (Arrow Lake) came
 * later. No version gate: without a bound `vmd` driver there is no VMD domain, so a model that has devices in one
 * says the driver bound. Source: drivers/pci/controller/vmd.c:vmd_ids (torvalds/linux 2565e5b: the first five;
 * 0182471: all eight).
 */
export const VMD_DEVICE_IDS: readonly number[] = [0x201d, 0x28c0, 0x467f, 0x4c3d, 0xa77f, 0x7d0b, 0xad0b, 0x9a0b];

/**
 * A PCI domain (segment) number the vmd driver hands out: one above the highest domain in use and at least 0x10000,
 * beyond the 16 bits of an ACPI _SEG, so never a firmware segment. Source: drivers/pci/controller/vmd.c:
 * vmd_find_free_domain (`max(0xffff, highest pci_domain_nr) + 1`).
 */
export function isVmdDomain(domain: number): boolean {
  return domain >= 0x10000;
}

/**
 * GRP-ALIAS-04: x86 `pci_real_dma_dev(dev)`. A device in a PCI domain ≥ 0x10000 whose ancestor chain leaves that
 * domain at a non-bridge device (the VMD endpoint) maps to that endpoint, if that endpoint's IDs are unknown, its
 * driver is `vmd`, or its IDs are 8086:{@link VMD_DEVICE_IDS} (the kernel asks the bus, `is_vmd(dev->bus)`, which
 * only the vmd driver's buses answer yes; these are the devices it binds). Everything else maps to itself. Only on
 * x86 (`arch.ts:hostArch`). Source: arch/x86/pci/common.c:pci_real_dma_dev (S-5.15 … S-7.2).
 */
export function realDmaDev(topo: HostTopology, d: PciDevice): PciDevice {
  if (!isVmdDomain(d.bdf.domain) || !isX86Host(topo.host)) return d;
  const seen = new Set<string>();
  let cur: PciDevice | undefined = d;
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    const p = topo.device(cur.parentId);
    if (!p) return d;
    if (p.bdf.domain !== d.bdf.domain) return isVmdEndpoint(p) ? p : d;
    cur = p;
  }
  return d;
}

function isVmdEndpoint(p: PciDevice): boolean {
  if (isBridge(p)) return false;
  return isVmdDevice(p) || (p.vendorId === undefined && p.deviceId === undefined);
}

/**
 * A function the vmd driver binds (or bound): its driver is `vmd`, or its IDs are 8086:{@link VMD_DEVICE_IDS}.
 * Source: drivers/pci/controller/vmd.c:vmd_ids.
 */
export function isVmdDevice(d: Pick<PciDevice, 'vendorId' | 'deviceId' | 'driver'>): boolean {
  return d.driver === 'vmd' || (d.vendorId === 0x8086 && d.deviceId !== undefined && VMD_DEVICE_IDS.includes(d.deviceId));
}

/** One devfn alias quirk that matched, for hovers. */
export interface AliasQuirk {
  quirk: string;
  devfns: number[];
}

const MARVELL_FUNC1 = [0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172, 0x917a, 0x9182, 0x9183, 0x91a0, 0x9215, 0x9220, 0x9230, 0x9235];

/**
 * GRP-ALIAS-03 quirks that add devfns to `dma_alias_mask` (same bus). JMicron JMB388 ESD is 0x197b:0x2392
 * (`PCI_VENDOR_ID_JMICRON`, `PCI_DEVICE_ID_JMICRON_JMB388_ESD` in include/linux/pci_ids.h). Not modelled: Switchtec NTB
 * (needs the partition table); AMD IVRS aliases come from `dmaAliasDevfns`.
 * Source: drivers/pci/quirks.c:quirk_dma_func0_alias, quirk_dma_func1_alias, quirk_fixed_dma_alias,
 * quirk_mic_x200_dma_alias, quirk_pex_vca_alias, quirk_plx_ntb_dma_alias.
 */
export function aliasQuirk(d: PciDevice): AliasQuirk | undefined {
  const v = d.vendorId;
  const id = d.deviceId ?? -1;
  const slot = d.bdf.device;
  const fn = d.bdf.fn;
  if (((v === 0x1180 && (id === 0xe832 || id === 0xe476)) || (v === 0x6766 && (id === 0x3d40 || id === 0x3d41))) && fn !== 0)
    return { quirk: 'quirk_dma_func0_alias', devfns: [slot << 3] };
  if (
    ((v === 0x1b4b && MARVELL_FUNC1.includes(id)) || (v === 0x1103 && (id === 0x0642 || id === 0x0645)) || (v === 0x197b && id === 0x2392) || (v === 0x1c28 && id === 0x0122)) &&
    fn !== 1
  )
    return { quirk: 'quirk_dma_func1_alias', devfns: [(slot << 3) | 1] };
  if (v === 0x9005 && id === 0x0285 && d.subsystemVendorId === 0x9005 && (d.subsystemDeviceId === 0x02bb || d.subsystemDeviceId === 0x02bc))
    return { quirk: 'quirk_fixed_dma_alias', devfns: [1 << 3] };
  if (v === 0x8086 && (id === 0x2260 || id === 0x2264)) return { quirk: 'quirk_mic_x200_dma_alias', devfns: [0x10 << 3, 0x11 << 3, (0x12 << 3) | 3] };
  if (v === 0x8086 && id >= 0x2954 && id <= 0x295a) {
    const devfns: number[] = [];
    for (let s = 0; s < 32; s++) for (let f = 0; f < 5; f++) devfns.push((s << 3) | f);
    return { quirk: 'quirk_pex_vca_alias', devfns };
  }
  if (v === 0x10b5 && (id === 0x87b0 || id === 0x87b1)) return { quirk: 'quirk_plx_ntb_dma_alias', devfns: Array.from({ length: 256 }, (_, i) => i) };
  return undefined;
}

/** The devfns of the device's `dma_alias_mask` (`dmaAliasDevfns` plus {@link aliasQuirk}), or undefined if none. */
function aliasDevfns(d: PciDevice): number[] | undefined {
  const quirk = aliasQuirk(d);
  if (!d.dmaAliasDevfns?.length && !quirk) return undefined;
  return [...(d.dmaAliasDevfns ?? []), ...(quirk?.devfns ?? [])].map((x) => x & 0xff);
}

/** The device's `dma_alias_mask` as a set of devfns: `dmaAliasDevfns` plus {@link aliasQuirk}. */
export function dmaAliasMask(d: PciDevice): Set<number> {
  return new Set(aliasDevfns(d));
}

/** Per-topology indexes for the alias searches (a {@link HostTopology} is an immutable snapshot of one host). */
interface AliasIndex {
  /** {@link dmaAliasMask} by device, computed once. */
  masks: Map<PciDevice, ReadonlySet<number>>;
  /**
   * Devices with a non-empty mask, by their bus (keyed by the bus's first device), in probe order. Filled for all
   * buses when the index is made (few devices have a mask); a bus without such devices has no entry.
   */
  aliasingOnBus: Map<PciDevice, PciDevice[]>;
}
const aliasIndexes = new WeakMap<HostTopology, AliasIndex>();

function aliasIndex(topo: HostTopology): AliasIndex {
  let ix = aliasIndexes.get(topo);
  if (!ix) {
    const aliasingOnBus = new Map<PciDevice, PciDevice[]>();
    aliasIndexes.set(topo, (ix = { masks: new Map(), aliasingOnBus }));
    for (const t of topo.devices) {
      if (maskOf(topo, t).size === 0) continue;
      const first = topo.busDevices(t)[0];
      const list = aliasingOnBus.get(first);
      if (list) list.push(t);
      else aliasingOnBus.set(first, [t]);
    }
  }
  return ix;
}

const NO_DEVICES: readonly PciDevice[] = [];

const EMPTY_MASK: ReadonlySet<number> = new Set();

/**
 * {@link dmaAliasMask}, memoised per topology. Do not mutate the result. Most devices have an empty mask; that
 * answer is cheap to recompute, so only non-empty masks are stored.
 */
function maskOf(topo: HostTopology, d: PciDevice): ReadonlySet<number> {
  const ix = aliasIndex(topo);
  let m = ix.masks.get(d);
  if (m) return m;
  const devfns = aliasDevfns(d);
  if (!devfns) return EMPTY_MASK;
  ix.masks.set(d, (m = new Set(devfns)));
  return m;
}

/**
 * The devices on `x`'s bus that {@link areDmaAliases} can pair with `x`, in probe order (a sub-list of
 * `topo.busDevices(x)`, possibly containing `x`). With an empty mask of its own, `x` can only be named in another
 * device's mask, so only devices with a non-empty mask qualify; `pci_real_dma_dev` never pairs two devices of one
 * bus (it maps to a device in another domain). With a non-empty mask, the whole bus.
 */
export function dmaAliasCandidates(topo: HostTopology, x: PciDevice): readonly PciDevice[] {
  const bus = topo.busDevices(x);
  if (maskOf(topo, x).size > 0 || bus.length === 0) return bus;
  return aliasIndex(topo).aliasingOnBus.get(bus[0]) ?? NO_DEVICES;
}

/**
 * `pci_devs_are_dma_aliases(a, b)`: either mask contains the other's devfn, or one is the other's real DMA device.
 * The same-bus condition is the caller's (GRP-ALG-01 step 5). Source: drivers/pci/pci.c:pci_devs_are_dma_aliases.
 */
export function areDmaAliases(topo: HostTopology, a: PciDevice, b: PciDevice): boolean {
  return (
    maskOf(topo, a).has(topo.devfn(b)) ||
    maskOf(topo, b).has(topo.devfn(a)) ||
    realDmaDev(topo, a) === b ||
    realDmaDev(topo, b) === a
  );
}

/** Bridge flags from GRP-ALIAS-02 quirks. */
export interface BridgeAliasFlags {
  /** `PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS`: alias RID = (secondary bus, 00.0); no grouping change. */
  pcieBridgeAlias: boolean;
  /** `PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT`: the alias walk stops at this bridge. */
  xlateRoot: boolean;
  /** `PCI_DEV_FLAGS_PCI_BRIDGE_NO_ALIAS` (ASPEED AST1150; 7.x per S-7.2, assumed ≥ 7.0). */
  noAlias: boolean;
}

/**
 * GRP-ALIAS-02 flags for a bridge. Source: drivers/pci/quirks.c:quirk_use_pcie_bridge_dma_alias,
 * quirk_bridge_cavm_thrx2_pcie_root, the ASPEED NO_ALIAS quirk (S-7.2).
 */
export function bridgeAliasFlags(topo: HostTopology, t: PciDevice, kernel: KernelVersion | undefined): BridgeAliasFlags {
  return { pcieBridgeAlias: pcieBridgeAlias(topo, t), xlateRoot: xlateRoot(t), noAlias: noAlias(t, kernel) };
}

/** {@link BridgeAliasFlags.pcieBridgeAlias} (quirk_use_pcie_bridge_dma_alias). */
function pcieBridgeAlias(topo: HostTopology, t: PciDevice): boolean {
  if (t.kind !== 'pci-bridge') return false;
  const v = t.vendorId;
  const id = t.deviceId;
  const parent = topo.upstreamBridge(t);
  return (
    !!parent &&
    !isConventional(parent) &&
    parent.kind !== 'pcie-to-pci-bridge' &&
    ((v === 0x1b21 && id === 0x1080) || (v === 0x10e3 && id === 0x8113) || (v === 0x1283 && (id === 0x8892 || id === 0x8893)) || (v === 0x8086 && id === 0x244e))
  );
}

/** {@link BridgeAliasFlags.xlateRoot} (quirk_bridge_cavm_thrx2_pcie_root). */
function xlateRoot(t: PciDevice): boolean {
  return t.vendorId === 0x14e4 && (t.deviceId === 0x9000 || t.deviceId === 0x9084);
}

/** {@link BridgeAliasFlags.noAlias} (ASPEED AST1150, assumed ≥ 7.0). */
function noAlias(t: PciDevice, kernel: KernelVersion | undefined): boolean {
  return t.vendorId === 0x1a03 && t.deviceId === 0x1150 && since(kernel, GATES.aspeedNoAlias);
}

/** One visit of {@link forEachDmaAlias}. */
export interface AliasVisit {
  device: PciDevice;
  /** Requester ID as (bus, devfn); bus undefined when the bridge's secondary bus is unknown. */
  bus: number | undefined;
  devfn: number;
  /** Why this visit happens. */
  via: 'self' | 'real-dma-dev' | 'alias-mask' | 'bridge';
}

/**
 * Receives one visit of {@link walkDmaAliases} as separate values, with the caller's `ctx` (no object or closure per
 * visit or walk); returning true stops the walk.
 */
export type AliasVisitor<C> = (ctx: C, device: PciDevice, bus: number | undefined, devfn: number, via: AliasVisit['via']) => boolean;

/**
 * GRP-ALIAS-01: `pci_for_each_dma_alias(dev, fn)`. Calls `fn` for each (device, requester ID) the IOMMU may see
 * for `d`'s DMA; stops as soon as `fn` returns true and returns true then. Source: drivers/pci/search.c
 * (identical S-5.15/S-6.12; NO_ALIAS check in S-7.2).
 */
export function forEachDmaAlias(topo: HostTopology, d: PciDevice, kernel: KernelVersion | undefined, fn: (v: AliasVisit) => boolean): boolean {
  return walkDmaAliases(topo, d, kernel, fn, visitAsObject);
}

function visitAsObject(fn: (v: AliasVisit) => boolean, device: PciDevice, bus: number | undefined, devfn: number, via: AliasVisit['via']): boolean {
  return fn({ device, bus, devfn, via });
}

/** {@link forEachDmaAlias} with each visit passed to `fn` as separate values, together with `ctx`. */
export function walkDmaAliases<C>(topo: HostTopology, d: PciDevice, kernel: KernelVersion | undefined, ctx: C, fn: AliasVisitor<C>): boolean {
  const pdev = realDmaDev(topo, d);
  if (fn(ctx, pdev, pdev.bdf.bus, topo.devfn(pdev), pdev === d ? 'self' : 'real-dma-dev')) return true;
  const mask = maskOf(topo, pdev);
  if (mask.size)
    for (const df of [...mask].sort((a, b) => a - b))
      if (fn(ctx, pdev, pdev.bdf.bus, df, 'alias-mask')) return true;
  const bridges = topo.bridgesAbove(pdev);
  for (let i = 0; i < bridges.length; i++) {
    const t = bridges[i];
    if (xlateRoot(t)) return false;
    if (!isConventional(t)) {
      if (t.kind === 'pcie-to-pci-bridge' && !noAlias(t, kernel)) {
        if (fn(ctx, t, topo.secondaryBus(t), 0, 'bridge')) return true;
      } else if (t.kind === 'pci-to-pcie-bridge') {
        if (fn(ctx, t, t.bdf.bus, topo.devfn(t), 'bridge')) return true;
      }
    } else if (pcieBridgeAlias(topo, t) ? fn(ctx, t, topo.secondaryBus(t), 0, 'bridge') : fn(ctx, t, t.bdf.bus, topo.devfn(t), 'bridge')) return true;
  }
  return false;
}
