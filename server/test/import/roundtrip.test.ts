/**
 * Round trip: every importer output parses with the language services with no lexer/parser errors and no
 * vocabulary/syntax diagnostics (SYN*, BDF*), and where the source had real iommu groups every device carries
 * `observed-group` (compared with the simulator by GRP003).
 */
import * as path from 'node:path';
import { EmptyFileSystem } from 'langium';
import { parseHelper } from 'langium/test';
import { describe, expect, it } from 'vitest';
import { createIommuServices } from '../../src/language/iommu-module.js';
import type { Document } from '../../src/language/generated/ast.js';
import { importFromCapture, importFromLspci, importFromSysfs } from '../../src/import/index.js';
import { FIX, read } from './helpers.js';

const services = createIommuServices(EmptyFileSystem);
const parse = parseHelper<Document>(services.Iommu);

async function check(text: string) {
  const doc = await parse(text, { validation: true });
  expect(doc.parseResult.lexerErrors).toEqual([]);
  expect(doc.parseResult.parserErrors).toEqual([]);
  // an lspci import cannot know the IOMMU's capabilities: its `caps unknown` note (SYN003) is expected, nothing else
  const capsNote = (d: { code?: unknown; message: unknown }) => d.code === 'SYN003' && String(d.message).includes('`caps unknown`');
  const diags = (doc.diagnostics ?? []).filter((d) => !capsNote(d) && (/^(SYN|BDF|IMP)/.test(String(d.code ?? '')) || (d.severity === 1 && !d.code)));
  expect(diags.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return doc;
}

describe('generated files parse and validate', () => {
  const cases: [string, () => string][] = [
    ['sysfs root', () => importFromSysfs({ root: path.join(FIX, 'sysfs-this-vm-root'), name: 'vm' }).text],
    ['sysfs 64-byte', () => importFromSysfs({ root: path.join(FIX, 'sysfs-this-vm-64') }).text],
    ['firecracker capture', () => importFromCapture({ pciSysfsText: read('firecracker-capture/pci-sysfs.txt'), pciSysfsFile: 'pci-sysfs.txt', summaryText: read('firecracker-capture/host-summary.txt') }).text],
    ['lspci desktop', () => importFromLspci(read('lspci/synthetic-desktop-spt.txt')).text],
    ['lspci non-root', () => importFromLspci(read('lspci/synthetic-desktop-spt-nonroot.txt')).text],
    ['lspci pciutils cap-pcie-1', () => importFromLspci(read('lspci/pciutils-cap-pcie-1.txt')).text],
    ['lspci pciutils cap-pcie-2', () => importFromLspci(read('lspci/pciutils-cap-pcie-2.txt')).text],
  ];
  for (const [label, gen] of cases) {
    it(label, async () => {
      await check(gen());
    });
  }

  it('observed groups survive the round trip (lspci desktop)', async () => {
    const r = importFromLspci(read('lspci/synthetic-desktop-spt.txt'));
    const doc = await check(r.text);
    const text = doc.textDocument.getText();
    const withGroup = r.host.devices.filter((d) => d.observedGroup !== undefined).length;
    expect(withGroup).toBe(r.host.devices.length);
    expect(text.match(/observed-group \d+/g)).toHaveLength(withGroup);
  });

  it('output is deterministic', () => {
    const a = importFromLspci(read('lspci/synthetic-desktop-spt.txt')).text;
    const b = importFromLspci(read('lspci/synthetic-desktop-spt.txt')).text;
    expect(a).toBe(b);
  });
});

describe('an lspci import, which shows no IOMMU capabilities', () => {
  it('writes caps unknown: the findings that read caps wait (SYN003), the grouping findings stay', async () => {
    const r = importFromLspci(read('lspci/synthetic-desktop-spt.txt'));
    expect(r.text).toMatch(/caps unknown/);
    const doc = await parse(r.text + '\nvm v on imported {\n    backend vfio-type1\n    assign ' + r.host.devices.find((d) => d.driver === 'vfio-pci' || d.kind === 'endpoint')!.name + '\n}\n', { validation: true });
    const codes = (doc.diagnostics ?? []).map((d) => String(d.code));
    expect(codes).toContain('SYN003');
    // nothing that rests on the unknown caps: no interrupt-remapping or coherency verdicts
    expect(codes.filter((c) => /^(IR|CC|KVM|T1)/.test(c))).toEqual([]);
    const note = (doc.diagnostics ?? []).find((d) => d.code === 'SYN003')!;
    expect(note.message).toMatch(/^simulator diagnostics that depend on IOMMU capabilities \(interrupt remapping, cache coherency\) for host imported are held back until the capabilities of IOMMU 'iommu0' are stated/);
  });
});
