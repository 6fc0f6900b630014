/**
 * `pci_acs_enabled()`, `pci_acs_flags_enabled()` and `pci_acs_path_enabled()` for `REQ_ACS_FLAGS`
 * (GRP-ACS-01..04), with a reason for every answer so hovers can say why a port does not isolate.
 */
import { ACS, type PciDevice } from '../model.js';
import type { EffectiveAcs } from './acs-effective.js';
import { acsFlagNames, hex4, kindDevLabel } from './names.js';
import { pciDevSpecificAcsEnabled, type QuirkEnv } from './quirks.js';
import { isConventional } from './topology.js';

/** GRP-ACS-01: `PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF` = 0x001d. Source: drivers/iommu/iommu.c. */
export const REQ_ACS_FLAGS = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

/**
 * GRP-ACS-03 (b, c): with an ACS capability, `required = wanted & (cap | EC)`; true iff all of `required` is set in
 * `ctl`. Absent capability bits count as hard-wired enabled. Source: drivers/pci/pci.c:pci_acs_flags_enabled
 * (≤ 6.19 reads PCI_ACS_CAP; 7.0+ uses the cached `acs_capabilities`).
 */
export function acsFlagsEnabled(cap: number, ctl: number, wanted: number = REQ_ACS_FLAGS): boolean {
  const required = wanted & (cap | ACS.EC);
  return (ctl & required) === required;
}

/**
 * One `pci_acs_enabled(dev, REQ_ACS_FLAGS)` answer with its reason. Answers that do not depend on the device's
 * registers or identity are shared constants, so verdicts are read-only.
 */
export interface AcsVerdict {
  readonly isolated: boolean;
  /** `quirk` = a quirk answered; `kind` = decided by device type alone; `flags` = ACS registers checked. */
  readonly by: 'quirk' | 'kind' | 'flags';
  /** Clause for messages, e.g. "it has no ACS capability". */
  readonly why: string;
  /** The ACS state was unknown (`acs` undefined) and assumed absent. */
  readonly assumedNoAcs?: boolean;
  readonly quirk?: string;
}

/** The verdicts that are the same for every device they answer (see {@link acsVerdict}, {@link flagsVerdict}). */
const UNKNOWN_ACS: AcsVerdict = { isolated: false, by: 'flags', why: 'its ACS state is unknown (assumed no ACS capability)', assumedNoAcs: true };
const NO_ACS_CAP: AcsVerdict = { isolated: false, by: 'flags', why: 'it has no ACS capability' };
const CONVENTIONAL: AcsVerdict = { isolated: false, by: 'kind', why: 'it is conventional PCI (no PCIe capability)' };
const PCIE_TO_PCI: AcsVerdict = { isolated: false, by: 'kind', why: 'it is a PCIe-to-PCI bridge (never ACS-isolating)' };
const PCI_TO_PCIE: AcsVerdict = { isolated: false, by: 'kind', why: 'it is a PCI-to-PCIe bridge (never ACS-isolating)' };
const RCEC: AcsVerdict = { isolated: false, by: 'kind', why: 'it is a Root Complex Event Collector (never ACS-isolating)' };
const SINGLE_FUNCTION: AcsVerdict = { isolated: true, by: 'kind', why: 'it is single-function' };
const UNCHECKED_TYPE: AcsVerdict = { isolated: true, by: 'kind', why: 'its PCIe type is not checked' };

/** What {@link pciAcsEnabled} needs besides the device. */
export interface AcsEnv extends QuirkEnv {
  /**
   * Effective ACS by probe position in `topo` (`null` = no capability or unknown); a device's value is the one at
   * `topo.indexOf(d)`, i.e. of the last device with its id.
   */
  effective: readonly (EffectiveAcs | null)[];
  /** Filled with ids of devices whose unknown ACS state was consulted (GRP004). */
  assumedNoAcs: Set<string>;
  /**
   * Optional memo of {@link pciAcsEnabled} answers for one set of inputs (one grouping run), indexed by the
   * device's probe position in `topo` (sized to `topo.devices`). The answer depends only on the device and this env,
   * so it is computed once per device; callers must not mutate it. Devices that are not `topo`'s device for their
   * id are answered without the memo.
   */
  verdicts?: (AcsVerdict | undefined)[];
  /** Optional memo of {@link pciAcsPathEnabled} answers by start device, like {@link verdicts}. */
  paths?: (AcsPathResult | undefined)[];
  /**
   * Optional memo of the ACS-register verdicts by (required flags, Control value): devices with the same values share
   * one read-only verdict. Filled as answers are made.
   */
  flagVerdicts?: Map<number, AcsVerdict>;
}

/** Memo index of `d` in `env.topo` (its probe position), or -1 when `topo` holds another device under its id. */
function memoSlot(d: PciDevice, env: AcsEnv): number {
  const i = env.topo.indexOf(d);
  return i >= 0 && env.topo.devices[i] === d ? i : -1;
}

