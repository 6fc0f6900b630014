/**
 * Decode IOMMU capability registers as exposed in sysfs (CAP-SYSFS-01):
 * - Intel VT-d `/sys/class/iommu/dmarN/intel-iommu/{cap,ecap}` (CAP-VTD-01): `%llx` without `0x`, raw CAP_REG /
 *   ECAP_REG read at init, unmasked.
 * - AMD-Vi `/sys/class/iommu/ivhdN/amd-iommu/{cap,features}` (CAP-AMD-01): `cap` is the 32-bit Capability Header
 *   (`%x`); `features` changed format across kernels (see {@link decodeAmdFeatures}).
 */
import { atLeast, inMainlineRange } from '../../../src-core/src/kernel-version.js';
import type { KernelVersion } from '../../../src-core/src/model.js';
// the Intel bit positions are the core's (one table with the caps terms they stand for: MDL009, the lowering, DOM002)
import { regBit, VTD_CAP, VTD_ECAP } from '../../../src-core/src/caps/vtd-registers.js';

/** Decoded Intel unit. */
export interface VtdDecoded {
  cap: bigint;
  ecap: bigint;
  snoopControl: boolean;
  irSupported: boolean;
  eim: boolean;
  passthrough: boolean;
  scalableModeSupported: boolean;
  cachingMode: boolean;
}

/**
 * Parse a sysfs hex register (`%llx`, optional `0x`, surrounding whitespace allowed).
 * @throws Error "'…' is not a hex register value" (callers add the file).
 */
export function parseHexRegister(text: string): bigint {
  const t = text.trim();
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(t)) throw new Error(`'${t.slice(0, 40)}' is not a hex register value`);
  return BigInt(t.startsWith('0x') ? t : `0x${t}`);
}

/** Decode Intel CAP_REG / ECAP_REG (CAP-VTD-02/03; worked example CAP-VTD-04: ecap f050da → QI IR EIM PT SC). */
export function decodeVtd(cap: bigint, ecap: bigint): VtdDecoded {
  return {
    cap,
    ecap,
    snoopControl: regBit(ecap, VTD_ECAP.SC),
    irSupported: regBit(ecap, VTD_ECAP.IR),
    eim: regBit(ecap, VTD_ECAP.EIM),
    passthrough: regBit(ecap, VTD_ECAP.PT),
    scalableModeSupported: regBit(ecap, VTD_ECAP.SMTS),
    cachingMode: regBit(cap, VTD_CAP.CM),
  };
}

/** AMD EFR bits used (CAP-AMD-02, `FEATURE_*` in `amd/amd_iommu_types.h`). */
export const AMD_EFR = {
  PPR: 1n,
  /** bit 2 XTSup: x2APIC interrupt remapping. */
  XT: 2n,
  NX: 3n,
  /** bit 4 GT: guest translation (v2 page tables). */
  GT: 4n,
  IA: 6n,
  /** bit 7 GA: guest virtual APIC (posted interrupts). */
  GA: 7n,
} as const;

/** AMD Capability Header bits (CAP-AMD-02): 24 IOTLB, 26 NpCache (emulated IOMMU), 27 EFRSup. */
export const AMD_CAPHDR = { IOTLB: 24, NPCACHE: 26, EFRSUP: 27 } as const;

/** Result of {@link decodeAmdFeatures}. */
export interface AmdFeatures {
  efr: bigint;
  efr2?: bigint;
  /** How the order of the two halves was decided. */
  order: 'single' | 'efr2:efr' | 'efr:efr2' | 'heuristic';
  /** Set when the values are the global AND across all IOMMUs (≥ 6.12 format). */
  global: boolean;
  note?: string;
}

/**
 * Decode `/sys/class/iommu/ivhdN/amd-iommu/features` by kernel version (CAP-AMD-01):
 * - ≤ 5.19 (S-5.15): `%llx` = that IOMMU's EFR (MMIO 0x30);
 * - 6.0 / 6.1 (after `1e98a35da49e` "Introduce Support for Extended Feature 2 Register"): `%llx:%llx` = EFR2 : EFR;
 * - ≥ 6.12 (S-6.12, S-7.2): `%llx:%llx` = EFR : EFR2, the global AND across all IOMMUs;
 * - 6.2 … 6.11: the swap's release is UNCONFIRMED → heuristic: the half with low bits PPR/NX/GT/IA/GA set is EFR
 *   (UNCONFIRMED heuristic, also used when the kernel version is unknown).
 *
 * @throws Error when the text is not one or two hex numbers.
 */
export function decodeAmdFeatures(text: string, kernel: KernelVersion | undefined): AmdFeatures {
  const t = text.trim();
  const parts = t.split(':');
  if (parts.length > 2 || parts.some((p) => !/^(0x)?[0-9a-fA-F]{1,16}$/.test(p))) {
    throw new Error(`'${t.slice(0, 60)}' is not "%llx" or "%llx:%llx"`);
  }
  const vals = parts.map((p) => parseHexRegister(p));
  if (vals.length === 1) return { efr: vals[0], order: 'single', global: false };
  const [a, b] = vals;
  if (kernel && !atLeast(kernel, 6, 0)) {
    return { efr: a, efr2: b, order: 'efr:efr2', global: false, note: 'two values on a kernel < 6.0 (unexpected); read as EFR:EFR2' };
  }
  if (kernel && inMainlineRange(kernel, [6, 0], [6, 1])) return { efr: b, efr2: a, order: 'efr2:efr', global: false };
  if (kernel && atLeast(kernel, 6, 12)) return { efr: a, efr2: b, order: 'efr:efr2', global: true };
  const low = (v: bigint) => [AMD_EFR.PPR, AMD_EFR.NX, AMD_EFR.GT, AMD_EFR.IA, AMD_EFR.GA].filter((x) => regBit(v, x)).length;
  const aIsEfr = low(a) >= low(b);
  return {
    efr: aIsEfr ? a : b,
    efr2: aIsEfr ? b : a,
    order: 'heuristic',
    global: false,
    note: `kernel ${kernel ? `${kernel.major}.${kernel.minor}` : 'unknown'}: order of EFR/EFR2 decided by the low-bit heuristic (CAP-AMD-01, UNCONFIRMED)`,
  };
}
