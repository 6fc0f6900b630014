/**
 * Bus/parent helpers over one {@link Host}: the kernel's `pdev->bus`, `bus->self`, `pci_is_root_bus`,
 * `pdev->multifunction`, plus IOMMU resolution. Built once per host; all lookups are O(1) or O(depth).
 */
import { devfn, sameBus } from '../bdf.js';
import { BRIDGE_KINDS, CONVENTIONAL_KINDS, type Host, type Iommu, type PciDevice, type PciKind } from '../model.js';
import { devLabel, kindLabel } from './names.js';

/** Kinds treated as endpoints by the group rules (anything that issues DMA and is not a bridge or host bridge). */
export const ENDPOINT_KINDS: ReadonlySet<PciKind> = new Set<PciKind>(['endpoint', 'legacy-endpoint', 'rciep', 'pci-device']);

/** True for kinds without a PCI Express capability (`!pci_is_pcie(dev)`). */
export function isConventional(d: PciDevice): boolean {
  return CONVENTIONAL_KINDS.has(d.kind);
}

/** True for kinds with a secondary bus (PCI header type 1). */
export function isBridge(d: PciDevice): boolean {
  return BRIDGE_KINDS.has(d.kind);
}

/**
 * Read-only topology index of one host. Device order is `host.devices` order, which the model defines as probe
 * order (GRP-ORD-01) and which is also the kernel's global `for_each_pci_dev` order.
 */
export class HostTopology {
  readonly host: Host;
  readonly devices: readonly PciDevice[];
  /** Probe-order position by device id (the last one wins if an id repeats); also the device-by-id index. */
  private readonly order = new Map<string, number>();
  /**
   * The children index, by probe position: the first child of each device and the next sibling of each child, in
   * probe order (-1 = none). A child is listed under the position its `parentId` names (the last device with that
   * id). Built on the first {@link children} call.
   */
  private firstChild?: Int32Array;
  private nextSibling?: Int32Array;
  /** Devices by (domain, bus) — the kernel's `pdev->bus` — each list in probe order. Key: {@link busKey}. */
  private readonly byBus = new Map<number, PciDevice[]>();
  /**
   * Devices by (domain, bus, slot), i.e. all functions of one slot, each list in probe order. Key: {@link slotKey}.
   * Only built when some device has a non-integer address field or a device number outside 0–31, where distinct
   * slots can share a key; otherwise a slot is exactly its bus's devices with that device number.
   */
  private readonly bySlot?: Map<number, PciDevice[]>;
  /**
   * No device id repeats (as the model requires). Then {@link device} also answers `host.devices.find` lookups,
   * which return the first device with an id rather than the last.
   */
  readonly uniqueIds: boolean;
  /** {@link label} answers by probe position, filled on first use. */
  private labels?: (string | undefined)[];
  /** {@link slotDevices} answers that are not a whole bus's list, by {@link slotKey}; filled on first use. */
  private slots?: Map<number, readonly PciDevice[]>;
  /** {@link chainFrom} answers by probe position, filled on first use. */
  private chains?: (readonly PciDevice[] | undefined)[];
  /** {@link virtualFunctionIds} answers by parent id; built on first use. */
  private vfsByParent?: Map<string, string[]>;
  /** Scratch list of the walks that build those answers; only its first entries of one call are meaningful. */
  private readonly scratch: PciDevice[] = [];

  constructor(host: Host) {
    this.host = host;
    this.devices = host.devices;
    let plainSlots = true;
    host.devices.forEach((d, i) => {
      this.order.set(d.id, i);
      push(this.byBus, busKey(d), d);
      const { domain, bus, device } = d.bdf;
      if (!(Number.isInteger(domain) && Number.isInteger(bus) && Number.isInteger(device) && device >= 0 && device <= 0x1f)) plainSlots = false;
    });
    if (!plainSlots) {
      this.bySlot = new Map();
      for (const d of host.devices) push(this.bySlot, slotKey(d), d);
    }
    this.uniqueIds = this.order.size === host.devices.length;
  }

