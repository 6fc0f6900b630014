/**
 * The `iommu/groups` request behind the client's IOMMU Groups view (Explorer): for a topology file, the
 * iommu_groups the simulator predicts for each host it declares or imports, with their member devices, why each
 * device is in its group, the VMs each device is assigned to and the simulator findings on each device (for a
 * host the file declares, also those of the VM files that import it).
 *
 * It reads the document's cached simulation (`SimulationCache`) and translates it for the view; it computes nothing
 * about the kernel. The wire format is in `server/src/protocol/groups-view.ts`, which the client shares. Findings
 * get the same treatment as diagnostics: `iommu.severityOverrides` applies (`off` leaves a finding out), and a
 * held-back host (SYN003) lists no findings but says why.
 */
import { AstUtils, DocumentState, URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { validatedDocument } from './validated-document.js';
import type { Location } from 'vscode-languageserver-types';
import { GROUPS_REQUEST, type GroupsView, type GroupsViewDevice, type GroupsViewHost, type GroupsViewParams, type GroupsViewProblem } from '../protocol/groups-view.js';
import { isGroupingDetails } from '../../../src-core/src/groups/index.js';
import type { DefaultDomain } from '../../../src-core/src/groups/default-domain.js';
import { formatBdf } from '../../../src-core/src/bdf.js';
import { formatKernel } from '../../../src-core/src/kernel-version.js';
import type { PciDevice } from '../../../src-core/src/model.js';
import { notSimulatedReason } from '../../../src-core/src/rules/arch-unmodelled.js';
import { findPropertyCst } from '../language/cst-lookup.js';
import type { IommuServices } from '../language/iommu-module.js';
import { effectiveSeverity, heldBackUntil, severityOverrides } from '../language/iommu-validator.js';
import type { DocumentSimulation } from '../lowering/simulation-cache.js';
import { importClosure } from '../language/iommu-scope.js';

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
    if (held?.unnamed) continue;
    if (!analysis) {
      // not simulated (an architecture outside the model, ARCH001): listed, with why and no groups
      const why = notSimulatedReason(host);
      if (why) hosts.push({ name: host.name, kernel: host.kernel ? formatKernel(host.kernel) : undefined, location: locationOf(sim.nodeOf.get(host.id)), heldBack: `${why} (ARCH001)`, groups: [], ungrouped: [] });
      continue;
    }
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

/** A host's key across views: where its name is (file, line, character). Undefined if it cannot be placed. */
export function hostKey(h: GroupsViewHost): string | undefined {
  return h.location && `${h.location.uri}:${h.location.range.start.line}:${h.location.range.start.character}`;
}

/**
 * Add `other`'s VMs and problems of each device to the same device of `into` (matched by BDF and name): the same
 * host as simulated with another file, e.g. a VM file that imports it. Mutates `into`.
 */
export function mergeHostDevices(into: GroupsViewHost, other: GroupsViewHost): void {
  const all = (h: GroupsViewHost) => [...h.groups.flatMap((g) => g.devices), ...h.ungrouped];
  const theirs = new Map(all(other).map((d) => [`${d.bdf} ${d.name}`, d]));
  for (const d of all(into)) {
    const o = theirs.get(`${d.bdf} ${d.name}`);
    if (!o) continue;
    for (const v of o.vms) if (!d.vms.includes(v)) d.vms.push(v);
    for (const p of o.problems) if (!d.problems.some((q) => q.code === p.code && q.message === p.message)) d.problems.push(p);
  }
}

/**
 * {@link groupsView} of `doc`, with the VMs and findings that the validated documents importing it add to its own
 * hosts (a host file's view then shows which VMs, declared elsewhere, use each group). `documents` is the workspace.
 */
export function groupsViewWithImporters(doc: LangiumDocument, documents: { all: { toArray(): LangiumDocument[] }; getDocument(uri: URI): LangiumDocument | undefined }, services: IommuServices, overrides: Record<string, string> = {}): GroupsView {
  const cache = services.simulation.SimulationCache;
  const view = groupsView(doc, cache.get(doc), overrides);
  const own = new Map<string, GroupsViewHost>();
  for (const h of view.hosts) {
    const k = hostKey(h);
    if (k && h.location!.uri === view.uri) own.set(k, h);
  }
  if (!own.size) return view;
  for (const other of documents.all.toArray()) {
    if (other === doc || other.state < DocumentState.Validated) continue;
    if (!importClosure(other, documents).slice(1).includes(doc)) continue;
    for (const h of groupsView(other, cache.get(other), overrides).hosts) {
      const k = hostKey(h);
      const mine = k && own.get(k);
      if (mine) mergeHostDevices(mine, h);
    }
  }
  return view;
}

/**
 * Answer {@link GROUPS_REQUEST} on the language server's connection (no-op without one). The request waits until the
 * document is validated, so the view matches the diagnostics shown; `null` for a document the server does not have.
 */
export function installGroupsView(shared: LangiumSharedServices, services: IommuServices): void {
  const connection = shared.lsp?.Connection;
  if (!connection) return;
  connection.onRequest(GROUPS_REQUEST, async (params: GroupsViewParams, token): Promise<GroupsView | null> => {
    const doc = await validatedDocument(shared, params.uri, token);
    if (!doc) return null;
    return groupsViewWithImporters(doc, shared.workspace.LangiumDocuments, services, await severityOverrides(shared.workspace.ConfigurationProvider));
  });
}

export { GROUPS_REQUEST, type GroupsView } from '../protocol/groups-view.js';

/** The view's `domainType` / `domainWhy` of a group from the simulator's default domain (none if it has none). */
function domainOf(d: DefaultDomain | undefined): { domainType?: string; domainWhy?: string } {
  if (!d) return {};
  return { domainType: d.type, domainWhy: d.why.join('; ') };
}
