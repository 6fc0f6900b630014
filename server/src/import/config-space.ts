/**
 * Decode a PCI configuration-space byte array (as read from sysfs `config`, a capture, or an `lspci -xxx[x]` hex
 * dump) into the facts the simulator needs: IDs, class, header type / multifunction (CFG-HDR-01), bridge bus
 * numbers, the capability list, the PCI Express capability (type, DevCtl No-Snoop: CFG-PCIE-01, CFG-DEVCTL-01) and
 * the ACS extended capability (CFG-ACS-01, with the Intel SPT/UPT dword layout of CFG-ACS-03).
 *
 * Truncation is explicit (SYSFS-PCI-02: non-root reads of sysfs `config` stop after 64 bytes): a fact whose bytes
 * were not read is `undefined`, never guessed, and a `problems` entry says which bytes were missing.
 */

/** PCI capability IDs used here (`include/uapi/linux/pci_regs.h`). */
export const CAP_ID_EXP = 0x10;
/** Extended capability ID of Access Control Services (CFG-ACS-01). */
export const EXT_CAP_ID_ACS = 0x000d;

/**
 * Intel Sunrise Point / Union Point (and related) PCH Root Port device IDs whose ACS Capability and Control
 * registers are 32-bit: Control lives at cap+8, so `lspci`'s ACSCtl (the 16-bit word at cap+6) is wrong.
 * Ranges from the kernel's `pci_quirk_intel_spt_pch_acs_match` (CFG-ACS-03): 0xa110–0xa11f, 0xa167–0xa16a,
 * 0xa290–0xa29f, 0xa2e7–0xa2ee, 0x9d10–0x9d1b. Vendor 0x8086 only.
 */
export function isIntelSptRootPort(vendorId: number | undefined, deviceId: number | undefined): boolean {
  if (vendorId !== 0x8086 || deviceId === undefined) return false;
  const d = deviceId;
  return (
    (d >= 0xa110 && d <= 0xa11f) ||
    (d >= 0xa167 && d <= 0xa16a) ||
    (d >= 0xa290 && d <= 0xa29f) ||
    (d >= 0xa2e7 && d <= 0xa2ee) ||
    (d >= 0x9d10 && d <= 0x9d1b)
  );
}

/** One entry of the standard (0x40–0xff) or extended (0x100–0xfff) capability list. */
export interface CapabilityEntry {
  id: number;
  offset: number;
  /** Extended capabilities only: the version field (bits 19:16 of the header). */
  version?: number;
}

/** PCI Express capability facts (CFG-PCIE-01, CFG-DEVCTL-01). */
export interface PcieFacts {
  offset: number;
  /** Capability version, bits 3:0 of the PCIe Capabilities register. */
  version: number;
  /** Device/Port type, bits 7:4 (0 endpoint, 1 legacy, 4 root port, 5 upstream, 6 downstream, 7, 8, 9, 0xa). */
  type: number;
  /** Device Capabilities (cap+4); undefined when not read. */
  devCap?: number;
  /** Device Control (cap+8); undefined when not read. */
  devCtl?: number;
  /** DevCtl bit 11 (0x0800) Enable No Snoop. */
  noSnoop?: boolean;
  /** DevCtl bit 4 (0x0010) Enable Relaxed Ordering. */
  relaxedOrdering?: boolean;
}

/** ACS facts: 7-bit masks (bits 0–6 SV TB RR CR UF EC DT, CFG-ACS-01). */
export interface AcsFacts {
  offset: number;
  cap: number;
  ctl: number;
  /** Read with the Intel SPT/UPT dword layout (Control at cap+8, CFG-ACS-03). */
  sptLayout: boolean;
}

