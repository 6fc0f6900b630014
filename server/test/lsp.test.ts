import { readFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-types';
import { afterEach, describe, expect, it } from 'vitest';
import { testCodeAction } from 'langium/test';
import { AstUtils } from 'langium';
import { codes, createTestServices, diagnosticsWithCode, message } from './helpers.js';
import { type Document, isAssignProp, isBackendProp, isPciDevice, isVm } from '../src/language/generated/ast.js';
import { insertMember, removeNode, type DocEdit } from '../src/lsp/edits.js';
import { applyBootParams } from '../../src-core/src/boot-params.js';
import { groupsView } from '../src/lsp/groups-view.js';
import { describeHost } from '../src/lsp/describe.js';
import { paramLine } from '../src/language/iommu-validator.js';

const t = createTestServices();
afterEach(() => t.clear());

const HOST = `host h {
    kernel 6.12
    arch x86_64
    iommu dmar0 {
        driver intel-vtd
        caps interrupt-remapping
        msi x86-vector
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            multifunction
            acs none
            no-snoop on
            driver vfio-pci
        }
        endpoint audio at 0000:01:00.1 {
            acs none
            driver snd_hda_intel
        }
    }
}
`;

async function actionsFor(text: string, code: string): Promise<{ actions: CodeAction[]; diagnostic: Diagnostic; text: string }> {
  const doc = await t.validate(text);
  const [diagnostic] = diagnosticsWithCode(doc, code);
  expect(diagnostic, `expected a ${code} diagnostic, got ${codes(doc).join(', ')}`).toBeDefined();
  const provider = t.Iommu.lsp.CodeActionProvider!;
  const actions = (await provider.getCodeActions(doc, {
    textDocument: { uri: doc.uri.toString() },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  })) as CodeAction[];
  return { actions, diagnostic, text: doc.textDocument.getText() };
}

function apply(text: string, action: CodeAction): string {
  const edits = Object.values(action.edit?.changes ?? {})[0] ?? [];
  return TextDocument.applyEdits(TextDocument.create('file:///x.iommu', 'iommu', 1, text), edits);
}

describe('quick fixes', () => {
  it('a keyword as a device name: one preferred fix renames the declaration and every reference in the file, and the file then checks clean of it', async () => {
    const text = 'host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n    endpoint host at 0000:02:00.0 { driver vfio-pci }\n}\nvm v on h {\n    backend iommufd-cdev\n    assign gpu, host\n    hwpt p { attach host }\n}\n';
    const doc = await t.validate(text);
    const places = (doc.diagnostics ?? []).filter((d) => (d.data as { keywordName?: string } | undefined)?.keywordName === 'host');
    expect(places).toHaveLength(3);
    for (const d of places) {
      const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
      expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
        ["Rename 'host' to 'host_' here and at its 2 other places in this file", true],
        ["Change to 'host_'", false],
      ]);
      const fixed = apply(text, actions[0]);
      expect(fixed).toContain('    endpoint host_ at 0000:02:00.0');
      expect(fixed).toContain('    assign gpu, host_\n    hwpt p { attach host_ }');
      const after = await t.validate(fixed);
      expect((after.diagnostics ?? []).filter((x) => x.severity === 1).map((x) => message(x))).toEqual([]);
    }
    // written as a name in one place only: the single replacement is the preferred fix
    const one = await actionsFor('host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0\n}\nvm v on h {\n    assign gpu, host\n}\n', 'REF001');
    expect(one.actions.map((a) => [a.title, a.isPreferred])).toEqual([["Change to 'host_'", true]]);
  });

  it('a keyword as a name: the suggested name skips names declared already (host_ taken → host_2), so the rename adds no REF002', async () => {
    const text = 'host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps interrupt-remapping }\n    endpoint host at 0000:01:00.0 { driver vfio-pci }\n    endpoint host_ at 0000:02:00.0 { driver vfio-pci }\n}\nvm v on h {\n    assign host\n}\n';
    const { actions } = await actionsFor(text, 'REF001');
    expect(actions.map((a) => a.title)).toEqual(["Rename 'host' to 'host_2' here and at its 1 other place in this file", "Change to 'host_2'"]);
    const after = await t.validate(apply(text, actions[0]));
    expect((after.diagnostics ?? []).filter((x) => x.severity === 1).map((x) => `${x.code} ${message(x)}`)).toEqual([]);
  });

  it("a keyword as a host name used by `vm v on host`: the preferred fix renames the host and the reference, and the VM then checks against it", async () => {
    const text = 'host host {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\nvm v on host {\n    assign gpu\n}\n';
    const doc = await t.validate(text);
    const places = (doc.diagnostics ?? []).filter((d) => (d.data as { keywordName?: string } | undefined)?.keywordName === 'host');
    expect(places.map((d) => d.code)).toEqual(['SYN000', 'REF001']);
    const ref = places.find((d) => d.code === 'REF001')!;
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: ref.range, context: { diagnostics: [ref] } })) as CodeAction[];
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
      ["Rename 'host' to 'host_' here and at its 1 other place in this file", true],
      ["Change to 'host_'", false],
    ]);
    const fixed = apply(text, actions[0]);
    expect(fixed).toBe(text.replace('host host {', 'host host_ {').replace('vm v on host {', 'vm v on host_ {'));
    const after = await t.validate(fixed);
    expect((after.diagnostics ?? []).filter((x) => x.code === 'REF001' || x.code === 'SYN000')).toEqual([]);
    // the VM is simulated on the renamed host: its assign resolved to the device
    const sim = t.Iommu.simulation.SimulationCache.get(after);
    expect(sim.topology.vms.map((v) => [v.name, v.assignedIds.length])).toEqual([['v', 1]]);
  });

  it('KVM007: kvm-vfio-add before-container on 6.1; the fix sets after-container, which clears it; an unknown order is SYN002', async () => {
    const text = 'host h {\n    kernel 6.1\n    iommu u { driver intel-vtd caps interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { no-snoop on driver vfio-pci }\n}\nvm v on h {\n    vmm custom\n    kvm-vfio yes\n    kvm-vfio-add before-container\n    assign gpu\n}\n';
    const { actions } = await actionsFor(text, 'KVM007');
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([["Add vm v's VFIO groups to kvm-vfio after setting their container (kvm-vfio-add after-container)", true]]);
    const fixed = apply(text, actions[0]);
    expect(fixed).toContain('    kvm-vfio-add after-container\n');
    expect(codes(await t.validate(fixed))).toEqual(['KVM003']);
    // an unknown value is reported with the terms, and leaves the default order
    const typo = await t.validate(text.replace('before-container', 'befor-container'));
    expect(diagnosticsWithCode(typo, 'SYN002').map((d) => message(d))).toEqual(["unknown kvm-vfio add order 'befor-container'; did you mean 'before-container'? (expected one of: after-container, before-container)"]);
    expect(codes(typo)).not.toContain('KVM007');
  });

  it('MDL008: a misspelt param name is underlined on the name and renamed by the fix; a bad value on the value', async () => {
    const text = HOST.replace('    arch x86_64\n', '    arch x86_64\n    param vfio-pci.disable_denylist = 0\n    param vfio_iommu_type1.allow_unsafe_interupts = 1\n    param vfio-pci.disable_denylist = maybe\n');
    const built = await t.validate(text);
    const src = built.textDocument.getText();
    const found = diagnosticsWithCode(built, 'MDL008');
    expect(found.map((d) => built.textDocument.getText(d.range)).sort()).toEqual(['maybe', 'vfio_iommu_type1.allow_unsafe_interupts']);
    const diagnostic = found.find((d) => built.textDocument.getText(d.range) !== 'maybe')!;
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(built, { textDocument: { uri: built.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    expect(message(diagnostic)).toMatch(/did you mean 'vfio_iommu_type1.allow_unsafe_interrupts'\?$/);
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([["Change to 'vfio_iommu_type1.allow_unsafe_interrupts'", true]]);
    const fixed = apply(src, actions[0]);
    expect(fixed).toContain('    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n');
    // the value finding stands on the last line of that parameter (the one the simulation reads), on its value
    const after = await t.validate(fixed);
    const rest = diagnosticsWithCode(after, 'MDL008');
    expect(rest.map((d) => [after.textDocument.getText(d.range), d.range.start.line])).toEqual([['maybe', 5]]);
  });

  it('REF004: a module parameter set twice (in two spellings): the earlier line is unnecessary, the fix removes it, and the last line is the one simulated', async () => {
    const text = HOST.replace('    arch x86_64\n', '    arch x86_64\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n    param kvm.ignore_msrs = 1\n    param vfio-iommu-type1.allow_unsafe_interrupts = 0\n');
    const doc = await t.validate(text);
    const found = diagnosticsWithCode(doc, 'REF004');
    expect(found.map((d) => [doc.textDocument.getText(d.range), message(d), d.severity, d.tags])).toEqual([
      ['vfio_iommu_type1.allow_unsafe_interrupts', 'param vfio_iommu_type1.allow_unsafe_interrupts is set again at line 6 (as vfio-iommu-type1.allow_unsafe_interrupts): a parameter has one value and the last line is the one the module ended up with, so this line changes nothing', 2, [1]],
    ]);
    // the last line (off) is what the simulation reads, although the first spelling's key came first
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    const applied = applyBootParams(sim.topology.hosts[0]).host.params;
    expect(applied['vfio_iommu_type1.allow_unsafe_interrupts']).toBe('0');
    // the one lookup of that line (placement, hover, the quick fixes): the last with a value, in any spelling
    const host = doc.parseResult.value.elements[0];
    for (const spelling of ['vfio_iommu_type1.allow_unsafe_interrupts', 'vfio-iommu-type1.allow_unsafe_interrupts', 'vfio_iommu-type1.allow_unsafe_interrupts']) {
      expect(paramLine(host, spelling)?.$cstNode?.text).toBe('param vfio-iommu-type1.allow_unsafe_interrupts = 0');
    }
    expect(paramLine(host, 'kvm.ignore_msrs')?.value).toBe('1');
    expect(paramLine(host, 'kvm.other')).toBeUndefined();
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: found[0].range, context: { diagnostics: found } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Remove the overridden 'param vfio_iommu_type1.allow_unsafe_interrupts' line"]);
    const fixed = apply(doc.textDocument.getText(), actions[0]);
    expect(fixed).toBe(HOST.replace('    arch x86_64\n', '    arch x86_64\n    param kvm.ignore_msrs = 1\n    param vfio-iommu-type1.allow_unsafe_interrupts = 0\n'));
    expect(diagnosticsWithCode(await t.validate(fixed), 'REF004')).toEqual([]);
  });

  it('REF005: a property written twice in a block: the earlier line is unnecessary, the fix removes it, and the last line is the one simulated', async () => {
    const vm = 'vm v on h {\n    vmm qemu\n    kvm-vfio no\n    backend vfio-type1\n    kvm-vfio yes\n    assign gpu, audio\n}\n';
    const text = HOST.replace('        caps interrupt-remapping\n', '        caps interrupt-remapping\n        driver intel-vtd\n') + vm;
    const doc = await t.validate(text);
    const found = diagnosticsWithCode(doc, 'REF005');
    expect(found.map((d) => [doc.textDocument.getText(d.range), d.range.start.line, message(d), d.severity, d.tags])).toEqual([
      ['driver', 4, "'driver' is set again at line 7: it holds one value and the last line is the one read, so this line changes nothing", 2, [1]],
      ['kvm-vfio', 25, "'kvm-vfio' is set again at line 28: it holds one value and the last line is the one read, so this line changes nothing", 2, [1]],
    ]);
    // lines that add up are not reported: two `caps` lines, two `assign` lines
    const adds = await t.validate(HOST.replace('        msi x86-vector\n', '        caps snoop-control\n        msi x86-vector\n') + vm.replace('    assign gpu, audio\n', '    assign gpu\n    assign audio\n').replace('    kvm-vfio no\n', ''));
    expect(codes(adds)).not.toContain('REF005');
    // the last kvm-vfio line is what the simulation reads
    expect(t.Iommu.simulation.SimulationCache.get(doc).topology.vms[0].kvmVfio).toBe(true);
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: found[1].range, context: { diagnostics: [found[1]] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Remove the overridden 'kvm-vfio' line"]);
    const fixed = apply(doc.textDocument.getText(), actions[0]);
    expect(fixed).toBe(text.replace('    kvm-vfio no\n', ''));
    expect(diagnosticsWithCode(await t.validate(fixed), 'REF005').map((d) => d.range.start.line)).toEqual([4]);
  });

  it('REF004/REF005: the overridden line goes with the comment after it on its line; what follows it on the line keeps its place', async () => {
    const cases: [string, string, string, string][] = [
      ['REF005', HOST.replace('    kernel 6.12\n', '    kernel 6.8 // was 6.6 before the upgrade\n    kernel 6.12\n'), HOST, 'kernel'],
      ['REF005', HOST.replace('    kernel 6.12\n', '    kernel 6.8 /* old */\n    kernel 6.12\n').replace(/\n/g, '\r\n'), HOST.replace(/\n/g, '\r\n'), 'kernel'],
      ['REF004', HOST.replace('    arch x86_64\n', '    arch x86_64\n    param kvm.ignore_msrs = 0 /* old */ param kvm.ignore_msrs = 1\n'), HOST.replace('    arch x86_64\n', '    arch x86_64\n    param kvm.ignore_msrs = 1\n'), 'param kvm.ignore_msrs'],
    ];
    for (const [code, text, expected, label] of cases) {
      const { actions } = await actionsFor(text, code);
      expect(actions.map((a) => a.title)).toEqual([`Remove the overridden '${label}' line`]);
      expect(apply(text, actions[0])).toBe(expected);
    }
    // a comment on the next line is not the removed line's
    const own = HOST.replace('    kernel 6.12\n', '    kernel 6.8\n    // the running kernel\n    kernel 6.12\n');
    const { actions } = await actionsFor(own, 'REF005');
    expect(apply(own, actions[0])).toBe(HOST.replace('    kernel 6.12\n', '    // the running kernel\n    kernel 6.12\n'));
  });

  it('REF005 passes over a later line whose value the lowering leaves out (it has its own error), and names "later on this line"', async () => {
    const bad = await t.validate(HOST.replace('            multifunction\n', '            multifunction\n            id 10de:2684\n            id 10de:268\n'));
    expect(codes(bad)).toContain('SYN004');
    expect(codes(bad)).not.toContain('REF005');
    const gpu = t.Iommu.simulation.SimulationCache.get(bad).topology.hosts[0].devices.find((d) => d.name === 'gpu')!;
    expect([gpu.vendorId, gpu.deviceId]).toEqual([0x10de, 0x2684]);
    const one = await t.validate(HOST + 'vm v on h { kvm-vfio no kvm-vfio yes assign gpu, audio }\n');
    expect(diagnosticsWithCode(one, 'REF005').map(message)).toEqual(["'kvm-vfio' is set again later on this line: it holds one value and the last line is the one read, so this line changes nothing"]);
  });

  it('a fix that edits a property written twice edits the last line, the one the simulation reads', async () => {
    // KVM001 (no-snoop gpu, no snoop control, kvm-vfio off): the fix sets kvm-vfio on the line that counts
    const text = HOST + 'vm v on h {\n    vmm qemu\n    kvm-vfio yes\n    kvm-vfio no\n    assign gpu, audio\n}\n';
    const { actions } = await actionsFor(text, 'KVM001');
    const fix = actions.find((a) => a.isPreferred)!;
    expect(fix).toBeDefined();
    const fixed = apply(text, fix);
    expect(fixed).toContain('    kvm-vfio yes\n    kvm-vfio yes\n');
    expect(codes(await t.validate(fixed))).not.toContain('KVM001');
  });

  it('MDL008: a parameter name that fits two modules offers both renames, neither preferred', async () => {
    const text = HOST.replace('    arch x86_64\n', '    arch x86_64\n    param vfio.allow_unsafe_interrupts = 1\n');
    const { actions } = await actionsFor(text, 'MDL008');
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
      ["Change to 'iommufd.allow_unsafe_interrupts'", false],
      ["Change to 'vfio_iommu_type1.allow_unsafe_interrupts'", false],
    ]);
  });

  it('SYN002: replaces an unknown driver with the suggestion', async () => {
    const r = await testCodeAction(t.Iommu)('host h { kernel 6.12 iommu u { driver intel-vdt } }', 'SYN002', 'host h { kernel 6.12 iommu u { driver intel-vtd } }');
    expect(r.action?.title).toBe("Change to 'intel-vtd'");
  });

  it('SYN002: a value that begins several known terms (too short for a typo match) offers each, none preferred; one it begins is the suggestion', async () => {
    const vm = (backend: string) => HOST.replace('msi x86-vector', 'msi x86-ir') + `vm v on h {\n    backend ${backend}\n    assign gpu\n}\n`;
    const { actions, diagnostic, text } = await actionsFor(vm('iommufd'), 'SYN002');
    expect(message(diagnostic)).toBe("unknown VFIO backend 'iommufd'; did you mean 'iommufd-compat' or 'iommufd-cdev'? (expected one of: vfio-type1, iommufd-compat, iommufd-cdev)");
    expect(actions.map((a) => [a.title, a.isPreferred ?? false])).toEqual([
      ["Change to 'iommufd-compat'", false],
      ["Change to 'iommufd-cdev'", false],
    ]);
    for (const a of actions) expect(codes(await t.validate(apply(text, a)))).not.toContain('SYN002');
    const one = await actionsFor(vm('vfio'), 'SYN002');
    expect(one.actions.map((a) => [a.title, a.isPreferred ?? false])).toEqual([["Change to 'vfio-type1'", true]]);
  });

  it('a mistyped keyword (parser error): replaces it with the suggested keyword, and the file then parses', async () => {
    const text = HOST.replace('            driver vfio-pci\n', '            drivr vfio-pci\n');
    const doc = await t.validate(text);
    const [diagnostic] = (doc.diagnostics ?? []).filter((d) => (d.data as { code?: string } | undefined)?.code === 'parsing-error');
    expect(message(diagnostic)).toMatch(/^'drivr' is not a device property or device kind; did you mean 'driver'\?/);
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, {
      textDocument: { uri: doc.uri.toString() },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Change to 'driver'"]);
    const fixed = apply(text, actions[0]);
    expect(fixed).toBe(HOST);
    expect((await t.validate(fixed)).diagnostics!.filter((d) => (d.data as { code?: string } | undefined)?.code === 'parsing-error')).toEqual([]);
  });

  it('a keyword used as a device name: the fix renames it to keyword_, and the file then parses', async () => {
    const text = HOST.replace('endpoint audio at', 'endpoint host at');
    const doc = await t.validate(text);
    const [diagnostic] = (doc.diagnostics ?? []).filter((d) => (d.data as { keywordName?: string } | undefined)?.keywordName === 'host');
    expect(message(diagnostic)).toBe("'host' is a keyword and cannot be a name; rename it, for example 'host_'");
    expect(doc.textDocument.getText(diagnostic.range)).toBe('host');
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Change to 'host_'"]);
    const fixed = apply(text, actions[0]);
    expect(fixed).toBe(HOST.replace('endpoint audio at', 'endpoint host_ at'));
    expect(codes(await t.validate(fixed)).filter((c) => c === 'SYN000')).toEqual([]);
  });

  it('REF001: replaces an unknown device name with the closest one; the assignment then resolves', async () => {
    const text = HOST + 'vm v on h {\n    assign gpx\n}\n';
    const { actions, diagnostic } = await actionsFor(text, 'REF001');
    expect(message(diagnostic)).toBe("unknown device 'gpx'; did you mean 'gpu'?");
    const change = actions.find((a) => a.title === "Change to 'gpu'")!;
    expect(change).toBeDefined();
    const fixed = apply(text, change);
    expect(fixed).toContain('    assign gpu\n');
    expect(codes(await t.validate(fixed))).not.toContain('REF001');
  });


  it('REF003: removes the repeated reference from its list, or its whole assign line; the warning then goes', async () => {
    const vm = (assign: string) => HOST + `vm v on h {\n    backend vfio-type1\n${assign}}\n`;
    // in a list: only that element and its comma
    const inList = vm('    assign gpu, audio\n    assign audio, gpu\n');
    const a = await actionsFor(inList, 'REF003');
    expect(a.actions.map((x) => [x.title, x.isPreferred])).toEqual([["Remove the repeated 'audio'", true]]);
    const fixedList = apply(inList, a.actions[0]);
    expect(fixedList).toBe(vm('    assign gpu, audio\n    assign gpu\n'));
    // `gpu` on the second line is repeated too: one more fix leaves no REF003
    const b = await actionsFor(fixedList, 'REF003');
    const fixedLine = apply(fixedList, b.actions[0]);
    expect(fixedLine).toBe(vm('    assign gpu, audio\n'));
    expect(codes(await t.validate(fixedLine))).not.toContain('REF003');
  });

  it('REF003 in a CRLF file: the line goes with its CRLF, no stray carriage return is left', async () => {
    const text = (HOST + 'vm v on h {\n    backend vfio-type1\n    assign gpu, audio\n    assign 0000:01:00.0\n}\n').replace(/\n/g, '\r\n');
    const { actions } = await actionsFor(text, 'REF003');
    expect(actions.map((x) => x.title)).toEqual(["Remove the repeated '0000:01:00.0'"]);
    expect(apply(text, actions[0])).toBe((HOST + 'vm v on h {\n    backend vfio-type1\n    assign gpu, audio\n}\n').replace(/\n/g, '\r\n'));
  });

  it('edits in a CRLF file: an inserted line, a new block and a removed line keep CRLF, no stray carriage return', async () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const text = crlf(HOST + 'vm v on h {\n    backend vfio-type1\n    assign gpu\n}\n');
    const doc = await t.validate(text);
    const root = doc.parseResult.value as Document;
    const vm = root.elements.find(isVm)!;
    const applyOne = (e: DocEdit | undefined) => TextDocument.applyEdits(TextDocument.create('file:///x.iommu', 'iommu', 1, text), [e!.edit]);
    expect(applyOne(insertMember(vm, 'kvm-vfio yes', vm.props, (p) => !isAssignProp(p)))).toBe(crlf(HOST + 'vm v on h {\n    backend vfio-type1\n    kvm-vfio yes\n    assign gpu\n}\n'));
    // a device without a block gets one
    const bare = crlf(HOST.replace('root-port rp at 0000:00:01.0 {', 'endpoint nic at 0000:02:00.0\n    root-port rp at 0000:00:01.0 {'));
    const bareDoc = await t.validate(bare);
    const nic = AstUtils.streamAst(bareDoc.parseResult.value).filter(isPciDevice).find((d) => d.name === 'nic')!;
    const e = insertMember(nic, 'driver vfio-pci', nic.props)!;
    const withBlock = TextDocument.applyEdits(TextDocument.create('file:///y.iommu', 'iommu', 1, bare), [e.edit]);
    expect(withBlock).toContain(crlf('endpoint nic at 0000:02:00.0 {\n        driver vfio-pci\n    }\n'));
    // removing a line alone on it takes its CRLF; one with a comment after it too
    expect(applyOne(removeNode(vm.props.find(isBackendProp)!))).toBe(crlf(HOST + 'vm v on h {\n    assign gpu\n}\n'));
    const commented = crlf(HOST + 'vm v on h {\n    backend vfio-type1 // the default\n    assign gpu\n}\n');
    const cDoc = await t.validate(commented);
    const cVm = (cDoc.parseResult.value as Document).elements.find(isVm)!;
    const removed = TextDocument.applyEdits(TextDocument.create('file:///z.iommu', 'iommu', 1, commented), [removeNode(cVm.props.find(isBackendProp)!)!.edit]);
    expect(removed).toBe(crlf(HOST + 'vm v on h {\n    // the default\n    assign gpu\n}\n'));
  });
  it('VIA005 with two units and no iommu line: one action per unit, none preferred, each declaring it on the root port', async () => {
    const text = (rp: string) =>
      `host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    iommu dmar1 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF${rp}\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\nvm v on h {\n    assign gpu\n}\n`;
    const { actions, text: before } = await actionsFor(text(''), 'VIA005');
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
      ['Translate rp and the devices below it by iommu dmar0', false],
      ['Translate rp and the devices below it by iommu dmar1', false],
    ]);
    expect(apply(before, actions[0])).toBe(text('\n        iommu dmar0'));
    expect(apply(before, actions[1])).toBe(text('\n        iommu dmar1'));
    expect(codes(await t.validate(text('\n        iommu dmar1')))).not.toContain('VIA005');
  });

  it('GRP004: state acs none on the port, offered but not preferred', async () => {
    const text = (acs: string) => `host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd\n    }\n    root-port rp at 0000:00:01.0 {${acs}\n        endpoint ep at 0000:01:00.0 {\n            acs none\n        }\n    }\n}\n`;
    const r = await testCodeAction(t.Iommu)(text(''), 'GRP004', text('\n        acs none'));
    expect(r.action).toMatchObject({ title: 'Declare acs none on rp (what the grouping assumed; a capture as root would tell)', isPreferred: false });
    expect(codes(await t.validate(text('\n        acs none')))).not.toContain('GRP004');
  });

  it('KVM002 with the v2 page table from the command line: the fix changes the command line, not the unit', async () => {
    const text = (cmdline: string) =>
      `host a {\n    kernel 6.14\n    cmdline ${JSON.stringify(cmdline)}\n    iommu ivhd0 {\n        driver amd-vi\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint x at 0000:01:00.0 {\n        no-snoop on\n        driver vfio-pci\n    }\n}\nvm v on a {\n    assign x\n}\n`;
    const r = await testCodeAction(t.Iommu)(text('amd_iommu=pgtbl_v2 -- single'), 'KVM002', text('amd_iommu=pgtbl_v1 -- single'));
    expect(r.action?.title).toBe('Use amd_iommu=pgtbl_v1 instead of amd_iommu=pgtbl_v2 on the command line of host a');
    expect(codes(await t.validate(text('amd_iommu=pgtbl_v1 -- single')))).not.toContain('KVM002');
  });

  it('HWPT001: move the device to the HWPT its iommu_group is attached to, or onto the automatic domain', async () => {
    const host = HOST.replace('msi x86-vector', 'msi x86-ir');
    const vm = (body: string) => `${host}vm v on h {\n    backend iommufd-cdev\n${body}}\n`;
    const r = await testCodeAction(t.Iommu)(
      vm('    hwpt a { attach gpu }\n    hwpt b { attach audio }\n'),
      'HWPT001',
      vm('    hwpt a { attach gpu, audio }\n'),
    );
    expect(r.action?.title).toBe('Attach audio to hwpt a, where its iommu_group is');
    const after = await t.validate(vm('    hwpt a { attach gpu, audio }\n'));
    expect(codes(after)).not.toContain('HWPT001');
    // the group on the automatic domain (gpu assigned plainly): audio leaves its hwpt block and stays assigned
    await testCodeAction(t.Iommu)(vm('    assign gpu\n    hwpt b { attach audio }\n'), 'HWPT001', vm('    assign gpu, audio\n'));
    await testCodeAction(t.Iommu)(vm('    assign gpu, audio\n    hwpt b { attach audio }\n'), 'HWPT001', vm('    assign gpu, audio\n'));
    // the group on a manual HWPT, audio in no block (the IOAS never picks a manual HWPT): audio joins that block
    const joined = await testCodeAction(t.Iommu)(vm('    hwpt a { attach gpu }\n    assign audio\n'), 'HWPT001', vm('    hwpt a { attach gpu, audio }\n    assign audio\n'));
    expect(joined.action?.title).toBe('Attach audio to hwpt a, where its iommu_group is');
    expect(codes(await t.validate(vm('    hwpt a { attach gpu, audio }\n    assign audio\n')))).not.toContain('HWPT001');
    // blocks on one line: only the emptied block goes, with the blanks before it
    await testCodeAction(t.Iommu)(vm('    hwpt a { attach gpu } hwpt b { attach audio }\n'), 'HWPT001', vm('    hwpt a { attach gpu, audio }\n'));
    // the device in two blocks before the target: out of both (the first block listing a device is the one used)
    const two = vm('    assign gpu\n    hwpt b { attach audio }\n    hwpt c { attach nvme, audio }\n');
    const twoFixed = vm('    assign gpu, audio\n    hwpt c { attach nvme }\n');
    const hostWithNvme = host.replace('    root-port rp at', '    endpoint nvme at 0000:02:00.0 {\n        driver vfio-pci\n    }\n    root-port rp at');
    await testCodeAction(t.Iommu)(two.replace(host, hostWithNvme), 'HWPT001', twoFixed.replace(host, hostWithNvme));
    expect(codes(await t.validate(twoFixed.replace(host, hostWithNvme)))).not.toContain('HWPT001');
    // a device referenced by BDF keeps that spelling
    await testCodeAction(t.Iommu)(vm('    hwpt a { attach gpu }\n    hwpt b { attach 0000:01:00.1 }\n'), 'HWPT001', vm('    hwpt a { attach gpu, 0000:01:00.1 }\n'));
  });

  it('BOOT001 / BOOT002: remove the switch from the command line, keeping the kernel quotes escaped', async () => {
    const host = (cmdline: string) => `host h {\n    kernel 6.12\n    cmdline ${JSON.stringify(cmdline)}\n    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n}\n`;
    const r = await testCodeAction(t.Iommu)(host('dyndbg="file x.c +p" intel_iommu=off,sm_on'), 'BOOT001', host('dyndbg="file x.c +p" intel_iommu=sm_on'));
    expect(r.action?.title).toBe('Remove intel_iommu=off from the command line of host h');
    await testCodeAction(t.Iommu)(host('quiet nointremap'), 'BOOT002', host('quiet'));
    // several cmdline lines: the last is the one read, and the one rewritten
    const two = (a: string, b: string) => host(b).replace('    cmdline ', `    cmdline ${JSON.stringify(a)}\n    cmdline `);
    await testCodeAction(t.Iommu)(two('quiet', 'intel_iommu=off iommu=pt'), 'BOOT001', two('quiet', 'iommu=pt'));
    expect(codes(await t.validate(two('quiet', 'iommu=pt')))).not.toContain('BOOT001');
  });

  it('BDF001: rewrites a malformed BDF in canonical form', async () => {
    await testCodeAction(t.Iommu)('host h { kernel 6.12 endpoint x at 0000:65:0.0 }', 'BDF001', 'host h { kernel 6.12 endpoint x at 0000:65:00.0 }');
  });

  it('VIA010: an Intel QAT C62x on the vfio-pci denylist; the parameter fix (marked insecure) lets it bind, with VIA011', async () => {
    const text = `host h {
    kernel 6.12
    iommu dmar0 {
        driver intel-vtd
        caps interrupt-remapping, snoop-control
    }
    endpoint qat at 0000:3d:00.0 {
        id 8086:37c8
        iommu dmar0
        no-snoop off
        driver vfio-pci
    }
}
vm v on h {
    assign qat
}
`;
    const { actions, diagnostic } = await actionsFor(text, 'VIA010');
    expect(message(diagnostic)).toBe('qat (0000:3d:00.0) in VM v: Intel QAT C62x is on the vfio-pci denylist → -EINVAL at vfio-pci probe');
    const param = actions.find((a) => a.title.includes('vfio_pci.disable_denylist=1'))!;
    expect(param.title).toMatch(/insecure/);
    const fixed = apply(text, param);
    expect(fixed).toContain('    param vfio_pci.disable_denylist = 1\n');
    const after = codes(await t.validate(fixed));
    expect(after).not.toContain('VIA010');
    expect(after).toContain('VIA011'); // the bypass is reported, as IR002 reports allow_unsafe_interrupts
    expect(actions.map((a) => a.title)).toContain('Remove qat from vm v');
  });

  it('IR001: offers enabling interrupt remapping and the allow_unsafe_interrupts parameter (with the warning)', async () => {
    // the unit without the interrupt-remapping capability (ECAP.IR clear), its MSIs on the x86 vector domain
    const text = HOST.replace('caps interrupt-remapping', 'caps passthrough').replace('driver snd_hda_intel', 'driver vfio-pci') + 'vm v on h {\n    assign gpu, audio\n}\n';
    const { actions } = await actionsFor(text, 'IR001');
    const titles = actions.map((a) => a.title);
    expect(titles.some((x) => /allow_unsafe_interrupts=1/.test(x) && /MSI|insecure|forge|unsafe/i.test(x))).toBe(true);
    const param = actions.find((a) => a.title.includes('allow_unsafe_interrupts'))!;
    const fixed = apply(text, param);
    expect(fixed).toContain('    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n');
    const after = await t.validate(fixed);
    expect(codes(after)).not.toContain('IR001');
    expect(codes(after)).toContain('IR002');
    // enabling IR adds the capability and turns the contradicting `msi x86-vector` line into x86-ir (no MDL007)
    const enable = actions.find((a) => a.title === 'Enable interrupt-remapping on iommu dmar0');
    expect(enable, titles.join(' | ')).toBeDefined();
    const enabled = apply(text, enable!);
    expect(enabled).toContain('caps passthrough, interrupt-remapping\n        msi x86-ir\n');
    const afterEnable = await t.validate(enabled);
    expect(codes(afterEnable)).not.toContain('IR001');
    expect(codes(afterEnable)).not.toContain('MDL007');
  });

  it('IR001 on a host with one Intel unit lacking IR: the fix enables it on that unit (intel_prepare_irq_remapping is all-or-nothing)', async () => {
    const text = `host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    iommu dmar1 {\n        driver intel-vtd\n        caps passthrough\n    }\n    root-port rp at 0000:00:01.0 {\n        iommu dmar0\n        acs cap SV RR CR UF ctl SV RR CR UF\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\nvm v on h {\n    assign gpu\n}\n`;
    const { actions, diagnostic } = await actionsFor(text, 'IR001');
    expect(diagnostic.relatedInformation?.some((r) => /dmar1/.test(r.message))).toBe(true);
    const titles = actions.map((a) => a.title);
    expect(titles).toContain('Enable interrupt-remapping on iommu dmar1');
    expect(titles).not.toContain('Enable interrupt-remapping on iommu dmar0');
    const after = await t.validate(apply(text, actions.find((a) => a.title === 'Enable interrupt-remapping on iommu dmar1')!));
    expect(codes(after)).not.toContain('IR001');
  });

  it('IR001 from intremap=off on the command line (CAP-IR-01): the preferred fix removes it from the cmdline and clears IR001', async () => {
    const text = readFileSync(new URL('../../examples/grub-cmdline.iommu', import.meta.url), 'utf8');
    const { actions } = await actionsFor(text, 'IR001');
    const titles = actions.map((a) => a.title);
    expect(titles[0], titles.join(' | ')).toBe('Remove intremap=off from the command line of host edge');
    expect(actions[0].isPreferred).toBe(true);
    expect(actions.filter((a) => a.isPreferred)).toHaveLength(1);
    const fixed = apply(text, actions[0]);
    expect(fixed).toContain('splash intel_iommu=off dyndbg=');
    const after = codes(await t.validate(fixed));
    expect(after).not.toContain('IR001');
    expect(after).not.toContain('BOOT002');
  });

  it('IR001 from intremap=off on a unit that lacks IR as well: one preferred fix removes the option and enables IR on the unit; IR001 is gone', async () => {
    const grub = readFileSync(new URL('../../examples/grub-cmdline.iommu', import.meta.url), 'utf8');
    const text = grub.replace('caps snoop-control, interrupt-remapping, passthrough\n        msi x86-ir', 'caps snoop-control, passthrough\n        msi x86-vector');
    expect(text).not.toBe(grub);
    const { actions } = await actionsFor(text, 'IR001');
    const titles = actions.map((a) => a.title);
    expect(titles[0], titles.join(' | ')).toBe('Remove intremap=off from the command line of host edge, and enable interrupt-remapping on iommu dmar0');
    expect(actions[0].isPreferred).toBe(true);
    expect(actions.filter((a) => a.isPreferred)).toHaveLength(1);
    // the option alone is not offered: it would leave IR001
    expect(titles).not.toContain('Remove intremap=off from the command line of host edge');
    const fixed = apply(text, actions[0]);
    expect(fixed).toContain('splash intel_iommu=off dyndbg=');
    expect(fixed).toMatch(/caps snoop-control, passthrough, interrupt-remapping\n\s*msi x86-ir/);
    const after = await t.validate(fixed);
    expect(codes(after)).not.toContain('IR001');
    expect((after.diagnostics ?? []).filter((d) => d.severity === 1).map((d) => d.code)).toEqual([]);
  });

  it('a fix with a warning (allow_unsafe_interrupts) is never preferred; its title stays short, the warning in data', async () => {
    const text = readFileSync(new URL('../../examples/virtio-iommu-nested.iommu', import.meta.url), 'utf8');
    const { actions } = await actionsFor(text, 'IR001');
    const unsafe = actions.find((a) => a.title.includes('allow_unsafe_interrupts'))!;
    expect(unsafe, actions.map((a) => a.title).join(' | ')).toBeDefined();
    expect(unsafe.isPreferred).toBe(false);
    expect(unsafe.title).toBe('Set vfio_iommu_type1.allow_unsafe_interrupts=1 on host l1 (insecure)');
    expect(unsafe.title.length).toBeLessThan(80);
    expect((unsafe.data as { warning?: string }).warning).toMatch(/inject interrupts into the host/);
    // with a safe fix before it (an IR-capable unit turned off by the command line): that one is preferred, not this
    const grub = readFileSync(new URL('../../examples/grub-cmdline.iommu', import.meta.url), 'utf8');
    const { actions: both } = await actionsFor(grub, 'IR001');
    expect(both.map((a) => a.isPreferred)).toEqual([true, false]);
    expect(both.every((a) => a.title.length < 80)).toBe(true);
  });

  it('T1002: the separate-hwpt fix moves the device out of the refusing hwpt block into its own; T1002 is gone', async () => {
    const text = (body: string) => `host h {
    kernel 6.12
    arch x86_64
    iommu dmar0 {
        driver intel-vtd
        caps snoop-control, interrupt-remapping
        msi x86-ir
    }
    iommu dmar1 {
        driver intel-vtd
        caps interrupt-remapping
        msi x86-ir
    }
    endpoint ssd at 0000:67:00.0 {
        iommu dmar0
        driver vfio-pci
    }
    endpoint nic at 0000:66:00.0 {
        iommu dmar1
        driver vfio-pci
    }
}
vm v on h {
    backend iommufd-cdev
${body}}
`;
    const before = text('    hwpt shared { attach ssd, nic }\n');
    const { actions } = await actionsFor(before, 'T1002');
    const fix = actions.find((a) => a.title === 'Attach nic to its own non-enforcing HWPT');
    expect(fix, actions.map((a) => a.title).join(' | ')).toBeDefined();
    const fixed = apply(before, fix!);
    expect(fixed).toBe(text('    hwpt shared { attach ssd }\n    hwpt nic_hwpt { attach nic }\n'));
    expect(codes(await t.validate(fixed))).not.toContain('T1002');
    // a block of that name already there: the new one gets another name; the device is taken out of every block
    const taken = text('    hwpt nic_hwpt { attach ssd, nic }\n    hwpt b { attach nic }\n');
    const r = await actionsFor(taken, 'T1002');
    const again = apply(taken, r.actions.find((a) => a.title === 'Attach nic to its own non-enforcing HWPT')!);
    expect(again).toBe(text('    hwpt nic_hwpt { attach ssd }\n    hwpt nic_hwpt_2 { attach nic }\n'));
    expect(codes(await t.validate(again))).not.toContain('T1002');
  });

  it('MDL007: an msi line that contradicts the interrupt-remapping capability, fixed by the msi line the caps imply', async () => {
    const text = HOST + 'vm v on h {\n    assign gpu\n}\n';
    const { actions, diagnostic } = await actionsFor(text, 'MDL007');
    expect(diagnostic.severity).toBe(2);
    expect(message(diagnostic)).toMatch(/x86-vector/);
    const fix = actions.find((a) => /msi x86-ir/.test(a.title));
    expect(fix, actions.map((a) => a.title).join(' | ')).toBeDefined();
    const fixed = apply(text, fix!);
    expect(fixed).toContain('caps interrupt-remapping\n        msi x86-ir\n');
    expect(codes(await t.validate(fixed))).not.toContain('MDL007');
  });

  it('MDL007 with a tab or a line break between keyword and value: the fix replaces that line (no second msi line, no REF005)', async () => {
    for (const spelling of ['msi\tx86-vector', 'msi\n            x86-vector']) {
      const text = HOST.replace('msi x86-vector', spelling) + 'vm v on h {\n    assign gpu\n}\n';
      const { actions } = await actionsFor(text, 'MDL007');
      const fixed = apply(text, actions.find((a) => /msi x86-ir/.test(a.title))!);
      expect(fixed.match(/msi/g), JSON.stringify(spelling)).toHaveLength(1);
      expect(codes(await t.validate(fixed)), JSON.stringify(spelling)).not.toContain('REF005');
    }
  });

  it('MDL007 with the msi line written twice: the fix edits the last one, which the simulation reads', async () => {
    const text = HOST.replace('        msi x86-vector\n', '        msi x86-ir\n        msi x86-vector\n') + 'vm v on h {\n    assign gpu\n}\n';
    const { actions } = await actionsFor(text, 'MDL007');
    const fix = actions.find((a) => /msi x86-ir/.test(a.title))!;
    expect(fix, actions.map((a) => a.title).join(' | ')).toBeDefined();
    const fixed = apply(text, fix);
    expect(fixed).toContain('        msi x86-ir\n        msi x86-ir\n');
    expect(codes(await t.validate(fixed))).not.toContain('MDL007');
  });

  it('MDL009: an Intel unit with registers and no caps line takes its capabilities from them; a caps line missing one gets the fix that adds it', async () => {
    const regsOnly = HOST.replace('        caps interrupt-remapping\n        msi x86-vector\n', '        ecap 0xf050da\n        msi x86-ir\n');
    const doc = await t.validate(regsOnly + 'vm v on h {\n    assign gpu, audio\n}\n');
    expect(codes(doc)).not.toContain('IR001');
    expect(diagnosticsWithCode(doc, 'MDL009').map(message)).toEqual([]);
    expect(t.Iommu.simulation.SimulationCache.get(doc).topology.hosts[0].iommus[0]).toMatchObject({ snoopControl: true, interruptRemapping: true, passthrough: true });
    // 0xf0509a: the worked decode without PT (bit 6): IR and SC set, so snoop-control is the one missing
    const text = HOST.replace('        msi x86-vector\n', '        msi x86-ir\n        ecap 0xf0509a\n');
    const { actions } = await actionsFor(text, 'MDL009');
    const fix = actions.find((a) => /snoop-control/.test(a.title))!;
    expect(fix, actions.map((a) => a.title).join(' | ')).toBeDefined();
    const fixed = apply(text, fix);
    expect(fixed).toContain('caps interrupt-remapping, snoop-control\n');
    expect(codes(await t.validate(fixed))).not.toContain('MDL009');
    // two capabilities missing (ecap f050da also has PT): the preferred fix adds both, which clears MDL009
    const two = HOST.replace('        msi x86-vector\n', '        msi x86-ir\n        ecap 0xf050da\n');
    const both = (await actionsFor(two, 'MDL009')).actions.find((a) => a.isPreferred)!;
    expect(both.title).toMatch(/snoop-control, passthrough/);
    const fixedBoth = apply(two, both);
    expect(fixedBoth).toContain('caps interrupt-remapping, snoop-control, passthrough\n');
    expect(codes(await t.validate(fixedBoth))).not.toContain('MDL009');
  });

  it('MDL012: SMMUv2 coherent-walk on an SMMUv3 unit; the fix swaps it for coherent, which clears MDL012 and CC001; caps unknown is not flagged', async () => {
    const arm = (caps: string) =>
      `host a {\n    kernel 6.12\n    arch arm64\n    iommu smmu0 {\n        driver arm-smmu-v3\n        caps ${caps}\n        msi gicv3-its\n    }\n    rciep nic at 0000:00:01.0 { dma-coherent true driver vfio-pci }\n}\nvm v on a {\n    assign nic\n}\n`;
    for (const caps of ['coherent-walk', 'canwbs, coherent-walk']) {
      const text = arm(caps);
      expect(codes(await t.validate(text)), caps).toContain('CC001');
      const { actions } = await actionsFor(text, 'MDL012');
      const fix = actions.find((a) => a.isPreferred) ?? actions[0];
      const fixed = apply(text, fix);
      expect(fixed, fix.title).toContain(`caps ${caps.replace(/,? ?coherent-walk/, '') ? caps.replace(', coherent-walk', '') + ', ' : ''}coherent\n`);
      const after = codes(await t.validate(fixed));
      expect(after).not.toContain('MDL012');
      expect(after).not.toContain('CC001');
    }
    // two of another driver, one with a counterpart: the preferred fix keeps the claim in this driver's word
    const mixed = arm('coherent-walk, snoop-control');
    const mixedActions = (await actionsFor(mixed, 'MDL012')).actions;
    expect(mixedActions.map((a) => [a.title, a.isPreferred === true])).toEqual([
      ['Remove snoop-control from iommu smmu0, and replace coherent-walk by coherent on iommu smmu0', true],
      ['Remove snoop-control, coherent-walk from iommu smmu0', false],
      ['Remove snoop-control from iommu smmu0', false],
      ['Replace coherent-walk by coherent on iommu smmu0', false],
    ]);
    const kept = apply(mixed, mixedActions[0]);
    expect(kept).toContain('        caps coherent\n');
    expect(codes(await t.validate(kept))).not.toContain('MDL012');
    expect(codes(await t.validate(kept))).not.toContain('CC001');
    expect(codes(await t.validate(arm('unknown')))).not.toContain('MDL012');
    // caps unknown with register values: the assumed capabilities are not the file's, no MDL009
    const unknownRegs = 'host h {\n    kernel 6.12\n    iommu d {\n        driver intel-vtd\n        caps unknown\n        ecap 0xf0050e\n    }\n}\n';
    expect(codes(await t.validate(unknownRegs))).not.toContain('MDL009');
    // on a second caps line: the removal takes it from that line
    const amd = 'host h {\n    kernel 6.12\n    iommu ivhd1 {\n        driver amd-vi\n        caps interrupt-remapping\n        caps passthrough, snoop-control\n        msi x86-ir\n    }\n}\n';
    const { actions } = await actionsFor(amd, 'MDL012');
    expect(actions.map((a) => [a.title, a.isPreferred === true])).toEqual([
      ['Remove snoop-control, passthrough from iommu ivhd1', true],
      ['Remove snoop-control from iommu ivhd1', false],
      ['Remove passthrough from iommu ivhd1', false],
    ]);
    expect(apply(amd, actions[2])).toContain('        caps interrupt-remapping\n        caps snoop-control\n');
    // the combined fix clears MDL012 (the emptied line goes)
    const both = apply(amd, actions[0]);
    expect(both).toContain('        caps interrupt-remapping\n        msi x86-ir\n');
    expect(codes(await t.validate(both))).not.toContain('MDL012');
    // one capability on two caps lines: out of both
    const twice = amd.replace('        caps interrupt-remapping\n', '        caps interrupt-remapping, snoop-control // again\n');
    const fix = (await actionsFor(twice, 'MDL012')).actions.find((a) => a.title === 'Remove snoop-control from iommu ivhd1')!;
    const fixed = apply(twice, fix);
    expect(fixed).not.toContain('snoop-control');
    expect(codes(await t.validate(apply(twice, (await actionsFor(twice, 'MDL012')).actions[0])))).not.toContain('MDL012');
  });

  it('MDL010: the preferred fix turns the ignored hwpt block into assign (nothing simulated changes); switching backend is the other', async () => {
    const host = HOST.replace('msi x86-vector', 'msi x86-ir');
    const vm = (body: string) => `${host}vm v on h {\n    backend vfio-type1\n${body}}\n`;
    const before = vm('    assign gpu\n    hwpt p { attach audio, gpu } // both\n');
    const { actions } = await actionsFor(before, 'MDL010');
    expect(actions.map((a) => [a.title, a.isPreferred === true])).toEqual([
      ['Turn hwpt p into an assign line (this backend ignores it)', true],
      ['Use backend iommufd-cdev for vm v', false],
    ]);
    const fixed = apply(before, actions[0]);
    expect(fixed).toContain('    assign gpu, audio\n');
    expect(fixed).not.toContain('hwpt p');
    const norm = (c: string[]) => c.filter((x) => x !== 'MDL010').sort();
    expect(norm(codes(await t.validate(fixed)))).toEqual(norm(codes(await t.validate(before))));
    // no assign line yet: one is written
    expect(apply(vm('    hwpt p { attach gpu }\n'), (await actionsFor(vm('    hwpt p { attach gpu }\n'), 'MDL010')).actions[0])).toContain('    assign gpu\n');
    // a block that does not parse yet (`hwpt p { }`, SYN000) is not removed: its `}` is outside its CST and would stay
    const open = await t.validate(vm('    assign gpu\n    hwpt p { }\n'));
    expect(diagnosticsWithCode(open, 'MDL010')).toHaveLength(1);
    for (const d of diagnosticsWithCode(open, 'MDL010')) {
      const titles = ((await t.Iommu.lsp.CodeActionProvider!.getCodeActions(open, { textDocument: { uri: open.uri.toString() }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[]).map((a) => a.title);
      expect(titles).not.toContain('Turn hwpt p into an assign line (this backend ignores it)');
    }
  });

  it('MDL011: a device in two hwpt blocks; the fix takes it out of the later block (and the block when it is left empty)', async () => {
    const host = HOST.replace('msi x86-vector', 'msi x86-ir');
    const vm = (body: string) => `${host}vm v on h {\n    backend iommufd-cdev\n${body}}\n`;
    const r = await testCodeAction(t.Iommu)(vm('    hwpt a { attach gpu }\n    hwpt b { attach audio, gpu }\n'), 'MDL011', vm('    hwpt a { attach gpu }\n    hwpt b { attach audio }\n'));
    expect(r.action?.title).toBe('Remove gpu from hwpt b');
    expect(codes(await t.validate(vm('    hwpt a { attach gpu }\n    hwpt b { attach audio }\n')))).not.toContain('MDL011');
    await testCodeAction(t.Iommu)(vm('    hwpt a { attach gpu, audio }\n    hwpt b { attach gpu }\n'), 'MDL011', vm('    hwpt a { attach gpu, audio }\n'));
  });

  it('VIA001: assigns the whole iommu_group', async () => {
    const text = HOST.replace('msi x86-vector', 'msi x86-ir') + 'vm v on h {\n    assign gpu\n}\n';
    const { actions } = await actionsFor(text, 'VIA001');
    const assign = actions.find((a) => a.title.startsWith('Assign the whole iommu_group'))!;
    expect(assign).toBeDefined();
    const fixed = apply(text, assign);
    expect(fixed).toContain('assign gpu, audio');
    const after = await t.validate(fixed);
    expect(codes(after)).not.toContain('VIA001');
  });

  it('VIA001: alternatively binds the other member to vfio-pci', async () => {
    const text = HOST.replace('msi x86-vector', 'msi x86-ir') + 'vm v on h {\n    assign gpu\n}\n';
    const { actions } = await actionsFor(text, 'VIA001');
    const bind = actions.find((a) => /Bind audio to vfio-pci/.test(a.title));
    expect(bind).toBeDefined();
    expect(apply(text, bind!)).toContain('driver vfio-pci\n        }\n    }');
  });

  it('VIA008 (5.15): binds the unbound group member to vfio-pci, or assigns it too; either clears the warning', async () => {
    const text = HOST.replace('kernel 6.12', 'kernel 5.15').replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver none') + 'vm v on h {\n    assign gpu\n}\n';
    const { actions, diagnostic } = await actionsFor(text, 'VIA008');
    expect(diagnostic.severity).toBe(2);
    expect(diagnostic.message).toMatch(/^audio \(0000:01:00\.1\) has no driver while VM v uses its iommu_group \d+ \(kernel 5\.15\)/);
    const bind = actions.find((a) => /Bind audio to vfio-pci/.test(a.title))!;
    expect(bind).toBeDefined();
    const bound = apply(text, bind);
    expect(bound).toContain('            driver vfio-pci\n        }\n    }');
    expect(codes(await t.validate(bound))).not.toContain('VIA008');
    const assign = actions.find((a) => a.kind === 'quickfix' && /^Assign/.test(a.title))!;
    expect(assign).toBeDefined();
    const assigned = apply(text, assign);
    expect(assigned).toContain('assign gpu, audio');
    expect(codes(await t.validate(assigned))).not.toContain('VIA008');
  });

  it('VIA009 (6.12): an info on the unbound group member; binding it to vfio-pci or assigning it clears it', async () => {
    const text = HOST.replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver none') + 'vm v on h {\n    assign gpu\n}\n';
    const { actions, diagnostic } = await actionsFor(text, 'VIA009');
    expect(diagnostic.severity).toBe(3);
    expect(diagnostic.message).toMatch(/^audio \(0000:01:00\.1\) has no driver and cannot get one while VM v holds its iommu_group \d+: a host driver bind fails with -EBUSY/);
    expect(codes(await t.validate(text))).not.toContain('VIA008');
    const bind = actions.find((a) => /Bind audio to vfio-pci/.test(a.title))!;
    expect(bind).toBeDefined();
    expect(codes(await t.validate(apply(text, bind)))).not.toContain('VIA009');
    const assign = actions.find((a) => a.kind === 'quickfix' && /^Assign/.test(a.title))!;
    expect(assign).toBeDefined();
    const assigned = apply(text, assign);
    expect(assigned).toContain('assign gpu, audio');
    expect(codes(await t.validate(assigned))).not.toContain('VIA009');
  });

  it('DOM001: requires-direct-mapping on the assigned device → error on the assignment, fix removes it from the VM', async () => {
    const base = HOST.replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver vfio-pci');
    const text = base.replace('no-snoop on\n', 'no-snoop on\n            requires-direct-mapping\n') + 'vm v on h {\n    assign gpu, audio\n}\n';
    const doc = await t.validate(text);
    const diagnostic = diagnosticsWithCode(doc, 'DOM001').find((d) => d.message.startsWith('gpu '))!;
    expect(diagnostic.severity).toBe(1);
    expect(diagnostic.message).toBe('gpu (0000:01:00.0) in VM v: firmware requires a 1:1 IOMMU mapping for this device → -EINVAL at VFIO_GROUP_SET_CONTAINER');
    // placed on the `gpu` reference of the assign list
    expect(text.split('\n')[diagnostic.range.start.line].slice(diagnostic.range.start.character, diagnostic.range.end.character)).toBe('gpu');
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    const fix = actions.find((a) => a.title === 'Remove gpu from vm v')!;
    expect(fix).toBeDefined();
    const fixed = apply(text, fix);
    expect(fixed).toContain('assign audio\n');
    // audio is in the same group: it still cannot be assigned while gpu needs its 1:1 mapping
    const after = await t.validate(fixed);
    const left = diagnosticsWithCode(after, 'DOM001');
    expect(left.map((d) => d.message)).toEqual(['audio (0000:01:00.1) in VM v: firmware requires a 1:1 IOMMU mapping for gpu (0000:01:00.0) → -EINVAL at VFIO_GROUP_SET_CONTAINER']);
    expect(codes(await t.validate(base + 'vm v on h {\n    assign gpu, audio\n}\n'))).not.toContain('DOM001');
  });

  it('the unassign fix removes every mention of the device, also one listed twice on a line (REF003) or by its BDF', async () => {
    const base = HOST.replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver vfio-pci');
    const text = base.replace('no-snoop on\n', 'no-snoop on\n            requires-direct-mapping\n') + 'vm v on h {\n    assign gpu, audio, gpu, 0000:01:00.0\n}\n';
    const doc = await t.validate(text);
    const diagnostic = diagnosticsWithCode(doc, 'DOM001').find((d) => d.message.startsWith('gpu '))!;
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    const fixed = apply(text, actions.find((a) => a.title === 'Remove gpu from vm v')!);
    expect(fixed).toContain('    assign audio\n');
    expect(fixed).not.toMatch(/assign[^\n]*gpu/);
    expect(diagnosticsWithCode(await t.validate(fixed), 'DOM001').map((d) => d.message)).toEqual(['audio (0000:01:00.1) in VM v: firmware requires a 1:1 IOMMU mapping for gpu (0000:01:00.0) → -EINVAL at VFIO_GROUP_SET_CONTAINER']);
  });

  it('VIA001: the preferred fix assigns the whole group and binds the added member to vfio-pci, leaving no VIA001 and no VIA004', async () => {
    const text = HOST + 'vm v on h {\n    assign gpu\n}\n';
    const { actions } = await actionsFor(text, 'VIA001');
    const first = actions[0];
    expect(first.isPreferred).toBe(true);
    expect(first.title).toMatch(/^Assign the whole iommu_group .*, and .*vfio-pci/);
    const fixed = apply(text, first);
    expect(fixed).toContain('    assign gpu, audio\n');
    const after = codes(await t.validate(fixed));
    expect(after).not.toContain('VIA001');
    expect(after).not.toContain('VIA004');
  });

  it('VIA001 with a member another VM assigns: every offered fix leaves the file without VIA001 and VIA002 (the group is not split between the VMs)', async () => {
    const text = HOST.replace('msi x86-vector', 'msi x86-ir') + 'vm a on h {\n    assign gpu\n}\nvm b on h {\n    assign 0000:01:00.1\n}\n';
    // a fails (audio is on snd_hda_intel when it starts), so b gets the group and its VMM rebinds audio
    expect(codes(await t.validate(text)).filter((c) => c.startsWith('VIA')).sort()).toEqual(['VIA001', 'VIA004']);
    const { actions } = await actionsFor(text, 'VIA001');
    expect(actions.map((a) => [a.title, a.isPreferred ?? false])).toEqual([
      ['Assign the whole iommu_group to vm a: add audio, and remove audio from vm b, and bind audio to vfio-pci', true],
      ['Assign the whole iommu_group to vm a: add audio, and remove audio from vm b', false],
      ['Remove gpu from vm a', false],
    ]);
    for (const action of actions) {
      const after = codes(await t.validate(apply(text, action)));
      expect(after, action.title).not.toContain('VIA001');
      expect(after, action.title).not.toContain('VIA002');
    }
    // VIA004 on b's audio: bound to vfio-pci, a would start first and hold the group, so the fix takes gpu out of a
    const via004 = await actionsFor(text, 'VIA004');
    expect(via004.actions.map((a) => a.title)).toEqual(['Bind audio to vfio-pci, and remove gpu from vm a']);
    const fixed = apply(text, via004.actions[0]);
    expect(codes(await t.validate(fixed)).filter((c) => c.startsWith('VIA'))).toEqual([]);
    expect(via004.diagnostic.relatedInformation?.map((r) => r.message)).toContainEqual(expect.stringMatching(/^VM a \(started earlier\) assigns gpu .* fails only because audio .* is on snd_hda_intel/));
  });

  it('VIA001 in two VMs that split a group whose blocking member neither assigns: each fix leaves no VIA002 behind', async () => {
    const usb = '        endpoint usb at 0000:01:00.2 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\n';
    const host = HOST.replace('msi x86-vector', 'msi x86-ir').replace(/    }\n}\n$/, usb);
    const text = host + 'vm a on h {\n    assign gpu\n}\nvm b on h {\n    assign usb\n}\n';
    // a fails on audio's snd_hda_intel and holds nothing, so b fails on it too
    expect(codes(await t.validate(text)).filter((c) => c.startsWith('VIA')).sort()).toEqual(['VIA001', 'VIA001']);
    const doc = await t.validate(text);
    for (const diagnostic of diagnosticsWithCode(doc, 'VIA001')) {
      const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
      expect(actions.length).toBeGreaterThanOrEqual(4);
      for (const action of actions) {
        const after = await t.validate(apply(text, action));
        expect(codes(after), action.title).not.toContain('VIA002');
        // the diagnostic's own VM starts, or gave its device up
        const who = message(diagnostic).split(': iommu_group')[0];
        expect(diagnosticsWithCode(after, 'VIA001').map((d) => message(d).split(': iommu_group')[0]), action.title).not.toContain(who);
      }
      expect(diagnostic.relatedInformation?.map((r) => r.message)).toContainEqual(expect.stringMatching(/^same iommu_group, assigned to VM [ab]: a group cannot be split between VMs$/));
    }
  });

  it('VIA001/VIA004 fixes in files that split a group between VMs: every hint becomes an action (two removals from one assign line are one edit), and none leaves VIA002 or HWPT001 behind', async () => {
    const usb = (driver: string) => `        endpoint usb at 0000:01:00.2 {\n            acs none\n            driver ${driver}\n        }\n    }\n}\n`;
    const host = (gpu: string, audio: string, usbDriver?: string) => {
      const h = HOST.replace('msi x86-vector', 'msi x86-ir').replace('            driver vfio-pci\n', `            driver ${gpu}\n`).replace('driver snd_hda_intel', `driver ${audio}`);
      return usbDriver ? h.replace(/    }\n}\n$/, usb(usbDriver)) : h;
    };
    const files: [string, string][] = [
      // b's VIA004 fix takes gpu and usb out of a's one assign line
      ['two removals, VIA004', host('none', 'snd_hda_intel', 'xhci_hcd') + 'vm a on h {\n    assign gpu, usb\n}\nvm b on h {\n    assign audio\n}\n'],
      // a's group fixes take audio and usb out of b's one assign line
      ['two removals, VIA001', host('vfio-pci', 'snd_hda_intel', 'xhci_hcd') + 'vm a on h {\n    assign gpu\n}\nvm b on h {\n    assign audio, usb\n}\n'],
      // the same device in two VMs
      ['one device twice', host('vfio-pci', 'snd_hda_intel') + 'vm a on h {\n    assign gpu\n}\nvm b on h {\n    assign gpu\n}\n'],
      // iommufd-cdev with an hwpt block: the member goes into that block, not onto the automatic domain (HWPT001)
      ['hwpt', host('vfio-pci', 'snd_hda_intel') + 'vm a on h {\n    vmm qemu\n    backend iommufd-cdev\n    hwpt p { attach gpu }\n}\n'],
    ];
    for (const [what, text] of files) {
      const doc = await t.validate(text);
      const diagnostics = [...diagnosticsWithCode(doc, 'VIA001'), ...diagnosticsWithCode(doc, 'VIA004')];
      expect(diagnostics.length, what).toBeGreaterThan(0);
      for (const diagnostic of diagnostics) {
        const hints = (diagnostic.data as { fixes?: unknown[] }).fixes ?? [];
        const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
        expect(actions.length, `${what}: ${message(diagnostic)}: ${actions.map((a) => a.title).join('; ')}`).toBe(hints.length);
        for (const action of actions) {
          const after = codes(await t.validate(apply(text, action)));
          expect(after, `${what}: ${action.title}`).not.toContain('VIA002');
          expect(after, `${what}: ${action.title}`).not.toContain('HWPT001');
        }
      }
    }
    const hw = files[3][1];
    const { actions } = await actionsFor(hw, 'VIA001');
    expect(actions[0].title).toBe('Assign the whole iommu_group to vm a: add audio to hwpt p, and bind audio to vfio-pci');
    expect(apply(hw, actions[0])).toContain('    hwpt p { attach gpu, audio }\n');
    const two = await actionsFor(files[0][1], 'VIA004');
    expect(two.actions.map((a) => a.title)).toEqual(['Bind audio to vfio-pci, and remove gpu, usb from vm a']);
  });

  it('VIA004 is not offered "bind to vfio-pci" where vfio-pci refuses the device (a bridge, VIA003)', async () => {
    const text = 'host h {\n    kernel 6.12\n    iommu u {\n        driver amd-vi\n        caps interrupt-remapping\n        msi x86-ir\n        pgtable v1\n    }\n    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF\n        driver pcieport\n    }\n}\nvm v on h {\n    vmm qemu\n    kvm-vfio yes\n    assign rp\n}\n';
    const doc = await t.validate(text);
    expect(codes(doc)).toContain('VIA003');
    const [d] = diagnosticsWithCode(doc, 'VIA004');
    expect(message(d)).toContain('bound to host driver pcieport');
    expect((d.data as { fixes?: unknown[] }).fixes ?? []).toEqual([]);
    const { actions } = await actionsFor(text, 'VIA004');
    expect(actions.filter((a) => a.title.startsWith('Bind'))).toEqual([]);
    // VIA003's own fix removes the bridge from the VM, which clears both
    const via003 = await actionsFor(text, 'VIA003');
    const after = codes(await t.validate(apply(text, via003.actions.find((a) => a.isPreferred)!)));
    expect(after).not.toContain('VIA003');
    expect(after).not.toContain('VIA004');
  });

  it('VIA001 whole-group fix: a member whose name is a keyword (it cannot be referenced by it) is added by its BDF', async () => {
    const host = HOST.replace('endpoint audio at', 'endpoint host at');
    for (const [vm, expected] of [
      ['vm v on h {\n    assign gpu\n}\n', 'vm v on h {\n    assign gpu, 0000:01:00.1\n}\n'],
      ['vm v on h {\n    vmm qemu\n    hwpt p { attach gpu }\n}\n', 'vm v on h {\n    vmm qemu\n    hwpt p { attach gpu }\n    assign 0000:01:00.1\n}\n'],
    ]) {
      const { actions, text } = await actionsFor(host + vm, 'VIA001');
      const fix = actions.find((a) => a.title.startsWith('Assign the whole iommu_group') && !a.title.includes(', and '));
      expect(fix, actions.map((a) => a.title).join('; ')).toBeDefined();
      const fixed = apply(text, fix!);
      expect(fixed).toBe(host + expected);
      expect(codes(await t.validate(fixed))).not.toContain('REF001');
    }
  });

  it('KVM001: adds the kvm-vfio device', async () => {
    const text = HOST.replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver vfio-pci') + 'vm v on h {\n    kvm-vfio no\n    assign gpu, audio\n}\n';
    const { actions } = await actionsFor(text, 'KVM001');
    const fix = actions.find((a) => a.title.startsWith('Add the kvm-vfio device'))!;
    const fixed = apply(text, fix);
    expect(fixed).toContain('kvm-vfio yes');
    const after = await t.validate(fixed);
    expect(codes(after)).not.toContain('KVM001');
    expect(codes(after)).toContain('KVM003');
  });
});

