import { TextDocument } from 'vscode-languageserver-textdocument';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCompletion, expectFindReferences, expectFormatting, expectGoToDefinition, expectSymbols, highlightHelper, expectSemanticToken } from 'langium/test';
import { SemanticTokenTypes } from 'vscode-languageserver';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const SRC = `host h {
    kernel 6.12
    iommu dmar0 {
        driver intel-vtd
        caps snoop-control, interrupt-remapping
        msi x86-ir
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint <|gpu|> at 0000:01:00.0 {
            driver vfio-pci
        }
    }
}

vm v on h {
    assign <|gpu|>
}
`;

describe('completion', () => {
  it('proposes IOMMU drivers after `driver` inside an iommu block', async () => {
    await expectCompletion(t.Iommu)({
      text: 'host h { iommu u { driver <|> } }',
      index: 0,
      assert: (list) => {
        const labels = list.items.map((i) => i.label);
        expect(labels).toEqual(expect.arrayContaining(['intel-vtd', 'amd-vi', 'arm-smmu-v3', 'virtio-iommu', 'none']));
      },
      disposeAfterCheck: true,
    });
  });

  it('proposes capability names after `caps`', async () => {
    await expectCompletion(t.Iommu)({
      text: 'host h { iommu u { driver intel-vtd caps <|> } }',
      index: 0,
      assert: (list) => expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['snoop-control', 'interrupt-remapping', 'scalable-mode'])),
      disposeAfterCheck: true,
    });
  });

  it('proposes host drivers for devices and ACS flags after `acs cap`', async () => {
    await expectCompletion(t.Iommu)({
      text: 'host h { endpoint x at 0000:01:00.0 { driver <|> } root-port r at 0000:00:01.0 { acs cap <|> } }',
      index: 0,
      assert: (list) => expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['vfio-pci', 'pci-stub', 'nvme'])),
      disposeAfterCheck: true,
    });
    await expectCompletion(t.Iommu)({
      text: 'host h { endpoint x at 0000:01:00.0 { driver <|> } root-port r at 0000:00:01.0 { acs cap <|> } }',
      index: 1,
      assert: (list) => expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['SV', 'RR', 'CR', 'UF'])),
      disposeAfterCheck: true,
    });
  });

  it('proposes declared devices of the VM host after `assign`: by name, or by BDF while one is typed', async () => {
    for (const [at, labels] of [
      ['<|>', ['nic', 'gpu']],
      ['0000:65<|>', ['0000:65:00.0']],
    ] as const) {
      await expectCompletion(t.Iommu)({
        text: `host h { endpoint nic at 0000:65:00.0 endpoint gpu at 0000:01:00.0 } vm v on h { assign ${at} }`,
        index: 0,
        assert: (list) => expect(list.items.map((i) => i.label)).toEqual(labels),
        disposeAfterCheck: true,
      });
    }
  });

  it('inside cmdline "…" proposes the command-line options the simulator reads, for the word at the cursor', async () => {
    await expectCompletion(t.Iommu)({
      text: 'host h { cmdline "quiet iom<|>" }',
      index: 0,
      assert: (list) => {
        const labels = list.items.map((i) => i.label);
        expect(labels).toEqual(['iommu=pt', 'iommu=nopt', 'iommu=off', 'iommu.passthrough=1', 'iommu.passthrough=0', 'iommu.strict=1', 'iommu.strict=0', 'iommufd.allow_unsafe_interrupts=1']);
        // the edit replaces the typed part of the word only
        expect(list.items[0].textEdit).toMatchObject({ range: { start: { line: 0, character: 24 }, end: { line: 0, character: 27 } }, newText: 'iommu=pt' });
      },
      disposeAfterCheck: true,
    });
    await expectCompletion(t.Iommu)({
      text: 'host h { cmdline "<|>" }',
      index: 0,
      assert: (list) => expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['intel_iommu=on', 'vfio_iommu_type1.allow_unsafe_interrupts=1', 'pci=config_acs='])),
      disposeAfterCheck: true,
    });
    // inside a quoted kernel value the words are that value's, not parameters; after its closing quote they are again
    await expectCompletion(t.Iommu)({
      text: 'host h { cmdline "dyndbg=\\"file x.c iom<|>" }',
      index: 0,
      assert: (list) => expect(list.items).toEqual([]),
      disposeAfterCheck: true,
    });
    await expectCompletion(t.Iommu)({
      text: 'host h { cmdline "dyndbg=\\"file x.c +p\\" iom<|>" }',
      index: 0,
      assert: (list) => expect(list.items.map((i) => i.label)).toContain('iommu=pt'),
      disposeAfterCheck: true,
    });
  });

  it('inside cmdline "…": an option the line has already is not offered again; an unclosed string gets the options too', async () => {
    const labels = async (text: string) => {
      let out: string[] = [];
      await expectCompletion(t.Iommu)({ text, index: 0, assert: (list) => (out = list.items.map((i) => i.label)), disposeAfterCheck: true });
      return out;
    };
    expect(await labels('host h { cmdline "intel_iommu=on intel<|>" }')).toEqual(['intel_iommu=off', 'intel_iommu=sm_off']);
    // the word at the cursor is the one being written: it stays offered
    expect(await labels('host h { cmdline "intel_iommu=o<|>n" }')).toEqual(['intel_iommu=on', 'intel_iommu=off']);
    // the closing quote not typed yet (the lexer reads no string): the same options, the edit replacing the word
    await expectCompletion(t.Iommu)({
      text: 'host h {\n    kernel 6.12\n    cmdline "intel_iommu=on intel<|>\n}\n',
      index: 0,
      assert: (list) => {
        expect(list.items.map((i) => i.label)).toEqual(['intel_iommu=off', 'intel_iommu=sm_off']);
        expect(list.items[0].textEdit).toMatchObject({ range: { start: { line: 2, character: 28 }, end: { line: 2, character: 33 } }, newText: 'intel_iommu=off' });
      },
      disposeAfterCheck: true,
    });
    // but not in a comment, nor after another quote on the line
    expect(await labels('host h {\n    // cmdline "intel<|>\n}\n')).toEqual([]);
  });

  it('proposes keywords for device properties', async () => {
    await expectCompletion(t.Iommu)({
      text: 'host h { endpoint x at 0000:01:00.0 { <|> } }',
      index: 0,
      assert: (list) => expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['no-snoop', 'acs', 'driver', 'multifunction', 'dma-coherent'])),
      disposeAfterCheck: true,
    });
  });
});

