/**
 * Helpers shared by the GRP* rules: iterate hosts with their grouping details and name devices.
 */
import { effectiveKernel } from '../caps/platform.js';
import type { IommuGroup } from '../analysis.js';
import { groupingDetails, type GroupingDetails, type HostTopology } from '../groups/index.js';
import type { Host, KernelVersion, PciDevice } from '../model.js';
import type { RuleContext } from './rule.js';

/** One host with its grouping details (recomputed if the analysis is missing or foreign). */
export interface HostGrouping {
  host: Host;
  details: GroupingDetails;
  /** The kernel the details were computed for: the simulated one, else the declared or default, else the assumed one. */
  kernel: KernelVersion;
}

/** Every host of the topology with its {@link GroupingDetails}. */
export function hostGroupings(ctx: RuleContext): HostGrouping[] {
  return ctx.topology.hosts.map((host) => {
    const ha = ctx.hosts.get(host.id);
    const kernel = effectiveKernel(ha?.kernel ?? host.kernel ?? ctx.options.defaultKernel);
    return { host, details: groupingDetails(ha?.grouping, host, kernel, ctx.options), kernel };
  });
}

/** `{a (0000:01:00.0), b (0000:02:00.0)}` for a list of devices, labelled by `topo` (`devLabel`, formatted once). */
export function labelSet(topo: HostTopology, devs: readonly PciDevice[]): string {
  return `{${devs.map((d) => topo.label(d)).join(', ')}}`;
}

/**
 * `piece(from) + piece(from + 1) + … + piece(to - 1)`, concatenated by halves. V8 optimises a loop that appends to one
 * string into copying every piece into a growing flat buffer; halves give cons strings that only point at the pieces
 * until the text is read (explanations are read only by the CLI's JSON output). Recursion depth log2(to - from).
 */
export function concatPieces(piece: (i: number) => string, from: number, to: number): string {
  if (to - from <= 1) return to > from ? piece(from) : '';
  const mid = (from + to) >>> 1;
  return concatPieces(piece, from, mid) + concatPieces(piece, mid, to);
}

/** Members of a group as devices, in probe order. */
export function members(d: GroupingDetails, g: IommuGroup): PciDevice[] {
  const ids = g.deviceIds;
  // sized for every id (each normally names a device), cut if some do not
  const out: PciDevice[] = new Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const x = d.topology.device(ids[i]);
    if (x) out[n++] = x;
  }
  if (n < ids.length) out.length = n;
  return out;
}

/** The reason recorded for `deviceId` in its group, or undefined. */
export function reasonOf(g: IommuGroup, deviceId: string): string | undefined {
  return g.reasons.find((r) => r.deviceId === deviceId)?.text;
}
