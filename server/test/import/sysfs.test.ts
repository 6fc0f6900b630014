import * as path from 'node:path';
import { formatBdf } from '../../../src-core/src/bdf.js';
import { describe, expect, it } from 'vitest';
import { decodeAmdFeatures, decodeVtd } from '../../src/import/iommu-caps.js';
import { createDirFs, ImportError, importFromCapture, importFromSysfs, type SysfsFs } from '../../src/import/index.js';
import { FIX, read } from './helpers.js';
import { codes, createTestServices } from '../helpers.js';

describe('sysfs: real trees of this VM', () => {
  it('root capture: full config, conventional virtio functions, host bridge, drivers, kernel/arch/cmdline', () => {
    const r = importFromSysfs({ root: path.join(FIX, 'sysfs-this-vm-root'), name: 'vm' });
    expect(r.warnings).toEqual([]);
    expect(r.host.kernel).toBe('6.18.44');
    expect(r.host.arch).toBe('x86_64');
    expect(r.host.devices.map((d) => [d.name, d.kind, d.driver])).toEqual([
      ['hostbridge_00_00_0', 'host-bridge', null],
      ['virtio_balloon0', 'pci-device', 'virtio-pci'],
      ['virtio_blk0', 'pci-device', 'virtio-pci'],
      ['virtio_net0', 'pci-device', 'virtio-pci'],
      ['virtio_vsock0', 'pci-device', 'virtio-pci'],
      ['virtio_rng0', 'pci-device', 'virtio-pci'],
    ]);
    expect(r.text).toMatch(/no IOMMU active/);
    expect(r.text).toMatch(/0 remapped \(IR-\*\) and \d+ non-remapped/);
  });

  it('real non-root read (64 bytes): says so per device and overall, kinds marked inferred, no ACS/no-snoop lines', () => {
    const r = importFromSysfs({ root: path.join(FIX, 'sysfs-this-vm-64') });
    const codes = r.warnings.map((w) => w.code);
    expect(codes.filter((c) => c === 'TRUNCATED_CONFIG')).toHaveLength(6);
    expect(codes).toContain('NOT_ROOT');
    expect(r.text).toMatch(/config space truncated to 64 bytes of 256 \(non-root read, SYSFS-PCI-02\)/);
    expect(r.text).toMatch(/kind inferred: no PCIe link attributes in sysfs/);
    expect(r.text).not.toMatch(/\bacs\b|no-snoop/);
    // Same device set and kinds as the root capture.
    const root = importFromSysfs({ root: path.join(FIX, 'sysfs-this-vm-root') });
    expect(r.host.devices.map((d) => d.kind)).toEqual(root.host.devices.map((d) => d.kind));
  });

  it('not a sysfs tree → located error', () => {
    expect(() => importFromSysfs({ root: path.join(FIX, 'lspci') })).toThrow(/no sys\/bus\/pci\/devices directory/);
  });
});

