import type { Bdf } from './model.js';

/** Digits and value of the last {@link hexRun} (module state: the parser is synchronous and not re-entrant). */
let runDigits = 0;
let runValue = 0;

/** The value of the hex digit with char code `c` (`0-9`, `a-f`, `A-F`), or -1 for any other character. */
export function hexDigitValue(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

/** Read the hex digits of `s` from `i` into runDigits/runValue; returns the index after them. */
function hexRun(s: string, i: number): number {
  let v = 0;
  const start = i;
  for (; i < s.length; i++) {
    const d = hexDigitValue(s.charCodeAt(i));
    if (d < 0) break;
    v = v * 16 + d;
  }
  runDigits = i - start;
  runValue = v;
  return i;
}

/**
 * Parse a PCI address `[DDDD:]BB:DD.F` (hex; the domain may have 1–8 digits, bus and device 1–2, the function
 * is one digit 0–7), ignoring surrounding whitespace. Returns undefined when the text is not a well-formed BDF or
 * a field is out of range (device ≤ 0x1f). Reads the characters in place: it runs for every device of a file.
 */
export function parseBdf(text: string): Bdf | undefined {
  const s = text.trim();
  let i = hexRun(s, 0);
  const first = runValue;
  const firstDigits = runDigits;
  if (firstDigits === 0 || s.charCodeAt(i) !== 58 /* : */) return undefined;
  i = hexRun(s, i + 1);
  let domain = 0;
  let bus: number;
  let device: number;
  if (s.charCodeAt(i) === 58 /* : */) {
    // domain:bus:device.fn
    if (firstDigits > 8 || runDigits === 0 || runDigits > 2) return undefined;
    domain = first;
    bus = runValue;
    i = hexRun(s, i + 1);
    if (runDigits === 0 || runDigits > 2) return undefined;
    device = runValue;
  } else {
    // bus:device.fn
    if (firstDigits > 2 || runDigits === 0 || runDigits > 2) return undefined;
    bus = first;
    device = runValue;
  }
  const fn = s.charCodeAt(i + 1) - 48;
  if (s.charCodeAt(i) !== 46 /* . */ || i + 2 !== s.length || !(fn >= 0 && fn <= 7)) return undefined;
  if (device > 0x1f) return undefined;
  return { domain, bus, device, fn };
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
/** `hex(n, 2)` for every byte value, so labels do not format numbers over and over. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => hex(n, 2));
/** `bb:` for every byte value (a bus number, or the low byte of a domain). */
const BYTE_COLON: readonly string[] = HEX2.map((h) => `${h}:`);
/** `dd.f` by devfn, for every device number 0–0x1f and function 0–7. */
const DEVFN_TEXT: readonly string[] = Array.from({ length: 256 }, (_, n) => `${HEX2[n >> 3]}.${n & 7}`);
/** `n` is an integer in [0, max]. */
const isIn = (n: number, max: number) => n >= 0 && n <= max && Math.floor(n) === n;
/** A PCI domain: a non-negative integer (VMD domains are ≥ 0x10000). */
const isDomain = (n: number) => Number.isInteger(n) && n >= 0;

/** `b` is an address a PCI function can have: domain a non-negative integer, bus 0–ff, device 0–1f, function 0–7. */
export function isPciAddress(b: Bdf): boolean {
  return isDomain(b.domain) && isIn(b.bus, 0xff) && isIn(b.device, 0x1f) && isIn(b.fn, 7);
}

/** The fields of `b` that no PCI address can have (see {@link isPciAddress}), as `bus 256`; empty when it is one. */
export function invalidBdfFields(b: Bdf): string[] {
  const out: string[] = [];
  if (!isDomain(b.domain)) out.push(`domain ${b.domain}`);
  if (!isIn(b.bus, 0xff)) out.push(`bus ${b.bus}`);
  if (!isIn(b.device, 0x1f)) out.push(`device ${b.device}`);
  if (!isIn(b.fn, 7)) out.push(`function ${b.fn}`);
  return out;
}

/**
 * Canonical kernel spelling `0000:65:00.0` (domain as 4 hex digits, or more when ≥ 0x10000, e.g. VMD). The usual
 * address (domain ≤ 0xffff, device ≤ 0x1f, function ≤ 7) comes from the tables above in three concatenations, as
 * every device label and report needs it; any other value is formatted field by field.
 */
export function formatBdf(b: Bdf): string {
  const { domain, bus, device, fn } = b;
  if (isIn(domain, 0xffff) && isIn(bus, 0xff) && isIn(device, 0x1f) && isIn(fn, 7)) return HEX2[domain >> 8] + BYTE_COLON[domain & 0xff] + BYTE_COLON[bus] + DEVFN_TEXT[(device << 3) | fn];
  const dom = isIn(domain, 0xffff) ? HEX2[domain >> 8] + HEX2[domain & 0xff] : hex(domain, 4);
  return `${dom}:${isIn(bus, 0xff) ? HEX2[bus] : hex(bus, 2)}:${isIn(device, 0xff) ? HEX2[device] : hex(device, 2)}.${fn}`;
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
