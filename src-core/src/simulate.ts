import { effectiveKernel } from './caps/platform.js';
import type { DeviceCaps, GroupingResult, HostAnalysis, SimulationOptions, SimulationResult, VmAnalysis } from './analysis.js';
import { HostCaps } from './caps.js';
import type { Finding } from './findings.js';
import { computeGroups, topologyOf } from './groups/index.js';
import type { HostTopology } from './groups/topology.js';
import type { Host, Iommu, KernelVersion, PciDevice, Topology, Vm } from './model.js';
import { hostDefaultDomains, type DefaultDomain, type DomainPolicy } from './groups/default-domain.js';
import { applyBootParams, type BootParamEffect } from './boot-params.js';
import { probeOrder } from './probe-order.js';
import { ALL_RULES } from './rules/index.js';
import type { RuleContext } from './rules/rule.js';
import { VmAssignments } from './vm/ownership.js';
import { simulateVm } from './vm/simulate-vm.js';
import { UNMODELLED_ARCHES } from './rules/arch-unmodelled.js';
import { hostArch } from './arch.js';

/**
 * Run the whole simulator on a topology: group formation per host, per-device capabilities, the VM start-up
 * sequence per VM, then every rule. Pure and synchronous; never throws on a well-typed model (a rule that
 * throws is reported as an `INT001` internal-error finding instead of aborting the run). Hosts of an architecture the
 * model does not cover (POWER: `UNMODELLED_ARCHES`) and the VMs on them are left out, with one ARCH001 each;
 * their ids are then absent from the result's `hosts` and `vms`.
 *
 * @returns findings sorted by element id then code, plus the derived analyses for hovers and inlay hints.
 */
export function simulate(given: Topology, options: SimulationOptions = {}): SimulationResult {
  // `kernelOverride`: every host as if it booted that kernel (its `kernel` line replaced, for all rules)
  const override = options.kernelOverride;
  const all: Topology = override ? { hosts: given.hosts.map((h) => ({ ...h, kernel: override })), vms: given.vms } : given;
  // hosts of an architecture outside the model (ARCH001) are left out, with the VMs on them
  const notSimulated = all.hosts.filter((h) => UNMODELLED_ARCHES.has(hostArch(h)));
  const input: Topology = notSimulated.length ? withoutHosts(all, notSimulated) : all;
  const notSimulatedVms = notSimulated.length ? all.vms.filter((v) => notSimulated.some((h) => h.id === v.hostId)) : [];
  // rules read the hosts as the kernel sees them: devices in probe order, command-line switches applied
  const boot = new Map<string, BootParamEffect[]>();
  const hostsAsBooted = input.hosts.map((h) => {
    // the kernel every stage simulates: the host's, else the default, else the one KVER000 says is assumed (not
    // "the newest", which the gates would read for an undefined kernel)
    const applied = applyBootParams({ ...h, devices: probeOrder(h.devices) }, effectiveKernel(h.kernel ?? options.defaultKernel));
    boot.set(h.id, applied.effects);
    return applied.host;
  });
  const topology: Topology = { hosts: hostsAsBooted, vms: input.vms };
  const iommuById = new Map<string, Iommu>();
  const hostById = new Map<string, Host>();
  for (const host of topology.hosts) {
    hostById.set(host.id, host);
    for (const i of host.iommus) iommuById.set(i.id, i);
  }
  const vmById = new Map<string, Vm>(topology.vms.map((v) => [v.id, v]));

  const hosts = new Map<string, HostAnalysis>();
  /** Each host's caps on demand, by the same key as `hosts` (a map, not a WeakMap on the analysis: values in a
   * WeakMap are kept through scavenges with their key, and these hold the whole grouping). */
  const capsByHost = new Map<string, HostCaps>();
  /** Each host's device index (in `topology.hosts` order), from its grouping. */
  const deviceIndexes: HostTopology[] = [];
  for (const host of topology.hosts) {
    const kernel = host.kernel ?? options.defaultKernel;
    const grouping = computeGroups(host, effectiveKernel(kernel), options);
    deviceIndexes.push(topologyOf(grouping, host));
    const caps = new HostCaps(host, kernel, grouping, options);
    capsByHost.set(host.id, caps);
    hosts.set(host.id, new SimulatedHostAnalysis(host, kernel, grouping, caps, boot.get(host.id) ?? []));
  }

  const vms = new Map<string, VmAnalysis>();
  const assignments = new VmAssignments(topology);
  for (const vm of topology.vms) {
    const host = hostById.get(vm.hostId);
    const analysis = host && hosts.get(host.id);
    if (host && analysis) vms.set(vm.id, simulateVm(vm, host, analysis, topology, options, { assignments, caps: capsByHost.get(host.id) }));
  }

  const ctx: RuleContext = {
    topology,
    options,
    hosts,
    vms,
    host: (id) => hostById.get(id),
    device: (id) => deviceById(deviceIndexes, id),
    iommu: (id) => iommuById.get(id),
    vm: (id) => vmById.get(id),
    deviceCaps: (hostId, id) => capsByHost.get(hostId)?.get(id),
    declaredHost: (id) => input.hosts.find((h) => h.id === id),
    notSimulated,
    notSimulatedVms,
  };
  const findings: Finding[] = [];
  for (let r = 0; r < ALL_RULES.length; r++) {
    const rule = ALL_RULES[r];
    try {
      // appended one by one: a spread call copies a rule's (possibly thousands of) findings onto the stack first
      const found = rule.check(ctx);
      for (let i = 0; i < found.length; i++) findings.push(found[i]);
    } catch (err) {
      findings.push({
        code: 'INT001',
        severity: 'warning',
        message: `internal error in rule ${rule.meta.code}: ${(err as Error).message}`,
        explanation: 'The simulator hit a bug while evaluating this rule; other rules still ran. Please report it.',
        elementId: topology.hosts[0]?.id ?? topology.vms[0]?.id ?? '',
        related: [],
        kernel: [],
      });
    }
  }
  sortFindings(findings);
  return { findings, hosts, vms };
}