describe('quick fixes that insert a line keep a trailing comment on its line', () => {
  const UNIT = (caps: string) => `    iommu dmar0 {\n        driver intel-vtd\n${caps}    }\n`;
  const EP = '    endpoint a at 0000:01:00.0 {\n        driver vfio-pci\n    }\n';
  const VM = '\nvm v on h {\n    vmm qemu\n    assign a\n}\n';
  const TWO_UNITS = '    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    iommu dmar1 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n';
  const T1002 = (vm: string) =>
    'host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd\n        caps snoop-control, interrupt-remapping\n        msi x86-ir\n    }\n    iommu dmar1 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n' +
    '    endpoint ssd at 0000:67:00.0 {\n        iommu dmar0\n        driver vfio-pci\n    }\n    endpoint nic at 0000:66:00.0 {\n        iommu dmar1\n        driver vfio-pci\n    }\n}\n\nvm v on h {\n    backend iommufd-cdev\n' + vm + '}\n';
  // [name, text, code, title prefix, the text after the fix]
  const cases: [string, string, string, string, string][] = [
    [
      'IR001 param after `kernel 6.12 // LTS`',
      'host h {\n    kernel 6.12 // LTS\n' + UNIT('        caps snoop-control\n        msi x86-vector\n') + EP + '}\n' + VM,
      'IR001',
      'Set vfio_iommu_type1.allow_unsafe_interrupts=1',
      'host h {\n    kernel 6.12 // LTS\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n' + UNIT('        caps snoop-control\n        msi x86-vector\n') + EP + '}\n' + VM,
    ],
    [
      'KVER000 after `host h { // the lab box`',
      'host h { // the lab box\n' + UNIT('        caps interrupt-remapping\n        msi x86-ir\n') + EP + '}\n',
      'KVER000',
      'Use kernel 6.12',
      'host h { // the lab box\n    kernel 6.12\n' + UNIT('        caps interrupt-remapping\n        msi x86-ir\n') + EP + '}\n',
    ],
    [
      'GRP004 after `root-port rp at … { // slot 1`',
      'host h {\n    kernel 6.12\n' + UNIT('') + '    root-port rp at 0000:00:01.0 { // slot 1\n        endpoint ep at 0000:01:00.0 {\n            acs none\n        }\n    }\n}\n',
      'GRP004',
      'Declare acs none on rp',
      'host h {\n    kernel 6.12\n' + UNIT('') + '    root-port rp at 0000:00:01.0 { // slot 1\n        acs none\n        endpoint ep at 0000:01:00.0 {\n            acs none\n        }\n    }\n}\n',
    ],
    [
      'GRP004 on a device without a block, a comment after it',
      'host h {\n    kernel 6.12\n' + UNIT('        caps interrupt-remapping, snoop-control\n        msi x86-ir\n') + '    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF\n        endpoint gpu at 0000:01:00.0 {\n            multifunction\n            acs none\n            driver vfio-pci\n        }\n        endpoint audio at 0000:01:00.1 // HDMI audio\n    }\n}\n',
      'GRP004',
      'Declare acs none on audio',
      'host h {\n    kernel 6.12\n' + UNIT('        caps interrupt-remapping, snoop-control\n        msi x86-ir\n') + '    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF\n        endpoint gpu at 0000:01:00.0 {\n            multifunction\n            acs none\n            driver vfio-pci\n        }\n        endpoint audio at 0000:01:00.1 { // HDMI audio\n            acs none\n        }\n    }\n}\n',
    ],
    [
      'VIA005 after `acs … // from lspci`',
      'host h {\n    kernel 6.12\n' + TWO_UNITS + '    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF // from lspci\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\n\nvm v on h {\n    assign gpu\n}\n',
      'VIA005',
      'Translate rp and the devices below it by iommu dmar0',
      'host h {\n    kernel 6.12\n' + TWO_UNITS + '    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR CR UF // from lspci\n        iommu dmar0\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\n\nvm v on h {\n    assign gpu\n}\n',
    ],
    [
      'IR001 caps after `driver intel-vtd // VT-d`',
      'host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd // VT-d\n    }\n' + EP + '}\n' + VM,
      'IR001',
      'Enable interrupt-remapping',
      'host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd // VT-d\n        caps interrupt-remapping\n    }\n' + EP + '}\n' + VM,
    ],
    [
      'T1002 after `hwpt shared { attach ssd, nic } // one table`',
      T1002('    hwpt shared { attach ssd, nic } // one table\n'),
      'T1002',
      'Attach nic to its own',
      T1002('    hwpt shared { attach ssd } // one table\n    hwpt nic_hwpt { attach nic }\n'),
    ],
    [
      'T1002 after a closed block comment',
      T1002('    hwpt shared { attach ssd, nic } /* one */ /* table */\n'),
      'T1002',
      'Attach nic to its own',
      T1002('    hwpt shared { attach ssd } /* one */ /* table */\n    hwpt nic_hwpt { attach nic }\n'),
    ],
    [
      'T1002 in a VM block written on one line: the new hwpt block goes on that line',
      T1002('').replace('vm v on h {\n    backend iommufd-cdev\n}\n', 'vm v on h { backend iommufd-cdev hwpt shared { attach ssd, nic } }\n'),
      'T1002',
      'Attach nic to its own',
      T1002('').replace('vm v on h {\n    backend iommufd-cdev\n}\n', 'vm v on h { backend iommufd-cdev hwpt shared { attach ssd } hwpt nic_hwpt { attach nic } }\n'),
    ],
    [
      'IR001 param after a member that shares the line of `{`: indented as a member',
      'host h { kernel 6.12\n' + UNIT('        caps snoop-control\n        msi x86-vector\n') + EP + '}\n' + VM,
      'IR001',
      'Set vfio_iommu_type1.allow_unsafe_interrupts=1',
      'host h { kernel 6.12\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n' + UNIT('        caps snoop-control\n        msi x86-vector\n') + EP + '}\n' + VM,
    ],
  ];
  for (const [name, text, code, title, expected] of cases) {
    for (const eol of ['\n', '\r\n']) {
      it(`${name}${eol === '\r\n' ? ' (CRLF)' : ''}`, async () => {
        const crlf = (s: string) => s.replace(/\n/g, eol);
        const { actions } = await actionsFor(crlf(text), code);
        const fix = actions.find((a) => a.title.startsWith(title));
        expect(fix, actions.map((a) => a.title).join('; ')).toBeDefined();
        expect(apply(crlf(text), fix!)).toBe(crlf(expected));
      });
    }
  }
});

