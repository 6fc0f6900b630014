/** Shared helpers for the grouping tests: partitions as sorted id lists, and a RuleContext without simulate(). */
import type { HostAnalysis, SimulationOptions } from '../../src/analysis.js';
import { computeGroups } from '../../src/groups/index.js';
import type { AcsCapability, Host, Topology } from '../../src/model.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { dev, host, iommu } from '../builders.js';

/** ACS capability advertising SV/RR/CR/UF with firmware Control 0 (the kernel enables it under an IOMMU). */
export const ACS_CAP: AcsCapability = { cap: 0x1d, ctl: 0 };
/** ACS capability with SV/RR/CR/UF advertised and already enabled. */
export const ACS_ON: AcsCapability = { cap: 0x1d, ctl: 0x1d };

/** The grouping of `h` as a sorted list of sorted member-id lists (membership only, numbers ignored). */
export function partition(h: Host, opts: SimulationOptions = {}): string[][] {
  const r = computeGroups(h, h.kernel, opts);
  return r.groups.map((g) => [...g.deviceIds].sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

/** Sort a hand-written expected partition the same way as {@link partition}. */
export function sets(...groups: string[][]): string[][] {
  return groups.map((g) => [...g].sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

/** A RuleContext for `topo` with groups computed by `computeGroups` and empty caps / VM analyses. */
export function ruleContext(topo: Topology, options: SimulationOptions = {}): RuleContext {
  const hosts = new Map<string, HostAnalysis>();
  for (const h of topo.hosts) {
    const kernel = h.kernel ?? options.defaultKernel;
    hosts.set(h.id, { hostId: h.id, kernel, grouping: computeGroups(h, kernel, options), caps: new Map() });
  }
  const devs = new Map(topo.hosts.flatMap((h) => h.devices.map((d) => [d.id, d] as const)));
  const ius = new Map(topo.hosts.flatMap((h) => h.iommus.map((i) => [i.id, i] as const)));
  return {
    topology: topo,
    options,
    hosts,
    vms: new Map(),
    host: (id) => topo.hosts.find((h) => h.id === id),
    device: (id) => devs.get(id),
    iommu: (id) => ius.get(id),
    vm: (id) => topo.vms.find((v) => v.id === id),
  };
}

/**
 * EX-1 / EX-1b topology (reference §5): root port → switch upstream port → two downstream ports, one endpoint
 * below each. `rpAcs` / `dspAcs` choose which ports have an ACS capability.
 */
export function switchHost(rpAcs: boolean, dspAcs: boolean, kernel = '6.12.10'): Host {
  return host('h', kernel, [iommu('dmar0', 'intel-vtd')], [
    dev('rp', 'root-port', '00:01.0', { acs: rpAcs ? ACS_CAP : null }),
    dev('usp', 'switch-upstream', '01:00.0', { parentId: 'rp', acs: null }),
    dev('dsp0', 'switch-downstream', '02:00.0', { parentId: 'usp', acs: dspAcs ? ACS_CAP : null }),
    dev('dsp1', 'switch-downstream', '02:01.0', { parentId: 'usp', acs: dspAcs ? ACS_CAP : null }),
    dev('a', 'endpoint', '03:00.0', { parentId: 'dsp0', acs: null }),
    dev('b', 'endpoint', '04:00.0', { parentId: 'dsp1', acs: null }),
  ]);
}
