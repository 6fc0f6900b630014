/**
 * Langium's document update handler, with the failure of a rebuild reported instead of ending the server.
 * Langium queues each editor change as a workspace-lock write and does not handle the promise it returns, so any
 * exception in a build (a file that cannot be read, a bug) was an unhandled rejection, which stops Node. Here it is
 * logged (the client's output channel shows stderr) and the server keeps answering; the next change rebuilds.
 */
import type { URI } from 'langium';
import { DefaultDocumentUpdateHandler } from 'langium/lsp';

export class IommuDocumentUpdateHandler extends DefaultDocumentUpdateHandler {
  protected override fireDocumentUpdate(changed: URI[], deleted: URI[]): void {
    this.workspaceManager.ready
      .then(() => this.workspaceLock.write((token) => this.documentBuilder.update(changed, deleted, token)))
      .catch((err: unknown) => console.error('iommu-topology: document update failed:', err instanceof Error ? (err.stack ?? err.message) : err));
  }
}
