import { afterEach, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-languageserver';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { LangiumDocument } from 'langium';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const SRC = `host h {
    kernel 6.12
    arch x86_64
    iommu dmar0 {
        driver intel-vtd
        caps snoop-control, interrupt-remapping
        msi x86-ir
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            driver vfio-pci
        }
        endpoint nic at 0000:01:00.1 {
            driver vfio-pci
        }
    }
}

vm v on h {
    vmm qemu
    backend iommufd-cdev
    assign gpu, 0000:01:00.1
    hwpt a {
        attach gpu
    }
}
`;

/** The text after applying a rename's edits to `doc` (edits do not overlap). */
function applied(doc: LangiumDocument, edits: { range: { start: unknown; end: unknown }; newText: string }[]): string {
  const text = doc.textDocument.getText();
  const spans = edits.map((e) => ({ from: doc.textDocument.offsetAt(e.range.start as never), to: doc.textDocument.offsetAt(e.range.end as never), text: e.newText })).sort((a, b) => b.from - a.from);
  return spans.reduce((s, e) => s.slice(0, e.from) + e.text + s.slice(e.to), text);
}

async function rename(doc: LangiumDocument, at: string, newName: string, skip = 0) {
  const offset = doc.textDocument.getText().indexOf(at) + skip;
  return t.Iommu.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset), newName });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ResponseError);
    return (e as Error).message;
  }
  throw new Error('the rename was not refused');
}

describe('rename', () => {
  it('renames the declaration and references by name, and keeps a reference written as a BDF', async () => {
    const doc = await t.validate(SRC.replace('assign gpu, 0000:01:00.1', 'assign gpu, 0000:01:00.0, nic'));
    const edit = await rename(doc, 'gpu at', 'accel');
    const text = applied(doc, edit!.changes![doc.uri.toString()]);
    expect(text).toContain('endpoint accel at 0000:01:00.0');
    expect(text).toContain('assign accel, 0000:01:00.0, nic');
    expect(text).toContain('attach accel');
    // and the renamed file still checks clean of reference errors
    const after = await t.validate(text);
    expect((after.diagnostics ?? []).filter((d) => d.code === 'REF001')).toEqual([]);
  });

  it('renaming at a BDF-spelled reference is refused with a message, not turned into the name', async () => {
    const doc = await t.validate(SRC);
    const position = doc.textDocument.positionAt(doc.textDocument.getText().indexOf('0000:01:00.1\n    hwpt') + 3);
    const message = await refusal(Promise.resolve().then(() => t.Iommu.lsp.RenameProvider!.prepareRename(doc, { textDocument: { uri: doc.uri.toString() }, position })));
    expect(message).toBe("this reference names the device by its BDF, which a rename keeps; rename 'nic' at its name");
    // at a name the range is the name
    const at = doc.textDocument.positionAt(doc.textDocument.getText().indexOf('nic at'));
    expect(await t.Iommu.lsp.RenameProvider!.prepareRename(doc, { textDocument: { uri: doc.uri.toString() }, position: at })).toEqual({ start: at, end: { line: at.line, character: at.character + 3 } });
  });

  it('refuses an invalid name, a keyword, and a name another declaration in the lookup scope has', async () => {
    const doc = await t.validate(SRC);
    expect(await refusal(rename(doc, 'gpu at', '0000:02:00.0'))).toMatch(/^'0000:02:00.0' is not a name/);
    expect(await refusal(rename(doc, 'gpu at', 'my gpu'))).toMatch(/^'my gpu' is not a name/);
    expect(await refusal(rename(doc, 'gpu at', 'endpoint'))).toBe("'endpoint' is a keyword and cannot be a name");
    // devices anywhere in the host's tree share one scope (the root port is a level up)
    expect(await refusal(rename(doc, 'gpu at', 'rp'))).toBe("device 'rp' already exists (line 9): references by name would pick one of them");
    // other kinds of declaration are other scopes: an IOMMU unit may be called like a device, a VM like a host
    expect((await rename(doc, 'iommu dmar0', 'rp', 6))!.changes![doc.uri.toString()].map((e) => e.newText)).toEqual(['rp']);
    expect((await rename(doc, 'vm v', 'h', 3))!.changes![doc.uri.toString()].map((e) => e.newText)).toEqual(['h']);
    // the same name: nothing to change
    expect(await rename(doc, 'gpu at', 'gpu')).toEqual({ changes: {} });
  });

  it('refuses a VM name another VM of the file has, and an HWPT name of the same VM', async () => {
    const doc = await t.validate(SRC + '\nvm w on h {\n    vmm qemu\n    hwpt b {\n        attach nic\n    }\n}\n');
    expect(await refusal(rename(doc, 'vm w', 'v', 3))).toBe("VM 'v' already exists (line 20): references by name would pick one of them");
    const two = await t.validate(SRC.replace('    hwpt a {', '    hwpt b {\n        attach nic\n    }\n    hwpt a {'));
    expect(await refusal(rename(two, 'hwpt a', 'b', 5))).toMatch(/^HWPT 'b' already exists \(line \d+\)/);
  });

  it('refuses a VM name a VM of another VM file on the same host has (simulated together, REF002), not one of an unrelated file', async () => {
    const host = SRC.slice(0, SRC.indexOf('\nvm v on h'));
    await t.validate(host, 'file:///renvm/host.iommu');
    const v1 = await t.validate('import "host.iommu"\n\nvm v1 on h {\n    assign gpu\n}\n', 'file:///renvm/vm1.iommu');
    await t.validate('import "host.iommu"\n\nvm v2 on h {\n    assign nic\n}\n', 'file:///renvm/vm2.iommu');
    // a host of the same name in another file, not imported: another machine
    await t.validate(host + '\nvm v3 on h {\n    assign nic\n}\n', 'file:///renvm/other.iommu');
    expect(await refusal(rename(v1, 'vm v1', 'v2', 3))).toBe("VM 'v2' already exists (vm2.iommu:3), a VM file on the same host, checked with this one as one machine: both files would report REF002");
    expect((await rename(v1, 'vm v1', 'v3', 3))!.changes![v1.uri.toString()].map((e) => e.newText)).toEqual(['v3']);
  });
  it('a param line is not a declaration: prepareRename refuses it with a message, rename, references and highlight pass it by', async () => {
    const doc = await t.validate(SRC.replace('    arch x86_64\n', '    arch x86_64\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n'));
    const text = doc.textDocument.getText();
    const uri = doc.uri.toString();
    for (const word of ['vfio_iommu_type1', 'allow_unsafe_interrupts']) {
      const position = doc.textDocument.positionAt(text.indexOf(word) + 2);
      const message = await refusal(Promise.resolve().then(() => t.Iommu.lsp.RenameProvider!.prepareRename(doc, { textDocument: { uri }, position })));
      expect(message).toBe("'vfio_iommu_type1.allow_unsafe_interrupts' is the kernel's module parameter, not a name declared here: renaming it would change what the line sets; edit the line instead");
      expect(await rename(doc, word, 'foo', 2)).toBeUndefined();
      expect(await t.Iommu.lsp.ReferencesProvider!.findReferences(doc, { textDocument: { uri }, position, context: { includeDeclaration: true } })).toEqual([]);
      expect((await t.Iommu.lsp.DocumentHighlightProvider!.getDocumentHighlight(doc, { textDocument: { uri }, position })) ?? []).toEqual([]);
    }
  });
});

describe('document symbols', () => {
  it('give each declaration a kind and a detail', async () => {
    const doc = await t.validate(SRC);
    const symbols = (await t.Iommu.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } })) as DocumentSymbol[];
    const flat = (s: DocumentSymbol[]): [string, SymbolKind, string | undefined][] => s.flatMap((x) => [[x.name, x.kind, x.detail] as [string, SymbolKind, string | undefined], ...flat(x.children ?? [])]);
    expect(flat(symbols)).toEqual([
      ['h', SymbolKind.Module, 'kernel 6.12 · x86_64'],
      ['dmar0', SymbolKind.Interface, 'intel-vtd'],
      ['rp', SymbolKind.Namespace, 'root-port 0000:00:01.0'],
      ['gpu', SymbolKind.Object, 'endpoint 0000:01:00.0'],
      ['nic', SymbolKind.Object, 'endpoint 0000:01:00.1'],
      ['v', SymbolKind.Class, 'on h · qemu · iommufd-cdev'],
      ['a', SymbolKind.Struct, 'attach gpu'],
    ]);
  });

  it('of a line written twice (REF005), the detail shows the last one, as the simulation reads it', async () => {
    const doc = await t.validate(SRC.replace('    kernel 6.12\n', '    kernel 6.1\n    kernel 6.12\n').replace('    backend iommufd-cdev\n', '    backend vfio-type1\n    backend iommufd-cdev\n'));
    const symbols = (await t.Iommu.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } })) as DocumentSymbol[];
    expect(symbols.map((x) => [x.name, x.detail])).toEqual([
      ['h', 'kernel 6.12 · x86_64'],
      ['v', 'on h · qemu · iommufd-cdev'],
    ]);
  });

  it('leave out param lines (settings, not declarations), like kernel and cmdline lines', async () => {
    const doc = await t.validate(SRC.replace('    arch x86_64\n', '    arch x86_64\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n'));
    const symbols = (await t.Iommu.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } })) as DocumentSymbol[];
    expect(symbols[0].children?.map((x) => x.name)).toEqual(['dmar0', 'rp']);
  });

  it('a block being typed gets a symbol without a detail, and no throw', async () => {
    const doc = await t.validate('host h {\n    endpoint gpu at\n');
    const symbols = (await t.Iommu.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } })) as DocumentSymbol[];
    expect(symbols[0]).toMatchObject({ name: 'h', kind: SymbolKind.Module });
    expect(symbols[0].detail).toBeUndefined();
  });
});

describe('workspace symbols', () => {
  const names = (list: { name: string; kind: SymbolKind; containerName?: string; location: unknown }[]) => list.map((x) => [x.name, x.kind, x.containerName]);
  it('find hosts and VMs, and the IOMMU units, devices (the whole tree) and HWPTs in them, with their container', async () => {
    const doc = await t.validate(SRC, 'file:///wsym/a.iommu');
    const provider = t.shared.lsp.WorkspaceSymbolProvider!;
    const all = await provider.getSymbols({ query: '' });
    expect(names(all as never)).toEqual([
      ['h', SymbolKind.Module, undefined],
      ['v', SymbolKind.Class, undefined],
      ['dmar0', SymbolKind.Interface, 'h'],
      ['rp', SymbolKind.Namespace, 'h'],
      ['gpu', SymbolKind.Object, 'h'],
      ['nic', SymbolKind.Object, 'h'],
      ['a', SymbolKind.Struct, 'v'],
    ]);
    // a location at the name
    const gpu = (await provider.getSymbols({ query: 'gpu' })).find((x) => x.name === 'gpu')!;
    expect(gpu.location).toEqual({ uri: doc.uri.toString(), range: { start: { line: 10, character: 17 }, end: { line: 10, character: 20 } } });
    expect((await provider.getSymbols({ query: 'dmar' })).map((x) => x.name)).toEqual(['dmar0']);
  });
  it('leave out a stray word (a mistyped property the parser took as a device) and never throw on a block being typed', async () => {
    await t.validate('host h {\n    endpoint gpu at 0000:01:00.0 {\n        drivr vfio-pci\n    }\n    endpoint nic at\n', 'file:///wsym/b.iommu');
    const got = await t.shared.lsp.WorkspaceSymbolProvider!.getSymbols({ query: '' });
    expect(got.map((x) => x.name)).not.toContain('vfio-pci');
    expect(got.map((x) => x.name)).toContain('gpu');
  });
});