describe('capture format (real firecracker guest)', () => {
  const base = () => ({
    pciSysfsText: read('firecracker-capture/pci-sysfs.txt'),
    pciSysfsFile: 'pci-sysfs.txt',
    summaryText: read('firecracker-capture/host-summary.txt'),
    summaryFile: 'host-summary.txt',
  });
  it('decodes all six functions with the host facts', () => {
    const r = importFromCapture({ ...base(), name: 'fc' });
    expect(r.host.kernel).toBe('6.18.44');
    expect(r.host.arch).toBe('x86_64');
    expect(r.host.devices).toHaveLength(6);
    expect(r.host.devices[0]).toMatchObject({ kind: 'host-bridge', vendorId: 0x8086, deviceId: 0x0d57, driver: null });
    expect(r.host.devices[3]).toMatchObject({ name: 'virtio_net0', kind: 'pci-device', classCode: 0x020000, driver: 'virtio-pci' });
    expect(r.text).toMatch(/interrupt remapping disabled per \/proc\/interrupts \(per-device MSI chip names\)/);
  });
  it('class_iommu names give the unit and its driver (dmar → intel-vtd, ivhd → amd-vi), caps unknown; other names are left to the user', () => {
    const link = (n: string) => `lrwxrwxrwx 1 root root 0 Nov 22 18:20 ${n} -> ../../devices/virtual/iommu/${n}`;
    const withUnits = (names: string[]) => read('firecracker-capture/host-summary.txt').replace(/^## class_iommu\n(?:.*\n)*?(?=## )/m, `## class_iommu\ntotal 0\n${names.map(link).join('\n')}\n`);
    const one = importFromCapture({ ...base(), summaryText: withUnits(['dmar0']) });
    expect(one.host.iommus.map((u) => [u.name, u.driver, u.caps])).toEqual([['dmar0', 'intel-vtd', ['unknown']]]);
    expect(one.text).toMatch(/iommu dmar0 \{\n(?: +\/\/.*\n)* +driver intel-vtd\n +caps unknown\n/);
    expect(one.warnings.map((w) => w.message)).toContain("IOMMU unit dmar0 from the capture's class_iommu list, with capabilities unknown (no registers captured)");
    const mixed = importFromCapture({ ...base(), summaryText: withUnits(['ivhd0', 'ivhd1', 'smmu3.0x0000000009050000']) });
    expect(mixed.host.iommus.map((u) => [u.name, u.driver])).toEqual([['ivhd0', 'amd-vi'], ['ivhd1', 'amd-vi']]);
    expect(mixed.warnings.map((w) => w.message).join('\n')).toMatch(/add `iommu <unit>` lines[\s\S]*smmu3\.0x0000000009050000 of a driver its name does not tell/);
  });
  it('a truncated config line → located error', () => {
    const text = read('firecracker-capture/pci-sysfs.txt').replace(/(config 0000:00:02\.0 +(?:[0-9a-f]{2} ){100})[^\n]*/, '$1');
    expect(() => importFromCapture({ ...base(), pciSysfsText: text })).toThrow(/^pci-sysfs\.txt:6: 0000:00:02\.0: config dump has 100 bytes/);
  });
  it('## modules: the same param lines as the sysfs importer writes for the same /sys/module files', () => {
    const modules = {
      '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'Y',
      '/sys/module/vfio_pci/parameters/disable_denylist': 'Y',
      '/sys/module/iommufd/parameters/allow_unsafe_interrupts': 'N',
      '/sys/module/kvm/parameters/ignore_msrs': 'Y',
    };
    const section = Object.entries(modules).map(([f, v]) => `${f} = ${v}`).join('\n');
    const summary = read('firecracker-capture/host-summary.txt').replace(/^## modules\n/m, `## modules\n${section}\n`);
    const cap = importFromCapture({ ...base(), summaryText: summary });
    const root = path.join(FIX, 'sysfs-this-vm-root');
    const dir = createDirFs(root);
    const withModules: SysfsFs = { ...dir, readFile: (p) => (p in modules ? new TextEncoder().encode(`${modules[p as keyof typeof modules]}\n`) : dir.readFile(p)) };
    const sys = importFromSysfs({ root, fs: withModules });
    const params = (text: string) => text.split('\n').filter((l) => /^\s*param /.test(l));
    expect(params(sys.text)).toEqual(['    param vfio_iommu_type1.allow_unsafe_interrupts = Y', '    param vfio_pci.disable_denylist = Y']);
    expect(params(cap.text)).toEqual(params(sys.text));
    expect(cap.host.params).toEqual(sys.host.params);
    // the real capture lists only kvm's parameters: no param line
    expect(params(importFromCapture(base()).text)).toEqual([]);
  });
  it('garbage lines → located error', () => {
    expect(() => importFromCapture({ ...base(), pciSysfsText: 'device 0000:00:00.0 vendor=0x8086\nwhat is this\n' })).toThrow(/^pci-sysfs\.txt:1: 0000:00:00\.0: vendor=, device= and class= are required/);
    expect(() => importFromCapture({ ...base(), pciSysfsText: 'hello\n' })).toThrow(/^pci-sysfs\.txt:1: expected "device <BDF>/);
  });
});

/** In-memory SysfsFs (synthetic): files, symlinks (absolute targets) and reported sizes. */
function memFs(files: Record<string, string | Uint8Array>, links: Record<string, string>, sizes: Record<string, number> = {}): SysfsFs {
  const resolve = (p: string): string => {
    for (let i = 0; i < 20; i++) {
      const hit = Object.keys(links).find((l) => p === l || p.startsWith(l + '/'));
      if (!hit) return p;
      p = links[hit] + p.slice(hit.length);
    }
    return p;
  };
  const enc = (v: string | Uint8Array) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
  const all = () => [...Object.keys(files), ...Object.keys(links)];
  return {
    readFile: (p) => (files[resolve(p)] !== undefined ? enc(files[resolve(p)]) : undefined),
    fileSize: (p) => sizes[resolve(p)] ?? (files[resolve(p)] !== undefined ? enc(files[resolve(p)]).length : undefined),
    readdir: (p) => {
      const r = resolve(p);
      const names = new Set(all().filter((f) => f.startsWith(r + '/')).map((f) => f.slice(r.length + 1).split('/')[0]));
      return names.size ? [...names].sort() : undefined;
    },
    readlink: (p) => links[resolve(path.posix.dirname(p)) + '/' + path.posix.basename(p)],
    realpath: (p) => resolve(p),
    describe: (p) => `mem:${p}`,
  };
}

/** A synthetic PCIe config image: type-0/1 header, PCIe cap at 0x40, optional ACS at 0x100. */
function cfg(o: { vendor: number; device: number; cls: number; type: number; bridge?: [number, number, number]; mf?: boolean; devctl?: number; acs?: [number, number] }): Uint8Array {
  const b = new Uint8Array(4096);
  const w16 = (off: number, v: number) => b.set([v & 0xff, v >> 8], off);
  w16(0, o.vendor);
  w16(2, o.device);
  w16(6, 0x10);
  b.set([o.cls & 0xff, (o.cls >> 8) & 0xff, o.cls >> 16], 9);
  b[0x0e] = (o.bridge ? 1 : 0) | (o.mf ? 0x80 : 0);
  if (o.bridge) b.set(o.bridge, 0x18);
  b[0x34] = 0x40;
  b.set([0x10, 0x00, (o.type << 4) | 2, 0x00], 0x40);
  w16(0x48, o.devctl ?? 0);
  if (o.acs) {
    b.set([0x0d, 0x00, 0x01, 0x00], 0x100);
    w16(0x104, o.acs[0]);
    w16(0x106, o.acs[1]);
  }
  return b;
}

describe('sysfs: synthetic Intel VT-d host (in-memory FS)', () => {
  const dev = (bdf: string, real: string, c: Uint8Array, group: number, driver: string, extra: Record<string, string> = {}) => ({
    files: {
      [`${real}/vendor`]: `0x${(c[0] | (c[1] << 8)).toString(16).padStart(4, '0')}\n`,
      [`${real}/device`]: `0x${(c[2] | (c[3] << 8)).toString(16).padStart(4, '0')}\n`,
      [`${real}/class`]: `0x${((c[11] << 16) | (c[10] << 8) | c[9]).toString(16).padStart(6, '0')}\n`,
      [`${real}/config`]: c,
      [`${real}/current_link_speed`]: '8.0 GT/s PCIe\n',
      ...extra,
    },
    links: {
      [`/sys/bus/pci/devices/${bdf}`]: real,
      [`${real}/iommu_group`]: `/sys/kernel/iommu_groups/${group}`,
      [`${real}/driver`]: `/sys/bus/pci/drivers/${driver}`,
      [`${real}/iommu`]: '/sys/devices/virtual/iommu/dmar0',
      [`/sys/kernel/iommu_groups/${group}/devices/${bdf}`]: real,
    },
  });
  const RP = '/sys/devices/pci0000:00/0000:00:01.0';
  const parts = [
    dev('0000:00:01.0', RP, cfg({ vendor: 0x8086, device: 0x1901, cls: 0x060400, type: 4, bridge: [0, 1, 1] }), 1, 'pcieport'),
    dev('0000:01:00.0', `${RP}/0000:01:00.0`, cfg({ vendor: 0x10de, device: 0x1b80, cls: 0x030000, type: 1, mf: true, devctl: 0x0810 }), 1, 'vfio-pci'),
    dev('0000:01:00.1', `${RP}/0000:01:00.1`, cfg({ vendor: 0x10de, device: 0x10f0, cls: 0x040300, type: 0 }), 1, 'vfio-pci'),
  ];
  const files: Record<string, string | Uint8Array> = Object.assign({}, ...parts.map((p) => p.files), {
    '/sys/kernel/iommu_groups/1/type': 'DMA-FQ\n',
    '/sys/devices/virtual/iommu/dmar0/intel-iommu/cap': 'c0000020660462\n', // CAP-VTD-04 (illustrative values)
    '/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap': 'f050da\n',
    '/proc/sys/kernel/osrelease': '6.12.8-arch1-1\n',
    '/proc/cmdline': 'intel_iommu=on iommu=pt\n',
    '/proc/interrupts': '            CPU0\n   0:         20   IR-IO-APIC    2-edge      timer\n 130:       1000   IR-PCI-MSIX-0000:01:00.0    0-edge      vfio-msix[0]\n',
  });
  const links = Object.assign({}, ...parts.map((p) => p.links), { '/sys/class/iommu/dmar0': '/sys/devices/virtual/iommu/dmar0' });

  it('decodes kinds, ACS absence, No-Snoop, groups, IOMMU caps and IR, and prints observed-group on every device', () => {
    const r = importFromSysfs({ root: '/synthetic', fs: memFs(files, links) });
    expect(r.warnings).toEqual([]);
    expect(r.host.kernel).toBe('6.12.8');
    expect(r.host.arch).toBe('x86_64');
    const [rp, gpu, audio] = r.host.devices;
    expect(rp).toMatchObject({ kind: 'root-port', acs: null, secondaryBus: 1, observedGroup: 1, driver: 'pcieport', iommu: 'dmar0' });
    expect(gpu).toMatchObject({ kind: 'legacy-endpoint', parent: '0000:00:01.0', multifunction: true, noSnoop: true, observedGroup: 1 });
    expect(audio).toMatchObject({ kind: 'endpoint', noSnoop: false, observedGroup: 1 });
    const u = r.host.iommus[0];
    expect(u).toMatchObject({ name: 'dmar0', driver: 'intel-vtd', msi: 'x86-ir' });
    expect(u.caps.sort()).toEqual(['interrupt-remapping', 'passthrough', 'snoop-control']);
    expect(r.text.match(/observed-group 1/g)).toHaveLength(3);
    expect(r.text).toMatch(/ecap 0xf050da/);
    expect(r.text).toMatch(/DMA-FQ ×1/);
    // NoSnoop+ is written; NoSnoop- is the host driver's setting, which the guest replaces under VFIO: a comment,
    // so that the simulator keeps assuming the device may use no-snoop (no silent "safe" for KVM001)
    expect(r.text).toMatch(/^ +no-snoop on$/m);
    expect(r.text).not.toMatch(/no-snoop off/);
    expect(r.text).toMatch(/\/\/ DevCtl NoSnoop- on this host; under VFIO the guest driver sets it, so no-snoop is left unstated/);
  });

  it('scalable mode from the command line as the kernel reads it: the last sm_on / sm_off of intel_iommu=, not words inside a quoted value', () => {
    const smts = { ...files, '/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap': '80000f050da\n' }; // ECAP.SMTS (bit 43) set
    const caps = (cmdline: string) => importFromSysfs({ root: '/synthetic', fs: memFs({ ...smts, '/proc/cmdline': `${cmdline}\n` }, links) }).host.iommus[0].caps;
    expect(caps('intel_iommu=on,sm_on')).toContain('scalable-mode');
    expect(caps('intel_iommu=on')).not.toContain('scalable-mode');
    expect(caps('intel_iommu=sm_on intel_iommu=sm_off')).not.toContain('scalable-mode');
    expect(caps('dyndbg="module x intel_iommu=sm_on +p"')).not.toContain('scalable-mode');
    expect(caps('quiet -- intel_iommu=sm_on')).not.toContain('scalable-mode');
  });

  it('AMD: amd_iommu=pgtbl_v2 on the command line stays there (a comment on the unit, no pgtable line), so the checker reads it and a fix of the line is a fix of the file', async () => {
    const swap = <T,>(m: Record<string, T>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/dmar0/g, 'ivhd0').replace(/intel-iommu/g, 'amd-iommu'), typeof v === 'string' ? (v.replace(/dmar0/g, 'ivhd0') as T) : v]));
    const amdFiles = swap(files);
    delete amdFiles['/sys/devices/virtual/iommu/ivhd0/amd-iommu/ecap'];
    amdFiles['/sys/devices/virtual/iommu/ivhd0/amd-iommu/cap'] = '190b0002\n';
    amdFiles['/proc/cmdline'] = 'amd_iommu=pgtbl_v2 iommu=pt\n';
    const r = importFromSysfs({ root: '/synthetic', fs: memFs(amdFiles, swap(links)) });
    const u = r.host.iommus[0];
    expect(u).toMatchObject({ name: 'ivhd0', driver: 'amd-vi' });
    expect(u.pgtable).toBeUndefined();
    expect(r.text).toContain('// page-table format v2: from amd_iommu=pgtbl_v2 on the command line, which the checker reads there (VFIO domains follow it from 6.14)');
    expect(r.text).not.toMatch(/^\s*pgtable /m);
    expect(r.text).toContain('cmdline "amd_iommu=pgtbl_v2 iommu=pt"');
  });

  it('IR supported but no remapped vectors → interrupt-remapping dropped, msi x86-vector', () => {
    const f2 = { ...files, '/proc/interrupts': '  CPU0\n 130: 1 PCI-MSIX-0000:01:00.0 0-edge x\n' };
    const r = importFromSysfs({ root: '/synthetic', fs: memFs(f2, links) });
    expect(r.host.iommus[0].caps).not.toContain('interrupt-remapping');
    expect(r.host.iommus[0].msi).toBe('x86-vector');
  });

  it('module parameters (VFIO-IR-01, VFIO-PCI-01): the ones that are on become param lines the simulator reads', async () => {
    // interrupt remapping unused (no remapped vectors), and type1's allow_unsafe_interrupts on: IR002, not IR001
    const f2 = {
      ...files,
      '/proc/interrupts': '  CPU0\n 130: 1 PCI-MSIX-0000:01:00.0 0-edge x\n',
      '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'Y\n',
      '/sys/module/vfio_pci/parameters/disable_denylist': 'N\n',
    };
    const r = importFromSysfs({ root: '/synthetic', fs: memFs(f2, links) });
    expect(r.host.params).toEqual([['vfio_iommu_type1.allow_unsafe_interrupts', 'Y']]);
    expect(r.text).toContain('\n    param vfio_iommu_type1.allow_unsafe_interrupts = Y\n');
    expect(r.text).not.toContain('disable_denylist');
    const t = createTestServices();
    const vmText = (text: string) => `${text}\nvm v on ${r.host.name} {\n    assign ${r.host.devices[1].name}, ${r.host.devices[2].name}\n}\n`;
    const withParam = codes(await t.validate(vmText(r.text)));
    expect(withParam).toContain('IR002');
    expect(withParam).not.toContain('IR001');
    expect(withParam.filter((c) => /^SYN/.test(c))).toEqual([]);
    const without = importFromSysfs({ root: '/synthetic', fs: memFs({ ...f2, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n' }, links) });
    expect(without.host.params).toBeUndefined();
    expect(codes(await t.validate(vmText(without.text)))).toContain('IR001');
    await t.clear();
  });

  it('vfio_pci.disable_denylist = Y from sysfs: an imported QAT C62x given to a VM is let through (VIA011), else refused (VIA010)', async () => {
    const qat = dev('0000:01:00.0', `${RP}/0000:01:00.0`, cfg({ vendor: 0x8086, device: 0x37c8, cls: 0x0b4000, type: 0 }), 1, 'vfio-pci');
    const f3: Record<string, string | Uint8Array> = { ...parts[0].files, ...qat.files };
    for (const k of ['/sys/kernel/iommu_groups/1/type', '/sys/devices/virtual/iommu/dmar0/intel-iommu/cap', '/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap', '/proc/sys/kernel/osrelease', '/proc/cmdline', '/proc/interrupts']) f3[k] = files[k];
    const l3 = { ...parts[0].links, ...qat.links, '/sys/class/iommu/dmar0': '/sys/devices/virtual/iommu/dmar0' };
    const t = createTestServices();
    const check = async (param: string | undefined) => {
      const r = importFromSysfs({ root: '/synthetic', fs: memFs(param === undefined ? f3 : { ...f3, '/sys/module/vfio_pci/parameters/disable_denylist': param }, l3) });
      const qatDev = r.host.devices.find((d) => d.vendorId === 0x8086 && d.deviceId === 0x37c8)!;
      return { text: r.text, codes: codes(await t.validate(`${r.text}\nvm v on ${r.host.name} {\n    assign ${qatDev.name}\n}\n`)) };
    };
    const on = await check('Y\n');
    expect(on.text).toContain('\n    param vfio_pci.disable_denylist = Y\n');
    expect(on.codes).toContain('VIA011');
    expect(on.codes).not.toContain('VIA010');
    for (const off of ['N\n', undefined]) {
      const r = await check(off);
      expect(r.text).not.toContain('disable_denylist');
      expect(r.codes).toContain('VIA010');
    }
    await t.clear();
  });

  it('reserved_regions (DOM-RESV-01): a direct range marks the group members, relaxable and msi ones do not', async () => {
    const none = importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/reserved_regions': '0x00000000fee00000 0x00000000feefffff msi\n0x000000003e2e0000 0x000000003e2fffff direct-relaxable\n' }, links) });
    expect(none.host.devices.some((d) => d.requiresDirectMapping)).toBe(false);
    expect(none.text).not.toMatch(/requires-direct-mapping/);
    const resv = '0x000000007a3f0000 0x000000007a3fffff direct\n0x00000000fee00000 0x00000000feefffff msi\n';
    const r = importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/reserved_regions': resv }, links) });
    expect(r.warnings).toEqual([]);
    expect(r.host.devices.map((d) => d.requiresDirectMapping)).toEqual([true, true, true]);
    expect(r.text.match(/^ +requires-direct-mapping$/gm)).toHaveLength(3);
    expect(r.text).toContain('// iommu_group 1 reserved_regions: direct 0x7a3f0000-0x7a3fffff; sysfs does not say which of its 3 members needs it, so each is marked');
    // the generated file parses, and a VM given the GPU is refused at the DMA-ownership claim (kernel 6.12)
    const t = createTestServices();
    const gpuName = r.host.devices[1].name!;
    const doc = await t.validate(`${r.text}\nvm v on ${r.host.name} {\n    assign ${gpuName}\n}\n`);
    expect(codes(doc).filter((c) => c === 'DOM001')).toEqual(['DOM001']);
    expect(doc.diagnostics!.find((d) => d.code === 'DOM001')!.message).toMatch(/→ -EINVAL at VFIO_GROUP_SET_CONTAINER$/);
    await t.clear();
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/reserved_regions': '0x7a3f0000 direct\n' }, links) })).toThrow(
      /mem:\/sys\/kernel\/iommu_groups\/1\/reserved_regions:1: expected "0x<start> 0x<end> <type>", got '0x7a3f0000 direct'/,
    );
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/reserved_regions': resv + '0x10 0x1f bogus\n' }, links) })).toThrow(/reserved_regions:3: unknown reserved region type 'bogus'/);
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/reserved_regions': '0x20 0x1f direct\n' }, links) })).toThrow(/reserved_regions:1: region end 0x1f is below its start 0x20/);
  });

  it('records each group\'s type as observed-domain; DOM003 when the prediction differs (iommu=pt but DMA-FQ read)', async () => {
    const r = importFromSysfs({ root: '/synthetic', fs: memFs(files, links) });
    expect(r.host.devices.map((d) => d.observedDomainType)).toEqual(['DMA-FQ', 'DMA-FQ', 'DMA-FQ']);
    expect(r.text.match(/^ +observed-domain DMA-FQ$/gm)).toHaveLength(3);
    const t = createTestServices();
    // the capture boots with iommu=pt on a unit with ECAP.PT: the simulator predicts identity, the file read DMA-FQ
    const doc = await t.validate(r.text);
    const dom003 = doc.diagnostics!.filter((d) => d.code === 'DOM003');
    expect(dom003.map((d) => d.message)).toEqual([`simulator predicts default domain identity for iommu_group 0; the host had DMA-FQ (${r.host.devices[0].name})`]);
    // a capture that read identity agrees with the prediction
    const agreeing = importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/type': 'identity\n' }, links) });
    expect(codes(await t.validate(agreeing.text))).not.toContain('DOM003');
    // a value the kernel cannot print is not recorded, with a warning
    const odd = importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, '/sys/kernel/iommu_groups/1/type': 'DMA-XYZ\n' }, links) });
    expect(odd.warnings.map((w) => w.code)).toEqual(['GROUP_TYPE_UNKNOWN']);
    expect(odd.text).not.toMatch(/observed-domain/);
    await t.clear();
  });

  it('a virtual function (physfn link) is printed inside its PF, so a VM given the PF gets VIA007', async () => {
    const VF = `${RP}/0000:01:00.2`;
    const vf = dev('0000:01:00.2', VF, cfg({ vendor: 0x10de, device: 0x1b81, cls: 0x030000, type: 0 }), 1, 'vfio-pci');
    const r = importFromSysfs({ root: '/synthetic', fs: memFs({ ...files, ...vf.files }, { ...links, ...vf.links, [`${VF}/physfn`]: `${RP}/0000:01:00.0` }) });
    const v = r.host.devices.find((d) => d.virtualFunction)!;
    expect(v).toMatchObject({ parent: '0000:01:00.0', observedGroup: 1 });
    expect(r.text).toMatch(/at 0000:01:00\.0 \{\n(?:.*\n)*? {12}endpoint \S+ at 0000:01:00\.2 \{\n(?:.*\n)*? {16}virtual-function\n/);
    const t = createTestServices();
    const doc = await t.validate(`${r.text}\nvm v on ${r.host.name} {\n    assign ${r.host.devices[1].name}\n}\n`);
    expect(codes(doc)).toContain('VIA007');
    // GRP003 would flag a wrong group: nested under its PF the VF still joins the root port's group, as observed
    expect(codes(doc)).not.toContain('GRP003');
    // nesting a VF in its PF is the file's convention, not a device on the wrong bus
    expect(codes(doc)).not.toContain('MDL002');
    expect(codes(doc)).not.toContain('MDL006');
    await t.clear();
  });

  it('an Intel VMD domain: its devices are printed inside the VMD endpoint, join its group (as observed) and get no MDL002', async () => {
    const VMD = '/sys/devices/pci0000:00/0000:00:0e.0';
    const VRP = `${VMD}/pci10000:e0/10000:e0:06.0`;
    const vmd = [
      dev('0000:00:0e.0', VMD, cfg({ vendor: 0x8086, device: 0xa77f, cls: 0x010400, type: 9 }), 2, 'vmd'),
      dev('10000:e0:06.0', VRP, cfg({ vendor: 0x8086, device: 0xa74d, cls: 0x060400, type: 4, bridge: [0xe0, 0xe1, 0xe1], acs: [0x1f, 0x1d] }), 2, 'pcieport'),
      dev('10000:e1:00.0', `${VRP}/10000:e1:00.0`, cfg({ vendor: 0x144d, device: 0xa80a, cls: 0x010802, type: 0 }), 2, 'nvme'),
    ];
    const r = importFromSysfs({
      root: '/synthetic',
      fs: memFs(Object.assign({ ...files }, ...vmd.map((p) => p.files)), Object.assign({ ...links }, ...vmd.map((p) => p.links))),
    });
    expect(r.host.devices.filter((d) => d.bdf.domain >= 0x10000).map((d) => [formatBdf(d.bdf), d.parent])).toEqual([
      ['10000:e0:06.0', '0000:00:0e.0'],
      ['10000:e1:00.0', '10000:e0:06.0'],
    ]);
    expect(r.warnings.map((w) => w.code)).not.toContain('VMD_DOMAIN');
    const t = createTestServices();
    const doc = await t.validate(r.text);
    const found = codes(doc);
    // GRP003 compares each device's observed group (2) with the simulated one: all three are in the VMD endpoint's
    expect(found).not.toContain('GRP003');
    expect(found).not.toContain('MDL002');
    await t.clear();
  });

  it('garbage in an attribute file → located error', () => {
    const f3 = { ...files, [`${RP}/class`]: 'banana\n' };
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs(f3, links) })).toThrow(ImportError);
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs(f3, links) })).toThrow(/mem:\/sys\/bus\/pci\/devices\/0000:00:01\.0\/class:1: expected a hex value/);
    const f4 = { ...files, '/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap': 'zz\n' };
    expect(() => importFromSysfs({ root: '/synthetic', fs: memFs(f4, links) })).toThrow(/intel-iommu\/ecap:1: 'zz' is not a hex register value/);
  });
});

