import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lowerDocuments } from '../src/lowering/lower.js';
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
    expect(codes(partial)).toContain('SYN003');
    expect(codes(partial)).not.toContain('VIA005');
    // two unknown `driver` lines in one unit: the unit is named once
    const twice = await t.validate(host('a', 'driver intel-vdt\n        driver lpc_ich'));
    expect(diagnosticsWithCode(twice, 'SYN003').map((d) => message(d))).toEqual(["simulator diagnostics for host a are held back until IOMMU 'u' has a known driver (SYN002)"]);
    expect(diagnosticsWithCode(twice, 'SYN002')).toHaveLength(2);
  });

  it('BDF001: malformed BDF with a repaired suggestion', async () => {
    const doc = await t.validate('host h { kernel 6.12 endpoint x at 0000:65:0.0 }');
    const [d] = diagnosticsWithCode(doc, 'BDF001');
    expect(message(d)).toContain("malformed BDF '0000:65:0.0'");
    expect(d.data).toMatchObject({ replacement: '0000:65:00.0' });
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

  it('SYN001: kernel version must be X.Y', async () => {
    const doc = await t.validate('host h { kernel 6 }');
    expect(codes(doc)).toContain('SYN001');
  });
});
