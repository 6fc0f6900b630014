/**
 * A kernel upgrade (or downgrade) preview: the same topology simulated on another kernel, compared with the
 * simulation as written. The releases crossed come from the gate table (`kernel-gates.ts`); the findings are matched
 * by code, element, span and related elements, so a finding whose message only names the kernel counts as unchanged.
 */
import type { SimulationOptions } from './analysis.js';
import type { Finding } from './findings.js';
import { gatesBetween, type CrossedGate } from './kernel-gates.js';
import type { KernelVersion, Topology } from './model.js';
import { simulate } from './simulate.js';

/** One host's part of {@link KernelUpgrade}. */
export interface HostUpgrade {
  hostId: string;
  /** The kernel the host is simulated with as written (undefined = none given: the assumed kernel, ASSUMED_KERNEL). */
  from: KernelVersion | undefined;
  gates: CrossedGate[];
}

/** What simulating `topology` on kernel `to` changes. */
export interface KernelUpgrade {
  to: KernelVersion;
  hosts: HostUpgrade[];
  /** Findings on `to` that the topology as written does not have (from the run on `to`). */
  appeared: Finding[];
  /** Findings of the topology as written that `to` does not have (from the run as written). */
  resolved: Finding[];
  /** Number of findings both runs have. */
  unchanged: number;
}

/**
 * The identity of a finding across two runs of one topology: code, severity, element, span and related element ids
 * (with the severity, a warning that becomes an error on the other kernel is one finding gone and one new).
 */
export function findingKey(f: Finding): string {
  return `${f.code}\0${f.severity}\0${f.elementId}\0${f.span ? JSON.stringify(f.span) : ''}\0${f.related.map((r) => r.id).join(',')}`;
}

/**
 * The items of `a` with no match in `b`, matched as multisets by `key` (an item of `b` matches one item of `a`), in
 * the order of `a`. Used for findings here and for the CLI's diagnostics.
 */
export function unmatchedBy<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const left = new Map<string, number>();
  for (const x of b) {
    const k = key(x);
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  const out: T[] = [];
  for (const x of a) {
    const k = key(x);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(x);
  }
  return out;
}

/**
 * Simulate `topology` as written (`options`) and with every host on `to` (`options.kernelOverride`), and compare.
 * `current` may pass the run as written when the caller has it (the language server's cached one). Never throws
 * for a topology `simulate` accepts.
 */
export function kernelUpgrade(topology: Topology, to: KernelVersion, options: SimulationOptions = {}, current = simulate(topology, options)): KernelUpgrade {
  const target = simulate(topology, { ...options, kernelOverride: to });
  // hosts the simulator leaves out (ARCH001) cross no modelled release
  const hosts = topology.hosts.filter((h) => current.hosts.has(h.id)).map((h) => {
    const from = current.hosts.get(h.id)?.kernel;
    return { hostId: h.id, from, gates: gatesBetween(h, from, to) };
  });
  const appeared = unmatchedBy(target.findings, current.findings, findingKey);
  const resolved = unmatchedBy(current.findings, target.findings, findingKey);
  return { to, hosts, appeared, resolved, unchanged: current.findings.length - resolved.length };
}