  /** Device by id (the last one in probe order if the id repeats), or undefined. */
  device(id: string | undefined): PciDevice | undefined {
    if (id === undefined) return undefined;
    const i = this.order.get(id);
    return i === undefined ? undefined : this.devices[i];
  }

  /**
   * {@link devLabel} of `d`, formatted once per device of this index (messages name a device several times).
   * Devices that are not this index's device for their id are formatted on each call.
   */
  label(d: PciDevice): string {
    const i = this.order.get(d.id);
    if (i === undefined || this.devices[i] !== d) return devLabel(d);
    const labels = (this.labels ??= new Array(this.devices.length));
    return (labels[i] ??= devLabel(d));
  }

  /** `root port rp0 (0000:00:1c.0)`: kind and {@link label}, as `kindDevLabel` in names.ts spells it, the label formatted once. */
  kindDevLabel(d: PciDevice): string {
    return `${kindLabel(d.kind)} ${this.label(d)}`;
  }

  /** Position in probe order (0-based); -1 if unknown. */
  indexOf(d: PciDevice): number {
    return this.order.get(d.id) ?? -1;
  }

  /** Direct children (devices whose `parentId` is `id`), in probe order. Do not mutate the result. */
  children(id: string): readonly PciDevice[] {
    const p = this.order.get(id);
    // an id no device has can still be some device's parentId (a model error that MDL rules report)
    if (p === undefined) return this.devices.filter((d) => d.parentId === id);
    if (!this.firstChild) this.indexChildren();
    const first = this.firstChild!;
    const next = this.nextSibling!;
    let n = 0;
    for (let c = first[p]; c >= 0; c = next[c]) n++;
    if (!n) return NO_DEVICES;
    const out: PciDevice[] = new Array(n);
    n = 0;
    for (let c = first[p]; c >= 0; c = next[c]) out[n++] = this.devices[c];
    return out;
  }

  private indexChildren(): void {
    // grouping itself never asks (only for bridges without `secondaryBus`), so this index is built on demand
    const n = this.devices.length;
    const first = (this.firstChild = new Int32Array(n).fill(-1));
    const next = (this.nextSibling = new Int32Array(n).fill(-1));
    // from the last device back, each child goes in front of its parent's list, so the lists end up in probe order
    for (let i = n - 1; i >= 0; i--) {
      const parentId = this.devices[i].parentId;
      const p = parentId === undefined ? undefined : this.order.get(parentId);
      if (p === undefined) continue;
      next[i] = first[p];
      first[p] = i;
    }
  }

  /**
   * Ids of the SR-IOV virtual functions whose `parentId` is `id` (a PF's enabled VFs), in probe order. One pass over
   * the devices on first use, shared by every VM of the host; most hosts have none.
   */
  virtualFunctionIds(id: string): readonly string[] {
    if (!this.vfsByParent) {
      this.vfsByParent = new Map();
      for (let i = 0; i < this.devices.length; i++) {
        const d = this.devices[i];
        if (!d.isVirtualFunction || d.parentId === undefined) continue;
        const list = this.vfsByParent.get(d.parentId);
        if (list) list.push(d.id);
        else this.vfsByParent.set(d.parentId, [d.id]);
      }
    }
    return this.vfsByParent.get(id) ?? NO_IDS;
  }

  /** Every device below `id` (not including it), depth-first in probe order. */
  subtree(id: string): PciDevice[] {
    const out: PciDevice[] = [];
    const walk = (x: string) => {
      for (const c of this.children(x)) {
        out.push(c);
        walk(c.id);
      }
    };
    walk(id);
    return out;
  }

