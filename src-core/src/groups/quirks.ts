/**
 * Device-specific ACS quirks: `pci_dev_specific_acs_enabled()` and its table `pci_dev_acs_enabled[]`
 * (GRP-QRK-01/02), the Intel PCH / SPT enable hooks (GRP-QRK-03) and the out-of-tree `pcie_acs_override` catch-all
 * (GRP-CMD-03). Source: drivers/pci/quirks.c (S-7.2 table; rows marked † in the reference are absent before 6.1).
 */
import { GATES, since } from '../kernel-gates.js';
import type { KernelVersion, PciDevice } from '../model.js';
import type { AcsOverrideOptions } from './cmdline.js';
import { isConventional, type HostTopology } from './topology.js';

/** What a quirk answered for `REQ_ACS_FLAGS`: the first non-negative answer of the table. */
export interface QuirkAnswer {
  isolated: boolean;
  /** Kernel function name, e.g. `pci_quirk_intel_pch_acs`. */
  quirk: string;
  /** Why, for hovers, e.g. "Intel PCH root port ACS workaround enabled". */
  text: string;
}

/** Inputs the quirk functions read besides the device itself. */
export interface QuirkEnv {
  topo: HostTopology;
  /** Effective kernel version (undefined = the assumed kernel, 6.12). */
  kernel: KernelVersion | undefined;
  /** An ACPI IVRS table exists (the host has an AMD-Vi IOMMU). */
  ivrs: boolean;
  /** `pci_enable_acs()` with `pci_acs_enable` ran before grouping, so quirk enable hooks ran (GRP-QRK-03). */
  enableHooksRan: boolean;
  /** Parsed `pcie_acs_override=` when `host.acsOverridePatch`. */
  acsOverride?: AcsOverrideOptions;
}

const V = {
  ATI: 0x1002,
  AMD: 0x1022,
  INTEL: 0x8086,
  SOLARFLARE: 0x1924,
  QCOM: 0x17cb,
  HXT: 0x1dbf,
  CAVIUM: 0x177d,
  AMCC: 0x10e8,
  AMPERE: 0x1def,
  BROADCOM: 0x14e4,
  AMAZON_AL: 0x1d0f,
  ZHAOXIN: 0x1d17,
  NXP: 0x1957,
  WANGXUN: 0x8088,
  LOONGSON: 0x0014,
} as const;

const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);
const inList = (d: PciDevice, ids: ReadonlySet<number>) => d.deviceId !== undefined && ids.has(d.deviceId);
const pre61 = (k: KernelVersion | undefined) => !since(k, GATES.acsQuirkRows61);

/** `pci_quirk_intel_pch_acs_ids[]` (GRP-QRK-02 families). */
export const INTEL_PCH_ACS_IDS: readonly number[] = [
  ...range(0x3b42, 0x3b51), // Ibexpeak
  ...range(0x1c10, 0x1c1f), // Cougarpoint
  ...range(0x1e10, 0x1e1f), // Pantherpoint
  ...range(0x8c10, 0x8c1f), // Lynxpoint-H
  ...range(0x9c10, 0x9c1b), // Lynxpoint-LP
  ...range(0x9c90, 0x9c9b), // Wildcat
  ...range(0x1d10, 0x1d1e, 2), // Patsburg (X79)
  ...range(0x8d10, 0x8d1e), // Wellsburg (X99)
  ...range(0x8c90, 0x8c9e, 2), // 9-series
];

/** Intel SPT/UPT root-port IDs with the dword-layout ACS capability (GRP-QRK-02, CFG-ACS-03). */
export const INTEL_SPT_PCH_ACS_IDS: readonly number[] = [
  ...range(0xa110, 0xa11f),
  ...range(0xa167, 0xa16a),
  ...range(0xa290, 0xa29f),
  ...range(0xa2e7, 0xa2ee),
  ...range(0x9d10, 0x9d1b),
];

// The quirk functions run for every pci_acs_enabled() call, so their ID lists are sets built once.
const INTEL_PCH_ACS_SET: ReadonlySet<number> = new Set(INTEL_PCH_ACS_IDS);
const INTEL_SPT_PCH_ACS_SET: ReadonlySet<number> = new Set(INTEL_SPT_PCH_ACS_IDS);

/** `pci_quirk_intel_pch_acs_match`: an Intel root port in {@link INTEL_PCH_ACS_IDS}. */
export function isIntelPchAcsPort(d: PciDevice): boolean {
  return d.vendorId === V.INTEL && d.kind === 'root-port' && inList(d, INTEL_PCH_ACS_SET);
}

/** `pci_quirk_intel_spt_pch_acs_match`: an Intel root port in {@link INTEL_SPT_PCH_ACS_IDS} (ACS cap not checked). */
export function isIntelSptPchPort(d: PciDevice): boolean {
  return d.vendorId === V.INTEL && d.kind === 'root-port' && inList(d, INTEL_SPT_PCH_ACS_SET);
}

