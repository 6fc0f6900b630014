import type { Bdf } from './model.js';

/**
 * Parse a PCI address `[DDDD:]BB:DD.F` (hex; the domain may have 4–8 digits). Returns undefined when the text
 * is not a well-formed BDF or a field is out of range (bus ≤ 0xff, device ≤ 0x1f, function ≤ 7).
 */
export function parseBdf(text: string): Bdf | undefined {
  const m = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) return undefined;
  const bdf = { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2], 16), device: parseInt(m[3], 16), fn: Number(m[4]) };
  if (bdf.device > 0x1f) return undefined;
  return bdf;
}

/** Canonical kernel spelling `0000:65:00.0` (domain as 4 hex digits, or more when ≥ 0x10000, e.g. VMD). */
export function formatBdf(b: Bdf): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(b.domain, 4)}:${hex(b.bus, 2)}:${hex(b.device, 2)}.${b.fn}`;
}

/** devfn byte (device << 3 | function), as in the kernel's `PCI_DEVFN`. */
export function devfn(b: Bdf): number {
  return (b.device << 3) | b.fn;
}

export function sameBus(a: Bdf, b: Bdf): boolean {
  return a.domain === b.domain && a.bus === b.bus;
}

export function sameSlot(a: Bdf, b: Bdf): boolean {
  return sameBus(a, b) && a.device === b.device;
}