describe('hover', () => {
  const text = HOST.replace('msi x86-vector', 'msi x86-ir').replace('driver snd_hda_intel', 'driver vfio-pci') + 'vm v on h {\n    assign gpu, audio\n}\n';

  async function hoverAt(needle: string, nth = 0): Promise<string> {
    const doc = await t.validate(text);
    let offset = -1;
    for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
    const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset + 1) });
    const c = hover?.contents as { value?: string } | undefined;
    return c?.value ?? '';
  }

  it('on a device declaration: computed group with its members and the reason, and the VM outcome', async () => {
    const h = await hoverAt('gpu at');
    expect(h).toMatch(/iommu_group \d+/);
    expect(h).toContain('audio (0000:01:00.1)');
    expect(h).toMatch(/VM v\*\*: ✓ attaches/);
    expect(h).toContain('IOMMU_CAP_CACHE_COHERENCY`: yes');
  });

  it('on an IOMMU unit: what the kernel command line changed, as the simulation saw it', async () => {
    const withCmdline = (cmdline: string, caps = 'interrupt-remapping, scalable-mode') =>
      text.replace('caps interrupt-remapping', `caps ${caps}`).replace('    arch x86_64\n', `    arch x86_64\n    cmdline "${cmdline}"\n`);
    const unitHover = async (src: string) => {
      const doc = await t.validate(src);
      const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(src.indexOf('dmar0 {') + 1) });
      return (hover?.contents as { value?: string } | undefined)?.value ?? '';
    };
    const sm = await unitHover(withCmdline('intel_iommu=on,sm_off'));
    expect(sm).toContain('- scalable mode: no (declared yes; `intel_iommu=sm_off` on the command line)');
    expect(sm).toContain('- interrupt remapping: yes');
    const ir = await unitHover(withCmdline('intremap=off'));
    expect(ir).toContain('- interrupt remapping: no (declared yes; `intremap=off` on the command line)');
    expect(ir).toContain('- scalable mode: yes');
    const offDoc = withCmdline('intel_iommu=off');
    const doc = await t.validate(offDoc);
    const dev = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offDoc.indexOf('gpu at') + 1) });
    expect((dev?.contents as { value: string }).value).toContain('**IOMMU** dmar0 (intel-vtd, turned off by `intel_iommu=off`)');
    const off = await unitHover(offDoc);
    expect(off).toMatch(/^\*\*iommu dmar0\*\* — intel-vtd, turned off by `intel_iommu=off` on the kernel command line \(BOOT001\): no iommu_groups/);
    // without such options: the declared values, nothing added
    const plain = await unitHover(withCmdline('quiet'));
    expect(plain).toContain('- scalable mode: yes');
    expect(plain).not.toContain('command line');
  });

  it('on a host held back by an unknown IOMMU driver (SYN003): the device and VM hovers say so first', async () => {
    const typo = text.replace('driver intel-vtd', 'driver intel-vdt');
    const doc = await t.validate(typo);
    const at = async (needle: string) => {
      const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(typo.indexOf(needle) + 1) });
      return (hover?.contents as { value?: string } | undefined)?.value ?? '';
    };
    const note = "**Simulation held back (SYN003):** IOMMU 'dmar0' has no known driver, so what follows assumes no IOMMU translates the devices behind it.";
    expect(await at('gpu at')).toMatch(new RegExp(`^${note.replace(/[.*()?\\[\]]/g, '\\$&')}\n\n\\*\\*endpoint gpu\\*\\*`));
    expect(await at('vm v')).toContain(note);
    // the Findings sections list no finding the diagnostics hold back (they follow from the placeholder driver)
    const shown = new Set((doc.diagnostics ?? []).map((d) => d.code));
    for (const needle of ['gpu at', 'vm v', 'dmar0']) {
      const listed = [...(await at(needle)).matchAll(/^- `([A-Z]+\d+)`/gm)].map((m) => m[1]);
      expect(listed.filter((c) => !shown.has(c)), needle).toEqual([]);
    }
    // the well-formed file's hover has no such line
    expect(await hoverAt('gpu at')).not.toContain('held back');
    // a device of unknown kind (the root port above it): the placeholder it is simulated as
    const kind = text.replace('root-port rp at', 'root-prot rp at');
    expect(kind).not.toBe(text);
    const kdoc = await t.validate(kind);
    const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(kdoc, { textDocument: { uri: kdoc.uri.toString() }, position: kdoc.textDocument.positionAt(kind.indexOf('gpu at') + 1) });
    expect((hover?.contents as { value?: string }).value).toMatch(/^\*\*Simulation held back \(SYN003\):\*\* device 'rp' has an unknown kind, so what follows treats it as an endpoint\.\n\n\*\*endpoint gpu\*\*/);
  });

  it('on a host: the architecture, stated or as the simulator infers it', async () => {
    expect(await hoverAt('host h')).toMatch(/^\*\*host h\*\* — kernel 6\.12, x86_64\n/);
    const smmu = 'host a {\n    kernel 6.12\n    iommu smmu0 {\n        driver arm-smmu-v3\n    }\n}\nhost b {\n    kernel 6.12\n}\n';
    const doc = await t.validate(smmu);
    const at = async (needle: string) => {
      const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(smmu.indexOf(needle) + 1) });
      return (hover?.contents as { value?: string } | undefined)?.value ?? '';
    };
    expect(await at('host a')).toContain('— kernel 6.12, arm64 (inferred from its IOMMU drivers)');
    expect(await at('host b')).toContain('— kernel 6.12, x86_64 (assumed: no arch line)');
  });

  it('on a VM assignment reference: the device hover', async () => {
    const h = await hoverAt('gpu, audio');
    expect(h).toMatch(/^\*\*endpoint gpu\*\* `0000:01:00\.0`/);
  });

  it('on a VM: backend, KVM coherency and a table of outcomes', async () => {
    const h = await hoverAt('vm v');
    expect(h).toContain('backend `vfio-type1`');
    expect(h).toMatch(/\| gpu \(0000:01:00\.0\) \| ✓ attaches/);
    // the hover's host: VT-d without snoop control, the GPU uses no-snoop, kvm-vfio: KVM is told, and on 6.12 guest PAT decides
    expect(h).toContain('KVM told about noncoherent DMA: **yes**');
    expect(h).toContain("Guest memory types: Intel EPT on 6.12: noncoherent DMA, so guest RAM is WB without IPAT and the guest's PAT decides");
  });

  it('where a simulator diagnostic is: the explanation and kernel references of its finding, after the element hover', async () => {
    const doc = await t.validate(text);
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    const [d] = diagnosticsWithCode(doc, 'GRP002');
    expect(d, `expected GRP002, got ${codes(doc).join(', ')}`).toBeDefined();
    const data = d.data as { elementId: string };
    const finding = sim.result.findings.find((f) => f.code === 'GRP002' && f.elementId === data.elementId)!;
    expect(finding.explanation).toContain('Members and why they are in this group');
    const at = async (position: { line: number; character: number }) => {
      const hover = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position });
      return (hover?.contents as { value?: string } | undefined)?.value ?? '';
    };
    const h = await at(d.range.start);
    // the device hover first, then the finding: explanation and every kernel reference
    expect(h).toMatch(/^\*\*endpoint gpu\*\*/);
    expect(h).toContain(`**GRP002** — ${finding.explanation}`);
    for (const k of finding.kernel) expect(h).toContain(`\`${k.source}\` (${k.rule}, ${k.versions})`);
    expect(h.indexOf('**GRP002**')).toBeGreaterThan(h.indexOf('iommu_group'));
    // the end of the range still counts; a position off every diagnostic adds no finding
    expect(await at(d.range.end)).toContain('**GRP002** —');
    const kernelLine = text.split('\n').findIndex((l) => l.includes('kernel 6.12'));
    expect(await at({ line: kernelLine, character: 5 })).not.toContain('**GRP');
  });

  it('on a vocabulary value: its meaning', async () => {
    const h = await hoverAt('intel-vtd');
    expect(h).toContain('Intel VT-d DMAR unit');
  });
});