const MF_ENDPOINT: Record<number, readonly number[]> = {
  [V.SOLARFLARE]: [0x0903, 0x0923, 0x0a03],
  [V.INTEL]: [
    0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514, 0x151c,
    0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558, // 82598/82599-era (unlabelled in the source)
    0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527, // 82580
    0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, // 82576
    0x10a7, 0x10a9, 0x10d6, // 82575
    0x1521, 0x1522, 0x1523, 0x1524, // I350
    0x105e, 0x105f, 0x1060, 0x10d9, // 82571
    0x15b7, 0x15b8, // I219
  ],
  0x19a2: [0x0710], // Emulex BE3-R
  0x10df: [0x0720], // Emulex Skyhawk-R
  [V.CAVIUM]: [0xa026, 0xa059, 0xa060],
  [V.ZHAOXIN]: [0x3038, 0x3104, 0x9083],
};
const BROADCOM_MF = [0x16d7, 0x1750, 0x1751, 0x1752];
const BROADCOM_MF_NEW = [0x1760, 0x1761, 0x1762, 0x1763]; // †
/** {@link MF_ENDPOINT} as sets; Broadcom: the rows of all versions, and with the † rows (≥ 6.1). */
const MF_ENDPOINT_SETS = new Map<number, ReadonlySet<number>>(Object.entries(MF_ENDPOINT).map(([v, ids]) => [Number(v), new Set(ids)]));
const BROADCOM_MF_PRE61: ReadonlySet<number> = new Set([...(MF_ENDPOINT[V.BROADCOM] ?? []), ...BROADCOM_MF]);
const BROADCOM_MF_ALL: ReadonlySet<number> = new Set([...BROADCOM_MF_PRE61, ...BROADCOM_MF_NEW]);

const yes = (quirk: string, text: string): QuirkAnswer => ({ isolated: true, quirk, text });
const no = (quirk: string, text: string): QuirkAnswer => ({ isolated: false, quirk, text });

type QuirkFn = (d: PciDevice, env: QuirkEnv) => QuirkAnswer | undefined;

const AMD_SB_ATI: ReadonlySet<number> = new Set([0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399]);
const AMD_SB_AMD: ReadonlySet<number> = new Set([0x780f, 0x7809]);

const amdSb: QuirkFn = (d, env) => {
  const ids = d.vendorId === V.ATI ? AMD_SB_ATI : d.vendorId === V.AMD ? AMD_SB_AMD : undefined;
  if (!ids || !inList(d, ids)) return undefined;
  if (!env.topo.multifunction(d) || !env.topo.onRootBus(d) || !env.ivrs) return undefined;
  return yes('pci_quirk_amd_sb_acs', 'AMD southbridge multifunction device on the root bus with an IVRS table: treated as isolated');
};

const mfEndpoint: QuirkFn = (d, env) => {
  if (d.vendorId === undefined) return undefined;
  const ids = d.vendorId === V.BROADCOM ? (pre61(env.kernel) ? BROADCOM_MF_PRE61 : BROADCOM_MF_ALL) : MF_ENDPOINT_SETS.get(d.vendorId);
  if (!ids || !inList(d, ids)) return undefined;
  return yes('pci_quirk_mf_endpoint_acs', 'multifunction endpoint verified not to do P2P between its functions');
};

/**
 * GRP-ROOT-02 / GRP-QRK-02: every Intel RCiEP (type 0x9) counts as ACS-isolated, so a multifunction Intel RCiEP slot
 * splits into one group per function; other vendors' RCiEPs merge unless each function passes ACS. Conventional
 * integrated functions (`pci-device`, no PCIe capability) are not RC_END and never get this quirk.
 * Source: drivers/pci/quirks.c:pci_quirk_rciep_acs.
 */
const rciep: QuirkFn = (d) =>
  d.vendorId === V.INTEL && d.kind === 'rciep' ? yes('pci_quirk_rciep_acs', 'Intel RCiEP: treated as isolated') : undefined;

const QCOM_RP: ReadonlySet<number> = new Set([0x0400, 0x0401]);
const QCOM_RP_NEW: ReadonlySet<number> = new Set([0x0115, 0x0111, 0x0120]); // †
const LOONGSON_RP: ReadonlySet<number> = new Set([0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69]); // †

