/**
 * Intel VT-d register bits (CAP-VTD-02/03; the kernel's `ecap_*` / `cap_*` macros in drivers/iommu/intel/iommu.h) as
 * the raw CAP_REG / ECAP_REG values of `/sys/class/iommu/dmarN/intel-iommu/{cap,ecap}` hold them (CAP-VTD-01), and
 * which `caps` term each one stands for. One table for the importer's decoding, the lowering of a unit with register
 * values and no `caps` line, MDL009 and DOM002.
 */
import type { Iommu } from '../model.js';

/** Bit positions used from Intel ECAP_REG (CAP-VTD-02). */
export const VTD_ECAP = {
  /** bit 0 C: page-walk coherency (legacy mode); NOT device DMA coherence. */
  C: 0n,
  /** bit 3 IR: interrupt remapping supported (CAP-IR-01). */
  IR: 3n,
  /** bit 4 EIM: extended interrupt mode (x2APIC IR). */
  EIM: 4n,
  /** bit 6 PT: hardware pass-through (identity domains possible, DOM-DEF-03). */
  PT: 6n,
  /** bit 7 SC: snoop control (can force snooping; IOMMU_CAP_ENFORCE_CACHE_COHERENCY). */
  SC: 7n,
  /** bit 43 SMTS: scalable-mode translation support. */
  SMTS: 43n,
} as const;

/** Bit positions used from Intel CAP_REG (CAP-VTD-03). */
export const VTD_CAP = {
  /** bit 7 CM: caching mode (an emulated IOMMU inside a VM; forces strict invalidation, DOM-DEF-02). */
  CM: 7n,
  /** bit 59 PI: posted interrupts. */
  PI: 59n,
} as const;

/** A `caps` term and the register bit it stands for. */
export interface VtdBit {
  term: string;
  field: 'snoopControl' | 'interruptRemapping' | 'passthrough' | 'cachingMode' | 'scalableMode';
  reg: 'rawEcap' | 'rawCap';
  bit: bigint;
  /** As messages name it: `ECAP.SC (bit 7)`. */
  name: string;
  /**
   * The bit says only that the hardware can: the kernel must also turn the capability on (interrupt remapping:
   * `intremap=`, a firmware opt-out; scalable mode: `intel_iommu=sm_on`), so the term may be absent with the bit set.
   */
  enableable?: boolean;
}

/** The bits behind the `caps` terms the simulator reads. */
export const VTD_BITS: readonly VtdBit[] = [
  { term: 'snoop-control', field: 'snoopControl', reg: 'rawEcap', bit: VTD_ECAP.SC, name: 'ECAP.SC (bit 7)' },
  { term: 'interrupt-remapping', field: 'interruptRemapping', reg: 'rawEcap', bit: VTD_ECAP.IR, name: 'ECAP.IR (bit 3)', enableable: true },
  { term: 'passthrough', field: 'passthrough', reg: 'rawEcap', bit: VTD_ECAP.PT, name: 'ECAP.PT (bit 6)' },
  { term: 'scalable-mode', field: 'scalableMode', reg: 'rawEcap', bit: VTD_ECAP.SMTS, name: 'ECAP.SMTS (bit 43)', enableable: true },
  { term: 'caching-mode', field: 'cachingMode', reg: 'rawCap', bit: VTD_CAP.CM, name: 'CAP.CM (bit 7)' },
];

/** Bit `n` of a register value. */
export function regBit(reg: bigint, n: bigint): boolean {
  return ((reg >> n) & 1n) === 1n;
}

/** Bit `b` of unit `u`'s register: true / false, or undefined when the unit states no such register value. */
export function vtdBit(u: Iommu, b: VtdBit): boolean | undefined {
  const reg = u[b.reg];
  return reg === undefined ? undefined : regBit(reg, b.bit);
}