describe('navigation', () => {
  it('go to definition from an assignment to the device', async () => {
    await expectGoToDefinition(t.Iommu)({ text: SRC.replace('<|gpu|> at', '<|gpu|> at').replace('assign <|gpu|>', 'assign <|>gpu'), index: 0, rangeIndex: 0, disposeAfterCheck: true });
  });

  it('find references of a device includes the assignment', async () => {
    await expectFindReferences(t.Iommu)({ text: SRC, includeDeclaration: true, disposeAfterCheck: true });
  });

  it('rename a device updates its assignment', async () => {
    const doc = await t.validate(SRC.replace(/<\||\|>/g, ''));
    const offset = doc.textDocument.getText().indexOf('gpu at');
    const edit = await t.Iommu.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset), newName: 'accel' });
    const edits = edit?.changes?.[doc.uri.toString()] ?? [];
    expect(edits.map((e) => e.newText)).toEqual(['accel', 'accel']);
  });

  it('document symbols: hosts, IOMMUs, nested devices, VMs', async () => {
    await expectSymbols(t.Iommu)({
      text: SRC.replace(/<\||\|>/g, ''),
      assert: (symbols) => {
        const names = (s: { name: string; children?: unknown[] }[]): string[] => s.flatMap((x) => [x.name, ...names((x.children ?? []) as never)]);
        expect(names(symbols as never)).toEqual(['h', 'dmar0', 'rp', 'gpu', 'v']);
      },
      disposeAfterCheck: true,
    });
  });

  it('folding ranges for blocks', async () => {
    const doc = await t.validate(SRC.replace(/<\||\|>/g, ''));
    const folds = await t.Iommu.lsp.FoldingRangeProvider!.getFoldingRanges(doc, { textDocument: { uri: doc.uri.toString() } });
    expect(folds.map((f) => f.startLine)).toEqual(expect.arrayContaining([0, 2, 7, 9, 15]));
  });
});

describe('semantic tokens', () => {
  it('marks device declarations, BDFs and vocabulary values', async () => {
    const tokens = await highlightHelper(t.Iommu)('host h { iommu u { driver <|intel-vtd|> } endpoint <|gpu|> at <|0000:01:00.0|> }');
    expectSemanticToken(tokens, { rangeIndex: 0, tokenType: SemanticTokenTypes.enumMember });
    expectSemanticToken(tokens, { rangeIndex: 1, tokenType: SemanticTokenTypes.variable });
    expectSemanticToken(tokens, { rangeIndex: 2, tokenType: SemanticTokenTypes.number });
  });
});

