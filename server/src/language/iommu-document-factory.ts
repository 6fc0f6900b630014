/**
 * Langium's document factory, with one change: a document whose editor was closed and whose file cannot be read
 * keeps its last text instead of failing the build.
 *
 * When a document changes, Langium re-reads it from the editor (TextDocuments) or, once the editor has closed it,
 * from the file system. A `didChange` whose rebuild runs after the `didClose` of a file that is not on disk (never
 * saved, deleted, renamed, or another URI scheme) made `readFile` reject inside the workspace lock; nothing awaits
 * that promise, so Node ended the language server with an unhandled rejection (ENOENT). The last text is what the
 * editor showed, and it is replaced as soon as the file is opened again or created.
 */
import { DefaultLangiumDocumentFactory, type AstNode, type Cancellation, type LangiumDocument } from 'langium';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export class IommuLangiumDocumentFactory extends DefaultLangiumDocumentFactory {
  protected override async getUpdatedText<T extends AstNode>(document: LangiumDocument<T>, textDocument: TextDocument | undefined, cancellationToken: Cancellation.CancellationToken): Promise<string> {
    try {
      return await super.getUpdatedText(document, textDocument, cancellationToken);
    } catch (err) {
      const last = document.parseResult?.value?.$cstNode?.root.fullText;
      if (last !== undefined) return last;
      throw err;
    }
  }
}