describe('IOMMU register decoding', () => {
  it('CAP-VTD-04 worked example', () => {
    const d = decodeVtd(0xc0000020660462n, 0xf050dan);
    expect(d).toMatchObject({ snoopControl: true, irSupported: true, eim: true, passthrough: true, scalableModeSupported: false, cachingMode: false });
  });
  it('AMD features order by kernel version (CAP-AMD-01)', () => {
    const efr = 0x58f77ef22294adan; // low bits PPR NX GT IA GA set
    const efr2 = 0x0n;
    expect(decodeAmdFeatures(efr.toString(16), { major: 5, minor: 15 })).toMatchObject({ efr, order: 'single' });
    expect(decodeAmdFeatures(`${efr2.toString(16)}:${efr.toString(16)}`, { major: 6, minor: 1 })).toMatchObject({ efr, efr2, order: 'efr2:efr' });
    expect(decodeAmdFeatures(`${efr.toString(16)}:${efr2.toString(16)}`, { major: 6, minor: 12 })).toMatchObject({ efr, efr2, order: 'efr:efr2', global: true });
    expect(decodeAmdFeatures(`${efr2.toString(16)}:${efr.toString(16)}`, { major: 6, minor: 5 })).toMatchObject({ efr, order: 'heuristic' });
    expect(() => decodeAmdFeatures('1:2:3', undefined)).toThrow(/%llx/);
  });
});