describe('inlay hints', () => {
  it('shows the group after each BDF and the outcome after each assignment', async () => {
    const text = HOST + 'vm v on h {\n    assign gpu\n}\n';
    const doc = await t.validate(text);
    const hints = (await t.Iommu.lsp.InlayHintProvider!.getInlayHints(doc, { textDocument: { uri: doc.uri.toString() }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } })) ?? [];
    const labels = hints.map((h) => `${h.position.line}:${String(h.label)}`);
    expect(labels.some((l) => /^10:.*group \d+ \(2 devices\)/.test(l))).toBe(true);
    expect(labels.some((l) => /^23:.*✗ -EPERM/.test(l))).toBe(true);
    // the gap before a hint is the editor's (paddingLeft), not a space in the label as well
    expect(hints.length).toBeGreaterThan(0);
    for (const h of hints) expect([String(h.label)[0] !== ' ', h.paddingLeft]).toEqual([true, true]);
  });

  it('a host held back by an unknown IOMMU driver (SYN003) gets none (they would all say "no group")', async () => {
    const text = HOST.replace('driver intel-vtd', 'driver intel-vdt') + 'vm v on h {\n    assign gpu\n}\n';
    const doc = await t.validate(text);
    expect(codes(doc)).toContain('SYN003');
    const hints = (await t.Iommu.lsp.InlayHintProvider!.getInlayHints(doc, { textDocument: { uri: doc.uri.toString() }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } })) ?? [];
    expect(hints.map((h) => String(h.label))).toEqual([]);
  });
});

