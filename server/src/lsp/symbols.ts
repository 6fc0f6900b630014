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
 */
import type { AstNode, AstNodeDescription, CstNode, LangiumDocument } from 'langium';
import { DefaultDocumentSymbolProvider, DefaultNodeKindProvider } from 'langium/lsp';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import { isArchSetting, isBackendProp, isHost, isHwptDecl, isIommu, isIommuDriverProp, isKernelSetting, isPciDevice, isVm, isVmmProp } from '../language/generated/ast.js';

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