/** Everything decoded from one config-space image. */
export interface ConfigSpaceFacts {
  /** Bytes available in the image. */
  length: number;
  /**
   * The device's config-space size when known (sysfs `config` file size: 256 or 4096, SYSFS-PCI-02). When the
   * image is shorter than this, it is a truncated (non-root) read.
   */
  cfgSize?: number;
  /** True when fewer bytes were read than the device has (or than 256 when the size is unknown). */
  truncated: boolean;
  vendorId: number;
  deviceId: number;
  /** 24-bit class code 0xCCSSPP (bytes 0x09–0x0b). */
  classCode: number;
  revision: number;
  /** Header type bits 6:0 (0 normal, 1 PCI-to-PCI bridge, 2 CardBus), byte 0x0e (CFG-HDR-01). */
  headerLayout: number;
  /** Header type bit 7: Multi-Function Device (CFG-HDR-01). */
  multifunctionBit: boolean;
  subsystemVendorId?: number;
  subsystemDeviceId?: number;
  /** Type-1 headers: bus numbers at 0x18/0x19/0x1a. */
  bridge?: { primary: number; secondary: number; subordinate: number };
  /** True when the standard capability list was walked to its end. */
  capsComplete: boolean;
  capabilities: CapabilityEntry[];
  /** null = no PCIe capability (walk complete); undefined = unknown (walk incomplete). */
  pcie?: PcieFacts | null;
  /** True when the extended list was walked to its end (or is known to be absent). */
  extCapsComplete: boolean;
  extCapabilities: CapabilityEntry[];
  /** null = no ACS capability (known); undefined = unknown. */
  acs?: AcsFacts | null;
  /** Human-readable reasons why facts are missing (truncation, broken lists). */
  problems: string[];
}

/**
 * Decode a config-space image.
 *
 * @param bytes the image, offset 0 first. At least 64 bytes (the standard header) are required.
 * @param opts.cfgSize the device's config size if known (sysfs file size; below 256 it is a copied non-root read
 *   and is ignored); decides whether a missing extended
 *   capability means "absent" (cfgSize 256: the kernel sees no extended space either, so ACS is absent) or
 *   "unknown" (image shorter than cfgSize).
 * @throws Error (plain, unlocated; callers wrap it in an ImportError with their file) when the image is shorter
 *   than 64 bytes or the vendor ID is 0xffff/0x0000 (no device / read failure).
 */