describe('formatting', () => {
  it('indents blocks, one member per line, single spaces, comma spacing', async () => {
    await expectFormatting(t.Iommu)({
      before: 'host   h {kernel    6.12\n iommu u {driver intel-vtd caps  snoop-control ,interrupt-remapping}\nendpoint x at 0000:01:00.0}\nvm v on h {assign x}',
      after: 'host h {\n    kernel 6.12\n    iommu u {\n        driver intel-vtd\n        caps snoop-control, interrupt-remapping\n    }\n    endpoint x at 0000:01:00.0\n}\n\nvm v on h {\n    assign x\n}\n',
    });
  });

  it('keeps module parameter names intact and blank lines between members', async () => {
    await expectFormatting(t.Iommu)({
      before: 'host h {\n    param vfio_iommu_type1.allow_unsafe_interrupts   =  1\n\n    kernel 6.12\n}',
      after: 'host h {\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n\n    kernel 6.12\n}\n',
    });
  });

  const UNEVEN = 'host h {\n  // a comment\n  kernel 6.12\n    /* block */\n  iommu u {\n        // inner\n   driver intel-vtd // trailing\n  }\n}\n';
  async function formatted(text: string, options: { tabSize: number; insertSpaces: boolean }, range?: { start: { line: number; character: number }; end: { line: number; character: number } }) {
    const doc = await t.validate(text);
    const f = t.Iommu.lsp.Formatter!;
    const p = { textDocument: { uri: doc.uri.toString() }, options };
    const edits = await (range ? f.formatDocumentRange(doc, { ...p, range }) : f.formatDocument(doc, p));
    return TextDocument.applyEdits(doc.textDocument, edits);
  }
  /** Each `[before, after]`: `before` formats to `after`, and formatting that again changes nothing. */
  async function expectFormatsTo(cases: [string, string][], options: { tabSize: number; insertSpaces: boolean }) {
    for (const [before, after] of cases) {
      const once = await formatted(before, options);
      expect(once, JSON.stringify(before)).toBe(after);
      expect(await formatted(once, options), JSON.stringify(before)).toBe(once);
    }
  }
  it('indents comments that start a line like the members around them, with tabs as with spaces; a trailing comment stays', async () => {
    expect(await formatted(UNEVEN, { tabSize: 4, insertSpaces: false })).toBe('host h {\n\t// a comment\n\tkernel 6.12\n\t/* block */\n\tiommu u {\n\t\t// inner\n\t\tdriver intel-vtd // trailing\n\t}\n}\n');
    expect(await formatted(UNEVEN, { tabSize: 2, insertSpaces: true })).toBe('host h {\n  // a comment\n  kernel 6.12\n  /* block */\n  iommu u {\n    // inner\n    driver intel-vtd // trailing\n  }\n}\n');
  });
  it('an hwpt block with a comment inside is laid out as a block (attach one level in, `}` on its own line); without one it stays on one line; idempotent', async () => {
    const H = 'host h {\n    kernel 6.12\n    endpoint a at 0000:01:00.0\n    endpoint b at 0000:02:00.0\n}\n\n';
    const vm = (body: string) => H + 'vm v on h {\n    backend iommufd-cdev\n' + body + '}\n';
    const spaces = { tabSize: 4, insertSpaces: true };
    const cases: [string, string][] = [
      ['    hwpt p {\n        attach a, b // the pair\n    }\n', '    hwpt p {\n        attach a, b // the pair\n    }\n'],
      ['    hwpt p { attach a, b // the pair\n    }\n', '    hwpt p {\n        attach a, b // the pair\n    }\n'],
      ['    hwpt p {\n        // the pair\n        attach a, b\n    }\n', '    hwpt p {\n        // the pair\n        attach a, b\n    }\n'],
      ['    hwpt p { /* the pair */ attach a, b }\n', '    hwpt p { /* the pair */\n        attach a, b\n    }\n'],
      ['    hwpt p { attach a,\n        // and b\n        b }\n', '    hwpt p {\n        attach a,\n        // and b\n        b\n    }\n'],
      // no comment inside (one after the block is outside it): one line
      ['    hwpt p {\n        attach a,   b\n    }\n', '    hwpt p { attach a, b }\n'],
      ['    hwpt p { attach a, b } // the pair\n', '    hwpt p { attach a, b } // the pair\n'],
    ];
    await expectFormatsTo(cases.map(([body, expected]) => [vm(body), vm(expected)]), spaces);
    expect(await formatted(vm('    hwpt p { attach a, b // the pair\n    }\n'), { tabSize: 4, insertSpaces: false })).toBe(vm('    hwpt p {\n        attach a, b // the pair\n    }\n').replace(/^    /gm, '\t').replace(/^\t    /gm, '\t\t'));
    const crlf = (x: string) => x.replace(/\n/g, '\r\n');
    expect(await formatted(crlf(vm('    hwpt p { attach a, b // the pair\n    }\n')), spaces)).toBe(crlf(vm('    hwpt p {\n        attach a, b // the pair\n    }\n')));
  });
  it('a CRLF document keeps CRLF line breaks, also around comments and collapsed blank lines', async () => {
    const crlf = 'host h {\r\n  // a comment\r\n  kernel 6.12\r\n\r\n\r\n   arch x86_64\r\n}\r\n';
    expect(await formatted(crlf, { tabSize: 4, insertSpaces: false })).toBe('host h {\r\n\t// a comment\r\n\tkernel 6.12\r\n\r\n\tarch x86_64\r\n}\r\n');
  });
  it('range formatting of a line after blank lines re-indents it and leaves the blank lines above', async () => {
    const text = 'host h {\n    kernel 6.12\n\n\n   arch x86_64\n}\n';
    expect(await formatted(text, { tabSize: 4, insertSpaces: true }, { start: { line: 4, character: 0 }, end: { line: 4, character: 14 } })).toBe('host h {\n    kernel 6.12\n\n\n    arch x86_64\n}\n');
  });
  it('range formatting changes the lines of the range only', async () => {
    const lines = (s: string) => s.split('\n');
    // lines 2 and 3 (`kernel`, the block comment), the selection ending at the start of line 4
    const out = lines(await formatted(UNEVEN, { tabSize: 4, insertSpaces: true }, { start: { line: 2, character: 0 }, end: { line: 4, character: 0 } }));
    expect(out).toEqual(lines(UNEVEN).map((l, i) => (i === 2 ? '    kernel 6.12' : i === 3 ? '    /* block */' : l)));
    // one line, selected to its end: that line only
    const one = lines(await formatted(UNEVEN, { tabSize: 4, insertSpaces: true }, { start: { line: 6, character: 0 }, end: { line: 6, character: 30 } }));
    expect(one).toEqual(lines(UNEVEN).map((l, i) => (i === 6 ? '        driver intel-vtd // trailing' : l)));
  });

  it('completes what Langium leaves around comments and at the end, as `iommu-topo fmt` does: final line break, no trailing blanks outside strings, one blank line before a commented top-level element, a BOM kept', async () => {
    const spaces = { tabSize: 4, insertSpaces: true };
    const cases: [string, string][] = [
      // one line break at the end (CRLF in a CRLF file), blank lines and blanks there dropped
      ['host h {\n}', 'host h {\n}\n'],
      ['host h {\r\n}', 'host h {\r\n}\r\n'],
      ['host h {\n}  \n\n\n', 'host h {\n}\n'],
      ['host h {\n} // end   ', 'host h {\n} // end\n'],
      // blanks at line ends, before a CR too, inside comments; a multi-line string keeps them (a cmdline value)
      ['host h {\r\n    kernel 6.12 // six   \r\n    /* a  \r\n     b */\r\n}\r\n', 'host h {\r\n    kernel 6.12 // six\r\n    /* a\r\n     b */\r\n}\r\n'],
      ['host h {\n    cmdline "quiet  \n intel_iommu=on  "\n}\n', 'host h {\n    cmdline "quiet  \n intel_iommu=on  "\n}\n'],
      // a top-level element led by comments: one blank line before the comments, none between them and it
      ['host a {\n}\n// the second host\n// (spare)\nhost b {\n}\n', 'host a {\n}\n\n// the second host\n// (spare)\nhost b {\n}\n'],
      ['host a {\n} // a\'s end\n\n\n\n   /* b */\nhost b {\n}\n', 'host a {\n} // a\'s end\n\n/* b */\nhost b {\n}\n'],
      ['import "x.iommu"\n// the host\nhost a {\n}\n', 'import "x.iommu"\n\n// the host\nhost a {\n}\n'],
      // a file header comment is left where it is
      ['// header\nhost a {\n}\n', '// header\nhost a {\n}\n'],
      // a byte order mark stays; a file of only whitespace becomes empty
      ['\uFEFFhost h {kernel 6.12}', '\uFEFFhost h {\n    kernel 6.12\n}\n'],
      ['  \n\n', ''],
      ['\uFEFF \n', '\uFEFF'],
      ['', ''],
    ];
    await expectFormatsTo(cases, spaces);
  });

  it('collapses runs of blank lines between members to one, and drops blank lines after { and before }', async () => {
    await expectFormatting(t.Iommu)({
      before: 'host h {\n\n\n    kernel 6.12\n\n\n\n    arch x86_64\n    iommu u {\n\n        driver intel-vtd\n\n\n        caps passthrough\n\n    }\n\n\n}',
      after: 'host h {\n    kernel 6.12\n\n    arch x86_64\n    iommu u {\n        driver intel-vtd\n\n        caps passthrough\n    }\n}\n',
    });
  });
});
