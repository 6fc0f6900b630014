/**
 * `iommu-topo fmt`: format topology files with the language server's formatter. Without `--check` files are
 * rewritten in place; with `--check` nothing is written and the exit code says whether any file would
 * change. Files with syntax errors cannot be formatted (Langium returns no edits): they are reported and
 * give exit code 2, with their first syntax error as `iommu-topo check` words it.
 *
 * The result is what the language server's formatting gives an editor (`IommuFormatter`): one line break at the end
 * (CRLF in a CRLF file), no trailing blanks outside string literals, a file of only whitespace emptied, a UTF-8 byte
 * order mark at the start kept.
 */
import * as fs from 'node:fs';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic } from 'vscode-languageserver-types';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createIommuServices } from '../language/iommu-module.js';
import { byPosition, displayPath, InputError } from './check.js';
import { fsErrorLine } from './fs-errors.js';

export interface FmtResult {
  path: string;
  status: 'unchanged' | 'changed' | 'syntax-error';
  formatted?: string;
  /** For `syntax-error`: the first lexer or parser error by position, as `iommu-topo check` reports it. */
  firstError?: Diagnostic;
}

/**
 * Format each file; never writes. Throws InputError (`<path>: cannot read: <reason>`) on an unreadable file.
 */
export async function formatFiles(files: string[], cwd = process.cwd()): Promise<FmtResult[]> {
  const { shared, Iommu } = createIommuServices(NodeFileSystem);
  const out: FmtResult[] = [];
  for (const file of files) {
    let doc;
    try {
      doc = await shared.workspace.LangiumDocuments.getOrCreateDocument(URI.file(file));
    } catch (e) {
      throw new InputError(fsErrorLine(displayPath(cwd, file), e));
    }
    const { lexerErrors, parserErrors } = doc.parseResult;
    if (lexerErrors.length || parserErrors.length) {
      // the validator's built-in part only: the lexer and parser errors in the words `check` uses, no simulation
      const diagnostics = await Iommu.validation.DocumentValidator.validateDocument(doc, { categories: ['built-in'] });
      out.push({ path: file, status: 'syntax-error', firstError: byPosition(diagnostics)[0] });
      continue;
    }
    const text = doc.textDocument.getText();
    // every rule (final line break, trailing blanks, the byte order mark) is the formatter's, as in an editor
    const edits = (await Iommu.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.uri.toString() }, options: { tabSize: 4, insertSpaces: true } })) ?? [];
    const formatted = TextDocument.applyEdits(TextDocument.create(doc.uri.toString(), 'iommu', 0, text), edits);
    out.push({ path: file, status: formatted === text ? 'unchanged' : 'changed', formatted });
  }
  return out;
}

/**
 * Write the changed files. A file that cannot be written does not stop the others: the result is the paths not
 * written, each with its one-line message (`<path>: cannot write: <reason>`, the path as the reports show it).
 */
export function writeFormatted(results: FmtResult[], cwd = process.cwd()): Map<string, string> {
  const failed = new Map<string, string>();
  for (const r of results) {
    if (r.status !== 'changed' || r.formatted === undefined) continue;
    try {
      fs.writeFileSync(r.path, r.formatted);
    } catch (e) {
      failed.set(r.path, fsErrorLine(displayPath(cwd, r.path), e, 'write'));
    }
  }
  return failed;
}
