import type { DeviceCaps, HostAnalysis, SimulationOptions, VmAnalysis } from '../analysis.js';
import type { Finding, RuleMeta } from '../findings.js';
import type { Host, Iommu, PciDevice, Topology, Vm } from '../model.js';

/** Everything a rule may read. Built once per simulation by `simulate()`. */
export interface RuleContext {
  topology: Topology;
  options: SimulationOptions;
  hosts: Map<string, HostAnalysis>;
  vms: Map<string, VmAnalysis>;
  host(id: string): Host | undefined;
  device(id: string): PciDevice | undefined;
  iommu(id: string): Iommu | undefined;
  vm(id: string): Vm | undefined;
  /**
   * `hosts.get(hostId)?.caps.get(id)`, answered without building the caps map (`simulate()` provides it; rules
   * fall back to the map when a hand-made context lacks it).
   */
  deviceCaps?(hostId: string, id: string): DeviceCaps | undefined;
  /**
   * The host as the file declares it, before `applyBootParams` (its `params` as written, without the command line's
   * module parameters merged in). `simulate()` provides it; rules fall back to {@link RuleContext.host}.
   */
  declaredHost?(id: string): Host | undefined;
  /**
   * Hosts of an architecture the simulator does not model ({@link UNMODELLED_ARCHES}), left out of {@link topology}
   * with their VMs, as declared. `simulate()` provides it (empty when there are none).
   */
  notSimulated?: readonly Host[];
  /** The VMs on {@link notSimulated} hosts, left out with them. */
  notSimulatedVms?: readonly Vm[];
}

/** One diagnostic rule: one file under `src-core/src/rules/`, one stable code. */
export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): Finding[];
}
