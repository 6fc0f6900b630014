/**
 * The `iommu/groups` request behind the client's IOMMU Groups view (Explorer): for a topology file, the
 * iommu_groups the simulator predicts for each host it declares or imports, with their member devices, why each
 * device is in its group, the VMs each device is assigned to and the simulator findings on each device.
 *
 * It reads the document's cached simulation (`SimulationCache`) and translates it for the view; it computes nothing
 * about the kernel. The wire format is in `server/src/protocol/groups-view.ts`, which the client shares. Findings
 * get the same treatment as diagnostics: `iommu.severityOverrides` applies (`off` leaves a finding out), and a
 * held-back host (SYN003) lists no findings but says why.
 */
import { AstUtils, DocumentState, URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Location } from 'vscode-languageserver-types';
import { GROUPS_REQUEST, type GroupsView, type GroupsViewDevice, type GroupsViewHost, type GroupsViewParams, type GroupsViewProblem } from '../protocol/groups-view.js';
import { isGroupingDetails } from '../../../src-core/src/groups/index.js';
import type { DefaultDomain } from '../../../src-core/src/groups/default-domain.js';
import { formatBdf } from '../../../src-core/src/bdf.js';
import { formatKernel } from '../../../src-core/src/kernel-version.js';
import type { PciDevice } from '../../../src-core/src/model.js';
import { findPropertyCst } from '../language/cst-lookup.js';
import type { IommuServices } from '../language/iommu-module.js';
import { effectiveSeverity, heldBackUntil, severityOverrides } from '../language/iommu-validator.js';
import type { DocumentSimulation } from '../lowering/simulation-cache.js';

/** Where `node`'s name is (its whole text if it has no name), in the document that declares it. */
function locationOf(node: AstNode | undefined): Location | undefined {
  const cst = node?.$cstNode && (findPropertyCst(node.$cstNode, 'name') ?? node.$cstNode);
  if (!node || !cst) return undefined;
  return { uri: AstUtils.getDocument(node).uri.toString(), range: cst.range };
}

/**
 * The view of `doc` from its simulation `sim`. `overrides` is `iommu.severityOverrides` (code → severity or `off`).
 * Hosts come in the order the simulation has them: this document's, then those of its imports.
 */
export function groupsView(doc: LangiumDocument, sim: DocumentSimulation, overrides: Record<string, string> = {}): GroupsView {
  const problemsOf = new Map<string, GroupsViewProblem[]>();
  for (const f of sim.result.findings) {
    const severity = effectiveSeverity(f, overrides);
    if (!severity) continue;
    const p = { code: f.code, severity, message: f.message };
    const list = problemsOf.get(f.elementId);
    if (list) list.push(p);
    else problemsOf.set(f.elementId, [p]);
  }
  const vmsOf = new Map<string, string[]>();
  for (const vm of sim.topology.vms) {
    for (const id of vm.assignedIds) {
      const list = vmsOf.get(id);
      if (!list) vmsOf.set(id, [vm.name]);
      else if (!list.includes(vm.name)) list.push(vm.name);
    }
  }
  const hosts: GroupsViewHost[] = [];
  for (const host of sim.topology.hosts) {
    const analysis = sim.result.hosts.get(host.id);
    const held = sim.heldBack.get(host.id);
    // a host without a name (a parse error) is not shown, as it gets no diagnostics
    if (!analysis || held?.unnamed) continue;
    const device = (d: PciDevice, reason: string): GroupsViewDevice => ({
      name: d.name,
      bdf: formatBdf(d.bdf),
      kind: d.kind,
      driver: d.driver,
      vms: vmsOf.get(d.id) ?? [],
      reason,
      location: locationOf(sim.nodeOf.get(d.id)),
      problems: held ? [] : (problemsOf.get(d.id) ?? []),
    });
    const iommuName = new Map(host.iommus.map((u) => [u.id, u.name]));
    const groups = analysis.grouping.groups.map((g) => ({
      number: g.number,
      iommu: g.iommuId === undefined ? undefined : iommuName.get(g.iommuId),
      ...domainOf(analysis.defaultDomains?.get(g.number)),
      devices: g.deviceIds.flatMap((id) => {
        const d = sim.deviceById.get(id)?.device;
        return d ? [device(d, g.reasons.find((r) => r.deviceId === id)?.text ?? '')] : [];
      }),
    }));
    const why = isGroupingDetails(analysis.grouping) ? analysis.grouping.ungrouped : undefined;
    const ungrouped = host.devices.filter((d) => !analysis.grouping.groupOf.has(d.id)).map((d) => device(d, why?.get(d.id) ?? 'no iommu_group'));
    hosts.push({
      name: host.name,
      kernel: analysis.kernel ? formatKernel(analysis.kernel) : undefined,
      location: locationOf(sim.nodeOf.get(host.id)),
      heldBack: held ? `simulation held back until ${heldBackUntil(held)} (SYN003)` : undefined,
      groups,
      ungrouped,
    });
  }
  return { uri: doc.uri.toString(), version: doc.textDocument.version, hosts };
}

/**
 * Answer {@link GROUPS_REQUEST} on the language server's connection (no-op without one). The request waits until the
 * document is validated, so the view matches the diagnostics shown; `null` for a document the server does not have.
 */
export function installGroupsView(shared: LangiumSharedServices, services: IommuServices): void {
  const connection = shared.lsp?.Connection;
  if (!connection) return;
  connection.onRequest(GROUPS_REQUEST, async (params: GroupsViewParams, token): Promise<GroupsView | null> => {
    let uri: URI;
    try {
      uri = URI.parse(params.uri);
    } catch {
      return null;
    }
    const documents = shared.workspace.LangiumDocuments;
    if (!documents.hasDocument(uri)) return null;
    await shared.workspace.DocumentBuilder.waitUntil(DocumentState.Validated, uri, token);
    const doc = documents.getDocument(uri);
    if (!doc || doc.state < DocumentState.Validated) return null;
    return groupsView(doc, services.simulation.SimulationCache.get(doc), await severityOverrides(shared.workspace.ConfigurationProvider));
  });
}

export { GROUPS_REQUEST, type GroupsView } from '../protocol/groups-view.js';

/** The view's `domainType` / `domainWhy` of a group from the simulator's default domain (none if it has none). */
function domainOf(d: DefaultDomain | undefined): { domainType?: string; domainWhy?: string } {
  if (!d) return {};
  return { domainType: d.type, domainWhy: [...d.why, ...(d.unconfirmed ? [`unconfirmed: ${d.unconfirmed}`] : [])].join('; ') };
}
