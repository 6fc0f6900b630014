import { describe, expect, it } from 'vitest';
import { importFromLspci } from '../../src/import/index.js';
import { parseLspci } from '../../src/import/lspci.js';
import { ImportError, type ImportWarning } from '../../src/import/types.js';
import { read } from './helpers.js';
import { codes, createTestServices } from '../helpers.js';

const parse = (f: string) => {
  const w: ImportWarning[] = [];
  return { ...parseLspci(read(`lspci/${f}`), f, w), warnings: w };
};

describe('lspci parser: real pciutils dumps', () => {
  it('X58 root port (id-only header form): kind, ACS, DevCtl (old "Report errors" form), driver', () => {
    const { devices } = parse('pciutils-cap-pcie-1.txt');
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ kind: 'root-port', vendorId: 0x8086, deviceId: 0x3408, classCode: 0x060400, secondaryBus: 1, noSnoop: false, driver: 'pcieport-driver', acs: { cap: 0x1f, ctl: 0 } });
  });

  it('82576 NIC: endpoint, NoSnoop+, no ACS header → acs none', () => {
    const { devices } = parse('pciutils-cap-pcie-2.txt');
    expect(devices[0]).toMatchObject({ kind: 'endpoint', noSnoop: true, acs: null, driver: 'igb' });
  });

  it('header without [vvvv:dddd] (real pciutils cap-rcec head) → located "run with -nn" error', () => {
    expect(() => parse('pciutils-cap-rcec-head.txt')).toThrow(/^pciutils-cap-rcec-head\.txt:1: .*-nn/);
  });
});

