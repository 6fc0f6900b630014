/**
 * `iommu-topo groups`: the iommu_groups the simulator predicts for each host a file declares, as the well-known
 * `for g in /sys/kernel/iommu_groups/*` listing shows a real host's (group, then its devices), with each group's
 * IOMMU unit and default domain and each device's driver, VMs and findings. The data is the IOMMU Groups view's
 * (`server/src/lsp/groups-view.ts`, wire types in `server/src/protocol/groups-view.ts`).
 */
import { URI } from 'langium';
import type { Location } from 'vscode-languageserver-types';
import { groupsView, hostKey, mergeHostDevices } from '../lsp/groups-view.js';
import type { GroupsViewDevice, GroupsViewGroup, GroupsViewHost } from '../protocol/groups-view.js';
import { displayPath, type CheckRun } from './check.js';

/**
 * Where a name is declared, as `check --format json` gives positions: the path as the reports show it (relative
 * inside the working directory) and 1-based lines and columns. (`location`, kept as it was, is the LSP view's:
 * a `file://` URI and 0-based positions.)
 */
export interface GroupsReportSource {
  path: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** A device of {@link GroupsReportHost}: the view's device plus its {@link GroupsReportSource} (null if not placed). */
export interface GroupsReportDevice extends GroupsViewDevice {
  source: GroupsReportSource | null;
}

/** One host of one reported file (hosts a file only imports are left to the file that declares them). */
export interface GroupsReportHost extends Omit<GroupsViewHost, 'groups' | 'ungrouped'> {
  /** The declaring file, relative to the working directory. */
  path: string;
  /** The host's name in that file, 1-based (null if not placed). */
  source: GroupsReportSource | null;
  groups: (Omit<GroupsViewGroup, 'devices'> & { devices: GroupsReportDevice[] })[];
  ungrouped: GroupsReportDevice[];
}

/** `location` as a {@link GroupsReportSource}, the path shown relative to `cwd` (cached per URI by `paths`). */
function sourceOf(location: Location | undefined, path: (uri: string) => string): GroupsReportSource | null {
  if (!location) return null;
  const pos = (p: { line: number; character: number }) => ({ line: p.line + 1, column: p.character + 1 });
  return { path: path(location.uri), range: { start: pos(location.range.start), end: pos(location.range.end) } };
}

/**
 * The hosts declared or imported by the files of `run` (those the files declare first, in file order; then imported
 * ones, so `groups vm.iommu` shows the host it imports), with their predicted groups. A host is simulated with every
 * file that declares or imports it; the VMs and findings of its devices are merged over those runs, so a host file
 * checked together with the VM files that import it lists their VMs.
 */
export function groupsReport(run: CheckRun, cwd = process.cwd()): GroupsReportHost[] {
  const reported = new Set(run.files.map((f) => f.document.uri.toString()));
  const byKey = new Map<string, GroupsViewHost>();
  for (const f of run.files) {
    const sim = run.services.simulation.SimulationCache.get(f.document);
    for (const h of groupsView(f.document, sim).hosts) {
      const key = hostKey(h);
      if (!key) continue;
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, h);
      else mergeHostDevices(seen, h);
    }
  }
  const paths = new Map<string, string>();
  const shown = (uri: string) => {
    let p = paths.get(uri);
    if (p === undefined) paths.set(uri, (p = displayPath(cwd, URI.parse(uri).fsPath)));
    return p;
  };
  const device = (d: GroupsViewDevice): GroupsReportDevice => ({ ...d, source: sourceOf(d.location, shown) });
  const out: GroupsReportHost[] = [];
  for (const h of byKey.values()) {
    out.push({
      ...h,
      path: shown(h.location!.uri),
      source: sourceOf(h.location, shown),
      groups: h.groups.map((g) => ({ ...g, devices: g.devices.map(device) })),
      ungrouped: h.ungrouped.map(device),
    });
  }
  // in the order of the declaring files on the command line, hosts of imported files after them (stable sort)
  const order = [...reported];
  const rank = (h: GroupsReportHost) => {
    const i = order.indexOf(h.location!.uri);
    return i < 0 ? order.length : i;
  };
  return out.sort((a, b) => rank(a) - rank(b));
}

function deviceLine(d: GroupsViewDevice): string {
  const driver = d.driver === undefined ? '' : `  [${d.driver ?? 'no driver'}]`;
  const vms = d.vms.length ? `  VM ${d.vms.join(', ')}` : '';
  const problems = d.problems.length ? `  (${d.problems.map((p) => `${p.code} ${p.severity}`).join(', ')})` : '';
  return `    ${d.bdf}  ${d.kind} ${d.name}${driver}${vms}${problems}`;
}

/** The text listing of {@link groupsReport}: a block per host, a heading per group, a line per device. */
export function formatGroupsText(hosts: readonly GroupsReportHost[], incomplete = false): string {
  if (!hosts.length) return 'no hosts';
  const blocks: string[] = [];
  for (const h of hosts) {
    const lines = [`${h.path}: host ${h.name}${h.kernel ? ` (kernel ${h.kernel})` : ''}`];
    if (h.heldBack) lines.push(`  ${h.heldBack}`);
    for (const g of h.groups) {
      const vms = [...new Set(g.devices.flatMap((d) => d.vms))];
      const about = [g.iommu, g.domainType, vms.length ? `VM ${vms.join(', ')}` : undefined].filter(Boolean).join(' · ');
      lines.push(`  IOMMU Group ${g.number}${about ? `  ${about}` : ''}`, ...g.devices.map(deviceLine));
    }
    if (h.ungrouped.length) lines.push('  no IOMMU group', ...h.ungrouped.map(deviceLine));
    if (!h.groups.length && !h.ungrouped.length && !h.heldBack) lines.push('  no devices');
    blocks.push(lines.join('\n'));
  }
  const trailer = incomplete
    ? 'Group numbers are the expected ones (IDA order); membership is exact for what parsed: files with syntax errors may be missing devices (see stderr).'
    : 'Group numbers are the expected ones (IDA order); membership is exact.';
  return blocks.join('\n\n') + '\n\n' + trailer;
}
