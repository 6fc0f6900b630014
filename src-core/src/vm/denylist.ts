/**
 * VFIO-PCI-01: the vfio-pci device denylist. `vfio_pci_probe` refuses, before anything else, a device whose
 * vendor:device is on the list, unless `vfio_pci.disable_denylist` is set; variant drivers (e.g. `qat_vfio_pci`)
 * have their own probe and no such list.
 * Source: drivers/vfio/pci/vfio_pci.c:vfio_pci_dev_in_denylist, vfio_pci_is_denylisted, vfio_pci_probe (list added in
 * 5.9: Intel QAT 1.x PFs and VFs). Intel Sapphire Rapids DSA (0b25) and IAX (0cfe) were added in 2024 for a hardware
 * erratum (CVE-2024-21823); the simulator takes them from 6.8 on, the mainline release it dates that change to
 * (not confirmed here; the 2024 stable backports to older series are not modelled).
 */
import { atLeast } from '../kernel-version.js';
import type { Host, KernelVersion, PciDevice } from '../model.js';
import { boolParam } from './drivers.js';
// for the docstring link
import type { probeFailedMessage } from './messages.js';

const INTEL = 0x8086;

/** One denylist entry: the Intel device ID, what it is, and the first release that lists it. */
export interface DenylistEntry {
  deviceId: number;
  name: string;
  since: [number, number];
}

/** `vfio_pci_dev_in_denylist`: every entry is an Intel device (PCI_VENDOR_ID_INTEL). */
const DENYLIST: readonly DenylistEntry[] = [
  { deviceId: 0x19e2, name: 'QAT C3xxx', since: [5, 9] },
  { deviceId: 0x19e3, name: 'QAT C3xxx VF', since: [5, 9] },
  { deviceId: 0x37c8, name: 'QAT C62x', since: [5, 9] },
  { deviceId: 0x37c9, name: 'QAT C62x VF', since: [5, 9] },
  { deviceId: 0x0435, name: 'QAT DH895xCC', since: [5, 9] },
  { deviceId: 0x0443, name: 'QAT DH895xCC VF', since: [5, 9] },
  { deviceId: 0x0b25, name: 'DSA (Sapphire Rapids)', since: [6, 8] },
  { deviceId: 0x0cfe, name: 'IAX (Sapphire Rapids)', since: [6, 8] },
];

/** `vfio_pci.disable_denylist` (bool, default off). */
export const DISABLE_DENYLIST_PARAM = 'vfio_pci.disable_denylist';

/** The denylist entry of `d` on `kernel`, or undefined (not listed, IDs unknown, or a release before its entry). */
export function denylistEntry(d: PciDevice, kernel: KernelVersion): DenylistEntry | undefined {
  if (d.vendorId !== INTEL || d.deviceId === undefined) return undefined;
  const e = DENYLIST.find((x) => x.deviceId === d.deviceId);
  return e && atLeast(kernel, e.since[0], e.since[1]) ? e : undefined;
}

/**
 * Would vfio-pci's probe refuse `d` for the denylist? `vfio_pci_is_denylisted`: listed, and the parameter not set.
 * `driver` is the device's bound driver: a vfio-pci variant driver does not consult the list.
 */
export function vfioPciDenylisted(d: PciDevice, host: Host, kernel: KernelVersion): DenylistEntry | undefined {
  if (typeof d.driver === 'string' && d.driver !== 'vfio-pci' && /vfio[-_]pci$/.test(d.driver)) return undefined;
  const e = denylistEntry(d, kernel);
  return e && !boolParam(host, DISABLE_DENYLIST_PARAM) ? e : undefined;
}

/**
 * The line the refusal logs: `pci_warn` in vfio_pci_is_denylisted, with dev_printk's `vfio-pci <BDF>:` prefix. The driver
 * core then logs the probe failure (`vfio-pci: probe of <BDF> failed with error -22`, {@link probeFailedMessage}).
 */
export function denylistMessage(bdf: string, vendorId: number, deviceId: number): string {
  const id = `${vendorId.toString(16).padStart(4, '0')}:${deviceId.toString(16).padStart(4, '0')}`;
  return `vfio-pci ${bdf}: ${id} exists in vfio-pci device denylist, driver probing disallowed.`;
}