  /**
   * `pci_upstream_bridge(dev)` = `dev->bus->self`: the bridge whose secondary bus `d` sits on, or undefined when `d`
   * is on a root bus. A parent that is not a bridge, or is in another PCI domain, starts a new root bus (e.g. the
   * Intel VMD endpoint hosting domain 0x10000, GRP-ALIAS-04). SR-IOV VFs whose parent is their PF (a virtual bus,
   * no `self`) resolve to the PF's upstream bridge, as the kernel's walks skip virtual buses.
   */
  upstreamBridge(d: PciDevice): PciDevice | undefined {
    const p = this.device(d.parentId);
    if (!p || p.bdf.domain !== d.bdf.domain) return undefined;
    if (isBridge(p)) return p;
    if (d.isVirtualFunction) return this.upstreamBridge(p);
    return undefined;
  }

  /** `pci_is_root_bus(dev->bus)`. */
  onRootBus(d: PciDevice): boolean {
    return this.upstreamBridge(d) === undefined;
  }

  /**
   * Bridges b1..bk from `d`'s bus up to the bridge on the root bus (b1 nearest), GRP-PATH-01. Stops on a cycle
   * (before a bridge whose id is `d`'s or one already listed). Do not mutate the result: devices on one bus share it.
   */
  bridgesAbove(d: PciDevice): readonly PciDevice[] {
    const b = this.upstreamBridge(d);
    if (!b) return NO_DEVICES;
    // the chain from b1 stops at a repeated id; it is d's answer unless it passes d's id, where d's walk stops
    const chain = this.chainFrom(b);
    return hasId(chain, d.id) ? this.walkAbove(d) : chain;
  }

  /**
   * `b`, then each bridge above it (`upstreamBridge` repeatedly), stopping before the first id already listed.
   * Memoised by probe position: every device below `b` reads the same list.
   */
  chainFrom(b: PciDevice): readonly PciDevice[] {
    const i = this.order.get(b.id);
    if (i === undefined || this.devices[i] !== b) return this.walkFrom(b);
    const chains = (this.chains ??= new Array(this.devices.length));
    return (chains[i] ??= this.walkFrom(b));
  }

  private walkFrom(b: PciDevice): PciDevice[] {
    // collected in the first `n` entries of the scratch list, then copied at their exact length (a pushed list keeps
    // spare capacity; the scratch list is overwritten, not emptied, which would drop its storage)
    const out = this.scratch;
    let n = 0;
    // paths are a few bridges long, so the cycle check scans the list (by id) instead of building a set
    for (let x: PciDevice | undefined = b; x && !hasId(out, x.id, n); x = this.upstreamBridge(x)) out[n++] = x;
    return out.slice(0, n);
  }

  /** {@link bridgesAbove} computed from scratch. */
  private walkAbove(d: PciDevice): PciDevice[] {
    const out: PciDevice[] = [];
    let b = this.upstreamBridge(d);
    while (b && b.id !== d.id && !hasId(out, b.id)) {
      out.push(b);
      b = this.upstreamBridge(b);
    }
    return out;
  }

  /**
   * Secondary bus number of a bridge (`bridge->subordinate->number`): `secondaryBus` if given, else the bus of its
   * first child, else undefined (unknown).
   */
  secondaryBus(bridge: PciDevice): number | undefined {
    if (bridge.secondaryBus !== undefined) return bridge.secondaryBus;
    const c = this.children(bridge.id).find((x) => x.bdf.domain === bridge.bdf.domain);
    return c?.bdf.bus;
  }

  /** `a->bus == b->bus` (same domain and bus number). */
  sameBus(a: PciDevice, b: PciDevice): boolean {
    return sameBus(a.bdf, b.bdf);
  }

  /** Every device on `d`'s bus (same domain and bus number, `d` included), in probe order. O(1). */
  busDevices(d: PciDevice): readonly PciDevice[] {
    return this.byBus.get(busKey(d)) ?? [];
  }

