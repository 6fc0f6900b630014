import { devfn } from './bdf.js';
import type { PciDevice } from './model.js';

/** Bus order of functions: (domain, bus, devfn). */
const byAddress = (a: PciDevice, b: PciDevice) => a.bdf.domain - b.bdf.domain || a.bdf.bus - b.bdf.bus || devfn(a.bdf) - devfn(b.bdf);

/**
 * GRP-ORD-01: PCI enumeration order. Root buses by (domain, bus); on each bus all functions in devfn order,
 * then each bridge's subtree in the same order, recursively. Returns a new array; devices whose parent is
 * missing are treated as root-bus devices. Never throws.
 * Source: drivers/pci/probe.c:pci_scan_child_bus_extend, drivers/pci/bus.c:pci_bus_add_devices.
 *
 * With unique ids (as the model requires) the lists of children are kept as linked lists of positions in two
 * typed arrays, in device order, and only a list that is out of address order is copied out to be sorted.
 */
export function probeOrder(devices: PciDevice[]): PciDevice[] {
  const n = devices.length;
  /** Position by id. */
  const at = new Map<string, number>();
  for (let i = 0; i < n; i++) at.set(devices[i].id, i);
  if (at.size !== n) return probeOrderWithRepeatedIds(devices);
  // first[0] heads the root-bus list, first[p + 1] the list of the children of the device at p; next[i] follows i
  const first = new Int32Array(n + 1).fill(-1);
  const next = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const parentId = devices[i].parentId;
    const p = parentId ? at.get(parentId) : undefined;
    const list = p === undefined ? 0 : p + 1;
    next[i] = first[list];
    first[list] = i;
  }
  const out: PciDevice[] = [];
  // Each list is visited at most once (a device sits in one list, and a parent cycle is never reached from a root bus).
  const visitBus = (head: number) => {
    let ordered = true;
    for (let i = head, j = next[head]; j >= 0; i = j, j = next[j]) {
      if (byAddress(devices[i], devices[j]) > 0) {
        ordered = false;
        break;
      }
    }
    if (ordered) {
      for (let i = head; i >= 0; i = next[i]) out.push(devices[i]);
      for (let i = head; i >= 0; i = next[i]) if (first[i + 1] >= 0) visitBus(first[i + 1]);
      return;
    }
    // a stable sort of the list, with the same comparisons as sorting the devices themselves
    const sorted: number[] = [];
    for (let i = head; i >= 0; i = next[i]) sorted.push(i);
    if (sorted.length <= 16 && sorted.every((i) => Number.isFinite(devices[i].bdf.domain) && Number.isFinite(devices[i].bdf.bus))) insertionSort(sorted, devices);
    else sorted.sort((a, b) => byAddress(devices[a], devices[b]));
    for (const i of sorted) out.push(devices[i]);
    for (const i of sorted) if (first[i + 1] >= 0) visitBus(first[i + 1]);
  };
  if (first[0] >= 0) visitBus(first[0]);
  return out;
}

/**
 * Stable insertion sort of positions by {@link byAddress} of their devices, for short lists (`Array#sort` sets up
 * work arrays per call). Only for devices whose domain and bus are finite numbers: then `byAddress` is a
 * consistent order, which every stable sort puts in the same sequence.
 */
function insertionSort(positions: number[], devices: readonly PciDevice[]): void {
  for (let k = 1; k < positions.length; k++) {
    const p = positions[k];
    let j = k - 1;
    while (j >= 0 && byAddress(devices[positions[j]], devices[p]) > 0) {
      positions[j + 1] = positions[j];
      j--;
    }
    positions[j + 1] = p;
  }
}

/** {@link probeOrder} when ids repeat: children are listed by parent id, and a repeated id is output once. */
function probeOrderWithRepeatedIds(devices: PciDevice[]): PciDevice[] {
  const ids = new Set(devices.map((d) => d.id));
  const children = new Map<string | undefined, PciDevice[]>();
  for (const d of devices) {
    const key = d.parentId && ids.has(d.parentId) ? d.parentId : undefined;
    (children.get(key) ?? children.set(key, []).get(key)!).push(d);
  }
  const out: PciDevice[] = [];
  const seen = new Set<string>();
  // the children of an id are listed once: a second expansion would output nothing new, and with a device
  // whose parent id is its own id (possible only when ids repeat) it would never end
  const expanded = new Set<string>();
  const visitBus = (list: PciDevice[]) => {
    // the lists are this function's own; most come in address order already, and a stable sort leaves those as they are
    const sorted = inOrder(list, byAddress) ? list : list.sort(byAddress);
    for (const d of sorted) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push(d);
    }
    for (const d of sorted) {
      const kids = children.get(d.id);
      if (kids && !expanded.has(d.id)) {
        expanded.add(d.id);
        visitBus(kids);
      }
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
