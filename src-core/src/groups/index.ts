/**
 * IOMMU group formation (reference §1): `computeGroups()` is what `simulate()` calls per host. The pieces:
 * `topology.ts` (buses, multifunction, IOMMU resolution), `acs-effective.ts` (ACS values at group time),
 * `quirks.ts` (ACS quirk table), `acs.ts` (pci_acs_enabled / path check), `aliases.ts` (DMA aliases),
 * `algorithm.ts` (pci_device_group).
 */
import { GATES, since } from '../kernel-gates.js';
import type { GroupingResult, SimulationOptions } from '../analysis.js';
import type { Host, Iommu, IommuDriver, KernelVersion, PciDevice } from '../model.js';
import { pciAcsEnabled, type AcsEnv, type AcsVerdict } from './acs.js';
import { acsTiming, effectiveAcs, type AcsTiming, type EffectiveAcs } from './acs-effective.js';
import { applyDecision, genericDeviceGroup, pciDeviceGroup, type GroupingState } from './algorithm.js';
import { parseAcsOverride, parsePciAcsOptions } from './cmdline.js';
import { HostTopology, resolveIommu } from './topology.js';

export { REQ_ACS_FLAGS, acsFlagsEnabled, pciAcsEnabled, pciAcsPathEnabled, type AcsVerdict, type AcsPathResult } from './acs.js';
export { acsTiming, effectiveAcs, inAcsStableRegression, firmwareType, type AcsTiming, type EffectiveAcs } from './acs-effective.js';
export { realDmaDev, areDmaAliases, forEachDmaAlias, dmaAliasMask, isVmdDevice, isVmdDomain, VMD_DEVICE_IDS } from './aliases.js';
export { parsePciAcsOptions, parseAcsOverride, scanAcsParam } from './cmdline.js';
export { pciDevSpecificAcsEnabled, isIntelPchAcsPort, isIntelSptPchPort } from './quirks.js';
export { HostTopology, resolveIommu, ENDPOINT_KINDS, isBridge, isConventional } from './topology.js';
export { devLabel, kindDevLabel, kindLabel } from './names.js';

/** IOMMU drivers whose `.device_group` for PCI is `pci_device_group` (GRP-DRV-01). */
export const PCI_DEVICE_GROUP_DRIVERS: ReadonlySet<IommuDriver> = new Set<IommuDriver>(['intel-vtd', 'amd-vi', 'arm-smmu-v3', 'arm-smmu', 'virtio-iommu']);

/**
 * {@link GroupingResult} plus the intermediate facts rules and hovers need. `computeGroups` returns this; use
 * {@link groupingDetails} to get it back from a `GroupingResult`.
 */
export interface GroupingDetails extends GroupingResult {
  timing: AcsTiming;
  /** Effective ACS per device id (null = no capability / unknown). */
  effectiveAcs: Map<string, EffectiveAcs | null>;
  /** Devices whose ACS state was unknown (`acs` undefined) and was consulted as "no ACS" during grouping (GRP004). */
  assumedNoAcs: Set<string>;
  /** Devices without a group → why (no IOMMU resolved, driver `none`). */
  ungrouped: Map<string, string>;
  topology: HostTopology;
  /** `pci_acs_enabled(dev, REQ_ACS_FLAGS)` with this run's inputs (does not touch `assumedNoAcs`). */
  acsEnabled(d: PciDevice): AcsVerdict;
}

/** Extra knobs for {@link computeGroupDetails}, used by GRP005 to answer "what would a fixed kernel do". */
export interface GroupingOverrides {
  /** Force GRP-ACS-06's answer (both kernel enable and command line before grouping). */
  acsEnabledBeforeGrouping?: boolean;
}

/**
 * Full grouping run for one host (GRP-ALG-01 with GRP-ORD-01 probe order). `kernel` undefined = the assumed kernel (6.12).
 * Probe order: from 6.1 each IOMMU unit's registration (in `host.iommus` order) probes the devices behind it in
 * device order; before 6.1 one pass in device order. Devices whose IOMMU resolves to nothing or to driver `none` get
 * no group. s390 → one group per function. Never throws.
 */