describe('multi-file', () => {
  it('SYN003 in a VM file whose imported host is held back: on the `on <host>` reference, no follow-on errors', async () => {
    await t.validate(HOST.replace('driver intel-vtd', 'driver intel-vdt'), 'file:///ws/host.iommu');
    const text = 'import "host.iommu"\nvm v on h {\n    assign gpu\n}\n';
    const vmDoc = await t.validate(text, 'file:///ws/vm.iommu');
    const held = diagnosticsWithCode(vmDoc, 'SYN003');
    expect(held.map((d) => d.message)).toEqual(["simulator diagnostics for VM v are held back: its host h (imported) has IOMMU 'dmar0' without a known driver (SYN002 there)"]);
    expect(text.split('\n')[held[0].range.start.line].slice(held[0].range.start.character, held[0].range.end.character)).toBe('h');
    expect(codes(vmDoc)).toEqual(['SYN003']);
    // a VM without a name gets no simulator diagnostics, so no note either (it said 'VM undefined')
    const nameless = await t.validate('import "host.iommu"\nvm on h {\n    assign gpu\n}\n', 'file:///ws/vm2.iommu');
    expect(nameless.diagnostics!.map((d) => `${d.code} ${d.message}`)).toEqual(["SYN000 expected a name, found 'on'"]);
  });

  it('a keyword as a device name declared in an imported host file: the preferred fix renames it in both files', async () => {
    const hostText = 'host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps interrupt-remapping }\n    endpoint host at 0000:02:00.0 { driver vfio-pci }\n}\n';
    const hostDoc = await t.validate(hostText, 'file:///kw/host.iommu');
    const vmText = 'import "host.iommu"\nvm v on h {\n    assign host\n}\n';
    const vmDoc = await t.validate(vmText, 'file:///kw/vm.iommu');
    const ref = diagnosticsWithCode(vmDoc, 'REF001')[0];
    const actions = (await t.Iommu.lsp.CodeActionProvider!.getCodeActions(vmDoc, { textDocument: { uri: vmDoc.uri.toString() }, range: ref.range, context: { diagnostics: [ref] } })) as CodeAction[];
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
      ["Rename 'host' to 'host_' here and at its 1 other place in 2 files", true],
      ["Change to 'host_'", false],
    ]);
    const changes = actions[0].edit!.changes!;
    const fixedHost = TextDocument.applyEdits(TextDocument.create(hostDoc.uri.toString(), 'iommu', 1, hostText), changes[hostDoc.uri.toString()]);
    const fixedVm = TextDocument.applyEdits(TextDocument.create(vmDoc.uri.toString(), 'iommu', 1, vmText), changes[vmDoc.uri.toString()]);
    expect(fixedHost).toContain('    endpoint host_ at 0000:02:00.0');
    expect(fixedVm).toContain('    assign host_\n');
    const t2 = createTestServices();
    await t2.validate(fixedHost, 'file:///kw/host.iommu');
    const after = await t2.validate(fixedVm, 'file:///kw/vm.iommu');
    expect(codes(after).filter((c) => c === 'REF001' || c === 'SYN000')).toEqual([]);
  });

  it('a VM file uses devices of an imported host file, and re-validates when the host changes', async () => {
    const hostDoc = await t.validate(HOST.replace('msi x86-vector', 'msi x86-ir'), 'file:///ws/host.iommu');
    const vmDoc = await t.validate('import "host.iommu"\nvm v on h {\n    assign gpu\n}\n', 'file:///ws/vm.iommu');
    expect(codes(vmDoc)).toContain('VIA001');
    expect(codes(vmDoc).filter((c) => c.startsWith('linking') || c === 'IMP001')).toEqual([]);
    // fix it in the host file: bind the audio function to vfio-pci
    const changed = hostDoc.textDocument.getText().replace('driver snd_hda_intel', 'driver vfio-pci');
    const shared = t.shared.workspace;
    shared.LangiumDocuments.getDocument(hostDoc.uri)!;
    const td = TextDocument.create(hostDoc.uri.toString(), 'iommu', 2, changed);
    shared.TextDocuments?.set(td);
    await shared.DocumentBuilder.update([hostDoc.uri], []);
    const vmAfter = shared.LangiumDocuments.getDocument(vmDoc.uri)!;
    expect(codes(vmAfter)).not.toContain('VIA001');
  });

  it('a VM file that starts importing the host (an edit in the editor) re-checks the VM file already importing it', async () => {
    const HOSTFILE = 'host ws {\n    kernel 6.8\n    iommu d0 {\n        driver intel-vtd\n        caps interrupt-remapping, snoop-control\n        msi x86-ir\n    }\n    root-port rp at 0000:00:01.0 {\n        iommu d0\n        acs cap SV RR CR UF ctl SV RR CR UF\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\n';
    await t.validate(HOSTFILE, 'file:///gain/host.iommu');
    const a = await t.validate('vm gaming on ws {\n    backend vfio-type1\n    assign gpu\n}\n', 'file:///gain/a.iommu');
    const b = await t.validate('import "host.iommu"\nvm other on ws {\n    backend iommufd-cdev\n    assign gpu\n}\n', 'file:///gain/b.iommu');
    expect(codes(b)).not.toContain('VIA002');
    // a gains the import in place, as an editor's didChange does
    const shared = t.shared.workspace;
    shared.TextDocuments?.set(TextDocument.create(a.uri.toString(), 'iommu', 2, 'import "host.iommu"\n' + a.textDocument.getText()));
    await shared.DocumentBuilder.update([a.uri], []);
    expect(codes(shared.LangiumDocuments.getDocument(b.uri)!)).toContain('VIA002');
  });

  it('IMP001: a missing import is reported at the import', async () => {
    const doc = await t.validate('import "nope.iommu"\n', 'file:///ws2/a.iommu');
    expect(codes(doc)).toContain('IMP001');
  });
});