function flagsVerdict(d: PciDevice, env: AcsEnv): AcsVerdict {
  const eff = env.effective[env.topo.indexOf(d)] ?? null;
  if (!eff) {
    if (d.acs === undefined) {
      env.assumedNoAcs.add(d.id);
      return UNKNOWN_ACS;
    }
    return NO_ACS_CAP;
  }
  const required = REQ_ACS_FLAGS & (eff.cap | ACS.EC);
  const ctl = eff.ctl;
  // the verdict depends on `required` (bits of 0x1d) and `ctl` alone, so a 16-bit Control value makes one key
  const memo = Number.isInteger(ctl) && ctl >= 0 && ctl <= 0xffff ? env.flagVerdicts : undefined;
  const key = required * 0x10000 + ctl;
  let v = memo?.get(key);
  if (!v) {
    const missing = required & ~ctl;
    v = !missing
      ? { isolated: true, by: 'flags', why: `ACS ${acsFlagNames(required)} enabled (Control ${hex4(ctl)})` }
      : { isolated: false, by: 'flags', why: `its ACS Control ${hex4(ctl)} lacks ${acsFlagNames(missing)}` };
    memo?.set(key, v);
  }
  return v;
}

/**
 * GRP-ACS-02: `pci_acs_enabled(pdev, REQ_ACS_FLAGS)`. Order: device quirk (GRP-QRK-01) → not PCIe → by PCIe type:
 * PCIe-to-PCI, PCI-to-PCIe, RCEC → not isolated; root/downstream port → flags check; endpoint / upstream port /
 * legacy endpoint / RCiEP → isolated unless multifunction, then flags check. Never throws.
 * Source: drivers/pci/pci.c:pci_acs_enabled (S-5.15 … S-7.2).
 */
export function pciAcsEnabled(d: PciDevice, env: AcsEnv): AcsVerdict {
  const memo = env.verdicts;
  const i = memo ? memoSlot(d, env) : -1;
  if (i < 0) return acsVerdict(d, env);
  let v = memo![i];
  if (!v) memo![i] = v = acsVerdict(d, env);
  // a remembered "unknown, assumed absent" answer still counts as a consultation (GRP004)
  else if (v.assumedNoAcs) env.assumedNoAcs.add(d.id);
  return v;
}

function acsVerdict(d: PciDevice, env: AcsEnv): AcsVerdict {
  const q = pciDevSpecificAcsEnabled(d, env);
  if (q) return { isolated: q.isolated, by: 'quirk', why: `ACS quirk ${q.quirk}: ${q.text}`, quirk: q.quirk };
  if (isConventional(d)) return CONVENTIONAL;
  switch (d.kind) {
    case 'pcie-to-pci-bridge':
      return PCIE_TO_PCI;
    case 'pci-to-pcie-bridge':
      return PCI_TO_PCIE;
    case 'rc-event-collector':
      return RCEC;
    case 'root-port':
    case 'switch-downstream':
      return flagsVerdict(d, env);
    case 'endpoint':
    case 'switch-upstream':
    case 'legacy-endpoint':
    case 'rciep':
      if (!env.topo.multifunction(d)) return SINGLE_FUNCTION;
      return flagsVerdict(d, env);
    default:
      return UNCHECKED_TYPE;
  }
}

/** Result of {@link pciAcsPathEnabled}. Read-only: the isolated answer is one shared constant. */
export interface AcsPathResult {
  readonly ok: boolean;
  /** First device on the path that is not isolated, with its verdict. */
  readonly failedAt?: PciDevice;
  readonly verdict?: AcsVerdict;
}

const PATH_OK: AcsPathResult = { ok: true };

/**
 * GRP-ACS-04: `pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS)`: `start`, then each bridge above, until a device on
 * a root bus has been checked. Source: drivers/pci/pci.c:pci_acs_path_enabled (all versions).
 */
export function pciAcsPathEnabled(start: PciDevice, env: AcsEnv): AcsPathResult {
  const memo = env.paths;
  const i = memo ? memoSlot(start, env) : -1;
  if (i < 0) return acsPath(start, env);
  let r = memo![i];
  if (!r) memo![i] = r = acsPath(start, env);
  // only the failing device can have been an unknown-ACS consultation (isolated answers never are)
  else if (r.verdict?.assumedNoAcs) env.assumedNoAcs.add(r.failedAt!.id);
  return r;
}

function acsPath(start: PciDevice, env: AcsEnv): AcsPathResult {
  // `start`, then each bridge above it, until an id repeats (a parent cycle)
  const path = env.topo.chainFrom(start);
  for (let i = 0; i < path.length; i++) {
    const v = pciAcsEnabled(path[i], env);
    if (!v.isolated) return { ok: false, failedAt: path[i], verdict: v };
  }
  return PATH_OK;
}

/** "root port rp (0000:00:1c.0), which has no ACS capability"-style clause for a failed path. */
export function describeFailure(r: AcsPathResult): string {
  if (!r.failedAt || !r.verdict) return 'the ACS path is isolated';
  return `${kindDevLabel(r.failedAt)} is not ACS-isolating: ${r.verdict.why}`;
}