export function computeGroupDetails(host: Host, kernel: KernelVersion | undefined, options: SimulationOptions, overrides: GroupingOverrides = {}): GroupingDetails {
  void options;
  const h: Host = overrides.acsEnabledBeforeGrouping === undefined ? host : { ...host, acsEnabledBeforeGrouping: overrides.acsEnabledBeforeGrouping };
  const topo = new HostTopology(h);
  const devices = h.devices;
  const n = devices.length;
  const timing = acsTiming(h, kernel);
  // (indexed loops throughout: this runs once per host, mostly before it is optimised, where for..of over an array
  // allocates an iterator result per element)
  /** Effective ACS by probe position; by id (the last device with it), `effective[topo.indexOf(d)]`. */
  const effective: (EffectiveAcs | null)[] = new Array(n);
  const effectiveEnv = { topo, kernel, timing, pciOptions: parsePciAcsOptions(h.cmdline) };
  for (let i = 0; i < n; i++) effective[i] = effectiveAcs(devices[i], effectiveEnv);
  const env: AcsEnv = {
    topo,
    kernel,
    ivrs: h.iommus.some((i) => i.driver === 'amd-vi'),
    enableHooksRan: timing.enabledBeforeGrouping,
    acsOverride: h.acsOverridePatch ? parseAcsOverride(h.cmdline) : undefined,
    effective,
    assumedNoAcs: new Set(),
    verdicts: new Array(n),
    paths: new Array(n),
    flagVerdicts: new Map(),
  };

  /**
   * Resolved unit by probe position; read at `topo.indexOf(d)`, which answers for a device's id (the last device
   * with it).
   */
  const unitAt: (Iommu | undefined)[] = new Array(n);
  const ungrouped = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const d = devices[i];
    const u = resolveIommu(h, d, topo);
    unitAt[i] = u;
    if (!u) ungrouped.set(d.id, 'no IOMMU unit translates this device (none declared for it or its parents, and the host has not exactly one active unit)');
    else if (u.driver === 'none') ungrouped.set(d.id, `IOMMU ${u.name} has driver none: no iommu_group`);
  }
  const allGrouped = ungrouped.size ? devices.filter((d) => !ungrouped.has(d.id)) : devices;
  // SR-IOV VFs exist only once SR-IOV is enabled (sriov_numvfs, or the PF driver at its probe), after the boot-time
  // bus_iommu_probe: they are added by the bus notifier, after every device found at enumeration (GRP-ORD-01,
  // GRP-EDGE-01), so they come last and take the next free numbers
  let vfs: PciDevice[] | undefined;
  for (let i = 0; i < allGrouped.length; i++) if (allGrouped[i].isVirtualFunction) (vfs ??= []).push(allGrouped[i]);
  const grouped = vfs ? allGrouped.filter((d) => !d.isVirtualFunction) : allGrouped;
  let passes: (readonly PciDevice[])[];
  if (!since(kernel, GATES.perUnitProbe)) passes = [grouped];
  else {
    /** Grouped devices by their IOMMU unit, each list in probe order (one pass per unit from 6.1). */
    const byUnit = new Map<Iommu, PciDevice[]>();
    for (let k = 0; k < grouped.length; k++) {
      const d = grouped[k];
      const u = unitAt[topo.indexOf(d)]!;
      const list = byUnit.get(u);
      if (list) list.push(d);
      else byUnit.set(u, [d]);
    }
    passes = registrationOrder(h.iommus).map((u) => byUnit.get(u) ?? []);
  }
  if (vfs) passes.push(vfs);

  const state: GroupingState = { groups: [], groupOf: new Map() };
  /**
   * Members are mostly added in probe order already; only groups that received a device with a lower position than
   * their previous last member are sorted afterwards. Position = `topo.indexOf` (of the last device with the id).
   */
  const lastPosition: number[] = [];
  /** Group number → it needs sorting. */
  const unordered: boolean[] = [];
  for (let k = 0; k < passes.length; k++) {
    const pass = passes[k];
    for (let j = 0; j < pass.length; j++) {
      const d = pass[j];
      const i = topo.indexOf(d);
      const u = unitAt[i]!;
      const dec = PCI_DEVICE_GROUP_DRIVERS.has(u.driver) ? pciDeviceGroup(d, topo, env, kernel, state) : genericDeviceGroup(d);
      const g = applyDecision(state, d, u.id, dec);
      if (g.deviceIds.length > 1 && i < lastPosition[g.number]) unordered[g.number] = true;
      lastPosition[g.number] = i;
    }
  }
  const position = (id: string) => topo.indexOf(topo.device(id)!);
  for (let k = 0; k < unordered.length; k++) if (unordered[k]) state.groups[k].deviceIds.sort((a, b) => position(a) - position(b));

  /** The env for `acsEnabled` after grouping: consultations go to a set of its own, not to `assumedNoAcs`. */
  let queryEnv: AcsEnv | undefined;
  // The two maps by device id are read only by tests and tools (rules and the editor read the grouping through
  // `acsEnabled`): made when first read, from the array by probe position, in the order one `set` per device in
  // probe order gives (an id that repeats keeps its first place and its last device's value).
  let byId: Map<string, EffectiveAcs | null> | undefined;
  let ctlById: Map<string, number | null> | undefined;
  return {
    groups: state.groups,
    groupOf: state.groupOf,
    acsEnabledBeforeGrouping: timing.enabledBeforeGrouping,
    get effectiveAcsCtl() {
      if (!ctlById) {
        ctlById = new Map();
        for (let i = 0; i < n; i++) ctlById.set(devices[i].id, effective[i] ? effective[i]!.ctl : null);
      }
      return ctlById;
    },
    timing,
    get effectiveAcs() {
      if (!byId) {
        byId = new Map();
        for (let i = 0; i < n; i++) byId.set(devices[i].id, effective[i]);
      }
      return byId;
    },
    assumedNoAcs: env.assumedNoAcs,
    ungrouped,
    topology: topo,
    acsEnabled: (d) => pciAcsEnabled(d, (queryEnv ??= { ...env, assumedNoAcs: new Set() })),
  };
}

