import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { URI } from 'langium';
import { MAX_BLOCK_DEPTH } from '../src/language/iommu-lexer.js';
import { heldBackAssumes } from '../src/language/iommu-validator.js';
import { IOMMU_PROPERTY_WORDS, lowerDocuments } from '../src/lowering/lower.js';
import { codes, createTestServices, diagnosticsWithCode, message } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const exampleText = fs.readFileSync(path.resolve(__dirname, '../../examples/desktop-gpu-passthrough.iommu'), 'utf8');

describe('grammar and lowering', () => {
  it('parses the desktop example without syntax or vocabulary errors', async () => {
    const doc = await t.validate(exampleText);
    expect(doc.parseResult.lexerErrors).toEqual([]);
    expect(doc.parseResult.parserErrors).toEqual([]);
    expect(codes(doc).filter((c) => /SYN|BDF|lexing|parsing|linking/.test(c))).toEqual([]);
  });

  it('lowers hosts, IOMMUs, the PCI hierarchy and VM assignments into the core model', async () => {
    const doc = await t.parse(exampleText);
    const { topology } = lowerDocuments([doc.parseResult.value]);
    const host = topology.hosts[0];
    expect(host.kernel).toEqual({ major: 6, minor: 12 });
    expect(host.iommus).toMatchObject([{ id: 'i:desktop/ivhd0', driver: 'amd-vi', interruptRemapping: true, msi: 'x86-ir', pgtable: 'v1', snoopControl: false }]);
    const gpu = host.devices.find((d) => d.name === 'gpu')!;
    expect(gpu).toMatchObject({ kind: 'endpoint', bdf: { domain: 0, bus: 0x0a, device: 0, fn: 0 }, vendorId: 0x10de, deviceId: 0x2684, classCode: 0x030000, multifunction: true, acs: null, noSnoop: true, driver: 'vfio-pci', parentId: 'd:desktop/gpp_gfx' });
    const rp = host.devices.find((d) => d.name === 'gpp_gfx')!;
    expect(rp.acs).toEqual({ cap: 0x1d, ctl: 0x1d });
    expect(topology.vms).toMatchObject([{ id: 'v:win11', hostId: 'h:desktop', backend: 'vfio-type1', kvmVfio: true, assignedIds: ['d:desktop/gpu', 'd:desktop/gpu_audio'] }]);
  });

  it('deviceById finds every device and its host, in the lowering and in the cached simulation', async () => {
    const doc = await t.validate(`host a { kernel 6.12 iommu u { driver intel-vtd } endpoint x at 0000:01:00.0 endpoint y at 0000:02:00.0 }
      host b { kernel 6.12 iommu u { driver intel-vtd } endpoint x at 0000:01:00.0 }`);
    const lowered = lowerDocuments([doc.parseResult.value]);
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    for (const l of [lowered, sim]) {
      const all = l.topology.hosts.flatMap((host) => host.devices.map((device) => ({ device, host })));
      expect(all.map((e) => e.device.id)).toEqual(['d:a/x', 'd:a/y', 'd:b/x']);
      expect([...l.deviceById.keys()]).toEqual(all.map((e) => e.device.id));
      for (const e of all) expect(l.deviceById.get(e.device.id)).toEqual(e);
      expect(l.deviceById).toBe(l.deviceById); // built once
      expect(l.deviceById.get('d:a/nope')).toBeUndefined();
    }
  });

  it('lowers vendor, device and subsystem IDs and ACS flags written in any case', async () => {
    const doc = await t.parse(`host h { kernel 6.12 iommu u { driver intel-vtd }
      root-port rp at 0000:00:01.0 { acs cap sv Rr CR uf ctl SV rr firmware-ctl dt
        endpoint nic at 0000:01:00.0 { id 8086:10Fb subsystem 15d9:0611 }
        endpoint plain at 0000:01:00.1 { id abcd:EF01 } } }`);
    const { topology } = lowerDocuments([doc.parseResult.value]);
    const [rp, nic, plain] = topology.hosts[0].devices;
    expect(rp.acs).toEqual({ cap: 0x1d, ctl: 0x05, firmwareCtl: 0x40 });
    expect(nic).toMatchObject({ vendorId: 0x8086, deviceId: 0x10fb, subsystemVendorId: 0x15d9, subsystemDeviceId: 0x0611 });
    expect(plain).toMatchObject({ vendorId: 0xabcd, deviceId: 0xef01, subsystemVendorId: undefined, subsystemDeviceId: undefined });
  });

  it('resolves assignments by canonical and short BDF as well as by name', async () => {
    const doc = await t.validate(`host h { kernel 6.12 iommu u { driver intel-vtd caps interrupt-remapping, snoop-control msi x86-ir }
      root-port rp at 0000:00:01.0 { acs cap SV RR CR UF ctl SV RR CR UF  endpoint nic at 0000:01:00.0 { driver vfio-pci } } }
      vm a on h { assign 0000:01:00.0 }
      vm b on h { assign 01:00.0 }`);
    expect(codes(doc).filter((c) => c.startsWith('linking'))).toEqual([]);
    const { topology } = lowerDocuments([doc.parseResult.value]);
    expect(topology.vms.map((v) => v.assignedIds)).toEqual([['d:h/nic'], ['d:h/nic']]);
  });

  it('survives incomplete input: lowering never throws on a half-typed file', async () => {
    const prefixes = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => exampleText.slice(0, Math.floor(exampleText.length * f)));
    for (const text of prefixes) {
      const doc = await t.validate(text);
      expect(() => lowerDocuments([doc.parseResult.value])).not.toThrow();
    }
  });
});

