/**
 * Extends Langium's affected-document computation with `import`: a document is affected by a change to any
 * document it imports (transitively), even when it has no cross-reference into it (e.g. a VM without `on`), and by a
 * change to a document that shares a host with it (two VM files importing one host file are simulated together,
 * `simulatedTogether`), or to one that was deleted while it imports a host.
 */
import { DefaultIndexManager, type LangiumDocument } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import { hostFilesOf, importClosure, sharesHost } from './iommu-scope.js';

export class IommuIndexManager extends DefaultIndexManager {
  private readonly sharedServices: LangiumSharedCoreServices;

  constructor(services: LangiumSharedCoreServices) {
    super(services);
    this.sharedServices = services;
  }

  override isAffected(document: LangiumDocument, changedUris: Set<string>): boolean {
    if (super.isAffected(document, changedUris)) return true;
    const documents = this.sharedServices.workspace.LangiumDocuments;
    const closure = importClosure(document, documents);
    if (closure.slice(1).some((d) => changedUris.has(d.uri.toString()))) return true;
    const own = document.uri.toString();
    const hostDocs = hostFilesOf(closure);
    if (!hostDocs.size) return false;
    // an editor's copy of a changed document: it may import a host it did not before (the parse is still the old one)
    const texts = (this.sharedServices.workspace as { TextDocuments?: { get(uri: string): { getText(): string } | undefined } }).TextDocuments;
    for (const uri of changedUris) if (uri !== own && sharesHost(hostDocs, uri, documents, texts?.get(uri)?.getText())) return true;
    return false;
  }
}

