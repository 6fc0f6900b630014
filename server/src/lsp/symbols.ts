/**
 * Document symbols (the outline, breadcrumbs, "Go to Symbol in Editor") and workspace-symbol kinds.
 *
 * Langium's defaults make every symbol `SymbolKind.Field` with no detail. Here each declaration gets a kind an
 * outline can tell apart, and a one-line detail with what identifies it:
 *
 * | declaration | kind        | detail                                   |
 * |-------------|-------------|------------------------------------------|
 * | `host`      | Module      | `kernel 6.12 · x86_64`                   |
 * | `iommu`     | Interface   | the driver (`intel-vtd`)                 |
 * | bridge/port | Namespace   | `root-port 0000:00:01.0`                 |
 * | endpoint    | Object      | `endpoint 0000:01:00.0`                  |
 * | `vm`        | Class       | `on ws · qemu · iommufd-cdev`            |
 * | `hwpt`      | Struct      | `attach gpu, nic`                        |
 *
 * Workspace symbols ("Go to Symbol in Workspace") are the index's hosts and VMs, as Langium finds them, plus the
 * IOMMU units and devices of every host (container: the host) and the HWPTs of every VM (container: the VM).
 */
import { GrammarUtils, interruptAndCheck, type AstNode, type AstNodeDescription, type CstNode, type LangiumDocument, type LangiumDocuments } from 'langium';
import { DefaultDocumentSymbolProvider, DefaultNodeKindProvider, DefaultWorkspaceSymbolProvider, type LangiumSharedServices } from 'langium/lsp';
import { CancellationToken, type WorkspaceSymbolParams } from 'vscode-languageserver';
import { SymbolKind, type DocumentSymbol, type WorkspaceSymbol } from 'vscode-languageserver-types';
import { isArchSetting, isBackendProp, isDocument, isHost, isHwptDecl, isIommu, isIommuDriverProp, isKernelSetting, isPciDevice, isVm, isVmmProp, type PciDevice } from '../language/generated/ast.js';
import { isStrayWord } from '../language/stray-words.js';

/** Device kinds that have a secondary bus (devices below them), shown as containers in the outline. */
const BRIDGE_KINDS = new Set(['host-bridge', 'root-port', 'switch-upstream', 'switch-downstream', 'pcie-to-pci-bridge', 'pci-to-pcie-bridge', 'pci-bridge']);

/** Symbol kinds of the declarations (see the module comment); completion-item kinds stay Langium's. */
export class IommuNodeKindProvider extends DefaultNodeKindProvider {
  /** A description (workspace symbols) answers from its node when loaded, else from its type. */
  override getSymbolKind(node: AstNode | AstNodeDescription): SymbolKind {
    const n: AstNode | undefined = '$type' in node ? node : node.node;
    switch (n?.$type ?? (node as AstNodeDescription).type) {
      case 'Host':
        return SymbolKind.Module;
      case 'Iommu':
        return SymbolKind.Interface;
      case 'PciDevice':
        return n && isPciDevice(n) && (BRIDGE_KINDS.has(n.kind) || (n.children?.length ?? 0) > 0) ? SymbolKind.Namespace : SymbolKind.Object;
      case 'Vm':
        return SymbolKind.Class;
      case 'HwptDecl':
        return SymbolKind.Struct;
      default:
        return super.getSymbolKind(node);
    }
  }
}

/**
 * Langium's workspace symbols (the exported hosts and VMs) and the declarations inside them: each host's IOMMU units
 * and devices (its whole tree; not a stray word, a mistyped property the parser took as a device), each VM's HWPTs.
 * One pass over those nodes per request; the name is matched first, a location is made only for a match.
 */
export class IommuWorkspaceSymbolProvider extends DefaultWorkspaceSymbolProvider {
  private readonly documents: LangiumDocuments;

  constructor(services: LangiumSharedServices) {
    super(services);
    this.documents = services.workspace.LangiumDocuments;
  }

  override async getSymbols(params: WorkspaceSymbolParams, cancelToken = CancellationToken.None): Promise<WorkspaceSymbol[]> {
    const out = await super.getSymbols(params, cancelToken);
    const query = params.query.toLowerCase();
    for (const doc of this.documents.all) {
      await interruptAndCheck(cancelToken);
      const root = doc.parseResult?.value;
      if (!isDocument(root)) continue;
      const uri = doc.uri.toString();
      const add = (node: AstNode & { name?: string }, container: string | undefined) => {
        const name = node.name;
        if (!name || !this.fuzzyMatcher.match(query, name)) return;
        const nameNode = node.$cstNode && GrammarUtils.findNodeForProperty(node.$cstNode, 'name');
        if (!nameNode) return;
        out.push({ name, kind: this.nodeKindProvider.getSymbolKind(node), location: { uri, range: nameNode.range }, ...(container ? { containerName: container } : {}) });
      };
      for (const el of root.elements ?? []) {
        if (isHost(el)) {
          const host = el.name;
          const devices = (list: readonly PciDevice[] | undefined) => {
            for (const d of list ?? []) {
              if (d.bdf === undefined && isStrayWord(d)) continue;
              add(d, host);
              devices(d.children);
            }
          };
          for (const m of el.members ?? []) {
            if (isIommu(m)) add(m, host);
            else if (isPciDevice(m)) devices([m]);
          }
        } else if (isVm(el)) for (const p of el.props ?? []) if (isHwptDecl(p)) add(p, el.name);
      }
    }
    return out;
  }
}

/** Langium's document symbols with a {@link detailOf detail} on each. */
export class IommuDocumentSymbolProvider extends DefaultDocumentSymbolProvider {
  protected override createSymbol(document: LangiumDocument, astNode: AstNode, cstNode: CstNode, nameNode: CstNode, computedName?: string): DocumentSymbol {
    const symbol = super.createSymbol(document, astNode, cstNode, nameNode, computedName);
    const detail = detailOf(astNode);
    return detail ? { ...symbol, detail } : symbol;
  }
}

/**
 * One line that identifies a declaration (module comment's table), or undefined when there is nothing to say yet
 * (a block being typed). Reads only what the file states; of a line written twice, the last (REF005), as the simulation does.
 */
export function detailOf(node: AstNode): string | undefined {
  const join = (parts: (string | undefined)[]) => parts.filter((p): p is string => !!p).join(' · ') || undefined;
  if (isHost(node)) {
    const kernel = node.members?.findLast(isKernelSetting)?.version;
    return join([kernel ? `kernel ${kernel}` : undefined, node.members?.findLast(isArchSetting)?.arch]);
  }
  if (isIommu(node)) return node.props?.findLast(isIommuDriverProp)?.driver || undefined;
  if (isPciDevice(node)) return join([[node.kind, node.bdf].filter(Boolean).join(' ') || undefined]);
  if (isVm(node)) return join([node.host?.$refText ? `on ${node.host.$refText}` : undefined, node.props?.findLast(isVmmProp)?.vmm, node.props?.findLast(isBackendProp)?.backend]);
  if (isHwptDecl(node)) {
    const names = (node.devices ?? []).map((d) => d.$refText).filter(Boolean);
    return names.length ? `attach ${names.join(', ')}` : undefined;
  }
  return undefined;
}