describe('hover on the command line', () => {
  it('examples/grub-cmdline.iommu: the deciding tokens, the undone one, a quoted value as one token, and init\'s arguments', async () => {
    const text = readFileSync(new URL('../../examples/grub-cmdline.iommu', import.meta.url), 'utf8');
    const doc = await t.validate(text);
    const at = text.indexOf('intremap=off', text.indexOf('cmdline "'));
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(at) });
    const value = (h?.contents as { value: string }).value;
    expect(value).toContain('- `intremap=off`: interrupt remapping off: MSIs are not isolated (BOOT002, CAP-IR-01)');
    expect(value).toContain('`intel_iommu=off` (VT-d on is decided by the later `intel_iommu=on`)');
    expect(value).toContain('`dyndbg="file drivers/iommu/* +p"` (not read by the simulator)');
    expect(value.split('\n').at(-1)).toBe('After `--`, for init, not the kernel: `single`');
  });

  it('lists what the simulator reads from each token, and the tokens it does not read', async () => {
    const text = HOST.replace('    arch x86_64\n', '    arch x86_64\n    cmdline "quiet intel_iommu=on iommu=pt vfio_iommu_type1.allow_unsafe_interrupts=1"\n');
    const doc = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf('iommu=pt') + 2) });
    const value = (h?.contents as { value: string }).value;
    expect(value.split('\n')).toEqual([
      '**kernel command line** — what the simulator reads',
      '',
      '- `intel_iommu=on`: VT-d on, as the model takes every declared intel-vtd unit (without it a kernel built with INTEL_IOMMU_DEFAULT_ON=n leaves VT-d off)',
      '- `iommu=pt`: identity (pass-through) default domains (DOM-DEF-01)',
      '- `vfio_iommu_type1.allow_unsafe_interrupts=1`: module parameter vfio_iommu_type1.allow_unsafe_interrupts on (1; as a `param` line would set it)',
      '',
      'Not read: `quiet` (not read by the simulator)',
    ]);
  });
});

