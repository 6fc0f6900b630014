/**
 * `import "…"` as a link: a document link on the path (Ctrl+click opens the file) and go-to-definition from it
 * (F12 / Ctrl+click in editors that use definitions, e.g. neovim). Only a path that resolves to a topology file the
 * workspace has gets either; a missing one is IMP001.
 */
import type { LangiumDocument } from 'langium';
import { DefaultDefinitionProvider, type DocumentLinkProvider, type LangiumServices } from 'langium/lsp';
import type { DefinitionParams, DocumentLink, DocumentLinkParams, LocationLink } from 'vscode-languageserver';
import type { Range } from 'vscode-languageserver-types';
import { isDocument, type Import } from '../language/generated/ast.js';
import { resolveImportUri } from '../language/iommu-scope.js';
import { findPropertyCst } from '../language/cst-lookup.js';

/** The imports of `document` that name a loaded document: the import, its target and the path's range (quotes included). */
function resolvedImports(document: LangiumDocument, services: LangiumServices): { imp: Import; target: LangiumDocument; range: Range }[] {
  const root = document.parseResult.value;
  if (!isDocument(root)) return [];
  const docs = services.shared.workspace.LangiumDocuments;
  const out: { imp: Import; target: LangiumDocument; range: Range }[] = [];
  for (const imp of root.imports ?? []) {
    if (!imp.path || !imp.$cstNode) continue;
    const target = docs.getDocument(resolveImportUri(document, imp.path));
    if (!target || target === document) continue;
    const path = findPropertyCst(imp.$cstNode, 'path');
    if (path) out.push({ imp, target, range: path.range });
  }
  return out;
}

/** Document links on import paths, to the imported file. */
export class IommuDocumentLinkProvider implements DocumentLinkProvider {
  constructor(private readonly services: LangiumServices) {}

  getDocumentLinks(document: LangiumDocument, _params: DocumentLinkParams): DocumentLink[] {
    return resolvedImports(document, this.services).map(({ target, range }) => ({ range, target: target.uri.toString(), tooltip: `Open ${target.uri.path.split('/').pop()}` }));
  }
}

/** Langium's go-to-definition, plus: on an import path, the imported file (its first line). */
export class IommuDefinitionProvider extends DefaultDefinitionProvider {
  private readonly services: LangiumServices;

  constructor(services: LangiumServices) {
    super(services);
    this.services = services;
  }

  override async getDefinition(document: LangiumDocument, params: DefinitionParams): Promise<LocationLink[] | undefined> {
    const p = params.position;
    const inside = (r: Range) => (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) && (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));
    const hit = resolvedImports(document, this.services).find(({ range }) => inside(range));
    if (hit) {
      const start = { line: 0, character: 0 };
      return [{ originSelectionRange: hit.range, targetUri: hit.target.uri.toString(), targetRange: { start, end: start }, targetSelectionRange: { start, end: start } }];
    }
    return super.getDefinition(document, params);
  }
}
