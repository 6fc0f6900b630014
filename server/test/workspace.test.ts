import { EmptyFileSystem, URI } from 'langium';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIommuServices } from '../src/language/iommu-module.js';

const TEXT = 'host h {\n    kernel 6.12\n    endpoint x at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n';

describe('workspace robustness', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a document whose editor closed and whose file cannot be read keeps its last text when rebuilt', async () => {
    // EmptyFileSystem: every readFile fails, as for a file never saved, deleted, or of another URI scheme
    const s = createIommuServices(EmptyFileSystem);
    const uri = URI.parse('file:///nowhere/closed.iommu');
    const doc = s.shared.workspace.LangiumDocumentFactory.fromString(TEXT, uri);
    s.shared.workspace.LangiumDocuments.addDocument(doc);
    await s.shared.workspace.DocumentBuilder.build([doc], { validation: true });
    // a change queued before the close is rebuilt after it: no editor copy, so Langium goes to the file system
    await s.shared.workspace.DocumentBuilder.update([uri], []);
    const again = s.shared.workspace.LangiumDocuments.getDocument(uri)!;
    expect(again.textDocument.getText()).toBe(TEXT);
    expect(again.parseResult.lexerErrors).toEqual([]);
  });

  it('a new document that cannot be read still fails to load (nothing to fall back on)', async () => {
    const s = createIommuServices(EmptyFileSystem);
    await expect(s.shared.workspace.LangiumDocuments.getOrCreateDocument(URI.parse('file:///nowhere/new.iommu'))).rejects.toThrow();
  });

  describe('closing an editor makes the disk the truth again', () => {
    async function openDoc(text = TEXT) {
      const s = createIommuServices(EmptyFileSystem);
      await s.shared.workspace.WorkspaceManager.initializeWorkspace([]);
      const uri = URI.parse('file:///ws/host.iommu');
      const doc = s.shared.workspace.LangiumDocumentFactory.fromString(text, uri);
      s.shared.workspace.LangiumDocuments.addDocument(doc);
      await s.shared.workspace.DocumentBuilder.build([doc], { validation: true });
      const close = () => s.shared.lsp.DocumentUpdateHandler.didCloseDocument!({ document: { uri: uri.toString() } } as never);
      return { s, uri, close };
    }

    it('a file that does not exist (never saved, deleted) is removed from the workspace', async () => {
      const { s, uri, close } = await openDoc();
      close();
      await vi.waitFor(() => expect(s.shared.workspace.LangiumDocuments.hasDocument(uri)).toBe(false));
    });

    it('a file on disk is re-read: edits discarded without saving no longer count', async () => {
      const { s, uri, close } = await openDoc(TEXT.replace('6.12', '6.1'));
      const disk = TEXT;
      vi.spyOn(s.shared.workspace.FileSystemProvider, 'exists').mockResolvedValue(true);
      vi.spyOn(s.shared.workspace.FileSystemProvider, 'readFile').mockResolvedValue(disk);
      close();
      await vi.waitFor(() => expect(s.shared.workspace.LangiumDocuments.getDocument(uri)?.textDocument.getText()).toBe(disk));
    });

    it('a document opened again while the check ran is left to the editor', async () => {
      const { s, uri, close } = await openDoc();
      let answer!: (v: boolean) => void;
      vi.spyOn(s.shared.workspace.FileSystemProvider, 'exists').mockReturnValue(new Promise<boolean>((r) => (answer = r)));
      const update = vi.spyOn(s.shared.workspace.DocumentBuilder, 'update');
      close();
      vi.spyOn(s.shared.workspace.TextDocuments, 'get').mockReturnValue({} as never); // didOpen arrived meanwhile
      answer(false);
      await new Promise((r) => setTimeout(r, 50));
      expect(update).not.toHaveBeenCalled();
      expect(s.shared.workspace.LangiumDocuments.hasDocument(uri)).toBe(true);
    });
  });

  it('a rebuild that throws is logged, not an unhandled rejection that would end the server', async () => {
    const s = createIommuServices(EmptyFileSystem);
    await s.shared.workspace.WorkspaceManager.initializeWorkspace([]); // what `initialized` does in a server
    const logged: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void logged.push(a));
    vi.spyOn(s.shared.workspace.DocumentBuilder, 'update').mockRejectedValue(new Error('boom'));
    s.shared.lsp.DocumentUpdateHandler.didChangeContent!({ document: { uri: 'file:///x.iommu' } } as never);
    await vi.waitFor(() => expect(logged.length).toBe(1));
    expect(String(logged[0][0])).toContain('document update failed');
    expect(String(logged[0][1])).toContain('boom');
  });
});
