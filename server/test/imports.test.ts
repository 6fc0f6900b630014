import { EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import { describe, expect, it } from 'vitest';
import { createIommuServices } from '../src/language/iommu-module.js';
import { message } from './helpers.js';

const HOST = 'host ws {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n';

/** A workspace of `files` (name → text) under file:///ws/, all built with validation. */
async function workspace(files: Record<string, string>) {
  const s = createIommuServices(EmptyFileSystem);
  const docs: Record<string, LangiumDocument> = {};
  for (const [name, text] of Object.entries(files)) {
    docs[name] = s.shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(`file:///ws/${name}`));
    s.shared.workspace.LangiumDocuments.addDocument(docs[name]);
  }
  await s.shared.workspace.DocumentBuilder.build(Object.values(docs), { validation: true });
  return { s, docs };
}

describe('import paths', () => {
  const VM = 'import "hosts/ws.iommu"\n\nvm v on ws {\n    assign gpu\n}\n';

  it('a document link on the path, to the imported file', async () => {
    const { s, docs } = await workspace({ 'hosts/ws.iommu': HOST, 'vm.iommu': VM });
    const links = await s.Iommu.lsp.DocumentLinkProvider!.getDocumentLinks(docs['vm.iommu'], { textDocument: { uri: docs['vm.iommu'].uri.toString() } });
    expect(links).toEqual([{ range: { start: { line: 0, character: 7 }, end: { line: 0, character: 23 } }, target: 'file:///ws/hosts/ws.iommu', tooltip: 'Open ws.iommu' }]);
  });

  it('go to definition on the path opens the imported file; on a reference it still goes to the declaration', async () => {
    const { s, docs } = await workspace({ 'hosts/ws.iommu': HOST, 'vm.iommu': VM });
    const vm = docs['vm.iommu'];
    const def = (line: number, character: number) => s.Iommu.lsp.DefinitionProvider!.getDefinition(vm, { textDocument: { uri: vm.uri.toString() }, position: { line, character } });
    expect((await def(0, 12))?.map((l) => l.targetUri)).toEqual(['file:///ws/hosts/ws.iommu']);
    const toGpu = await def(3, 12);
    expect(toGpu?.map((l) => [l.targetUri, l.targetSelectionRange.start.line])).toEqual([['file:///ws/hosts/ws.iommu', 2]]);
    // on `import` itself: nothing
    expect(await def(0, 2)).toBeUndefined();
  });

  it('IMP001 suggests the closest file the workspace has, and its fix replaces the path', async () => {
    const { s, docs } = await workspace({ 'hosts/ws.iommu': HOST, 'vm.iommu': VM.replace('hosts/ws.iommu', 'host/ws.iommu') });
    const vm = docs['vm.iommu'];
    const d = (vm.diagnostics ?? []).find((x) => x.code === 'IMP001')!;
    expect(message(d)).toBe("cannot find imported file 'host/ws.iommu' (resolved to /ws/host/ws.iommu); did you mean 'hosts/ws.iommu'?");
    const actions = (await s.Iommu.lsp.CodeActionProvider!.getCodeActions(vm, { textDocument: { uri: vm.uri.toString() }, range: d.range, context: { diagnostics: [d] } })) ?? [];
    const fix = actions.find((a) => 'edit' in a && a.edit) as { edit: { changes: Record<string, { newText: string }[]> } } | undefined;
    expect(fix?.edit.changes[vm.uri.toString()].map((e) => e.newText)).toEqual(['"hosts/ws.iommu"']);
    // the title quotes the path once (the string's own quotes)
    expect((fix as { title?: string } | undefined)?.title).toBe('Change to "hosts/ws.iommu"');
  });

  it('IMP001 without a close file suggests nothing', async () => {
    const { docs } = await workspace({ 'hosts/ws.iommu': HOST, 'vm.iommu': VM.replace('hosts/ws.iommu', 'elsewhere/other-machine.iommu') });
    const d = (docs['vm.iommu'].diagnostics ?? []).find((x) => x.code === 'IMP001')!;
    expect(message(d)).toBe("cannot find imported file 'elsewhere/other-machine.iommu' (resolved to /ws/elsewhere/other-machine.iommu)");
    expect((d.data as { replacement?: string }).replacement).toBeUndefined();
  });
});

describe('completion of import paths', () => {
  const labels = async (s: ReturnType<typeof createIommuServices>, doc: LangiumDocument, line: number, character: number) =>
    (await s.Iommu.lsp.CompletionProvider!.getCompletion(doc, { textDocument: { uri: doc.uri.toString() }, position: { line, character } }))?.items ?? [];
  it('inside the quotes: the workspace\'s other topology files, relative to this one, replacing what is between the quotes', async () => {
    const { s, docs } = await workspace({ 'hosts/ws.iommu': HOST, 'hosts/lab.iommu': HOST.replace('ws', 'lab'), 'vms/v.iommu': 'import "ho"\n' });
    const items = await labels(s, docs['vms/v.iommu'], 0, 10);
    expect(items.map((i) => i.label)).toEqual(['../hosts/lab.iommu', '../hosts/ws.iommu']);
    expect(items[0].textEdit).toEqual({ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 10 } }, newText: '../hosts/lab.iommu' });
  });
  it('inside an unclosed `import "…` (no closing quote yet): the same files, replacing what is typed', async () => {
    const { s, docs } = await workspace({ 'hosts/ws.iommu': HOST, 'vms/v.iommu': 'import "../ho\n\nvm v on ws {\n}\n' });
    const items = await labels(s, docs['vms/v.iommu'], 0, 13);
    expect(items.map((i) => i.label)).toEqual(['../hosts/ws.iommu']);
    expect(items[0].textEdit).toEqual({ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 13 } }, newText: '../hosts/ws.iommu' });
  });
  it('after `import`: the same files, quoted; a file imported already is not offered again', async () => {
    const { s, docs } = await workspace({ 'ws.iommu': HOST, 'lab.iommu': HOST.replace('ws', 'lab'), 'v.iommu': 'import "ws.iommu"\nimport \n' });
    expect((await labels(s, docs['v.iommu'], 1, 7)).map((i) => i.label)).toEqual(['"lab.iommu"']);
    // by the file an import resolves to, whatever its spelling
    const other = await workspace({ 'ws.iommu': HOST, 'lab.iommu': HOST.replace('ws', 'lab'), 'n.iommu': HOST.replace('ws', 'n'), 'v.iommu': 'import "./ws.iommu"\nimport "sub/../lab.iommu"\nimport \n' });
    expect((await labels(other.s, other.docs['v.iommu'], 2, 7)).map((i) => i.label)).toEqual(['"n.iommu"']);
  });
});