/**
 * The analysis record of one host. `caps`, `deviceIds`, `domainPolicy` and `defaultDomains` are own enumerable getters that build their value on
 * first read and then stay as plain data properties: the VM walks and rules ask the {@link HostCaps} device by
 * device (`simulateVm`'s `shared.caps`, `RuleContext.deviceCaps`) and answer "is this id on the host" from the
 * grouping's device index, so in a run none of them is built unless a rule asks, and a reader (or `JSON.stringify`) gets the same value a
 * data property would hold. Its own enumerable properties are those of the record literal, in the same order; the
 * getters are the same two functions on every record (getters in an object literal are new closures per object,
 * and V8 then gives every record a hidden class of its own, so each run's property reads start over). Its inputs
 * are kept in private fields, which no enumeration shows.
 */
class SimulatedHostAnalysis {
  declare readonly hostId: string;
  declare readonly kernel: KernelVersion | undefined;
  declare readonly grouping: GroupingResult;
  declare readonly caps: Map<string, DeviceCaps>;
  declare readonly bootParams: BootParamEffect[];
  declare readonly deviceIds: ReadonlySet<string>;
  declare readonly domainPolicy: DomainPolicy;
  declare readonly defaultDomains: Map<number, DefaultDomain>;
  readonly #caps: HostCaps;
  readonly #host: Host;

  constructor(host: Host, kernel: KernelVersion | undefined, grouping: GroupingResult, caps: HostCaps, bootParams: BootParamEffect[]) {
    this.#caps = caps;
    this.#host = host;
    const self = this as { -readonly [K in keyof HostAnalysis]: HostAnalysis[K] };
    self.hostId = host.id;
    self.kernel = kernel;
    self.grouping = grouping;
    Object.defineProperty(this, 'caps', SimulatedHostAnalysis.#capsProperty);
    self.bootParams = bootParams;
    Object.defineProperty(this, 'deviceIds', SimulatedHostAnalysis.#deviceIdsProperty);
    Object.defineProperty(this, 'domainPolicy', SimulatedHostAnalysis.#domainPolicyProperty);
    Object.defineProperty(this, 'defaultDomains', SimulatedHostAnalysis.#defaultDomainsProperty);
  }

  /** Both default-domain properties from one computation (reading either settles the two). */
  #domains(): { policy: DomainPolicy; byGroup: Map<number, DefaultDomain> } {
    const d = hostDefaultDomains(this.#host, this.grouping, effectiveKernel(this.kernel));
    settle(this, 'domainPolicy', d.policy);
    settle(this, 'defaultDomains', d.byGroup);
    return d;
  }

  static readonly #domainPolicyProperty: PropertyDescriptor = {
    get(this: SimulatedHostAnalysis) {
      return this.#domains().policy;
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #defaultDomainsProperty: PropertyDescriptor = {
    get(this: SimulatedHostAnalysis) {
      return this.#domains().byGroup;
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #capsProperty: PropertyDescriptor = {
    get(this: SimulatedHostAnalysis) {
      return settle(this, 'caps', this.#caps.all());
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #deviceIdsProperty: PropertyDescriptor = {
    get(this: SimulatedHostAnalysis) {
      return settle(this, 'deviceIds', new Set(this.#host.devices.map((d) => d.id)));
    },
    enumerable: true,
    configurable: true,
  };
}

/** Replace the getter `key` of `target` by a plain data property holding `value` (same place in key order). */
function settle<T>(target: object, key: string, value: T): T {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

/**
 * Sort findings in place by element id (code-unit order), then by code in `localeCompare` order; the sort is
 * stable. The codes are few and repeat, so each distinct code is ranked once by sorting the distinct codes with
 * `localeCompare`, and ties compare ranks: the same sign as `localeCompare` for every pair, so the same order,
 * without a collation call per comparison.
 */
function sortFindings(findings: Finding[]): void {
  const rank = new Map<string, number>();
  for (let i = 0; i < findings.length; i++) rank.set(findings[i].code, 0);
  const codes = [...rank.keys()].sort((a, b) => a.localeCompare(b));
  // codes that compare equal share a rank
  for (let i = 0, r = 0; i < codes.length; i++) {
    if (i > 0 && codes[i - 1].localeCompare(codes[i]) !== 0) r++;
    rank.set(codes[i], r);
  }
  findings.sort((a, b) => (a.elementId < b.elementId ? -1 : a.elementId > b.elementId ? 1 : rank.get(a.code)! - rank.get(b.code)!));
}

/** `topology` without the hosts `drop` and the VMs on them. */
function withoutHosts(topology: Topology, drop: readonly Host[]): Topology {
  const ids = new Set(drop.map((h) => h.id));
  return { hosts: topology.hosts.filter((h) => !ids.has(h.id)), vms: topology.vms.filter((v) => !ids.has(v.hostId)) };
}

/**
 * Device by id over all hosts, as one map filled host by host would answer (the last host having the id wins, and
 * within a host its last device with it): the hosts' own indexes, searched from the last host.
 */
function deviceById(indexes: readonly HostTopology[], id: string): PciDevice | undefined {
  for (let i = indexes.length - 1; i >= 0; i--) {
    const d = indexes[i].device(id);
    if (d) return d;
  }
  return undefined;
}
