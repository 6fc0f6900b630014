/**
 * Langium's document update handler, with two changes:
 * - The failure of a rebuild is reported instead of ending the server. Langium queues each editor change as a
 *   workspace-lock write and does not handle the promise it returns, so any exception in a build (a file that
 *   cannot be read, a bug) was an unhandled rejection, which stops Node. Here it is logged (the client's output
 *   channel shows stderr) and the server keeps answering; the next change rebuilds.
 * - Closing an editor makes the file on disk the truth again, as in other language servers: the document is
 *   re-read from disk (edits discarded without saving no longer linger in its diagnostics), or removed when there
 *   is no such file (never saved, deleted), so it stops being simulated and files importing it say so (IMP001).
 *   Langium by default keeps the editor's last text for ever.
 */
import { URI, type FileSystemProvider } from 'langium';
import { DefaultDocumentUpdateHandler, type LangiumSharedServices } from 'langium/lsp';
import type { TextDocumentChangeEvent } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export class IommuDocumentUpdateHandler extends DefaultDocumentUpdateHandler {
  private readonly fileSystem: FileSystemProvider;
  private readonly textDocuments: LangiumSharedServices['workspace']['TextDocuments'];

  constructor(services: LangiumSharedServices) {
    super(services);
    this.fileSystem = services.workspace.FileSystemProvider;
    this.textDocuments = services.workspace.TextDocuments;
  }

  protected override fireDocumentUpdate(changed: URI[], deleted: URI[]): void {
    this.workspaceManager.ready
      .then(() => this.workspaceLock.write((token) => this.documentBuilder.update(changed, deleted, token)))
      .catch((err: unknown) => console.error('iommu-topology: document update failed:', err instanceof Error ? (err.stack ?? err.message) : err));
  }

  /** Re-read the closed document from disk, or remove it when the file does not exist (unless reopened meanwhile). */
  didCloseDocument(event: TextDocumentChangeEvent<TextDocument>): void {
    const uri = URI.parse(event.document.uri);
    this.fileSystem.exists(uri).then(
      (exists) => this.afterClose(uri, exists),
      () => this.afterClose(uri, false),
    );
  }

  private afterClose(uri: URI, exists: boolean): void {
    if (this.textDocuments.get(uri.toString())) return; // opened again while the check ran: the editor owns it
    if (exists) this.fireDocumentUpdate([uri], []);
    else this.fireDocumentUpdate([], [uri]);
  }
}
