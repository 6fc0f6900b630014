import { formatBdf } from '../../../src-core/src/bdf.js';

/**
 * Best-effort repair of a malformed BDF as typed (`65:0.0` → `0000:65:00.0`, `0000:065:00.0` →
 * `0000:65:00.0`, `0000:65:00:0` → `0000:65:00.0`). Undefined when a field is out of range (bus > ff,
 * device > 1f, function > 7) or the text has no BDF shape, such as a BDF being typed (`0000:01:00`, `0000:01:00.`). Used by the BDF001 quick fix and by the lowering,
 * so a half-typed BDF does not turn into a false duplicate of 0000:00:00.0.
 */
export function repairBdf(text: string): string | undefined {
  const m = /^(?:([0-9a-f]+):)?([0-9a-f]+)[:.]([0-9a-f]+)[.:]([0-9a-f]+)$/i.exec(text.trim());
  // `0000:01:00` is a domain, bus and device with the function not typed yet, not bus 0000 device 01 function 00
  if (!m || (m[1] === undefined && m[2].length >= 4)) return undefined;
  const [domain, bus, device, fn] = [m[1] ?? '0', m[2], m[3], m[4]].map((x) => parseInt(x, 16));
  if (bus > 0xff || device > 0x1f || fn > 7 || domain > 0xffffffff) return undefined;
  return formatBdf({ domain, bus, device, fn });
}