describe('default domains (DOM-TYPE-01, DOM002)', () => {
  // the unit's ECAP register read with bit 6 (PT) clear: a unit without an ecap value is assumed to have PT
  const withPt = HOST.replace('    arch x86_64\n', '    arch x86_64\n    cmdline "quiet iommu=pt"\n').replace('        msi x86-vector\n', '        msi x86-vector\n        ecap 0xf010\n');

  it('DOM002 at the Intel unit without ECAP.PT; each quick fix clears it without a new warning (drop iommu=pt, or correct ecap and caps)', async () => {
    const { actions, diagnostic, text } = await actionsFor(withPt, 'DOM002');
    expect(message(diagnostic)).toBe('IOMMU dmar0 has no hardware pass-through (ECAP.PT): iommu=pt is ignored for its iommu_groups 0, 1, which get strict DMA domains on 6.12');
    expect(diagnostic.range.start.line).toBe(4);
    expect(actions.length, actions.map((a) => a.title).join(', ')).toBe(2);
    const before = codes(await t.validate(text)).filter((c) => c !== 'DOM002');
    for (const fix of actions) {
      const fixed = apply(text, fix);
      const after = codes(await t.validate(fixed));
      expect(after, fix.title).not.toContain('DOM002');
      expect(after.filter((c) => !before.includes(c)), fix.title).toEqual([]);
    }
    expect(apply(text, actions[0])).toContain('cmdline "quiet"');
    expect(apply(text, actions[1])).toContain('caps interrupt-remapping, passthrough');
    expect(apply(text, actions[1])).toContain('ecap 0xf050');
    // without the ecap value the same file has no DOM002
    expect(codes(await t.validate(withPt.replace('        ecap 0xf010\n', '')))).not.toContain('DOM002');
  });

  it('hovers give the type of the group and of the host: the device its group\'s, the host every group\'s', async () => {
    const doc = await t.validate(withPt + 'host h2 {\n    kernel 6.12\n    cmdline "iommu=pt"\n    iommu u {\n        driver intel-vtd\n        caps interrupt-remapping, passthrough\n        msi x86-ir\n    }\n    endpoint nic at 0000:00:03.0 {\n    }\n}\n');
    const at = async (needle: string, nth = 0) => {
      const src = doc.textDocument.getText();
      let offset = -1;
      for (let i = 0; i <= nth; i++) offset = src.indexOf(needle, offset + 1);
      const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset + 1) });
      return (h?.contents as { value?: string } | undefined)?.value ?? '';
    };
    const gpu = await at('gpu at');
    expect(gpu).toContain("- default domain `DMA` (`/sys/kernel/iommu_groups/1/type`, the host's own DMA; VFIO and iommufd attach domains of their own): Intel dmar0 has no hardware pass-through (ECAP.PT, bit 6 of its `ecap`)");
    expect(await at('nic at')).toContain('- default domain `identity`');
    const host = await at('host h2');
    expect(host).toContain('Default domains: host default identity (pass-through), set by iommu=pt (DOM-DEF-01)');
    expect(host).toContain('- group 0 (`identity`): nic');
    expect(await at('dmar0')).toContain('- pass-through (ECAP.PT): no (bit 6 of ecap is clear)');
    expect(await at('iommu u')).toContain('- pass-through (ECAP.PT): yes');
  });
});

