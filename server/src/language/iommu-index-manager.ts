/**
 * Extends Langium's affected-document computation with `import`: a document is affected by a change to any
 * document it imports (transitively), even when it has no cross-reference into it (e.g. a VM without `on`).
 */
import { DefaultIndexManager, type LangiumDocument } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import { importClosure } from './iommu-scope.js';

export class IommuIndexManager extends DefaultIndexManager {
  private readonly sharedServices: LangiumSharedCoreServices;

  constructor(services: LangiumSharedCoreServices) {
    super(services);
    this.sharedServices = services;
  }

  override isAffected(document: LangiumDocument, changedUris: Set<string>): boolean {
    if (super.isAffected(document, changedUris)) return true;
    const closure = importClosure(document, this.sharedServices.workspace.LangiumDocuments);
    return closure.slice(1).some((d) => changedUris.has(d.uri.toString()));
  }
}

