/**
 * VFIO-PCI-01: the vfio-pci device denylist. `vfio_pci_probe` refuses, before anything else, a device whose
 * vendor:device is on the list, unless `vfio_pci.disable_denylist` is set; variant drivers (e.g. `qat_vfio_pci`)
 * have their own probe and no such list.
 * Source: drivers/vfio/pci/vfio_pci.c:vfio_pci_dev_in_denylist, vfio_pci_is_denylisted, vfio_pci_probe. The list came
 * in 5.9 with the Intel QAT 1.x PFs and VFs; Sapphire Rapids DSA (0b25) and IAX (0cfe) were added by 95feb3160eef
 * "VFIO: Add the SPR_DSA and SPR_IAX devices to the denylist" (mainline 6.10, May 2024, for a hardware erratum,
 * CVE-2024-21823), backported to 6.9.1, 6.8.10 and 6.6.31 (other stable series not checked).
 */
import { atLeast } from '../kernel-version.js';
import type { SimulationOptions } from '../analysis.js';
import type { KernelVersion, PciDevice } from '../model.js';

const INTEL = 0x8086;

/**
 * One denylist entry: the Intel device ID, what it is, the mainline release that lists it, and the stable releases
 * that got it as a backport (a release of the same X.Y at or after the given patch level).
 */
export interface DenylistEntry {
  deviceId: number;
  name: string;
  since: [number, number];
  stable?: [number, number, number][];
}

const SPR_BACKPORTS: [number, number, number][] = [
  [6, 9, 1],
  [6, 8, 10],
  [6, 6, 31],
];

/** `vfio_pci_dev_in_denylist`: every entry is an Intel device (PCI_VENDOR_ID_INTEL). */
const DENYLIST: readonly DenylistEntry[] = [
  { deviceId: 0x19e2, name: 'QAT C3xxx', since: [5, 9] },
  { deviceId: 0x19e3, name: 'QAT C3xxx VF', since: [5, 9] },
  { deviceId: 0x37c8, name: 'QAT C62x', since: [5, 9] },
  { deviceId: 0x37c9, name: 'QAT C62x VF', since: [5, 9] },
  { deviceId: 0x0435, name: 'QAT DH895xCC', since: [5, 9] },
  { deviceId: 0x0443, name: 'QAT DH895xCC VF', since: [5, 9] },
  { deviceId: 0x0b25, name: 'DSA (Sapphire Rapids)', since: [6, 10], stable: SPR_BACKPORTS },
  { deviceId: 0x0cfe, name: 'IAX (Sapphire Rapids)', since: [6, 10], stable: SPR_BACKPORTS },
];

/** `vfio_pci.disable_denylist` (bool, default off). */
export const DISABLE_DENYLIST_PARAM = 'vfio_pci.disable_denylist';

/**
 * The denylist entry of `d` on `kernel`, or undefined (not listed, IDs unknown, or a release without its entry). Stable
 * backports count unless `options.stableBackports` is false (reference §0.3).
 */
export function denylistEntry(d: PciDevice, kernel: KernelVersion, options: SimulationOptions = {}): DenylistEntry | undefined {
  if (d.vendorId !== INTEL || d.deviceId === undefined) return undefined;
  const e = DENYLIST.find((x) => x.deviceId === d.deviceId);
  if (!e) return undefined;
  if (atLeast(kernel, e.since[0], e.since[1])) return e;
  const backported = options.stableBackports !== false && (e.stable ?? []).some(([x, y, z]) => kernel.major === x && kernel.minor === y && (kernel.patch ?? 0) >= z);
  return backported ? e : undefined;
}

/** `8086:dddd`, as vfio_pci_is_denylisted prints a listed device (`%04x:%04x`). */
function intelId(deviceId: number): string {
  return `8086:${deviceId.toString(16).padStart(4, '0')}`;
}

/** The `pci_warn` vfio_pci_is_denylisted logs instead when `vfio_pci.disable_denylist` lets a listed device through. */
export function denylistDisabledMessage(bdf: string, deviceId: number): string {
  return `vfio-pci ${bdf}: device denylist disabled - allowing device ${intelId(deviceId)}.`;
}

/**
 * The line the refusal logs: `pci_warn` in vfio_pci_is_denylisted, with dev_printk's `vfio-pci <BDF>:` prefix. The driver
 * core then logs the probe failure (`vfio-pci: probe of <BDF> failed with error -22`, `probeFailedMessage` in messages.ts).
 */
export function denylistMessage(bdf: string, deviceId: number): string {
  return `vfio-pci ${bdf}: ${intelId(deviceId)} exists in vfio-pci device denylist, driver probing disallowed.`;
}