describe('BOOT001 / BOOT002 underline the option that decides', () => {
  const host = (cmdline: string) => `host h {\n    kernel 6.12\n    cmdline ${JSON.stringify(cmdline)}\n    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n}\n`;
  const underlined = async (text: string, code: string) => {
    const doc = await t.validate(text);
    const d = diagnosticsWithCode(doc, code)[0];
    return doc.textDocument.getText(d.range);
  };
  it('the option itself in the cmdline string, also after an escaped quote, and the last of two cmdline lines', async () => {
    expect(await underlined(host('quiet intel_iommu=off iommu=pt'), 'BOOT001')).toBe('intel_iommu=off');
    // a later on undoes an earlier off: the deciding one is underlined
    expect(await underlined(host('intremap=off quiet nointremap'), 'BOOT002')).toBe('nointremap');
    // escapes in the source (\\") do not shift the range
    expect(await underlined(host('dyndbg="file x.c +p" intel_iommu=off'), 'BOOT001')).toBe('intel_iommu=off');
    expect(await underlined(host('"intremap=off" quiet'), 'BOOT002')).toBe('\\"intremap=off\\"');
    const two = host('quiet').replace('    cmdline "quiet"\n', '    cmdline "quiet"\n    cmdline "ro amd_iommu=off intel_iommu=off"\n');
    const doc = await t.validate(two);
    expect(diagnosticsWithCode(doc, 'BOOT001')[0].range.start.line).toBe(3);
    expect(await underlined(two, 'BOOT001')).toBe('intel_iommu=off');
    // hovering the underlined option: the finding's explanation, then what each token does
    const text = host('quiet intel_iommu=off');
    const d = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(d, { textDocument: { uri: d.uri.toString() }, position: d.textDocument.positionAt(text.indexOf('intel_iommu=off') + 2) });
    const value = (h?.contents as { value: string }).value;
    expect(value).toMatch(/^\*\*BOOT001\*\* — /);
    expect(value).toContain('- `intel_iommu=off`: DMA remapping off on every VT-d unit');
  });
});

describe('a host the simulator does not model (ARCH001)', () => {
  const ppc = 'host p {\n    kernel 6.6\n    arch ppc64le\n    root-port rp0 at 0000:00:01.0 {\n        endpoint nvme at 0000:01:00.0 { driver vfio-pci }\n    }\n}\nvm v on p {\n    assign nvme\n}\n';
  it('one ARCH001 on the host; hovers, inlay hints and the groups view answer without findings or a crash', async () => {
    const doc = await t.validate(ppc);
    expect(codes(doc)).toEqual(['ARCH001', 'ARCH001']);
    const hover = async (needle: string, skip = 1) => {
      const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(ppc.indexOf(needle) + skip) });
      return h === undefined ? undefined : (h.contents as { value: string }).value;
    };
    for (const needle of ['rp0', 'assign nvme']) expect(await hover(needle), needle).not.toMatch(/\*\*no iommu_group\*\*/);
    expect(await hover('p {')).toContain('ARCH001');
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    expect(describeHost(sim, sim.topology.hosts[0])).toBe('**host p** — kernel 6.6, ppc64le\n\nPOWER (ppc64le) is not simulated; no finding is given for its devices and VMs (ARCH001).');
    expect(await hover('nvme at')).toContain('POWER (ppc64le) is not simulated');
    expect(await hover('nvme at')).not.toContain('no iommu_group');
    expect(await hover('vm v', 3)).toContain('Its host: POWER (ppc64le) is not simulated');
    const hints = (await t.Iommu.lsp.InlayHintProvider!.getInlayHints(doc, { textDocument: { uri: doc.uri.toString() }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } })) ?? [];
    expect(hints).toEqual([]);
    const view = groupsView(doc, t.Iommu.simulation.SimulationCache.get(doc));
    expect(view.hosts).toMatchObject([{ name: 'p', kernel: '6.6', heldBack: 'POWER (ppc64le) is not simulated; no finding is given for its devices and VMs (ARCH001)', groups: [] }]);
  });
});
