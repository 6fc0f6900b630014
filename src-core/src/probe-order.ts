import { devfn } from './bdf.js';
import type { PciDevice } from './model.js';

/**
 * GRP-ORD-01: PCI enumeration order. Root buses by (domain, bus); on each bus all functions in devfn order,
 * then each bridge's subtree in the same order, recursively. Returns a new array; devices whose parent is
 * missing are treated as root-bus devices. Never throws.
 * Source: drivers/pci/probe.c:pci_scan_child_bus_extend, drivers/pci/bus.c:pci_bus_add_devices.
 */
export function probeOrder(devices: PciDevice[]): PciDevice[] {
  const ids = new Set(devices.map((d) => d.id));
  const children = new Map<string | undefined, PciDevice[]>();
  for (const d of devices) {
    const key = d.parentId && ids.has(d.parentId) ? d.parentId : undefined;
    (children.get(key) ?? children.set(key, []).get(key)!).push(d);
  }
  const byAddress = (a: PciDevice, b: PciDevice) => a.bdf.domain - b.bdf.domain || a.bdf.bus - b.bdf.bus || devfn(a.bdf) - devfn(b.bdf);
  const out: PciDevice[] = [];
  // With unique ids each list is visited at most once (a device sits in one list, and a parent cycle is never
  // reached from a root bus), so only repeated ids need the seen-set.
  const seen = ids.size === devices.length ? undefined : new Set<string>();
  const visitBus = (list: PciDevice[]) => {
    // the lists are this function's own; most come in address order already, and a stable sort leaves those as they are
    const sorted = inOrder(list, byAddress) ? list : list.sort(byAddress);
    for (const d of sorted) {
      if (seen) {
        if (seen.has(d.id)) continue;
        seen.add(d.id);
      }
      out.push(d);
    }
    for (const d of sorted) {
      const kids = children.get(d.id);
      if (kids) visitBus(kids);
    }
  };
  visitBus(children.get(undefined) ?? []);
  return out;
}

/** True iff no element of `list` sorts before its predecessor under `cmp`. */
function inOrder<T>(list: readonly T[], cmp: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (cmp(list[i - 1], list[i]) > 0) return false;
  return true;
}
