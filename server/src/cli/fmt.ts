/**
 * `iommu-topo fmt`: format topology files with the language server's formatter. Without `--check` files are
 * rewritten in place; with `--check` nothing is written and the exit code says whether any file would
 * change. Files with syntax errors cannot be formatted (Langium returns no edits): they are reported and
 * give exit code 2.
 */
import * as fs from 'node:fs';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createIommuServices } from '../language/iommu-module.js';

export interface FmtResult {
  path: string;
  status: 'unchanged' | 'changed' | 'syntax-error';
  formatted?: string;
  firstError?: string;
}

/** Format each file; never writes. Throws only on unreadable files. */
export async function formatFiles(files: string[]): Promise<FmtResult[]> {
  const { shared, Iommu } = createIommuServices(NodeFileSystem);
  const out: FmtResult[] = [];
  for (const file of files) {
    const doc = await shared.workspace.LangiumDocuments.getOrCreateDocument(URI.file(file));
    const { lexerErrors, parserErrors } = doc.parseResult;
    if (lexerErrors.length || parserErrors.length) {
      const e = lexerErrors[0] ?? parserErrors[0];
      const line = 'line' in e ? e.line : (e as { token?: { startLine?: number } }).token?.startLine;
      out.push({ path: file, status: 'syntax-error', firstError: `${line ?? '?'}: ${e.message}` });
      continue;
    }
    const edits = (await Iommu.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.uri.toString() }, options: { tabSize: 4, insertSpaces: true } })) ?? [];
    const text = doc.textDocument.getText();
    let formatted = TextDocument.applyEdits(TextDocument.create(doc.uri.toString(), 'iommu', 0, text), edits);
    formatted = formatted.replace(/[ \t]+$/gm, '').replace(/\n*$/, '\n');
    out.push({ path: file, status: formatted === text ? 'unchanged' : 'changed', formatted });
  }
  return out;
}

/** Write the changed files. */
export function writeFormatted(results: FmtResult[]): void {
  for (const r of results) if (r.status === 'changed' && r.formatted !== undefined) fs.writeFileSync(r.path, r.formatted);
}