describe('text-level validation', () => {
  it('SYN002: unknown vocabulary value with a suggestion', async () => {
    const doc = await t.validate('host h { kernel 6.12 iommu u { driver intel-vdt } }');
    const [d] = diagnosticsWithCode(doc, 'SYN002');
    expect(message(d)).toMatch(/unknown IOMMU driver 'intel-vdt'; did you mean 'intel-vtd'\?/);
    expect(d.data).toMatchObject({ code: 'SYN002', replacement: 'intel-vtd' });
    expect(d.codeDescription?.href).toMatch(/README\.md#syn002$/);
  });

  it('SYN003: an unknown or missing IOMMU driver holds back the simulator diagnostics of that host and its VMs', async () => {
    const host = (name: string, driver: string) =>
      `host ${name} {\n    kernel 6.12\n    iommu u {\n        ${driver}\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint gpu at 0000:01:00.0 {\n        driver vfio-pci\n        no-snoop off\n    }\n}\nvm v_${name} on ${name} {\n    assign gpu\n}\n`;
    // one host with a typo, one without a driver value on the way to typing it, one well-formed without snoop control
    const text = host('a', 'driver intel-vdt') + host('b', 'driver amd-vi') + host('c', 'driver intel-vtd');
    const doc = await t.validate(text);
    const byCode = (c: string) => diagnosticsWithCode(doc, c).map((d) => message(d));
    expect(byCode('SYN003')).toEqual(["simulator diagnostics for host a are held back until IOMMU 'u' has a known driver (SYN002)"]);
    expect(byCode('SYN002')).toHaveLength(1);
    // no follow-on error for a's device (it would be VIA005: no iommu_group), b and c report as usual
    expect(byCode('VIA005')).toEqual([]);
    const lineOf = (d: { range: { start: { line: number } } }) => d.range.start.line;
    const hostB = text.split('\n').indexOf('host b {');
    expect(doc.diagnostics!.filter((d) => d.code !== 'SYN002' && d.code !== 'SYN003').every((d) => lineOf(d) >= hostB)).toBe(true);
    expect(byCode('KVM003')).toEqual([expect.stringContaining('gpu (0000:01:00.0) in VM v_c: ')]);
    // the same host with a valid driver: nothing held back; an empty driver line (a parse error) holds back too
    const fixed = await t.validate(host('a', 'driver intel-vtd'));
    expect(codes(fixed)).not.toContain('SYN003');
    const partial = await t.validate(host('a', 'driver'));
    expect(diagnosticsWithCode(partial, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host a are held back until IOMMU 'u' has a driver line (e.g. driver intel-vtd)"]);
    expect(codes(partial)).not.toContain('VIA005');
    // two unknown `driver` lines in one unit: the unit is named once
    const twice = await t.validate(host('a', 'driver intel-vdt\n        driver lpc_ich'));
    expect(diagnosticsWithCode(twice, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host a are held back until IOMMU 'u' has a known driver (SYN002)"]);
    expect(diagnosticsWithCode(twice, 'SYN002')).toHaveLength(2);
  });

  it('a mistyped device kind keeps the device and its block: SYN002 with a suggestion, the host held back (SYN003), no parser error', async () => {
    // a bridge typed `root-prot`: before kinds could be names, the parser lost the block, the rest of the host
    // ("Expecting token of type 'EOF' but found `}`") and the VM's reference to the endpoint inside it
    const text = `host h {\n    kernel 6.12\n    iommu u {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    root-prot rp at 0000:00:1c.0 {\n        acs none\n        endpoint gpu at 0000:01:00.0 {\n            driver vfio-pci\n        }\n    }\n    endpoint nic at 0000:02:00.0\n}\nvm v on h {\n    assign gpu\n}\n`;
    const doc = await t.validate(text);
    expect(doc.parseResult.parserErrors).toEqual([]);
    expect(codes(doc).filter((c) => c !== 'SYN002' && c !== 'SYN003')).toEqual([]);
    const [kind] = diagnosticsWithCode(doc, 'SYN002');
    expect(message(kind)).toMatch(/^unknown device kind 'root-prot'; did you mean 'root-port'\? \(expected one of: host-bridge, root-port, /);
    expect(kind.range.start).toEqual({ line: 7, character: 4 });
    expect((kind.data as { replacement?: string }).replacement).toBe('root-port');
    expect(diagnosticsWithCode(doc, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until device 'rp' has a known kind (SYN002)"]);
    // the block is whole: the endpoint inside it and the one after it are lowered, the typo as a placeholder endpoint
    const lowered = lowerDocuments([doc.parseResult.value]);
    expect(lowered.topology.hosts[0].devices.map((d) => [d.name, d.kind])).toEqual([['rp', 'endpoint'], ['gpu', 'endpoint'], ['nic', 'endpoint']]);
    expect(lowered.heldBack.get('h:h')).toEqual({ units: [], noDriver: [], devices: ['rp'], values: [], lines: [], references: [], capsUnknown: [], kernel: [], numbers: [], unnamed: false });
    // with an IOMMU typo as well, SYN003 names both
    const both = await t.validate(text.replace('driver intel-vtd', 'driver intel-vdt'));
    expect(diagnosticsWithCode(both, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until IOMMU 'u' has a known driver and device 'rp' has a known kind (SYN002)"]);
    // fixed: nothing held back, the simulator reports again
    const fixed = await t.validate(text.replace('root-prot', 'root-port'));
    expect(codes(fixed)).not.toContain('SYN003');
    expect(codes(fixed)).not.toContain('SYN002');
  });

  it('a mistyped property followed by a value is one error on the word, not a device without `at`', async () => {
    const errs = async (text: string) => (await t.validate(text)).diagnostics!.filter((d) => d.code === 'SYN000' || d.code === 'SYN002');
    const inDevice = await errs('host h {\n    endpoint gpu at 0000:01:00.0 {\n        drivr vfio-pci\n    }\n    endpoint nic at 0000:02:00.0\n}\n');
    expect(inDevice.map((d) => [message(d).slice(0, 75), d.range.start, (d.data as { replacement?: string }).replacement])).toEqual([
      ["'drivr' is not a device property or device kind; did you mean 'driver'? (ex", { line: 2, character: 8 }, 'driver'],
    ]);
    const inHost = await errs('host h {\n    arhc x86_64\n    kernl 6.12\n    endpoint nic at 0000:02:00.0\n}\n');
    // recovery skips to the next keyword, so the second typo of two in a row shows once the first is fixed
    expect(inHost.map((d) => [message(d).slice(0, 42), d.range.start])).toEqual([["'arhc' is not a host member; did you mean ", { line: 1, character: 4 }]]);
    const second = await errs('host h {\n    arch x86_64\n    kernl 6.12\n    endpoint nic at 0000:02:00.0\n}\n');
    expect(second.map((d) => [message(d).slice(0, 42), d.range.start])).toEqual([["'kernl' is not a host member; did you mean", { line: 2, character: 4 }]]);
    // a word inside an IOMMU block does not close the block and start a device (no follow-on errors)
    const inIommu = await errs('host h {\n    iommu u {\n        driver intel-vtd\n        ca\n        caps snoop-control, interrupt-remapping\n        msi x86-ir\n    }\n    endpoint nic at 0000:02:00.0\n}\n');
    expect(inIommu.map((d) => message(d).slice(0, 44))).toEqual(["'ca' is not an IOMMU property; did you mean "]);
    // only the error right after the stray word's text is its own: a later, unrelated parse error stays where it is
    // (it was moved onto the stray word and then dropped as a repeat)
    const later = await errs('host a {\n    kernel 6.12\n    endpoint e at 0000:01:00.0 {\n        drivr vfio-pci // typo\n    }\n}\nhost b {\n    kernel 6.12\n    iommu {\n        driver intel-vtd\n    }\n    endpoint gpu {\n    }\n}\n');
    expect(later.map((d) => [message(d).slice(0, 44), d.range.start])).toEqual([
      ["'drivr' is not a device property or device k", { line: 3, character: 8 }],
      ["expected a name, found '{'", { line: 8, character: 10 }],
      ["expected 'at', found '{'", { line: 11, character: 17 }],
      ["unmatched '}': no block is open here (an ear", { line: 13, character: 0 }],
    ]);
  });

  it('an ACS flag list ends at its line: the next line is not read as more flags unless it holds flag names', async () => {
    const host = (body: string) => `host h {\n    kernel 6.12\n    root-port rp at 0000:00:01.0 {\n        acs cap SV RR CR UF ctl SV RR\n${body}\n    }\n}\n`;
    const errs = async (text: string) => (await t.validate(text)).diagnostics!.filter((d) => d.code === 'SYN000' || d.code === 'SYN002').map((d) => [message(d), d.range.start.line]);
    const starts = (prefix: string) => expect.stringMatching(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // a mistyped property after the list: one error on it (it was two unknown ACS flags, 'drivr' and 'pcieport')
    expect(await errs(host('        drivr pcieport'))).toEqual([[starts("'drivr' is not a device property or device kind; did you mean 'driver'?"), 4]]);
    // a child device of mistyped kind after the list: SYN002 on the kind (it was two flags and a parse error at `at`)
    expect(await errs(host('        endpont gpu at 0000:01:00.0'))).toEqual([[starts("unknown device kind 'endpont'; did you mean 'endpoint'?"), 4]]);
    // flag names on the next line continue the last list (any case: ctl gets CR); a typo on the list's own line is still an unknown flag
    const multi = await t.validate(host('            cr\n        driver pcieport'));
    expect(codes(multi).filter((c) => c.startsWith('SYN'))).toEqual([]);
    expect(lowerDocuments([multi.parseResult.value]).topology.hosts[0].devices[0].acs).toEqual({ cap: 0x1d, ctl: 0x0d });
    expect(await errs(host('').replace('ctl SV RR', 'ctl SV XR'))).toEqual([[starts("unknown ACS flag 'XR'; did you mean"), 3]]);
  });

  it('follow-on errors of one typo are left out: a repeated parser error, a lost driver line, a VM whose host is misspelt', async () => {
    const host = (iommu: string, acs = 'acs none') =>
      `host h {\n    kernel 6.12\n    iommu u {\n${iommu}\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint gpu at 0000:01:00.0 {\n        ${acs}\n        driver vfio-pci\n    }\n}\n`;
    const vm = (on: string) => `vm v on ${on} {\n    assign gpu\n}\n`;
    const errors = (doc: Awaited<ReturnType<typeof t.validate>>) => doc.diagnostics!.filter((d) => d.severity === 1).map((d) => `${d.code} ${message(d).slice(0, 40)}`);
    // chevrotain reports `acs nne` twice at the same place: once here
    expect(errors(await t.validate(host('        driver intel-vtd', 'acs nne') + vm('h')))).toEqual(["SYN000 'nne' is not a device property or device"]);
    // the unit's driver line is a parse error: the host is held back (no VIA005 "no iommu_group" for the VM's device)
    const lost = await t.validate(host('        diver intel-vtd') + vm('h'));
    expect(errors(lost)).toEqual(["SYN000 'diver' is not an IOMMU property; did yo"]);
    // (there is no SYN002 to point at: the unit has no driver line)
    expect(diagnosticsWithCode(lost, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until IOMMU 'u' has a driver line (e.g. driver intel-vtd)"]);
    // an unknown capability (SYN002) would read as a missing one: every group would lack MSI isolation (IR001)
    const cap = await t.validate(host('        driver intel-vtd').replace('caps interrupt-remapping', 'caps iterrupt-remapping') + vm('h'));
    expect(errors(cap)).toEqual(["SYN002 unknown IOMMU capability 'iterrupt-remap"]);
    expect(diagnosticsWithCode(cap, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until the unknown value 'iterrupt-remapping' of IOMMU 'u' is fixed (SYN002)"]);
    const msi = await t.validate(host('        driver intel-vtd').replace('msi x86-ir', 'msi x86-irr') + vm('h'));
    expect(diagnosticsWithCode(msi, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until the unknown value 'x86-irr' of IOMMU 'u' is fixed (SYN002)"]);
    expect(codes(msi)).not.toContain('IR001');
    // a unit without any driver line is held back the same way; with an unknown driver in another unit, both are named
    const none = await t.validate(host('') + vm('h'));
    expect(diagnosticsWithCode(none, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until IOMMU 'u' has a driver line (e.g. driver intel-vtd)"]);
    const both = await t.validate(host('').replace('    iommu u {', '    iommu v {\n        driver intel-vdt\n    }\n    iommu u {') + vm('h'));
    expect(diagnosticsWithCode(both, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until IOMMU 'u' has a driver line (e.g. driver intel-vtd) and IOMMU 'v' has a known driver (SYN002)"]);
    // `on hz` names an undeclared host: REF001 says so, and MDL003 does not ask for the `on <host>` that is there
    const orphan = await t.validate(host('        driver intel-vtd') + vm('hz'));
    expect(codes(orphan)).not.toContain('MDL003');
    expect(errors(orphan)).toEqual(["REF001 unknown host 'hz'; did you mean 'h'?", "REF001 unknown device 'gpu' (VM v's host 'hz' i"]);
    // a VM with no `on` at all and two hosts still gets MDL003
    const two = await t.validate(host('        driver intel-vtd') + host('        driver intel-vtd').replace('host h', 'host h2') + 'vm v {\n}\n');
    expect(codes(two)).toContain('MDL003');
  });

  it('a line the parser could not read holds its host back (SYN003) instead of reporting its consequences; a host or VM without a name gets no simulator diagnostics', async () => {
    const text = (iommu: string, device: string, member = '') =>
      `host h {\n    kernel 6.12\n${member}    iommu u {\n        driver intel-vtd\n${iommu}\n        msi x86-ir\n    }\n    iommu w {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint gpu at 0000:01:00.0 {\n${device}\n        driver vfio-pci\n    }\n}\nvm v on h {\n    assign gpu\n}\n`;
    const ok = text('        caps interrupt-remapping', '        iommu u');
    const syn003 = async (src: string) => diagnosticsWithCode(await t.validate(src), 'SYN003').map((d) => message(d));
    expect(await syn003(ok)).toEqual([]);
    // `immu u` in the device: with two units and no `iommu` line the device would have no iommu_group (VIA005)
    const device = await t.validate(text('        caps interrupt-remapping', '        immu u'));
    expect(codes(device)).not.toContain('VIA005');
    expect(diagnosticsWithCode(device, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until the unreadable line 'immu u' in device 'gpu' is fixed (SYN000)"]);
    expect(codes(device).filter((c) => c !== 'SYN003')).toEqual(['SYN000']);
    // a lost `caps` line of a unit would make every group behind it lack MSI isolation (IR001)
    const caps = await t.validate(text('        cps interrupt-remapping', '        iommu u'));
    expect(codes(caps)).not.toContain('IR001');
    expect(diagnosticsWithCode(caps, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host h are held back until the unreadable line 'cps interrupt-remapping' in IOMMU 'u' is fixed (SYN000)"]);
    // a `caps` line without a value: the error stands on the next line, the line named is the `caps` one
    expect(await syn003(text('        caps', '        iommu u'))).toEqual(["simulator diagnostics for host h are held back until the unreadable line 'caps' in IOMMU 'u' is fixed (SYN000)"]);
    // a host member, and two lines at once
    expect(await syn003(text('        caps interrupt-remapping', '        drivr x', '    arhc x86_64\n'))).toEqual([
      "simulator diagnostics for host h are held back until the unreadable lines 'arhc x86_64' in host 'h', 'drivr x' in device 'gpu' are fixed (SYN000)",
    ]);
    // what a hover says the simulation assumes
    const lowered = lowerDocuments([device.parseResult.value]);
    expect(heldBackAssumes(lowered.heldBack.get('h:h')!)).toBe("the unreadable line 'immu u' in device 'gpu' is not read, so what follows is simulated without it.");
    // `host` is a keyword, not a name: recovery starts a host without a name there, which got KVER000 as `host ?`
    const nameless = await t.validate(ok.replace('endpoint gpu at', 'endpoint host at'));
    expect(codes(nameless).every((c) => c === 'SYN000' || c === 'REF001')).toBe(true);
    expect(nameless.diagnostics!.map((d) => message(d)).filter((m) => m.includes('host ?'))).toEqual([]);
    // a VM without a name: its findings could only say `VM ?` (KVM003 here)
    const named = await t.validate(ok);
    expect(named.diagnostics!.filter((d) => message(d).includes('in VM v')).length).toBeGreaterThan(0);
    const vmless = await t.validate(ok.replace('vm v on h', 'vm on h'));
    expect(vmless.diagnostics!.map((d) => `${d.code} ${message(d)}`)).toEqual(["SYN000 expected a name, found 'on'"]);
  });

  it('a mistyped block keyword (host, vm, iommu) before a name and `{` is one error and the block is read as meant', async () => {
    const text = 'hst h {\n    kernel 6.12\n    immu u {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint gpu at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\nvn v on h {\n    assign gpu\n}\n';
    const doc = await t.validate(text);
    const errs = doc.diagnostics!.filter((d) => d.severity === 1);
    expect(errs.map((d) => [d.code, message(d).replace(/ \(expected one of: .*$/, ''), d.range.start, (d.data as { replacement?: string }).replacement])).toEqual([
      ['SYN000', "'hst' is not a top-level element; did you mean 'host'?", { line: 0, character: 0 }, 'host'],
      ['SYN000', "'immu' is not a host member; did you mean 'iommu'?", { line: 2, character: 4 }, 'iommu'],
      ['SYN000', "'vn' is not a top-level element; did you mean 'vm'?", { line: 11, character: 0 }, 'vm'],
    ]);
    // the blocks are whole: the host, its unit and device, and the VM's assignment are all there
    const { topology } = lowerDocuments([doc.parseResult.value]);
    expect(topology.hosts.map((h) => [h.name, h.iommus.map((u) => u.driver), h.devices.map((d) => d.name)])).toEqual([['h', ['intel-vtd'], ['gpu']]]);
    expect(topology.vms.map((v) => v.assignedIds)).toEqual([['d:h/gpu']]);
    // only a typo close to the keyword, with its first letter, is taken for it; other words stay parser errors
    const far = await t.validate('xyz h {\n}\n');
    expect(far.parseResult.lexerErrors).toEqual([]);
    expect(far.parseResult.parserErrors.length).toBeGreaterThan(0);
    // a valid file is lexed as before
    expect((await t.validate(text.replace('hst', 'host').replace('immu', 'iommu').replace('vn v', 'vm v'))).diagnostics!.filter((d) => d.severity === 1)).toEqual([]);
  });

  it('a block keyword typo is repaired only to a keyword its block allows: iommu in a host, hwpt in a VM, nothing deeper', async () => {
    const lexed = async (text: string) => (await t.validate(text)).parseResult.lexerErrors.map((e) => e.message.replace(/ \(expected one of: .*$/, ''));
    // `hwtp` in a host is not taken for `hwpt` (a VM's block), `iomu` in a VM not for `iommu` (a host's)
    expect(await lexed('host h {\n    kernel 6.12\n    hwtp p {\n    }\n}\n')).toEqual([]);
    expect(await lexed('vm v on h {\n    iomu p {\n    }\n}\n')).toEqual([]);
    // where they belong they are
    expect(await lexed('vm v on h {\n    hwtp p {\n    }\n}\n')).toEqual(["'hwtp' is not a VM property; did you mean 'hwpt'?"]);
    expect(await lexed('host h {\n    iomu u {\n    }\n}\n')).toEqual(["'iomu' is not a host member; did you mean 'iommu'?"]);
    // a repaired top-level keyword sets the block: `vn v on h {` is a VM, so `hwtp` in it is a page table
    expect(await lexed('vn v on h {\n    hwtp p {\n    }\n}\n')).toEqual(["'vn' is not a top-level element; did you mean 'vm'?", "'hwtp' is not a VM property; did you mean 'hwpt'?"]);
    // in a device block `immu x {` is a child device of mistyped kind, not an IOMMU unit
    expect(await lexed('host h {\n    root-port rp at 0000:00:01.0 {\n        immu x {\n        }\n    }\n}\n')).toEqual([]);
  });

  it('BDF001: malformed BDF with a repaired suggestion', async () => {
    const doc = await t.validate('host h { kernel 6.12 endpoint x at 0000:65:0.0 }');
    const [d] = diagnosticsWithCode(doc, 'BDF001');
    expect(message(d)).toContain("malformed BDF '0000:65:0.0'");
    expect(d.data).toMatchObject({ replacement: '0000:65:00.0' });
  });

  it('a BDF being typed (no function yet) is one malformed BDF, not a syntax error, and invents no address', async () => {
    for (const typed of ['0000:01:00', '0000:01:00.', '0000:01:', '01:00.']) {
      const doc = await t.validate(`host h {\n    kernel 6.12\n    root-port rp at 0000:00:01.0 {\n        endpoint x at ${typed} { }\n    }\n}\nvm v on h {\n    assign ${typed}\n}\n`);
      expect(codes(doc).filter((c) => c !== 'GRP004').sort(), typed).toEqual(['BDF001', 'REF001']);
      // no repair to another address: `0000:01:00` is not bus 0000, device 01, function 00 (0000:00:01.0, the root port's)
      expect((diagnosticsWithCode(doc, 'BDF001')[0].data as { replacement?: string }).replacement, typed).toBeUndefined();
    }
  });

  it('BDF001: device number out of range has no automatic repair', async () => {
    const doc = await t.validate('host h { kernel 6.12 endpoint x at 0000:65:20.0 }');
    const [d] = diagnosticsWithCode(doc, 'BDF001');
    expect(d).toBeDefined();
    expect((d.data as { replacement?: string }).replacement).toBeUndefined();
  });

  it('BDF001: the highest device and function numbers, in either case of hex, are well-formed', async () => {
    for (const bdf of ['0000:65:1f.7', '0000:6A:1F.0', '65:10.0', '10000:00:00.0']) {
      const doc = await t.validate(`host h { kernel 6.12 endpoint x at ${bdf} }`);
      expect(diagnosticsWithCode(doc, 'BDF001'), bdf).toEqual([]);
    }
    for (const bdf of ['0000:65:2f.0', '0000:65:1f.8', '000:65:00.0']) {
      const doc = await t.validate(`host h { kernel 6.12 endpoint x at ${bdf} }`);
      expect(diagnosticsWithCode(doc, 'BDF001'), bdf).toHaveLength(1);
    }
  });

  it('SYN004: a vendor:device ID with a digit too many or too few is one error on the ID, lowered as absent', async () => {
    // before, `144d:a0a` was a lexing error that broke the device block; read as a number it would name another device
    const text = (ids: string) => `host h {\n    kernel 6.12\n    endpoint nvme at 0000:01:00.0 {\n        ${ids}\n        driver vfio-pci\n    }\n}\n`;
    const doc = await t.validate(text('id 144d:a0a'));
    expect(doc.parseResult.lexerErrors).toEqual([]);
    expect(doc.parseResult.parserErrors).toEqual([]);
    const [d] = diagnosticsWithCode(doc, 'SYN004');
    expect(message(d)).toBe("malformed vendor:device ID '144d:a0a': expected four hex digits on each side, e.g. 10de:2684 (lspci -nn prints them in brackets)");
    expect(d.range.start).toEqual({ line: 3, character: 11 });
    expect(d.severity).toBe(1);
    const nvme = lowerDocuments([doc.parseResult.value]).topology.hosts[0].devices[0];
    expect([nvme.vendorId, nvme.deviceId, nvme.driver]).toEqual([undefined, undefined, 'vfio-pci']);
    // the subsystem ID is checked on its own; a well-formed vendor:device ID is kept
    const sub = await t.validate(text('id 144d:a80a subsystem 144d:a8011'));
    expect(diagnosticsWithCode(sub, 'SYN004').map((x) => message(x))).toEqual(["malformed subsystem vendor:device ID '144d:a8011': expected four hex digits on each side, e.g. 10de:2684 (lspci -nn prints them in brackets)"]);
    const subDev = lowerDocuments([sub.parseResult.value]).topology.hosts[0].devices[0];
    expect([subDev.vendorId, subDev.deviceId, subDev.subsystemVendorId]).toEqual([0x144d, 0xa80a, undefined]);
    const ok = await t.validate(text('id 144d:a80a subsystem 144d:a801'));
    expect(codes(ok)).not.toContain('SYN004');
    expect(lowerDocuments([ok.parseResult.value]).topology.hosts[0].devices[0].subsystemDeviceId).toBe(0xa801);
  });

  it('blocks nested deeper than MAX_BLOCK_DEPTH are skipped with one error instead of a stack overflow', async () => {
    // the parser and the CST builder recurse per block: 250-deep nesting overflowed the stack and the document had
    // no diagnostics at all (the CLI said "cannot read: Maximum call stack size exceeded")
    const nested = (n: number, closed: boolean) =>
      'host h {\n    kernel 6.12\n' + Array.from({ length: n }, (_, i) => `root-port r${i} at 0000:${(i % 256).toString(16).padStart(2, '0')}:00.0 {\n`).join('') + (closed ? '}\n'.repeat(n + 1) : '');
    const doc = await t.validate(nested(150, true));
    expect(doc.parseResult.parserErrors).toEqual([]);
    expect(doc.parseResult.lexerErrors.map((e) => [e.message, e.line])).toEqual([[`blocks nested more than ${MAX_BLOCK_DEPTH} deep: this block and everything in it are skipped (a real PCI hierarchy is a few bridges deep)`, MAX_BLOCK_DEPTH + 2]]);
    // the host is depth 1, so r0…r98 have blocks; r99's block and the 50 devices in it are skipped, r99 itself is kept
    const { topology } = lowerDocuments([doc.parseResult.value]);
    expect(topology.hosts[0].devices.map((d) => d.name).at(-1)).toBe('r99');
    expect(topology.hosts[0].devices).toHaveLength(100);
    // unclosed and far deeper: still one located error (and the missing '}'), no exception
    const open = await t.validate(nested(3000, false));
    expect(codes(open).filter((c) => c === 'SYN000')).toHaveLength(2);
    // at the limit nothing is skipped
    expect((await t.validate(nested(MAX_BLOCK_DEPTH - 1, true))).parseResult.lexerErrors).toEqual([]);
  });

  it('SYN001: kernel version must be X.Y; the host waits for it (SYN003) instead of assuming the default kernel (KVER000)', async () => {
    const doc = await t.validate('host h { kernel 6 }');
    expect(codes(doc)).toContain('SYN001');
    expect(codes(doc)).not.toContain('KVER000');
    expect(message(diagnosticsWithCode(doc, 'SYN003')[0])).toBe("simulator diagnostics for host h are held back until the kernel version '6' is X.Y or X.Y.Z (SYN001)");
  });
  it('a kernel version as uname -r prints it (distribution or release suffix) is one version, read as its X.Y.Z', async () => {
    for (const [v, want] of [
      ['6.8.0-45-generic', { major: 6, minor: 8, patch: 0 }],
      ['6.8-rc3', { major: 6, minor: 8 }],
      ['5.14.0-427.13.1.el9_4.x86_64', { major: 5, minor: 14, patch: 0 }],
      ['6.1.0-18-amd64', { major: 6, minor: 1, patch: 0 }],
      ['6.12.9+', { major: 6, minor: 12, patch: 9 }],
    ] as const) {
      const doc = await t.validate(`host h {\n    kernel ${v}\n    arch x86_64\n}\n`);
      // 5.14 is older than the modelled releases: that note only
      expect(codes(doc), v).toEqual(want.major === 5 && want.minor < 15 ? ['KVER002'] : []);
      expect(lowerDocuments([doc.parseResult.value]).topology.hosts[0].kernel, v).toEqual(want);
    }
  });
});

describe('parser error messages', () => {
  // Langium's parser diagnostics have no `code`; they are marked by `data.code`
  const parsing = (doc: Awaited<ReturnType<typeof t.validate>>) => (doc.diagnostics ?? []).filter((d) => (d.data as { code?: string } | undefined)?.code === 'parsing-error');
  const parseErrors = async (text: string) => parsing(await t.validate(text)).map((d) => message(d));

  it('a mistyped keyword in a block names what the block holds and the closest keyword, from the grammar', async () => {
    const [dev] = await parseErrors('host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0 {\n        drivr vfio-pci\n    }\n}\n');
    expect(dev).toMatch(/^'drivr' is not a device property or device kind; did you mean 'driver'\? \(expected one of: id, class, multifunction, acs, no-snoop, /);
    // child devices are allowed in a device block, and the list ends with the closing brace
    expect(dev).toContain('root-port');
    expect(dev).toMatch(/requires-direct-mapping, untrusted, host-bridge, .*, pci-device, or '\}'\)$/);
    const [host] = await parseErrors('host h {\n    kernl 6.12\n}\n');
    expect(host).toMatch(/^'kernl' is not a host member; did you mean 'kernel'\? \(expected one of: kernel, arch, firmware, cmdline, param, acs-override-patch, iommu, host-bridge, /);
    // `cap` is a keyword of the raw-register property (`cap 0x…`), so this is not a typo of it but a missing value
    expect(await parseErrors('host h {\n    iommu u {\n        driver intel-vtd\n        cap snoop-control\n    }\n}\n')).toEqual([
      "expected a hex number such as 0x1f, found 'snoop-control'",
    ]);
    const [caps] = await parseErrors('host h {\n    iommu u {\n        driver intel-vtd\n        capz snoop-control\n    }\n}\n');
    expect(caps).toMatch(/^'capz' is not an IOMMU property; did you mean 'caps'\? \(expected one of: driver, caps, msi, pgtable, cap, ecap, or '\}'\)$/);
    // the lowering's list of the words that begin an IOMMU line (unreadable lines, SYN003) is the grammar's
    expect(/expected one of: (.*), or '\}'\)$/.exec(caps)![1].split(', ').sort()).toEqual([...IOMMU_PROPERTY_WORDS].sort());
    const [vm] = await parseErrors('vm v {\n    asign gpu\n}\n');
    expect(vm).toBe("'asign' is not a VM property; did you mean 'assign'? (expected one of: vmm, backend, kvm-vfio, kvm-vfio-add, guest-no-snoop, assign, hwpt, or '}')");
  });

  it('where one of a few single tokens was expected, the message names them in words, not as token sequences', async () => {
    // a BDF typed half way (`0000:01` is a complete vendor:device ID token) after `assign`, which takes a name or a BDF
    const host = 'host h {\n    kernel 6.12\n    endpoint e at 0000:01:00.0\n}\n';
    expect(await parseErrors(host + 'vm v on h {\n    assign 0000:01\n}\n')).toEqual(["expected a name or a PCI address such as 0000:65:00.0, found '0000:01'"]);
    expect(await parseErrors(host + 'vm v on h {\n    assign\n}\n')).toEqual(["expected a name or a PCI address such as 0000:65:00.0, found '}'"]);
    // a keyword among the alternatives is quoted
    expect(await parseErrors('host h {\n    endpoint e at 0000:01:00.0 {\n        driver\n    }\n}\n')).toEqual(["expected a name or 'none', found '}'"]);
    // a value rule (Version, Devfn, HexByte) is one kind of value, whatever its alternatives
    expect(await parseErrors('host h {\n    kernel\n}\n')).toEqual(["expected a version such as 6.12, found '}'"]);
    expect(await parseErrors('host h {\n    endpoint e at 0000:01:00.0 {\n        dma-alias 02.0,\n    }\n}\n')).toEqual(["expected a slot.function such as 1f.0, found '}'"]);
    expect(await parseErrors('host h {\n    root-port r at 0000:00:01.0 {\n        secondary-bus\n    }\n}\n')).toEqual(["expected a hex bus number such as 1a, found '}'"]);
  });

  it('a keyword as a name is one error that says so, and the declaration and its block are read whole; a name left out before a keyword keeps its message', async () => {
    const syntaxErrors = async (text: string) => diagnosticsWithCode(await t.validate(text), 'SYN000').map((d) => message(d));
    const keywordMessage = (k: string) => `'${k}' is a keyword and cannot be a name; rename it, for example '${k}_'`;
    expect(await syntaxErrors('host h {\n    kernel 6.12\n    endpoint host at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n')).toEqual([keywordMessage('host')]);
    expect(await syntaxErrors('host h {\n    kernel 6.12\n}\nvm host on h {\n}\n')).toEqual([keywordMessage('host')]);
    expect(await syntaxErrors('host vm {\n    kernel 6.12\n}\n')).toEqual([keywordMessage('vm')]);
    expect(await syntaxErrors('host h {\n    iommu driver {\n        driver intel-vtd\n    }\n}\n')).toEqual([keywordMessage('driver')]);
    // a mistyped kind before it, and a device on the line of its parent's `{`
    expect(await syntaxErrors('host h {\n    root-port rp at 0000:00:01.0 { endpoint vm at 0000:01:00.0 }\n}\n')).toEqual([keywordMessage('vm')]);
    expect(await parseErrors('host h {\n    kernel 6.12\n    endpoint at 0000:01:00.0\n}\n')).toEqual(["expected a name, found 'at'"]);
    expect(await parseErrors('host h {\n    kernel 6.12\n}\nvm on h {\n}\n')).toEqual(["expected a name, found 'on'"]);
    // a name left out and a typo later on the same line: both errors stay, neither blames 'at'
    const both = await parseErrors('host h {\n    kernel 6.12\n    endpoint at 0000:01:00.0 { drivr vfio-pci }\n}\n');
    expect(both[0]).toBe("expected a name, found 'at'");
    expect(both.some((m) => m.includes("'drivr'"))).toBe(true);
    // the rest of the host is read: the device after it exists, a VM assigns it, and no nameless host is made
    const doc = await t.validate('host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }\n    endpoint host at 0000:01:00.0 { driver vfio-pci }\n    endpoint gpu at 0000:02:00.0 { driver vfio-pci }\n}\nvm v on h {\n    assign gpu\n}\n');
    expect((doc.diagnostics ?? []).filter((d) => d.severity === 1).map((d) => message(d))).toEqual([keywordMessage('host')]);
    const hosts = doc.parseResult.value.elements.filter((e) => e.$type === 'Host') as unknown as { name?: string; members: { $type: string; name?: string }[] }[];
    expect(hosts.map((h) => h.name)).toEqual(['h']);
    expect(hosts[0].members.filter((m) => m.$type === 'PciDevice').map((m) => m.name)).toEqual(['host', 'gpu']);
    expect(t.Iommu.simulation.SimulationCache.get(doc).result.vms.get(t.Iommu.simulation.SimulationCache.get(doc).topology.vms[0].id)?.attach.map((o) => o.ok)).toEqual([true]);
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    expect(sim.topology.hosts[0].devices.map((d) => d.name)).toEqual(['host', 'gpu']);
    // a kind keyword after a property's value is not a name: there the child's name is left out
    expect(await parseErrors('host h {\n    endpoint e at 0000:01:00.0 { driver vfio-pci endpoint at 0000:02:00.0 }\n}\n')).toEqual(["expected a name, found 'at'"]);
  });

  it('a keyword in an assign / attach list is one REF001 that says so (with keyword_ as the fix), not a new host block', async () => {
    const text = 'host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0\n    endpoint host at 0000:02:00.0\n}\nvm v on h {\n    assign gpu, host\n    hwpt p { attach vm }\n}\n';
    const doc = await t.validate(text);
    const refs = diagnosticsWithCode(doc, 'REF001');
    // the device named `host` is not offered under that name: the reference is the keyword error, not a silent match
    expect(refs.map((d) => [doc.textDocument.getText(d.range), message(d), (d.data as { replacement?: string }).replacement])).toEqual([
      ['host', "'host' is a keyword and cannot be a name; rename the device and its references, for example 'host_'", 'host_'],
      ['vm', "'vm' is a keyword and cannot be a name; rename the device and its references, for example 'vm_'", 'vm_'],
    ]);
    // the declaration's own error, and nothing from the parser: the VM and its hwpt block are read whole
    expect(diagnosticsWithCode(doc, 'SYN000').map((d) => message(d))).toEqual(["'host' is a keyword and cannot be a name; rename it, for example 'host_'"]);
    expect(await parseErrors(text)).toEqual([]);
    const vmNode = doc.parseResult.value.elements.find((e) => e.$type === 'Vm') as unknown as { props: { $type: string }[] };
    expect(vmNode.props.map((p) => p.$type)).toEqual(['AssignProp', 'HwptDecl']);
    // one host: none read from the reference or the declaration
    expect(doc.parseResult.value.elements.filter((e) => e.$type === 'Host').length).toBe(1);
    // the keyword-named device is still reachable by its BDF
    const byBdf = await t.validate(text.replace('assign gpu, host', 'assign gpu, 0000:02:00.0'));
    expect(diagnosticsWithCode(byBdf, 'REF001').map((d) => byBdf.textDocument.getText(d.range))).toEqual(['vm']);
    // a list left open at the end of its line does not take the next line's keyword: the hwpt block stays a block
    const open = await t.validate('host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0\n}\nvm v on h {\n    assign gpu,\n    hwpt p { attach gpu }\n}\n');
    const vm = open.parseResult.value.elements[1] as { props: { $type: string }[] };
    expect(vm.props.map((p) => p.$type)).toContain('HwptDecl');
  });

  it("a keyword as a VM's host (`vm v on host {`) is one REF001 that says so, and the VM's block is read, not a new host block", async () => {
    const text = 'host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\nvm v on host {\n    assign gpu\n}\n';
    const doc = await t.validate(text);
    expect(await parseErrors(text)).toEqual([]);
    expect(diagnosticsWithCode(doc, 'SYN000')).toEqual([]);
    const refs = diagnosticsWithCode(doc, 'REF001');
    expect(refs.map((d) => [doc.textDocument.getText(d.range), message(d), (d.data as { replacement?: string; keywordName?: string }).replacement, (d.data as { keywordName?: string }).keywordName])).toEqual([
      ['host', "'host' is a keyword and cannot be a name; rename the host and its references, for example 'host_'", 'host_', 'host'],
      ['gpu', "unknown device 'gpu' (VM v's host 'host' is a keyword, which cannot be a name)", undefined, undefined],
    ]);
    // one host (h), and the VM keeps its assign line: nothing was read as a second host
    const elements = doc.parseResult.value.elements;
    expect(elements.map((e) => e.$type)).toEqual(['Host', 'Vm']);
    expect((elements[1] as unknown as { props: { $type: string }[] }).props.map((p) => p.$type)).toEqual(['AssignProp']);
    // a keyword VM name before `on` too
    const both = await t.validate('host h {\n    kernel 6.12\n}\nvm vm on host {\n}\n');
    expect(diagnosticsWithCode(both, 'REF001').map((d) => both.textDocument.getText(d.range))).toEqual(['host']);
    expect(both.parseResult.value.elements.map((e) => e.$type)).toEqual(['Host', 'Vm']);
    // only on the line of `vm`: a `host` keyword starting the next line stays a keyword (`vm v on` left open while typing)
    const open = await t.validate('vm v on\nhost h {\n    kernel 6.12\n}\n');
    expect(diagnosticsWithCode(open, 'REF001').map((d) => open.textDocument.getText(d.range))).not.toContain('host');
  });

  it('`vm v on` left open before the next top-level block: the VM lacks its host, and the block after it is read as written', async () => {
    // chevrotain's single-token deletion used to drop `host`, read `h` as the VM's host and the host block as the VM's body
    const text = 'vm v on\nhost h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\n';
    expect(await parseErrors(text)).toEqual(["expected a name, found 'host'"]);
    const doc = await t.validate(text);
    expect(doc.diagnostics?.map((d) => d.code)).toEqual(['SYN000']);
    const elements = doc.parseResult.value.elements;
    expect(elements.map((e) => e.$type)).toEqual(['Vm', 'Host']);
    expect((elements[1] as unknown as { members: { $type: string }[] }).members.map((m) => m.$type)).toEqual(['KernelSetting', 'PciDevice']);
    // and before a second VM: the second VM is whole
    const vms = await t.validate('host h {\n    kernel 6.12\n}\nvm v on\nvm w on h {\n    vmm qemu\n}\n');
    expect(vms.diagnostics?.map((d) => [d.code, message(d)])).toEqual([['SYN000', "expected a name, found 'vm'"]]);
    const w = vms.parseResult.value.elements[2] as unknown as { name: string; host: { ref?: { name: string } }; props: { $type: string }[] };
    expect([w.name, w.host.ref?.name, w.props.map((p) => p.$type)]).toEqual(['w', 'h', ['VmmProp']]);
  });

  it('a missing value of a closed vocabulary names the kind of value and its first terms', async () => {
    expect(await parseErrors('host h {\n    endpoint e at 0000:01:00.0 {\n        observed-domain\n    }\n}\n')).toEqual(["expected a default-domain type such as DMA, DMA-FQ or identity, found '}'"]);
    expect(await parseErrors('host h {\n    iommu u {\n        driver intel-vtd\n        msi\n    }\n}\n')).toEqual(["expected an MSI controller such as x86-ir, x86-vector or hyperv-ir, found '}'"]);
    expect(await parseErrors('host h {\n    arch\n}\n')).toEqual(["expected an architecture such as x86_64, arm64 or s390x, found '}'"]);
    expect(await parseErrors('host h { }\nvm v on h {\n    backend\n}\n')).toEqual(["expected a VFIO backend such as vfio-type1, iommufd-compat or iommufd-cdev, found '}'"]);
  });

  it('a word nothing is close to gets the list only; a top-level typo gets the top-level keywords', async () => {
    const [conv] = await parseErrors('host h {\n    conventional isa\n}\n');
    expect(conv).toMatch(/^'conventional' is not a host member \(expected one of: kernel, /);
    expect(conv).not.toContain('did you mean');
    // (`hots h {` is repaired by the lexer, which reports it in the same words; without a block it is the parser's)
    expect(diagnosticsWithCode(await t.validate('hots h {\n}\n'), 'SYN000').map((d) => message(d))).toEqual(["'hots' is not a top-level element; did you mean 'host'? (expected one of: import, host, vm)"]);
    expect(await parseErrors('hots\n')).toEqual(["'hots' is not a top-level element; did you mean 'host'? (expected one of: import, host, vm)"]);
  });

  it('an unclosed block at the end of the file, a stray closing brace and a missing value say so', async () => {
    expect(await parseErrors('host h {\n    kernel 6.12\n')).toEqual(["missing '}' at the end of the file: the host block is not closed"]);
    expect(await parseErrors('host h {\n    endpoint gpu at 0000:01:00.0 {\n        id\n    }\n}\n')).toEqual(["expected a vendor:device ID such as 10de:2684, found '}'"]);
    expect(await parseErrors('host h {\n    endpoint gpu at')).toEqual(['expected a PCI address such as 0000:65:00.0, found the end of the file']);
    expect(await parseErrors('host h {\n    kernel 6.12\n}\n}\n')).toEqual(["unmatched '}': no block is open here (an earlier error may have closed it)"]);
  });

  it('text the user typed cannot pose as a suggestion: only a message built here with one carries it', async () => {
    const doc = await t.validate(`host h {\n    kernel "; did you mean 'foo'?"\n}\n`);
    const errors = parsing(doc);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((d) => message(d)).join('\n')).toContain("did you mean 'foo'");
    expect(errors.every((d) => (d.data as { replacement?: string }).replacement === undefined)).toBe(true);
  });

  it('the suggestion is carried in data.replacement; other parser errors carry none', async () => {
    const doc = await t.validate('vm v {\n    asign gpu\n}\n');
    expect(parsing(doc).map((d) => (d.data as { replacement?: string }).replacement)).toEqual(['assign']);
    const at = parsing(await t.validate('host h {\n    endpoint gpu 0000:01:00.0\n}\n'));
    expect(at.map((d) => message(d))).toEqual(["expected 'at', found '0000:01:00.0'"]);
    const other = parsing(await t.validate('host h {\n    acs-override-patch maybe\n}\n'));
    expect(other.map((d) => message(d))).toEqual(["expected 'yes', 'no', 'on', 'off', 'true' or 'false', found 'maybe'"]);
    expect([...at, ...other].every((d) => (d.data as { replacement?: string }).replacement === undefined)).toBe(true);
  });
});

describe('Langium diagnostics get stable codes', () => {
  it('SYN000 for a syntax error, with the README link', async () => {
    const doc = await t.validate('vm v {\n    asign gpu\n}\n');
    const [d] = diagnosticsWithCode(doc, 'SYN000');
    expect(message(d)).toMatch(/^'asign' is not a VM property/);
    expect(d.codeDescription?.href).toMatch(/README\.md#syn000$/);
  });

  it("REF001: an unknown device, host or IOMMU names the closest declared one, from the reference's scope", async () => {
    const text =
      'host h {\n    kernel 6.12\n    iommu dmar0 {\n        driver intel-vtd\n    }\n    endpoint gpu at 0000:01:00.0 {\n        iommu dmar1\n    }\n}\n' +
      'vm v on h {\n    assign gpx, 0000:01:00.1\n}\nvm w on hx {\n}\n';
    const doc = await t.validate(text);
    const refs = diagnosticsWithCode(doc, 'REF001');
    expect(refs.map((d) => message(d))).toEqual([
      "unknown IOMMU 'dmar1'; did you mean 'dmar0'?",
      "unknown device 'gpx'; did you mean 'gpu'?",
      // a BDF is matched against the host's BDFs too
      "unknown device '0000:01:00.1'; did you mean '0000:01:00.0'?",
      "unknown host 'hx'; did you mean 'h'?",
    ]);
    expect(refs.map((d) => (d.data as { replacement?: string }).replacement)).toEqual(['dmar0', 'gpu', '0000:01:00.0', 'h']);
    expect(refs[0].codeDescription?.href).toMatch(/README\.md#ref001$/);
    // not a device the list names already (that would make a REF003), by name or by BDF; the next closest, or none
    const listed = diagnosticsWithCode(await t.validate('host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0\n    endpoint gpu2 at 0000:02:00.0\n}\nvm v on h {\n    assign gpu, gpx, 0000:01:00.0, 0000:01:00.1\n}\n'), 'REF001');
    expect(listed.map((d) => message(d))).toEqual(["unknown device 'gpx'; did you mean 'gpu2'?", "unknown device '0000:01:00.1'; did you mean '0000:02:00.0'?"]);
    // nothing close: the name alone
    const far = diagnosticsWithCode(await t.validate('host h {\n    kernel 6.12\n}\nvm v on h {\n    assign nvme_controller\n}\n'), 'REF001');
    expect(far.map((d) => message(d))).toEqual(["unknown device 'nvme_controller'"]);
    // the VM's host is the unknown one: its devices say where the lookup went
    const hostless = diagnosticsWithCode(await t.validate('host h {\n    kernel 6.12\n    endpoint gpu at 0000:01:00.0\n}\nvm v on hz {\n    assign gpu\n}\n'), 'REF001');
    expect(hostless.map((d) => message(d))).toEqual(["unknown host 'hz'; did you mean 'h'?", "unknown device 'gpu' (VM v's host 'hz' is not declared)"]);
    // half-typed: a VM without a name yet never prints "undefined"
    const unnamed = diagnosticsWithCode(await t.validate('host h {\n    kernel 6.12\n}\nvm on hz {\n    assign gpu\n}\n'), 'REF001').map((d) => message(d));
    expect(unnamed.length).toBeGreaterThan(0);
    expect(unnamed.join('\n')).not.toContain('undefined');
  });

  it('REF001: only the first 50 unknown references of a file search for a suggestion; the rest keep the plain message', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `gpx${i}`);
    const text = 'host h {\n    kernel 6.12\n' + names.map((n, i) => `    endpoint ${n.replace('x', 'u')} at 0000:${(i + 1).toString(16).padStart(2, '0')}:00.0\n`).join('') + '}\nvm v on h {\n    assign ' + names.join(', ') + '\n}\n';
    const refs = diagnosticsWithCode(await t.validate(text), 'REF001').map((d) => message(d));
    expect(refs).toHaveLength(60);
    expect(refs[0]).toBe("unknown device 'gpx0'; did you mean 'gpu0'?");
    expect(refs.filter((m) => m.includes('did you mean'))).toHaveLength(50);
    expect(refs[59]).toBe("unknown device 'gpx59'");
  });
});

describe('placing simulator diagnostics', () => {
  const twoVms = (assignB: string) => `host h {
    kernel 6.8
    iommu d0 {
        driver intel-vtd
        caps interrupt-remapping, snoop-control
        msi x86-ir
    }
    root-port rp at 0000:00:01.0 {
        iommu d0
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint nic at 0000:01:00.0 {
            acs none
            driver vfio-pci
        }
    }
}
vm a on h {
    backend vfio-type1
    assign nic
}
vm b on h {
    backend vfio-type1
    assign ${assignB}
}
`;
  it("a finding of one VM's start-up goes on that VM's assign line, not on another VM's that it names (VIA002)", async () => {
    const doc = await t.validate(twoVms('nic'));
    const [d] = diagnosticsWithCode(doc, 'VIA002');
    expect(message(d)).toMatch(/in VM b: iommu_group \d+ is already used by VM a/);
    expect(d.range.start.line).toBe(22); // vm b's `assign nic`
  });
  it('the same device failing in two VMs: each diagnostic on its own VM (VIA005 with translation off)', async () => {
    const doc = await t.validate(twoVms('0000:01:00.0').replace('    kernel 6.8\n', '    kernel 6.8\n    cmdline "intel_iommu=off"\n'));
    const ds = diagnosticsWithCode(doc, 'VIA005');
    expect(ds.map((d) => [d.range.start.line, message(d).match(/in VM (\w+)/)![1]])).toEqual([
      [19, 'a'],
      [23, 'b'],
    ]);
  });
});

describe('an iommu line that names no unit of the host', () => {
  const host = (units: string[], ref: string) => `host h {
    kernel 6.8
${units.map((u) => `    iommu ${u} {\n        driver intel-vtd\n        caps interrupt-remapping, snoop-control\n        msi x86-ir\n    }`).join('\n')}
    root-port peg at 0000:00:01.0 {
        iommu ${ref}
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            acs none
            driver vfio-pci
        }
    }
}
vm v on h {
    backend vfio-type1
    assign gpu
}
`;
  it('is REF001 with the held-back note (SYN003), not VIA005 for the devices behind it', async () => {
    const doc = await t.validate(host(['dmar0', 'dmar1'], 'dmar2'));
    expect(codes(doc).sort()).toEqual(['REF001', 'SYN003']);
    expect(message(diagnosticsWithCode(doc, 'SYN003')[0])).toBe("simulator diagnostics for host h are held back until the unknown IOMMU 'dmar2' of device 'peg' names a declared unit (REF001)");
  });
  it('on a host with one unit the device is not silently given that unit', async () => {
    const doc = await t.validate(host(['dmar0'], 'dmar9'));
    expect(codes(doc).sort()).toEqual(['REF001', 'SYN003']);
    const lowered = lowerDocuments([doc.parseResult.value]);
    expect(heldBackAssumes(lowered.heldBack.get('h:h')!)).toBe("the unknown IOMMU 'dmar9' of device 'peg' is taken as absent, so what follows treats the device as having no `iommu` line.");
    // fixed, the simulator speaks again (here: nothing to report)
    expect(codes(await t.validate(host(['dmar0'], 'dmar0')))).toEqual([]);
  });
});

/** A host `ws` whose GPU and its audio function share an iommu_group (no ACS on them), for the multi-file tests below. */
const WS_GPU_HOST = `host ws {
    kernel 6.8
    iommu d0 {
        driver intel-vtd
        caps interrupt-remapping, snoop-control
        msi x86-ir
    }
    root-port rp at 0000:00:01.0 {
        iommu d0
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            multifunction
            acs none
            driver vfio-pci
        }
        endpoint gpu_audio at 0000:01:00.1 {
            acs none
            driver vfio-pci
        }
    }
}
`;

/** A host `ws` with one GPU behind a capable unit. */
const WS_ONE_GPU = 'host ws {\n    kernel 6.8\n    iommu d0 {\n        driver intel-vtd\n        caps interrupt-remapping, snoop-control\n        msi x86-ir\n    }\n    endpoint gpu at 0000:01:00.0 {\n        iommu d0\n        driver vfio-pci\n    }\n}\n';

describe('REF002: duplicate names', () => {
  const base = WS_GPU_HOST + `vm gaming on ws {
    backend vfio-type1
    assign gpu, gpu_audio
}
`;
  it('a device name declared twice in a host is an error on the second, naming the first line', async () => {
    const doc = await t.validate(base.replace('endpoint gpu_audio at', 'endpoint gpu at').replace('assign gpu, gpu_audio', 'assign gpu'));
    const ds = diagnosticsWithCode(doc, 'REF002');
    expect(ds.map((d) => [d.range.start.line, message(d)])).toEqual([[15, "device 'gpu' is declared twice in host ws (first at line 11): references by name would pick one of them; rename one"]]);
  });
  it('hosts, VMs, IOMMU units and HWPTs too; distinct names and the well-formed file have none', async () => {
    expect(codes(await t.validate(base))).not.toContain('REF002');
    const twoUnits = base.replace('    root-port rp', '    iommu d0 {\n        driver intel-vtd\n    }\n    root-port rp');
    expect(diagnosticsWithCode(await t.validate(twoUnits), 'REF002').map(message)).toEqual(["IOMMU 'd0' is declared twice in host ws (first at line 3): references by name would pick one of them; rename one"]);
    const twoVms = base + 'vm gaming on ws {\n    backend vfio-type1\n}\n';
    expect(diagnosticsWithCode(await t.validate(twoVms), 'REF002').map(message)).toEqual(["VM 'gaming' is declared twice in this file (first at line 22): references by name would pick one of them; rename one"]);
    const twoHosts = base + 'host ws {\n    kernel 6.8\n}\n';
    expect(diagnosticsWithCode(await t.validate(twoHosts), 'REF002').map(message)).toEqual(["host 'ws' is declared twice (first at line 1): references by name would pick one of them; rename one"]);
    const iommufd = base.replace('backend vfio-type1\n    assign gpu, gpu_audio', 'backend iommufd-cdev\n    hwpt a { attach gpu }\n    hwpt a { attach gpu_audio }');
    expect(diagnosticsWithCode(await t.validate(iommufd), 'REF002').map(message)).toEqual(["HWPT 'a' is declared twice in VM gaming (first at line 24): references by name would pick one of them; rename one"]);
  });
  it('a host of this file with the name of an imported host', async () => {
    await t.validate(base.replace(/vm gaming[\s\S]*$/, ''), 'file:///dup/host.iommu');
    const doc = await t.validate('import "host.iommu"\nhost ws {\n    kernel 6.8\n}\n', 'file:///dup/vm.iommu');
    expect(diagnosticsWithCode(doc, 'REF002').map(message)).toEqual(["host 'ws' is declared twice (first at host.iommu:1): references by name would pick one of them; rename one"]);
  });
});

describe('VM files that import one host file are simulated together', () => {
  const HOSTFILE = WS_GPU_HOST;
  const vm1 = 'import "host.iommu"\nvm gaming on ws {\n    backend vfio-type1\n    assign gpu, gpu_audio\n}\n';
  const vm2 = 'import "host.iommu"\nvm other on ws {\n    backend iommufd-cdev\n    assign gpu_audio\n}\n';

  it('a group split across two VM files is VIA002 in the later file (by URI), on its own assign line', async () => {
    await t.validate(HOSTFILE, 'file:///multi/host.iommu');
    const a = await t.validate(vm1, 'file:///multi/vm1.iommu');
    const b = await t.validate(vm2, 'file:///multi/vm2.iommu');
    // the later one: vm2's VM finds the group held by vm1's
    expect(codes(b)).toContain('VIA002');
    const [d] = diagnosticsWithCode(b, 'VIA002');
    expect(d.range.start.line).toBe(3);
    expect(message(d)).toMatch(/in VM other: .*VM gaming/);
    // as an editor's update after vm2 appeared: vm1 and the host file are affected (a shared host) and rebuilt;
    // vm1's simulation then has both VMs too and agrees: its VM started first and has nothing to report about it
    await t.shared.workspace.DocumentBuilder.update([URI.parse('file:///multi/vm2.iommu')], []);
    const simA = t.Iommu.simulation.SimulationCache.get(a);
    expect([...simA.result.vms.keys()]).toEqual(['v:gaming', 'v:other']);
    expect(codes(a)).not.toContain('VIA002');
    // the host file's simulation has both VMs
    const host = t.shared.workspace.LangiumDocuments.getDocument(URI.parse('file:///multi/host.iommu'))!;
    expect(t.Iommu.simulation.SimulationCache.get(host).result.vms.size).toBe(2);
    // and shows none of the VMs' start-up findings: those belong to the VM files
    expect(codes(host)).not.toContain('VIA002');
  });

  it('an edit in one VM file re-simulates the other: removing the conflicting assign clears VIA002 there', async () => {
    await t.validate(HOSTFILE, 'file:///multi2/host.iommu');
    await t.validate(vm1, 'file:///multi2/vm1.iommu');
    const b = await t.validate(vm2, 'file:///multi2/vm2.iommu');
    expect(codes(b)).toContain('VIA002');
    // vm1 gives the group up (both functions are in it): vm2's diagnostics follow without vm2 itself changing
    const u1 = URI.parse('file:///multi2/vm1.iommu');
    const fresh = t.shared.workspace.LangiumDocumentFactory.fromString(vm1.replace('    assign gpu, gpu_audio\n', ''), u1);
    t.shared.workspace.LangiumDocuments.deleteDocument(u1);
    t.shared.workspace.LangiumDocuments.addDocument(fresh);
    await t.shared.workspace.DocumentBuilder.update([u1], []);
    const b2 = t.shared.workspace.LangiumDocuments.getDocument(URI.parse('file:///multi2/vm2.iommu'))!;
    expect(codes(b2)).not.toContain('VIA002');
  });

  it('a file on another host is not pulled in', async () => {
    await t.validate(HOSTFILE, 'file:///multi3/host.iommu');
    await t.validate(HOSTFILE.replace('host ws', 'host other'), 'file:///multi3/other.iommu');
    const a = await t.validate(vm1, 'file:///multi3/vm1.iommu');
    await t.validate('import "other.iommu"\nvm x on other {\n    backend vfio-type1\n    assign gpu_audio\n}\n', 'file:///multi3/vm9.iommu');
    const sim = t.Iommu.simulation.SimulationCache.get(a);
    expect(sim.together.map((d) => d.uri.path)).toEqual(['/multi3/host.iommu', '/multi3/vm1.iommu']);
  });
});

describe('kvm-vfio without a line', () => {
  const example = fs.readFileSync(path.resolve(__dirname, '../../examples/intel-nosnoop-gpu.iommu'), 'utf8');
  it('a VMM known to create it (qemu) needs no line; an unknown one is assumed and KVM006 says so where it decides', async () => {
    expect(example).toMatch(/kvm-vfio no/);
    const noLine = example.replace(/\n\s*kvm-vfio no[^\n]*/, '');
    const doc = await t.validate(noLine);
    expect(codes(doc)).toContain('KVM006');
    expect(codes(doc)).not.toContain('KVM001');
    const vm = lowerDocuments([doc.parseResult.value]).topology.vms[0];
    expect(vm).toMatchObject({ kvmVfio: true, kvmVfioFrom: 'assumed' });
    const qemu = await t.validate(noLine.replace(/vmm \S+/, 'vmm qemu'));
    expect(codes(qemu)).not.toContain('KVM006');
    expect(lowerDocuments([qemu.parseResult.value]).topology.vms[0].kvmVfioFrom).toBe('vmm');
    // the example as written states `kvm-vfio no`: KVM001, nothing assumed
    expect(codes(await t.validate(example))).toContain('KVM001');
  });
});

describe('parser messages for a brace too many or too few, and a non-ASCII character', () => {
  it('a stray } between blocks, a missing } before the next top-level block, and ä in a name say so', async () => {
    const stray = await t.validate('host h {\n    kernel 6.8\n}\n}\nvm v on h {\n}\n');
    expect(diagnosticsWithCode(stray, 'SYN000').map(message)).toEqual(["unmatched '}': no block is open here (an earlier error may have closed it)"]);
    const missing = await t.validate('host h {\n    kernel 6.8\n    endpoint gpu at 0000:01:00.0 {\n        driver vfio-pci\n}\nvm v on h {\n    assign gpu\n}\n');
    expect(diagnosticsWithCode(missing, 'SYN000').map(message)[0]).toBe("'vm' is not a host member: a '}' is missing before it, so the host block above is still open");
    const utf = await t.validate('host h {\n    kernel 6.8\n    endpoint gpu_\u00e4udio at 0000:01:00.0 {\n    }\n}\n');
    expect(diagnosticsWithCode(utf, 'SYN000').map(message)[0]).toBe("unexpected character '\u00e4': names and values are written in ASCII (letters, digits, '_', '-', '.', ':'); text in quotes may hold any character");
  });
});

describe('review fixes for the cross-file simulation and the cmdline span', () => {
  it('a host file with its own VM and a VM file that imports it agree on the order, so the VIA002 shows in the later file', async () => {
    const HOST = 'host ws {\n    kernel 6.8\n    iommu d0 {\n        driver intel-vtd\n        caps interrupt-remapping, snoop-control\n        msi x86-ir\n    }\n    root-port rp at 0000:00:01.0 {\n        iommu d0\n        acs cap SV RR CR UF ctl SV RR CR UF\n        endpoint gpu at 0000:01:00.0 {\n            acs none\n            driver vfio-pci\n        }\n    }\n}\nvm hostvm on ws {\n    backend vfio-type1\n    assign gpu\n}\n';
    const host = await t.validate(HOST, 'file:///order/host.iommu');
    const z = await t.validate('import "host.iommu"\nvm other on ws {\n    backend iommufd-cdev\n    assign gpu\n}\n', 'file:///order/z.iommu');
    await t.shared.workspace.DocumentBuilder.update([z.uri], []);
    // host.iommu < z.iommu: hostvm attaches first, z's VM is refused, in its own file
    expect(codes(z)).toContain('VIA002');
    expect(codes(t.shared.workspace.LangiumDocuments.getDocument(host.uri)!)).not.toContain('VIA002');
  });
  it('a cmdline quoted as a whole keeps its quotes in the model, and escapes do not shift the underline', async () => {
    const host = (cmdline: string) => `host h {\n    kernel 6.12\n    cmdline ${cmdline}\n    iommu dmar0 {\n        driver intel-vtd\n        caps interrupt-remapping\n        msi x86-ir\n    }\n}\n`;
    const doc = await t.validate(host('"\\"intel_iommu=off\\""'));
    expect(lowerDocuments([doc.parseResult.value]).topology.hosts[0].cmdline).toBe('"intel_iommu=off"');
    const d = diagnosticsWithCode(doc, 'BOOT001')[0];
    expect(doc.textDocument.getText(d.range)).toBe('\\"intel_iommu=off\\"');
    const u = await t.validate(host('"\\u0041 intel_iommu=off"'));
    expect(u.textDocument.getText(diagnosticsWithCode(u, 'BOOT001')[0].range)).toBe('intel_iommu=off');
  });
});

describe('a host file does not repeat the findings of VMs declared in the VM files that import it', () => {
  it('VIA008 (a VM holds the group of an unbound member) shows on the VM in the VM file only', async () => {
    const example = fs.readFileSync(path.resolve(__dirname, '../../examples/legacy-kernel-unbound-audio.iommu'), 'utf8');
    const at = example.search(/\nvm /);
    const host = await t.validate(example.slice(0, at + 1), 'file:///split/host.iommu');
    const vm = await t.validate('import "host.iommu"\n' + example.slice(at + 1), 'file:///split/vm.iommu');
    await t.shared.workspace.DocumentBuilder.update([vm.uri], []);
    expect(codes(vm)).toContain('VIA008');
    expect(codes(t.shared.workspace.LangiumDocuments.getDocument(host.uri)!)).not.toContain('VIA008');
    // in one file, as the example is written, it is there once
    expect(codes(await t.validate(example)).filter((c) => c === 'VIA008')).toHaveLength(1);
  });
});

describe('caps unknown keeps the findings that do not read capabilities', () => {
  // WS_GPU_HOST on 5.15 with the unit's caps given, and a third function of the group without a driver
  const file = (caps: string) =>
    WS_GPU_HOST.replace('kernel 6.8', 'kernel 5.15')
      .replace('caps interrupt-remapping, snoop-control', `caps ${caps}`)
      .replace('            driver vfio-pci\n        }\n    }\n}', '            driver vfio-pci\n        }\n        endpoint gpu_usb at 0000:01:00.2 {\n            acs none\n            driver none\n        }\n    }\n}') +
    `vm a on ws {
    backend vfio-type1
    assign gpu, gpu_audio
}
`;
  it('on 5.15 the VM still starts in the simulation, so VIA008 (unbound member of a live group) is reported; nothing that reads caps', async () => {
    const known = codes(await t.validate(file('interrupt-remapping, snoop-control')));
    expect(known).toContain('VIA008');
    const doc = await t.validate(file('unknown'));
    const c = codes(doc);
    expect(c).toContain('VIA008');
    expect(c).toContain('SYN003');
    expect(c.filter((x) => /^(IR|CC|KVM|T1)/.test(x))).toEqual([]);
    const text = file('unknown');
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf('d0 {') + 1) });
    expect((h?.contents as { value: string }).value).toContain('capabilities unknown (`caps unknown`)');
  });
});

describe('REF002 across VM files on one host', () => {
  it('two VM files that share a host and name their VMs alike: both say so', async () => {
    const HOST = WS_ONE_GPU;
    await t.validate(HOST, 'file:///samename/host.iommu');
    const v1 = await t.validate('import "host.iommu"\nvm g on ws {\n    assign gpu\n}\n', 'file:///samename/v1.iommu');
    const v2 = await t.validate('import "host.iommu"\nvm g on ws {\n    backend vfio-type1\n}\n', 'file:///samename/v2.iommu');
    await t.shared.workspace.DocumentBuilder.update([v2.uri], []);
    expect(diagnosticsWithCode(v2, 'REF002').map(message)).toEqual(["VM 'g' is also declared in v1.iommu:2, which shares this file's host and is checked with it as one machine: give the VMs different names"]);
    expect(diagnosticsWithCode(t.shared.workspace.LangiumDocuments.getDocument(v1.uri)!, 'REF002')).toHaveLength(1);
  });
});

describe('REF002 for two imported host files with one host name', () => {
  it('is reported on the import that brings in the second', async () => {
    await t.validate('host srv {\n    kernel 6.8\n}\n', 'file:///twohosts/h1.iommu');
    await t.validate('host srv {\n    kernel 6.12\n}\n', 'file:///twohosts/h2.iommu');
    const vm = await t.validate('import "h1.iommu"\nimport "h2.iommu"\nvm a on srv {\n}\n', 'file:///twohosts/vm.iommu');
    const [d] = diagnosticsWithCode(vm, 'REF002');
    expect(message(d)).toBe("host 'srv' is declared in h1.iommu:1 and h2.iommu:1, both imported here: references by name would pick one of them; rename one");
    expect(d.range.start.line).toBe(1);
    // one import of a file that imports another with the same name: also once
    expect(diagnosticsWithCode(await t.validate('import "h1.iommu"\nvm b on srv {\n}\n', 'file:///twohosts/ok.iommu'), 'REF002')).toEqual([]);
  });
});

describe('files simulated together share one simulator run', () => {
  it('a host file and three VM files on it: one run per build for the group, the same result for each', async () => {
    const HOST = WS_ONE_GPU;
    const cache = t.Iommu.simulation.SimulationCache;
    const docs = [await t.validate(HOST, 'file:///share/host.iommu')];
    for (const n of [1, 2, 3]) docs.push(await t.validate(`import "host.iommu"\nvm v${n} on ws {\n}\n`, `file:///share/v${n}.iommu`));
    await t.shared.workspace.DocumentBuilder.update([docs[3].uri], []);
    const before = cache.runs;
    await t.shared.workspace.DocumentBuilder.update([docs[1].uri], []);
    const sims = docs.map((d) => cache.get(t.shared.workspace.LangiumDocuments.getDocument(d.uri)!));
    expect(cache.runs - before).toBe(1);
    expect(new Set(sims.map((s) => s.result)).size).toBe(1);
    expect([...sims[0].result.vms.keys()]).toEqual(['v:v1', 'v:v2', 'v:v3']);
  });
});

describe('REF003: a device assigned twice in one VM', () => {
  it('by name twice or by name and BDF: a warning on the second, naming the first line; distinct devices none', async () => {
    const vm = (assign: string) => WS_GPU_HOST + `vm a on ws {\n    backend vfio-type1\n${assign}}\n`;
    const twice = await t.validate(vm('    assign gpu, gpu_audio\n    assign 0000:01:00.0\n'));
    const ds = diagnosticsWithCode(twice, 'REF003');
    expect(ds.map((d) => [d.severity, d.range.start.line, message(d)])).toEqual([[2, 24, 'gpu is assigned twice in VM a (first at line 24): the second changes nothing']]);
    expect(twice.textDocument.getText(ds[0].range)).toBe('0000:01:00.0');
    expect(codes(await t.validate(vm('    assign gpu, gpu_audio\n')))).not.toContain('REF003');
  });
});

describe('secondary-bus and dma-alias take hex as lspci prints it (SYN005)', () => {
  const hostWith = (busLine: string, aliasLine: string) => `host h {
    kernel 6.12
    iommu u {
        driver intel-vtd
        caps interrupt-remapping, snoop-control
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        ${busLine}
        endpoint a at 0000:1a:00.0 {
            ${aliasLine}
        }
        endpoint b at 0000:1a:0a.0
    }
}
`;
  it('a bus number without 0x is hex and a devfn may have a hex slot: no error, lowered as such', async () => {
    for (const bus of ['secondary-bus 1a', 'secondary-bus 0x1a', 'secondary-bus 1A']) {
      const doc = await t.validate(hostWith(bus, 'dma-alias 0a.0, 1f.7,02.1'));
      expect(doc.parseResult.lexerErrors, bus).toEqual([]);
      expect(doc.parseResult.parserErrors, bus).toEqual([]);
      expect(codes(doc).filter((c) => /SYN|MDL/.test(c)), bus).toEqual([]);
      const host = lowerDocuments([doc.parseResult.value]).topology.hosts[0];
      expect(host.devices.find((d) => d.name === 'rp')!.secondaryBus, bus).toBe(0x1a);
      expect(host.devices.find((d) => d.name === 'a')!.dmaAliasDevfns).toEqual([(0x0a << 3) | 0, (0x1f << 3) | 7, (0x02 << 3) | 1]);
    }
  });
  it('dma-alias lines add up (no REF005)', async () => {
    const doc = await t.validate(hostWith('secondary-bus 1a', 'dma-alias 0a.0\n            dma-alias 1f.7'));
    expect(codes(doc).filter((c) => /SYN|MDL|REF/.test(c))).toEqual([]);
    expect(lowerDocuments([doc.parseResult.value]).topology.hosts[0].devices.find((d) => d.name === 'a')!.dmaAliasDevfns).toEqual([0x0a << 3, (0x1f << 3) | 7]);
  });
  it('secondary-bus 10 is bus 0x10: children on bus 10 are where the bridge says (no MDL)', async () => {
    const doc = await t.validate(hostWith('secondary-bus 10', '').replaceAll('0000:1a:', '0000:10:'));
    expect(codes(doc).filter((c) => /SYN|MDL/.test(c))).toEqual([]);
    expect(lowerDocuments([doc.parseResult.value]).topology.hosts[0].devices.find((d) => d.name === 'rp')!.secondaryBus).toBe(0x10);
  });
  it('the alias joins the aliased function into the group (GRP-ALIAS): a devfn with a hex slot reaches the simulation', async () => {
    const doc = await t.validate(hostWith('secondary-bus 1a', 'dma-alias 0a.0') + 'vm v on h {\n    vmm qemu\n    backend vfio-type1\n    assign a\n}\n');
    const sim = t.Iommu.simulation.SimulationCache.get(doc);
    const ha = [...sim.result.hosts.values()][0];
    const group = ha.grouping.groupOf.get('d:h/a')!;
    expect(group.deviceIds).toEqual(['d:h/a', 'd:h/b']);
  });
  it('a malformed value is one SYN005 each, on the value, and holds the simulation back (SYN003)', async () => {
    const doc = await t.validate(hostWith('secondary-bus 1g', 'dma-alias 2f.7, 0a.9, 0a.0'));
    expect(doc.parseResult.parserErrors).toEqual([]);
    const errs = diagnosticsWithCode(doc, 'SYN005');
    expect(errs.map(message)).toEqual([
      "malformed bus number '1g': expected one hex byte, 00 to ff, as lspci prints it (e.g. 1a or 0x1a)",
      "malformed devfn '2f.7': expected slot.function with a hex slot 00 to 1f and a function 0 to 7 (e.g. 0a.0 or 1f.7)",
      "malformed devfn '0a.9': expected slot.function with a hex slot 00 to 1f and a function 0 to 7 (e.g. 0a.0 or 1f.7)",
    ]);
    const lines = doc.textDocument.getText().split('\n');
    expect(errs.map((d) => lines[d.range.start.line].slice(d.range.start.character, d.range.end.character))).toEqual(['1g', '2f.7', '0a.9']);
    const held = diagnosticsWithCode(doc, 'SYN003');
    expect(held.map(message)).toEqual([
      "simulator diagnostics for host h are held back until the malformed numbers '1g' of device 'rp', '2f.7' of device 'a', '0a.9' of device 'a' are fixed (SYN005)",
    ]);
    expect(codes(doc).filter((c) => /^(GRP|MDL)/.test(c))).toEqual([]);
  });
  it('a value left out before a keyword or a string is a parse error, and the next property is still read', async () => {
    for (const [line, msg] of [
      ['secondary-bus driver vfio-pci', "expected a hex bus number such as 1a, found 'driver'"],
      ['dma-alias iommu u', "expected a slot.function such as 1f.0, found 'iommu'"],
    ]) {
      const doc = await t.validate(hostWith('secondary-bus 1a', line));
      expect(doc.parseResult.parserErrors.map((e) => e.message), line).toEqual([msg]);
      expect(codes(doc), line).not.toContain('SYN005');
      const a = lowerDocuments([doc.parseResult.value]).topology.hosts[0].devices.find((d) => d.name === 'a')!;
      expect(line.startsWith('secondary') ? a.driver : a.iommuId, line).toBe(line.startsWith('secondary') ? 'vfio-pci' : 'i:h/u');
    }
    const str = await t.validate(hostWith('secondary-bus 1a', 'dma-alias "0a.0"'));
    expect(str.parseResult.parserErrors.map((e) => e.message)).toEqual(['expected a slot.function such as 1f.0, found \'"0a.0"\'']);
  });
  it('a doubled comma is one parse error; the devfns after it are still read whole', async () => {
    const doc = await t.validate(hostWith('secondary-bus 1a', 'dma-alias 1f.0,,0a.0'));
    expect(doc.parseResult.parserErrors.length).toBe(1);
    expect(codes(doc)).not.toContain('SYN005');
  });
  it('a word is only what follows without a gap on the line of the keyword or its comma', async () => {
    // a list left open at the end of a line does not take the next line's property
    const doc = await t.validate(hostWith('secondary-bus 1a', 'dma-alias 0a.0,\n            driver vfio-pci'));
    expect(doc.parseResult.parserErrors.map((e) => e.message)).toEqual(["expected a slot.function such as 1f.0, found 'driver'"]);
    expect(lowerDocuments([doc.parseResult.value]).topology.hosts[0].devices.find((d) => d.name === 'a')!.driver).toBe('vfio-pci');
  });
});

describe('acs firmware-ctl', () => {
  it('with no flag is stated: firmware enabled nothing (0), as ctl with none is 0; absent is unknown', async () => {
    const text = (acs: string) => `host h {\n    root-port rp at 0000:00:01.0 {\n        ${acs}\n    }\n}\n`;
    const acsOf = async (acs: string) => lowerDocuments([(await t.validate(text(acs))).parseResult.value]).topology.hosts[0].devices[0].acs;
    expect(await acsOf('acs cap SV RR ctl SV RR firmware-ctl')).toEqual({ cap: 0x05, ctl: 0x05, firmwareCtl: 0 });
    expect(await acsOf('acs cap SV RR ctl SV RR firmware-ctl SV')).toEqual({ cap: 0x05, ctl: 0x05, firmwareCtl: 0x01 });
    expect(await acsOf('acs cap SV RR ctl SV RR')).toEqual({ cap: 0x05, ctl: 0x05 });
  });
});