describe('lspci parser: synthetic cases', () => {
  it('hierarchy from Bus: lines, groups, multifunction inference, drivers', () => {
    const { devices, hasGroups } = parse('synthetic-desktop-spt.txt');
    expect(hasGroups).toBe(true);
    const by = new Map(devices.map((d) => [`${d.bdf.bus}:${d.bdf.device}.${d.bdf.fn}`, d]));
    expect(by.get('1:0.0')).toMatchObject({ parent: '0000:00:01.0', kind: 'legacy-endpoint', multifunction: true, noSnoop: true, observedGroup: 1, driver: 'vfio-pci' });
    expect(by.get('1:0.1')).toMatchObject({ parent: '0000:00:01.0', kind: 'endpoint', observedGroup: 1 });
    expect(by.get('2:0.0')).toMatchObject({ parent: '0000:00:1c.0', classCode: 0x010802, subsystemVendorId: 0x144d });
    expect(by.get('0:31.0')).toMatchObject({ kind: 'pci-device', driver: null, multifunction: true });
    expect(by.get('0:0.0')?.kind).toBe('host-bridge');
  });

  it('Sunrise Point root port 8086:a110: ACSCtl ignored with a warning (CFG-ACS-03)', () => {
    const { devices, warnings } = parse('synthetic-desktop-spt.txt');
    const rp = devices.find((d) => d.deviceId === 0xa110)!;
    expect(rp.acs).toEqual({ cap: 0x0d });
    expect(rp.comments.join()).toMatch(/CFG-ACS-03/);
    expect(warnings.map((w) => w.code)).toContain('SPT_ACSCTL');
    const r = importFromLspci(read('lspci/synthetic-desktop-spt.txt'));
    expect(r.host.iommus).toMatchObject([{ name: 'iommu0', driver: 'intel-vtd', caps: ['unknown'] }]);
    expect(r.warnings.map((w) => w.code)).toContain('IOMMU_INFERRED');
  });

  it('<access denied> (non-root): ACS and DevCtl unknown, kinds inferred, warnings', () => {
    const r = importFromLspci(read('lspci/synthetic-desktop-spt-nonroot.txt'), { file: 'nonroot.txt' });
    const gpu = r.host.devices.find((d) => d.deviceId === 0x1b80)!;
    expect(gpu.acs).toBeUndefined();
    expect(gpu.noSnoop).toBeUndefined();
    expect(gpu.kind).toBe('endpoint');
    expect(r.warnings.filter((w) => w.code === 'ACCESS_DENIED')).toHaveLength(7);
    expect(r.warnings.map((w) => w.code)).toContain('NOT_ROOT');
    expect(r.text).not.toMatch(/\bacs\b/);
    expect(r.text).not.toMatch(/no-snoop/);
  });

  /** lspci -vv -nn -D blocks of a VMD endpoint, a root port of its domain and an NVMe drive below that port. */
  const vmdDump = (endpoints: string[]) =>
    [
      '0000:00:00.0 Host bridge [0600]: Intel Corporation Raptor Lake-S 8+8 Host Bridge/DRAM Registers [8086:a703] (rev 01)\n\tIOMMU group: 0\n',
      ...endpoints.map((bdf) => `${bdf} RAID bus controller [0104]: Intel Corporation Volume Management Device NVMe RAID Controller [8086:a77f]\n\tIOMMU group: 2\n\tKernel driver in use: vmd\n`),
      '10000:e0:06.0 PCI bridge [0604]: Intel Corporation Raptor Lake PCIe 4.0 Graphics Port [8086:a74d] (prog-if 00 [Normal decode])\n\tIOMMU group: 2\n\tBus: primary=00, secondary=e1, subordinate=e1, sec-latency=0\n\tKernel driver in use: pcieport\n',
      '10000:e1:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller PM9A1 [144d:a80a] (prog-if 02 [NVM Express])\n\tIOMMU group: 2\n\tKernel driver in use: nvme\n',
    ].join('\n') + '\n';

  it('VMD domain: with one VMD endpoint in the dump, its root buses go inside it and the whole domain joins its group', async () => {
    const r = importFromLspci(vmdDump(['0000:00:0e.0']), { file: 'vmd.txt', kernel: '6.12' });
    expect(r.host.devices.map((d) => [d.bdf.domain.toString(16), d.parent])).toEqual([
      ['0', undefined],
      ['0', undefined],
      ['10000', '0000:00:0e.0'],
      ['10000', '10000:e0:06.0'],
    ]);
    expect(r.warnings.map((w) => w.code)).not.toContain('VMD_DOMAIN');
    const t = createTestServices();
    const found = codes(await t.validate(r.text));
    expect(found).not.toContain('GRP003'); // the three share observed group 2, as simulated
    expect(found).not.toContain('MDL002');
    await t.clear();
  });

  it('VMD domain: with two VMD endpoints lspci cannot say which holds it, so it stays at the top level with a located warning', () => {
    const r = importFromLspci(vmdDump(['0000:00:0e.0', '0000:80:0e.0']), { file: 'vmd2.txt' });
    expect(r.host.devices.find((d) => d.bdf.domain === 0x10000 && d.bdf.bus === 0xe0)?.parent).toBeUndefined();
    const w = r.warnings.find((x) => x.code === 'VMD_DOMAIN')!;
    expect(w).toMatchObject({ file: 'vmd2.txt', bdf: '10000:e0:06.0' });
    expect(w.message).toMatch(/2 VMD endpoints \(0000:00:0e\.0, 0000:80:0e\.0\) could hold it/);
  });

  it('truncated block → located error, no output', () => {
    expect(() => importFromLspci(read('lspci/synthetic-desktop-spt-truncated.txt'), { file: 't.txt' })).toThrow(/^t\.txt:127: 0000:02:00\.0: Express capability without a "DevCtl:"/);
  });

  it('input cut after a complete capability (no trailing blank line) → located error', () => {
    const text = read('lspci/synthetic-desktop-spt.txt').split('\tKernel driver in use: nvme')[0];
    expect(() => importFromLspci(text, { file: 'cut.txt' })).toThrow(/^cut\.txt:\d+: input ends inside the block of 0000:02:00\.0/);
  });

  it('garbage, -v only, malformed Bus:, duplicate secondary bus, ACS without ACSCtl', () => {
    expect(() => importFromLspci(read('lspci/garbage.txt'), { file: 'g.txt' })).toThrow(/^g\.txt:1: expected a device header/);
    expect(() => importFromLspci('00:00.0 Host bridge [0600]: X [8086:1234]\n00:01.0 PCI bridge [0604]: Y [8086:1235]\n\n', { file: 'v.txt' })).toThrow(/v\.txt:1: no detail lines/);
    const blk = (bdf: string, bus: string) => `${bdf} PCI bridge [0604]: Intel [8086:1901]\n\tBus: ${bus}\n\tKernel driver in use: pcieport\n\n`;
    expect(() => importFromLspci(blk('00:01.0', 'primary=00, secondary=01'), { file: 'b.txt' })).toThrow(/^b\.txt:2: expected "Bus: primary=PP, secondary=SS, subordinate=UU/);
    const two = blk('00:01.0', 'primary=00, secondary=01, subordinate=01, sec-latency=0') + blk('00:02.0', 'primary=00, secondary=01, subordinate=01, sec-latency=0');
    expect(() => importFromLspci(two, { file: 'd.txt' })).toThrow(/^d\.txt:5: 0000:00:02\.0 and 0000:00:01\.0 \(line 1\) both claim secondary bus 01/);
    const acs = read('lspci/synthetic-desktop-spt.txt').replace(/\t\tACSCtl:[^\n]*\n/, '');
    expect(() => importFromLspci(acs, { file: 'a.txt' })).toThrow(/^a\.txt:\d+: 0000:00:1c\.0: "Access Control Services" without "ACSCtl:"/);
    expect(() => importFromLspci('', { file: 'e.txt' })).toThrow(ImportError);
  });

  it('switch hierarchy (synthetic, -vv -nn without -D): USP/DSP nesting and a missing bridge warning', () => {
    const exp = (t: string, ns = '-') => `\tCapabilities: [68] Express (v2) ${t}, IntMsgNum 0\n\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0\n\t\tDevCtl:\tCorrErr- NonFatalErr- FatalErr- UnsupReq-\n\t\t\tRlxdOrd- ExtTag- PhantFunc- AuxPwr- NoSnoop${ns}\n`;
    const acs = '\tCapabilities: [148 v1] Access Control Services\n\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n';
    const bus = (p: string, s: string, u: string) => `\tBus: primary=${p}, secondary=${s}, subordinate=${u}, sec-latency=0\n`;
    const text =
      `00:03.0 PCI bridge [0604]: AMD GPP Bridge [1022:1483]\n${bus('00', '01', '04')}${exp('Root Port (Slot+)')}${acs}\n` +
      `01:00.0 PCI bridge [0604]: PLX PEX 8747 [10b5:8747] (rev ca)\n${bus('01', '02', '04')}${exp('Upstream Port')}\n` +
      `02:08.0 PCI bridge [0604]: PLX PEX 8747 [10b5:8747] (rev ca)\n${bus('02', '03', '03')}${exp('Downstream Port (Slot+)')}${acs}\n` +
      `03:00.0 3D controller [0302]: NVIDIA GA100 [10de:20b0] (rev a1)\n${exp('Endpoint', '+')}\n` +
      `04:00.0 Ethernet controller [0200]: Mellanox MT28908 [15b3:101b]\n${exp('Endpoint')}\n`;
    const r = importFromLspci(text, { file: 'sw.txt' });
    const by = new Map(r.host.devices.map((d) => [d.name, d]));
    expect(by.get('usp_01_00_0')?.parent).toBe('0000:00:03.0');
    expect(by.get('dsp_02_08_0')?.parent).toBe('0000:01:00.0');
    expect(by.get('gpu0')?.parent).toBe('0000:02:08.0');
    expect(by.get('nic0')?.parent).toBeUndefined();
    expect(r.warnings.map((w) => w.code)).toContain('MISSING_BRIDGE');
    expect(r.text).toMatch(/ {12}switch-downstream dsp_02_08_0 at 0000:02:08\.0 \{\n {16}id 10b5:8747\n {16}class 0x060400\n {16}acs cap SV TB RR CR UF ctl SV RR CR UF\n/);
  });
});