/**
 * The active units in the order they register (GRP-ORD-01): as declared, except that Intel keeps DRHDs without
 * INCLUDE_PCI_ALL at the head of its list and the INCLUDE_PCI_ALL one at the tail; of the former the model knows the
 * graphics-only units, which therefore come first (drivers/iommu/intel/dmar.c:dmar_register_drhd_unit). Numbers only.
 */
function registrationOrder(iommus: readonly Iommu[]): Iommu[] {
  const active = iommus.filter((u) => u.driver !== 'none');
  const gfx = active.filter((u) => u.driver === 'intel-vtd' && u.graphicsOnly === true);
  return gfx.length ? [...gfx, ...active.filter((u) => !gfx.includes(u))] : active;
}

/**
 * Compute the iommu_groups of one host (signature fixed; called by `simulate()`). Returns a {@link GroupingDetails}
 * (a `GroupingResult` with extra fields). Never throws on a well-typed model.
 */
export function computeGroups(host: Host, kernel: KernelVersion | undefined, options: SimulationOptions): GroupingResult {
  return computeGroupDetails(host, kernel, options);
}

/** Type guard: the result came from {@link computeGroups} in this module. */
export function isGroupingDetails(r: GroupingResult): r is GroupingDetails {
  return 'timing' in r && 'topology' in r;
}

/**
 * A {@link HostTopology} of `host`: the one `result` was computed with when it indexes exactly `host.devices`
 * (what `simulate()` passes around), else a new one. Saves re-indexing a host that was just grouped.
 */
export function topologyOf(result: GroupingResult | undefined, host: Host): HostTopology {
  return result && isGroupingDetails(result) && result.topology.devices === host.devices ? result.topology : new HostTopology(host);
}

/**
 * The details of a grouping result, recomputing them if `result` was built elsewhere (e.g. a test stub).
 */
export function groupingDetails(result: GroupingResult | undefined, host: Host, kernel: KernelVersion | undefined, options: SimulationOptions): GroupingDetails {
  return result && isGroupingDetails(result) ? result : computeGroupDetails(host, kernel, options);
}

/** Partition of grouped device ids as sorted member lists (for membership comparisons in tests and GRP005). */
export function groupSets(r: GroupingResult): string[][] {
  return r.groups.map((g) => [...g.deviceIds]);
}
