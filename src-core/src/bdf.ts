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

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
/** `hex(n, 2)` for every byte value, so labels do not format numbers over and over. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => hex(n, 2));
const isByte = (n: number) => n >= 0 && n <= 0xff && Math.floor(n) === n;

/** Canonical kernel spelling `0000:65:00.0` (domain as 4 hex digits, or more when ≥ 0x10000, e.g. VMD). */
export function formatBdf(b: Bdf): string {
  const { domain, bus, device } = b;
  const dom = domain >= 0 && domain <= 0xffff && Math.floor(domain) === domain ? HEX2[domain >> 8] + HEX2[domain & 0xff] : hex(domain, 4);
  return `${dom}:${isByte(bus) ? HEX2[bus] : hex(bus, 2)}:${isByte(device) ? HEX2[device] : hex(device, 2)}.${b.fn}`;
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
