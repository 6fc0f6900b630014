/**
 * Human-readable labels for grouping messages and hovers. Pure string helpers, no kernel behaviour.
 */
import { formatBdf } from '../bdf.js';
import { ACS, type PciDevice, type PciKind } from '../model.js';

const KIND_LABEL: Record<PciKind, string> = {
  'host-bridge': 'host bridge',
  'root-port': 'root port',
  'switch-upstream': 'switch upstream port',
  'switch-downstream': 'downstream port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge',
  'pci-to-pcie-bridge': 'PCI-to-PCIe bridge',
  'pci-bridge': 'PCI-to-PCI bridge',
  endpoint: 'endpoint',
  'legacy-endpoint': 'legacy endpoint',
  rciep: 'RCiEP',
  'rc-event-collector': 'RC event collector',
  'pci-device': 'PCI device',
};

/** Kind label as used in messages, e.g. `root port`, `PCIe-to-PCI bridge`. */
export function kindLabel(kind: PciKind): string {
  return KIND_LABEL[kind];
}

/** `name (0000:65:00.0)`: how every grouping message names a device. */
export function devLabel(d: PciDevice): string {
  return `${d.name} (${formatBdf(d.bdf)})`;
}

/** `root port rp0 (0000:00:1c.0)`: kind + {@link devLabel}. */
export function kindDevLabel(d: PciDevice): string {
  return `${kindLabel(d.kind)} ${devLabel(d)}`;
}

/** ACS bit mask → kernel flag names, e.g. `0x0c` → `RR, CR`. Empty mask → `none`. */
export function acsFlagNames(mask: number): string {
  // every ACS bit is in 0x7f, so the answer depends on those bits alone: one string per 7-bit mask, made once
  const bits = mask & 0x7f;
  return (FLAG_NAMES[bits] ??= flagNames(bits));
}

/** {@link acsFlagNames} by 7-bit mask, filled on first use. */
const FLAG_NAMES: (string | undefined)[] = [];

function flagNames(mask: number): string {
  const names = (Object.keys(ACS) as (keyof typeof ACS)[]).filter((k) => (mask & ACS[k]) !== 0);
  return names.length ? names.join(', ') : 'none';
}

/** `0x001d` style hex, as the kernel prints ACS values (`%#06x`). */
export function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}
