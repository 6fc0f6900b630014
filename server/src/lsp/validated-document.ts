/**
 * The document a custom request (`iommu/groups`, `iommu/kernelUpgrade`) names, once it is validated, so the answer
 * matches the diagnostics the editor shows.
 */
import { DocumentState, URI, type LangiumDocument } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { LangiumSharedServices } from 'langium/lsp';

/**
 * The validated document at `uriText` (the client's URI string), waiting for validation; undefined for a URI that does
 * not parse, a document the server does not have, or one whose validation did not finish (cancelled).
 */
export async function validatedDocument(shared: LangiumSharedServices, uriText: string, token?: CancellationToken): Promise<LangiumDocument | undefined> {
  let uri: URI;
  try {
    uri = URI.parse(uriText);
  } catch {
    return undefined;
  }
  const documents = shared.workspace.LangiumDocuments;
  if (!documents.hasDocument(uri)) return undefined;
  await shared.workspace.DocumentBuilder.waitUntil(DocumentState.Validated, uri, token);
  const doc = documents.getDocument(uri);
  return doc && doc.state >= DocumentState.Validated ? doc : undefined;
}
