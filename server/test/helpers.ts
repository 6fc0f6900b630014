import { EmptyFileSystem, type LangiumDocument } from 'langium';
import { clearDocuments, parseHelper } from 'langium/test';
import type { Diagnostic } from 'vscode-languageserver-types';
import '../src/polyfill.js';
import type { Document } from '../src/language/generated/ast.js';
import { createIommuServices } from '../src/language/iommu-module.js';

/** Fresh in-memory services (no file system, no connection). */
export function createTestServices() {
  const services = createIommuServices(EmptyFileSystem);
  const parse = parseHelper<Document>(services.Iommu);
  return {
    ...services,
    parse,
    /** Parse and validate `text` as `uri` (default a unique in-memory file). */
    async validate(text: string, uri?: string): Promise<LangiumDocument<Document>> {
      return parse(text, { validation: true, documentUri: uri });
    },
    async clear() {
      await clearDocuments(services.shared);
    },
  };
}

export const codes = (doc: LangiumDocument) => (doc.diagnostics ?? []).map((d) => String(d.code ?? (d.data as { code?: string })?.code));

export const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

export function diagnosticsWithCode(doc: LangiumDocument, code: string): Diagnostic[] {
  return (doc.diagnostics ?? []).filter((d) => d.code === code);
}