export function decodeConfigSpace(bytes: Uint8Array, opts: { cfgSize?: number } = {}): ConfigSpaceFacts {
  const L = bytes.length;
  if (L < 64) throw new Error(`config space has ${L} bytes; at least the 64-byte header is needed`);
  const u8 = (o: number) => bytes[o];
  const u16 = (o: number) => bytes[o] | (bytes[o + 1] << 8);
  const u32 = (o: number) => (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0;
  const has = (o: number, n: number) => o + n <= L;

  const vendorId = u16(0);
  if (vendorId === 0xffff || vendorId === 0x0000) throw new Error(`vendor ID is 0x${vendorId.toString(16).padStart(4, '0')}: no device or failed read`);
  const problems: string[] = [];
  // a config file is 256 (PCI) or 4096 (PCIe) bytes in sysfs, whoever reads it; a smaller file is a copy of what a
  // non-root read returned (the 64-byte header), which says nothing about the device's real size
  const cfgSize = opts.cfgSize !== undefined && opts.cfgSize >= 256 ? opts.cfgSize : undefined;
  const truncated = cfgSize !== undefined ? L < cfgSize : L < 256;
  const headerType = u8(0x0e);
  const headerLayout = headerType & 0x7f;
  const facts: ConfigSpaceFacts = {
    length: L,
    cfgSize,
    truncated,
    vendorId,
    deviceId: u16(2),
    classCode: (u8(0x0b) << 16) | (u8(0x0a) << 8) | u8(0x09),
    revision: u8(0x08),
    headerLayout,
    multifunctionBit: (headerType & 0x80) !== 0,
    capsComplete: false,
    capabilities: [],
    extCapsComplete: false,
    extCapabilities: [],
    problems,
  };
  if (headerLayout === 0) {
    facts.subsystemVendorId = u16(0x2c);
    facts.subsystemDeviceId = u16(0x2e);
  } else if (headerLayout === 1) {
    facts.bridge = { primary: u8(0x18), secondary: u8(0x19), subordinate: u8(0x1a) };
  }

  // Standard capability list (Status bit 4 "Capabilities List"; pointer at 0x34, or 0x14 for CardBus).
  const status = u16(0x06);
  if (!(status & 0x10)) {
    facts.capsComplete = true;
  } else {
    let ptr = u8(headerLayout === 2 ? 0x14 : 0x34) & 0xfc;
    const seen = new Set<number>();
    for (let i = 0; ; i++) {
      if (ptr === 0) {
        facts.capsComplete = true;
        break;
      }
      if (ptr < 0x40) {
        problems.push(`capability pointer 0x${ptr.toString(16)} points into the header; capability list ignored from there`);
        break;
      }
      if (seen.has(ptr) || i >= 48) {
        problems.push(`capability list loops at 0x${ptr.toString(16)}; capability list ignored from there`);
        break;
      }
      if (!has(ptr, 2)) {
        problems.push(`capability list continues at 0x${ptr.toString(16)} but only ${L} bytes were read`);
        break;
      }
      seen.add(ptr);
      facts.capabilities.push({ id: u8(ptr), offset: ptr });
      ptr = u8(ptr + 1) & 0xfc;
    }
  }
  const exp = facts.capabilities.find((c) => c.id === CAP_ID_EXP);
  if (exp) {
    if (!has(exp.offset, 4)) {
      problems.push(`PCI Express capability at 0x${exp.offset.toString(16)} is cut off`);
      facts.pcie = undefined;
    } else {
      const flags = u16(exp.offset + 2);
      const p: PcieFacts = { offset: exp.offset, version: flags & 0xf, type: (flags >> 4) & 0xf };
      if (has(exp.offset + 4, 4)) p.devCap = u32(exp.offset + 4);
      if (has(exp.offset + 8, 2)) {
        p.devCtl = u16(exp.offset + 8);
        p.noSnoop = (p.devCtl & 0x0800) !== 0;
        p.relaxedOrdering = (p.devCtl & 0x0010) !== 0;
      } else problems.push(`DevCtl at 0x${(exp.offset + 8).toString(16)} not read`);
      facts.pcie = p;
    }
  } else if (facts.capsComplete) {
    facts.pcie = null;
  }

  // Extended capabilities start at 0x100 (PCIe only; the kernel reads them only when cfg_size > 256).
  if (facts.pcie === null) {
    facts.extCapsComplete = true;
    facts.acs = null; // not PCI Express: no extended space for the kernel, and ACS is irrelevant (GRP-ACS-02 step 2)
  } else if (facts.pcie) {
    if (cfgSize !== undefined && cfgSize <= 256 && L >= cfgSize) {
      facts.extCapsComplete = true; // the device has no extended config space: pci_find_ext_capability() finds nothing
    } else if (!has(0x100, 4)) {
      problems.push(`extended capabilities (0x100–0xfff) not read: only ${L} bytes`);
    } else {
      let off = 0x100;
      const seen = new Set<number>();
      for (let i = 0; ; i++) {
        const h = u32(off);
        if (h === 0 || h === 0xffffffff) {
          facts.extCapsComplete = true;
          break;
        }
        if (seen.has(off) || i >= (4096 - 256) / 8) {
          problems.push(`extended capability list loops at 0x${off.toString(16)}`);
          break;
        }
        seen.add(off);
        facts.extCapabilities.push({ id: h & 0xffff, version: (h >>> 16) & 0xf, offset: off });
        const next = (h >>> 20) & 0xffc;
        if (next === 0) {
          facts.extCapsComplete = true;
          break;
        }
        if (next < 0x100) {
          problems.push(`extended capability pointer 0x${next.toString(16)} below 0x100`);
          break;
        }
        if (!has(next, 4)) {
          problems.push(`extended capability list continues at 0x${next.toString(16)} but only ${L} bytes were read`);
          break;
        }
        off = next;
      }
    }
    const acsEntry = facts.extCapabilities.find((c) => c.id === EXT_CAP_ID_ACS);
    if (acsEntry && has(acsEntry.offset, 8)) {
      const spt = facts.pcie.type === 0x4 && isIntelSptRootPort(vendorId, facts.deviceId);
      if (spt && has(acsEntry.offset, 12)) {
        // CFG-ACS-03: 32-bit Capability at cap+4, 32-bit Control at cap+8 (pci_quirk_intel_spt_pch_acs).
        facts.acs = { offset: acsEntry.offset, cap: u32(acsEntry.offset + 4) & 0x7f, ctl: u32(acsEntry.offset + 8) & 0x7f, sptLayout: true };
      } else {
        facts.acs = { offset: acsEntry.offset, cap: u16(acsEntry.offset + 4) & 0x7f, ctl: u16(acsEntry.offset + 6) & 0x7f, sptLayout: false };
      }
    } else if (acsEntry) {
      problems.push(`ACS capability at 0x${acsEntry.offset.toString(16)} is cut off`);
    } else if (facts.extCapsComplete) {
      facts.acs = null;
    }
  }
  return facts;
}

/**
 * Parse a hex dump into bytes. Accepts the `lspci -x/-xxx/-xxxx` form (`00: 86 80 c9 10 …`, offset in hex before a
 * colon, 16 bytes a line, lines in order) and a bare run of hex byte pairs separated by spaces (the capture format
 * `config <BDF>  f4 1a …`). Offsets must be contiguous from 0.
 *
 * @returns the bytes and, for each byte offset line, nothing else (callers keep their own line numbers).
 * @throws Error with a message naming the offending token/offset (callers add file:line).
 */
export function parseHexBytes(text: string): Uint8Array {
  const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0);
  const out = new Uint8Array(tokens.length);
  tokens.forEach((t, i) => {
    if (!/^[0-9a-fA-F]{2}$/.test(t)) throw new Error(`expected a hex byte at position ${i}, found '${t.slice(0, 20)}'`);
    out[i] = parseInt(t, 16);
  });
  return out;
}

