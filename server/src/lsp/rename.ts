/**
 * Rename (`textDocument/rename`, `textDocument/prepareRename`) for hosts, IOMMU units, PCI devices, VMs and HWPTs.
 *
 * Langium's default replaces every reference's text with the new name and accepts any string. Here:
 * - a reference that spells a device by its BDF (`assign 0000:65:00.0`) keeps its text: it still resolves after the
 *   rename, and a BDF is what the user chose to write there;
 * - the new name must be a name the grammar takes (the `ID` terminal, not a keyword) and must not be taken by another
 *   declaration where references look the name up (REF002's scopes: the devices of a host's whole tree, the units of
 *   a host, the hosts visible from the file, the VMs of the file and of the VM files simulated with it (on the same
 *   host), the HWPTs of a VM). A refused rename is a `ResponseError` (`RequestFailed`) whose message says why;
 *   VS Code shows it in place of the rename box.
 */
import { AstUtils, CstUtils, GrammarUtils, type MaybePromise, type AstNode, type CstNode, type LangiumDocument } from 'langium';
import { DefaultRenameProvider, type LangiumServices } from 'langium/lsp';
import { LSPErrorCodes, ResponseError, type PrepareRenameParams, type RenameParams, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Range } from 'vscode-languageserver-types';
import { isHost, isHwptDecl, isIommu, isModuleParam, isPciDevice, isVm, type Host } from '../language/generated/ast.js';
import { importClosure, simulatedTogether, type IommuScopeProvider } from '../language/iommu-scope.js';
import { walkAst } from '../language/ast-walk.js';
import { wordKeywords } from '../language/keywords.js';

/** The grammar's `ID` terminal, whole. */
const NAME = /^[_a-zA-Z][\w-]*$/;
/** What the lexer takes as a BDF (`BDF` terminal): a reference written this way is not a name. */
const BDF_TEXT = /^[0-9a-fA-F]+:[0-9a-fA-F]+(:[0-9a-fA-F]+)?\.[0-9a-zA-Z]+$/;

type Named = AstNode & { name?: string };

export class IommuRenameProvider extends DefaultRenameProvider {
  private readonly keywords: ReadonlySet<string>;
  private readonly services: LangiumServices;

  constructor(services: LangiumServices) {
    super(services);
    this.services = services;
    this.keywords = wordKeywords(services.Grammar);
  }

  /**
   * The range to rename at `params.position`: a declaration's name or a reference by name. A reference written as a
   * BDF is refused with a message (renaming there would replace the BDF), and so is the name of a `param` line (the
   * kernel's, not a declaration: {@link ../language/iommu-name-provider.ts}); anything else gives `undefined`.
   * @throws ResponseError (`RequestFailed`) on a BDF-spelled reference or a module parameter's name.
   */
  override prepareRename(document: LangiumDocument, params: PrepareRenameParams): MaybePromise<Range | undefined> {
    const leaf = this.leafAt(document, params.position);
    const param = leaf && isModuleParam(leaf.astNode) ? leaf.astNode : undefined;
    const paramName = param && GrammarUtils.findNodeForProperty(param.$cstNode, 'name');
    if (leaf && paramName && (leaf === paramName || CstUtils.isChildNode(leaf, paramName)))
      throw new ResponseError(LSPErrorCodes.RequestFailed, `'${param.name ?? leaf.text}' is the kernel's module parameter, not a name declared here: renaming it would change what the line sets; edit the line instead`);
    if (leaf && BDF_TEXT.test(leaf.text) && this.references.findDeclarations(leaf).length > 0) {
      const target = this.references.findDeclarations(leaf)[0] as Named;
      throw new ResponseError(LSPErrorCodes.RequestFailed, `this reference names the device by its BDF, which a rename keeps; rename '${target.name ?? '?'}' at its name`);
    }
    return super.prepareRename(document, params);
  }