  /**
   * Every function in `d`'s slot (same domain, bus and device number, `d` included), in probe order. O(1) after the
   * first call for a slot. Do not mutate the result.
   */
  slotDevices(d: PciDevice): readonly PciDevice[] {
    if (this.bySlot) return this.bySlot.get(slotKey(d)) ?? [];
    const bus = this.busDevices(d);
    const slot = d.bdf.device;
    // most buses hold one slot (a single device or one multifunction device): then the slot is the bus's list
    let oneSlot = true;
    for (let i = 0; oneSlot && i < bus.length; i++) oneSlot = bus[i].bdf.device === slot;
    if (oneSlot) return bus;
    const slots = (this.slots ??= new Map());
    const key = slotKey(d);
    let list = slots.get(key);
    if (!list) {
      // collected in the first `n` entries of the scratch list, then copied at their exact length (as in walkFrom)
      const out = this.scratch;
      let n = 0;
      for (let i = 0; i < bus.length; i++) if (bus[i].bdf.device === slot) out[n++] = bus[i];
      slots.set(key, (list = out.slice(0, n)));
    }
    return list;
  }

  /**
   * Kernel `pdev->multifunction` (GRP-MF-02): VF → false; function > 0 → true (forced by `pci_scan_slot`);
   * function 0 → the explicit `multifunction` value, else true iff another function exists in the same slot.
   */
  multifunction(d: PciDevice): boolean {
    if (d.isVirtualFunction) return false;
    if (d.bdf.fn > 0) return true;
    if (d.multifunction !== undefined) return d.multifunction;
    const slot = this.slotDevices(d);
    for (let i = 0; i < slot.length; i++) if (slot[i] !== d && !slot[i].isVirtualFunction) return true;
    return false;
  }

  /** devfn byte of `d`. */
  devfn(d: PciDevice): number {
    return devfn(d.bdf);
  }
}

const NO_DEVICES: readonly PciDevice[] = [];
const NO_IDS: readonly string[] = [];

/** Some device among the first `n` of `list` (all of it by default) has id `id`. */
function hasId(list: readonly PciDevice[], id: string, n = list.length): boolean {
  for (let i = 0; i < n; i++) if (list[i].id === id) return true;
  return false;
}

/** Index key of a device's bus: domain × 256 + bus (exact in a double for 32-bit domains). */
function busKey(d: PciDevice): number {
  return d.bdf.domain * 256 + d.bdf.bus;
}

/** Index key of a device's slot: bus key × 32 + device number. */
function slotKey(d: PciDevice): number {
  return busKey(d) * 32 + d.bdf.device;
}

function push<K>(index: Map<K, PciDevice[]>, key: K, d: PciDevice): void {
  const list = index.get(key);
  if (list) list.push(d);
  else index.set(key, [d]);
}

/**
 * Which IOMMU unit translates `device`: `device.iommuId`, else the nearest ancestor (by `parentId`) with an
 * `iommuId`, else the host's only non-`none` unit if it has exactly one. Returns the unit (possibly one whose
 * driver is `none`), or undefined when nothing resolves (the device then gets no iommu_group). Never throws;
 * stops on parent cycles. O(depth × devices) without `topo`, O(depth) with it.
 */
export function resolveIommu(host: Host, device: PciDevice, topo?: HostTopology): Iommu | undefined {
  // Parent cycles without a set of seen ids: after `device`, each step looks a device up by id, so the walk
  // either returns to `device`'s id (stop, as when that id is seen again) or, once it has taken more steps than
  // there are devices, is going round a cycle of devices already checked (none names a unit), and stops too.
  const limit = (topo ? topo.devices.length : host.devices.length) + 1;
  let cur: PciDevice | undefined = device;
  for (let steps = 0; cur && steps <= limit; steps++) {
    const unit = cur.iommuId;
    if (unit !== undefined) return host.iommus.find((i) => i.id === unit);
    const parentId: string | undefined = cur.parentId;
    if (parentId === undefined || parentId === device.id) break;
    cur = topo ? topo.device(parentId) : host.devices.find((d) => d.id === parentId);
  }
  const active = host.iommus.filter((i) => i.driver !== 'none');
  return active.length === 1 ? active[0] : undefined;
}
