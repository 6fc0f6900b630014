/** Test helpers: hand-made GroupingResult / HostAnalysis and a rule runner, independent of computeGroups. */
import type { GroupingResult, HostAnalysis, IommuGroup, SimulationOptions, VmAnalysis } from '../../src/analysis.js';
import { computeDeviceCaps } from '../../src/caps.js';
import type { Finding } from '../../src/findings.js';
import type { Host, Topology, Vm } from '../../src/model.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { VFIO_RULES } from '../../src/rules/vfio-rules.js';
import { simulateVm } from '../../src/vm/simulate-vm.js';
import { VmAssignments } from '../../src/vm/ownership.js';

/** Build a GroupingResult from explicit member lists: `[['gpu','audio'], ['nic']]`, numbered from 0. */
export function grouping(host: Host, members: string[][]): GroupingResult {
  const groups: IommuGroup[] = members.map((ids, n) => {
    const d = host.devices.find((x) => x.id === ids[0]);
    return { number: n, deviceIds: ids, iommuId: d?.iommuId ?? host.iommus.find((i) => i.driver !== 'none')?.id, reasons: [] };
  });
  const groupOf = new Map<string, IommuGroup>();
  for (const g of groups) for (const id of g.deviceIds) groupOf.set(id, g);
  return { groups, groupOf, acsEnabledBeforeGrouping: true, effectiveAcsCtl: new Map() };
}

/** HostAnalysis with caps computed by computeDeviceCaps over the hand-made grouping. */
export function analyze(host: Host, members: string[][], options: SimulationOptions = {}): HostAnalysis {
  const g = grouping(host, members);
  return { hostId: host.id, kernel: host.kernel ?? options.defaultKernel, grouping: g, caps: computeDeviceCaps(host, host.kernel ?? options.defaultKernel, g, options) };
}

export interface Run {
  hosts: Map<string, HostAnalysis>;
  vms: Map<string, VmAnalysis>;
  findings: Finding[];
  vm(id: string): VmAnalysis;
  outcome(vmId: string, deviceId: string): VmAnalysis['attach'][number];
  codes(): string[];
  find(code: string, elementId?: string): Finding | undefined;
}

/** Simulate every VM and run the VFIO rules, with explicit groups per host id. */
export function run(topology: Topology, members: Record<string, string[][]>, options: SimulationOptions = {}): Run {
  const hosts = new Map<string, HostAnalysis>();
  for (const h of topology.hosts) hosts.set(h.id, analyze(h, members[h.id] ?? [], options));
  const vms = new Map<string, VmAnalysis>();
  // one assignment index for all VMs, as simulate() does: a VM that fails releases its groups for the later ones
  const assignments = new VmAssignments(topology);
  for (const v of topology.vms) {
    const h = topology.hosts.find((x) => x.id === v.hostId)!;
    vms.set(v.id, simulateVm(v, h, hosts.get(h.id)!, topology, options, { assignments }));
  }
  const devs = new Map(topology.hosts.flatMap((h) => h.devices.map((d) => [d.id, d] as const)));
  const ioms = new Map(topology.hosts.flatMap((h) => h.iommus.map((i) => [i.id, i] as const)));
  const ctx: RuleContext = {
    topology,
    options,
    hosts,
    vms,
    host: (id) => topology.hosts.find((h) => h.id === id),
    device: (id) => devs.get(id),
    iommu: (id) => ioms.get(id),
    vm: (id): Vm | undefined => topology.vms.find((v) => v.id === id),
  };
  const findings = VFIO_RULES.flatMap((r) => r.check(ctx));
  return {
    hosts,
    vms,
    findings,
    vm: (id) => vms.get(id)!,
    outcome: (vmId, deviceId) => vms.get(vmId)!.attach.find((o) => o.deviceId === deviceId)!,
    codes: () => [...new Set(findings.map((f) => f.code))].sort(),
    find: (code, elementId) => findings.find((f) => f.code === code && (elementId === undefined || f.elementId === elementId)),
  };
}