/**
 * Parse consecutive `lspci -x…` dump lines (`OFF: hh hh … hh`) into one image. `lines[i]` must start at
 * offset 16·i. Returns undefined for an empty list.
 * @throws Error "hex dump line at offset 0x… expected, found …" (callers add file:line).
 */
export function parseLspciHexDump(lines: string[]): Uint8Array | undefined {
  if (lines.length === 0) return undefined;
  const out = new Uint8Array(lines.length * 16);
  let len = 0;
  lines.forEach((line, i) => {
    const m = /^([0-9a-fA-F]{2,3}):((?:\s+[0-9a-fA-F]{2}){1,16})\s*$/.exec(line);
    if (!m) throw new Error(`malformed hex dump line '${line.slice(0, 40)}'`);
    const off = parseInt(m[1], 16);
    if (off !== i * 16) throw new Error(`hex dump line at offset 0x${(i * 16).toString(16)} expected, found 0x${off.toString(16)}`);
    const b = parseHexBytes(m[2]);
    if (b.length !== 16 && i !== lines.length - 1) throw new Error(`hex dump line 0x${off.toString(16)} has ${b.length} bytes, expected 16`);
    out.set(b, off);
    len = off + b.length;
  });
  return out.slice(0, len);
}

/** 7-bit ACS mask → DSL flag names in bit order (SV TB RR CR UF EC DT). */
export function acsFlagNames(mask: number): string[] {
  const names = ['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT'];
  return names.filter((_, i) => mask & (1 << i));
}

/** PCIe Device/Port type (CFG-PCIE-01) → DSL kind. Unknown types map to undefined. */
export function kindForPcieType(type: number): import('../../../src-core/src/model.js').PciKind | undefined {
  switch (type) {
    case 0x0: return 'endpoint';
    case 0x1: return 'legacy-endpoint';
    case 0x4: return 'root-port';
    case 0x5: return 'switch-upstream';
    case 0x6: return 'switch-downstream';
    case 0x7: return 'pcie-to-pci-bridge';
    case 0x8: return 'pci-to-pcie-bridge';
    case 0x9: return 'rciep';
    case 0xa: return 'rc-event-collector';
    default: return undefined;
  }
}