  /**
   * The edits of renaming the declaration at (or referenced at) `params.position` to `params.newName`: the
   * declaration's name and every reference by name, in every document; references by BDF are left alone.
   * @returns undefined when nothing renameable is at the position; an empty edit when the name does not change.
   * @throws ResponseError (`RequestFailed`) when the new name is not a valid name, is a keyword, or is taken in the
   * declaration's lookup scope.
   */
  override async rename(document: LangiumDocument, params: RenameParams): Promise<WorkspaceEdit | undefined> {
    const leaf = this.leafAt(document, params.position);
    if (!leaf) return undefined;
    const target = this.references.findDeclarations(leaf)[0] as Named | undefined;
    if (!target) return undefined;
    const newName = params.newName.trim();
    if (newName === target.name) return { changes: {} };
    if (!NAME.test(newName)) throw refuse(`'${newName}' is not a name: names start with a letter or '_' and hold only letters, digits, '_' and '-'`);
    if (this.keywords.has(newName)) throw refuse(`'${newName}' is a keyword and cannot be a name`);
    const clash = this.peers(target).find((n) => n !== target && n.name === newName);
    if (clash && isVm(clash) && AstUtils.getDocument(clash) !== AstUtils.getDocument(target))
      throw refuse(`VM '${newName}' already exists${where(clash, document)}, a VM file on the same host, checked with this one as one machine: both files would report REF002`);
    if (clash) throw refuse(`${what(target)} '${newName}' already exists${where(clash, document)}: references by name would pick one of them`);
    const changes: Record<string, TextEdit[]> = {};
    const docs = this.services.shared.workspace.LangiumDocuments;
    for (const ref of this.references.findReferences(target, { includeDeclaration: true })) {
      const text = docs.getDocument(ref.sourceUri)?.textDocument.getText(ref.segment.range);
      if (text !== undefined && BDF_TEXT.test(text)) continue;
      (changes[ref.sourceUri.toString()] ??= []).push({ range: ref.segment.range, newText: newName });
    }
    return { changes };
  }

  private leafAt(document: LangiumDocument, position: { line: number; character: number }): CstNode | undefined {
    const root = document.parseResult.value.$cstNode;
    if (!root) return undefined;
    return CstUtils.findDeclarationNodeAtOffset(root, document.textDocument.offsetAt(position), this.grammarConfig.nameRegexp);
  }

  /** The declarations whose names references to `target` are looked up among (REF002's scopes). */
  private peers(target: Named): Named[] {
    if (isPciDevice(target)) {
      const host = AstUtils.getContainerOfType(target, isHost);
      const out: Named[] = [];
      if (host) walkAst(host, (n) => (isPciDevice(n) && out.push(n), true));
      return out;
    }
    if (isIommu(target)) return (AstUtils.getContainerOfType(target, isHost)?.members ?? []).filter(isIommu);
    if (isHwptDecl(target)) return (AstUtils.getContainerOfType(target, isVm)?.props ?? []).filter(isHwptDecl);
    const doc = AstUtils.getDocument(target);
    if (isVm(target)) {
      // the VMs of the file and of the files simulated with it (VM files on the same host: one machine, REF002)
      // (worked out afresh: a document's cached simulation may predate a VM file added since)
      const all = this.services.shared.workspace.LangiumDocuments;
      const docs = simulatedTogether(importClosure(doc, all), all);
      if (!docs.includes(doc)) docs.unshift(doc);
      return docs.flatMap((d) => (d.parseResult?.value as { elements?: AstNode[] } | undefined)?.elements?.filter(isVm) ?? []);
    }
    if (isHost(target)) {
      // every document that can see this host (it, and files that import it) must keep host names unique
      const out = new Set<Host>();
      const scopes = this.services.references.ScopeProvider as IommuScopeProvider;
      for (const d of this.services.shared.workspace.LangiumDocuments.all) {
        const hosts = typeof scopes.visibleHosts === 'function' ? scopes.visibleHosts(d) : [];
        if (hosts.includes(target)) for (const h of hosts) out.add(h);
      }
      return [...out];
    }
    return [];
  }
}

function refuse(message: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, message);
}

function what(n: AstNode): string {
  return isPciDevice(n) ? 'device' : isIommu(n) ? 'IOMMU' : isHost(n) ? 'host' : isVm(n) ? 'VM' : isHwptDecl(n) ? 'HWPT' : 'element';
}

function where(n: AstNode, from: LangiumDocument): string {
  const doc = AstUtils.getDocument(n);
  const line = n.$cstNode ? n.$cstNode.range.start.line + 1 : 0;
  return doc === from ? ` (line ${line})` : ` (${doc.uri.path.split('/').pop()}:${line})`;
}
