/**
 * Inlay hints from the cached simulation: after each device's BDF its computed iommu_group and whether its
 * IOMMU can block no-snoop; after each VM assignment the attach outcome (errno or domain + coherency box).
 */
import { AstUtils, GrammarUtils, type AstNode } from 'langium';
import { AbstractInlayHintProvider, type InlayHintAcceptor } from 'langium/lsp';
import { InlayHintKind } from 'vscode-languageserver';
import { isAssignProp, isHwptDecl, isPciDevice } from '../language/generated/ast.js';
import type { IommuServices } from '../language/iommu-module.js';
import { findPropertyCst } from '../language/cst-lookup.js';

export class IommuInlayHintProvider extends AbstractInlayHintProvider {
  private readonly services: IommuServices;

  constructor(services: IommuServices) {
    super();
    this.services = services;
  }

  computeInlayHint(node: AstNode, accept: InlayHintAcceptor): void {
    const doc = AstUtils.getDocument(node);
    if (isPciDevice(node)) {
      const sim = this.services.simulation.SimulationCache.get(doc);
      const id = sim.idOf.get(node);
      const bdf = findPropertyCst(node.$cstNode, 'bdf');
      if (!id || !bdf) return;
      const host = sim.deviceById.get(id)?.host;
      // a host simulated with a placeholder IOMMU (SYN003) gets no hints: they would all say "no group"
      if (host && sim.heldBack.has(host.id)) return;
      const ha = host && sim.result.hosts.get(host.id);
      // a host the simulator leaves out (an architecture it does not model, ARCH001): nothing is predicted
      if (!ha) return;
      const group = ha.grouping.groupOf.get(id);
      const caps = ha.caps.get(id);
      const parts = [group ? `group ${group.number}${group.deviceIds.length > 1 ? ` (${group.deviceIds.length} devices)` : ''}` : 'no group'];
      if (caps) parts.push(caps.enforceCoherency ? (caps.enforceIsReportedOnly ? 'no-snoop: reported blocked (not really)' : 'no-snoop blocked') : 'no-snoop passes');
      accept({ position: bdf.range.end, label: parts.join(' · '), kind: InlayHintKind.Type, paddingLeft: true });
      return;
    }
    if (isAssignProp(node) || isHwptDecl(node)) {
      const sim = this.services.simulation.SimulationCache.get(doc);
      const vm = AstUtils.getContainerOfType(node, (n): n is AstNode => n.$type === 'Vm');
      const vmId = vm && sim.idOf.get(vm);
      const va = vmId ? sim.result.vms.get(vmId) : undefined;
      if (!va || !node.$cstNode) return;
      const vmHost = sim.topology.vms.find((v) => v.id === vmId)?.hostId;
      if (vmHost !== undefined && sim.heldBack.has(vmHost)) return;
      const refs = GrammarUtils.findNodesForProperty(node.$cstNode, 'devices');
      node.devices.forEach((r, i) => {
        const target = r.ref && sim.idOf.get(r.ref);
        const o = target && va.attach.find((a) => a.deviceId === target);
        const cst = refs[i];
        if (!o || !cst) return;
        const label = o.ok ? `✓${o.box ? ` box ${o.box}` : ''}${o.domainEnforced === false ? ' no-snoop passes' : ''}` : `✗ ${o.errno ? `-${o.errno}` : o.step}`;
        accept({ position: cst.range.end, label, kind: InlayHintKind.Parameter, paddingLeft: true, tooltip: o.kernelMessage });
      });
    }
  }
}