const noP2pRootPorts: QuirkFn = (d, env) => {
  const v = d.vendorId;
  const dev = d.deviceId ?? -1;
  const newRows = !pre61(env.kernel);
  let quirk: string | undefined;
  if (v === V.QCOM && (QCOM_RP.has(dev) || (newRows && QCOM_RP_NEW.has(dev)))) quirk = 'pci_quirk_qcom_rp_acs';
  else if (v === V.HXT && dev === 0x0401) quirk = 'pci_quirk_qcom_rp_acs';
  else if (v === V.CAVIUM && d.kind === 'root-port' && ((dev & 0xf800) === 0xa000 || dev === 0xaf84 || dev === 0xb884)) quirk = 'pci_quirk_cavium_acs';
  else if ((v === V.AMCC && dev === 0xe004) || (v === V.AMPERE && dev >= 0xe005 && dev <= 0xe00c)) quirk = 'pci_quirk_xgene_acs';
  else if (v === V.BROADCOM && dev === 0xd714) quirk = 'pci_quirk_brcm_acs';
  else if (v === V.AMAZON_AL && dev === 0x0031 && d.kind === 'root-port') quirk = 'pci_quirk_al_acs';
  else if (v === V.NXP && dev >= 0x8d80 && dev <= 0x8db9) quirk = 'pci_quirk_nxp_rp_acs';
  else if (newRows && v === V.LOONGSON && LOONGSON_RP.has(dev))
    quirk = 'pci_quirk_loongson_acs';
  return quirk ? yes(quirk, 'root port that cannot do P2P: SV/RR/CR/UF treated as provided') : undefined;
};

const intelPch: QuirkFn = (d, env) => {
  if (!isIntelPchAcsPort(d)) return undefined;
  if (env.enableHooksRan && !d.pchAcsQuirkFailed)
    return yes('pci_quirk_intel_pch_acs', 'Intel PCH root port ACS workaround enabled');
  return no(
    'pci_quirk_intel_pch_acs',
    d.pchAcsQuirkFailed ? 'Intel PCH ACS quirk enable failed ("Failed to enable Intel PCH ACS quirk")' : 'Intel PCH ACS quirk not enabled before grouping',
  );
};

const zhaoxinPorts: QuirkFn = (d, env) => {
  if (d.vendorId !== V.ZHAOXIN || (d.kind !== 'root-port' && d.kind !== 'switch-downstream')) return undefined;
  const dev = d.deviceId ?? -1;
  const hi = pre61(env.kernel) ? 0x0732 : 0x0752;
  if ((dev >= 0x0710 && dev <= 0x071e) || dev === 0x0721 || (dev >= 0x0723 && dev <= hi))
    return yes('pci_quirk_zhaoxin_pcie_ports_acs', 'Zhaoxin root/downstream port in the quirk list');
  return no('pci_quirk_zhaoxin_pcie_ports_acs', 'Zhaoxin root/downstream port not in the quirk list: the quirk answers 0 even if the port has an ACS capability');
};

const WANGXUN_NIC: ReadonlySet<number> = new Set([0x1001, 0x2001, 0x5010, 0x5025, 0x5040, 0x5110, 0x5125, 0x5140]);

const wangxun: QuirkFn = (d, env) => {
  if (d.vendorId !== V.WANGXUN || pre61(env.kernel)) return undefined;
  const dev = d.deviceId ?? -1;
  if ((dev >= 0x0100 && dev <= 0x010f) || WANGXUN_NIC.has(dev))
    return yes('pci_quirk_wangxun_nic_acs', 'Wangxun NIC in the quirk list');
  return no('pci_quirk_wangxun_nic_acs', 'Wangxun device not in the quirk list: the quirk answers 0 (not isolated)');
};

const acsOverride: QuirkFn = (d, env) => {
  const o = env.acsOverride;
  if (!o || isConventional(d) || d.acs) return undefined;
  if (o.ids.some((i) => i.vendor === d.vendorId && i.device === d.deviceId))
    return yes('pcie_acs_overrides', 'pcie_acs_override=id: treated as isolated (out-of-tree patch)');
  if ((d.kind === 'root-port' || d.kind === 'switch-downstream') && o.downstream)
    return yes('pcie_acs_overrides', 'pcie_acs_override=downstream: treated as isolated (out-of-tree patch)');
  if ((d.kind === 'endpoint' || d.kind === 'switch-upstream' || d.kind === 'legacy-endpoint' || d.kind === 'rciep') && o.multifunction && env.topo.multifunction(d))
    return yes('pcie_acs_overrides', 'pcie_acs_override=multifunction: treated as isolated (out-of-tree patch)');
  return undefined;
};

/** Table order as in `pci_dev_acs_enabled[]`; the override patch appends its catch-all at the end. */
const TABLE: readonly QuirkFn[] = [amdSb, mfEndpoint, rciep, noP2pRootPorts, intelPch, zhaoxinPorts, wangxun, acsOverride];

/**
 * GRP-QRK-01: `pci_dev_specific_acs_enabled(dev, REQ_ACS_FLAGS)`: the first quirk that answers, or undefined
 * ("no quirk, use the ACS registers"). The Intel SPT/UPT quirk is not here: it only relocates the registers, which
 * `acs-effective.ts` models, so the standard flags check then gives the same answer.
 * Source: drivers/pci/quirks.c:pci_dev_specific_acs_enabled (all versions).
 */
export function pciDevSpecificAcsEnabled(d: PciDevice, env: QuirkEnv): QuirkAnswer | undefined {
  for (const q of TABLE) {
    const a = q(d, env);
    if (a) return a;
  }
  return undefined;
}
