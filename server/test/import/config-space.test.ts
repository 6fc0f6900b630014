import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acsFlagNames, decodeConfigSpace, isIntelSptRootPort, parseHexBytes, parseLspciHexDump } from '../../src/import/config-space.js';
import { FIX, read } from './helpers.js';

const hexFile = (p: string) => parseLspciHexDump(read(p).trim().split('\n'))!;

describe('decodeConfigSpace on real dumps', () => {
  it('X58 root port (pciutils tests/cap-pcie-1): PCIe root port, ACS cap SV TB RR CR UF, ctl 0, NoSnoop off', () => {
    const f = decodeConfigSpace(hexFile('lspci/pciutils-cap-pcie-1.hex'));
    expect(f.vendorId).toBe(0x8086);
    expect(f.deviceId).toBe(0x3408);
    expect(f.classCode).toBe(0x060400);
    expect(f.headerLayout).toBe(1);
    expect(f.bridge).toEqual({ primary: 0, secondary: 1, subordinate: 1 });
    expect(f.capabilities.map((c) => c.offset)).toEqual([0x40, 0x60, 0x90, 0xe0]);
    expect(f.pcie).toMatchObject({ offset: 0x90, type: 4, version: 2, noSnoop: false });
    expect(f.extCapabilities.map((c) => [c.id, c.offset])).toEqual([[1, 0x100], [0x0d, 0x150], [0x0b, 0x160]]);
    expect(f.acs).toMatchObject({ offset: 0x150, cap: 0x1f, ctl: 0, sptLayout: false });
    expect(acsFlagNames(f.acs!.cap)).toEqual(['SV', 'TB', 'RR', 'CR', 'UF']);
  });

  it('82576 NIC (pciutils tests/cap-pcie-2): endpoint, multifunction bit, DevCtl 0x2830 → No-Snoop and RO on, no ACS', () => {
    const f = decodeConfigSpace(hexFile('lspci/pciutils-cap-pcie-2.hex'));
    expect(f.multifunctionBit).toBe(true);
    expect(f.pcie).toMatchObject({ type: 0, devCtl: 0x2830, noSnoop: true, relaxedOrdering: true });
    expect(f.acs).toBeNull();
    expect(f.extCapabilities.map((c) => c.id)).toEqual([1, 3, 0x0e, 0x10]);
  });

  it('RCEC (pciutils tests/cap-rcec), 256 bytes with unknown cfg size: type 0xa; ACS unknown (extended space not captured)', () => {
    const f = decodeConfigSpace(hexFile('lspci/pciutils-cap-rcec.hex'));
    expect(f.pcie?.type).toBe(0xa);
    expect(f.acs).toBeUndefined();
    expect(f.problems.join()).toMatch(/extended capabilities/);
  });

  it('the same 256 bytes with cfgSize 256 means "no extended space": ACS absent', () => {
    const f = decodeConfigSpace(hexFile('lspci/pciutils-cap-rcec.hex'), { cfgSize: 256 });
    expect(f.acs).toBeNull();
  });

  it('a 64-byte config file (a copy of a non-root read) is a truncated read, not a device with a 64-byte config space', () => {
    const head = hexFile('lspci/pciutils-cap-rcec.hex').slice(0, 64);
    const f = decodeConfigSpace(head, { cfgSize: 64 });
    expect(f.truncated).toBe(true);
    expect(f.cfgSize).toBeUndefined();
    expect(decodeConfigSpace(hexFile('lspci/pciutils-cap-rcec.hex'), { cfgSize: 4096 }).truncated).toBe(true);
  });

  it('firecracker virtio function (real capture, 256 bytes): conventional PCI, caps 0x40… MSI-X at 0x98', () => {
    const line = read('firecracker-capture/pci-sysfs.txt').split('\n').find((l) => l.startsWith('config 0000:00:03.0'))!;
    const bytes = parseHexBytes(line.replace(/^config \S+/, ''));
    const f = decodeConfigSpace(bytes, { cfgSize: 256 });
    expect(f.capsComplete).toBe(true);
    expect(f.capabilities.map((c) => c.id)).toEqual([9, 9, 9, 9, 9, 0x11]);
    expect(f.pcie).toBeNull();
    expect(f.classCode).toBe(0x020000);
  });

  it('real non-root read of this VM (64 bytes): truncated, PCIe type unknown, header facts known', () => {
    const b = new Uint8Array(fs.readFileSync(path.join(FIX, 'sysfs-this-vm-64/sys/devices/pci0000:00/0000:00:01.0/config')));
    expect(b.length).toBe(64);
    const f = decodeConfigSpace(b, { cfgSize: 256 });
    expect(f.truncated).toBe(true);
    expect(f.pcie).toBeUndefined();
    expect(f.acs).toBeUndefined();
    expect(f.multifunctionBit).toBe(false);
    expect(f.problems[0]).toMatch(/only 64 bytes/);
  });

  it('rejects images shorter than the header and all-ones vendor IDs', () => {
    expect(() => decodeConfigSpace(new Uint8Array(32))).toThrow(/64-byte header/);
    expect(() => decodeConfigSpace(new Uint8Array(64).fill(0xff))).toThrow(/0xffff/);
  });

  it('reports a looping capability list instead of hanging', () => {
    const b = new Uint8Array(256);
    b.set([0x86, 0x80, 0x00, 0x10], 0);
    b[0x06] = 0x10; // Status: capabilities list
    b[0x34] = 0x40;
    b.set([0x05, 0x40], 0x40); // MSI pointing to itself
    const f = decodeConfigSpace(b, { cfgSize: 256 });
    expect(f.capsComplete).toBe(false);
    expect(f.problems.join()).toMatch(/loops/);
  });

  it('Intel SPT root port (synthetic image): ACS Control read as a dword at cap+8 (CFG-ACS-03)', () => {
    const b = new Uint8Array(4096);
    b.set([0x86, 0x80, 0x10, 0xa1], 0); // 8086:a110
    b[0x06] = 0x10;
    b[0x0e] = 0x01;
    b[0x34] = 0x40;
    b.set([0x10, 0x00, 0x42, 0x00], 0x40); // PCIe v2 root port
    b.set([0x0d, 0x00, 0x01, 0x00], 0x100); // ACS, next 0
    b.set([0x0d, 0x00, 0x00, 0x00], 0x104); // cap dword: SV RR CR
    b.set([0x0d, 0x00, 0x00, 0x00], 0x108); // ctl dword: SV RR CR enabled
    const f = decodeConfigSpace(b, { cfgSize: 4096 });
    expect(f.acs).toEqual({ offset: 0x100, cap: 0x0d, ctl: 0x0d, sptLayout: true });
    expect(isIntelSptRootPort(0x8086, 0xa110)).toBe(true);
    expect(isIntelSptRootPort(0x8086, 0x9d1c)).toBe(false);
  });
});

describe('hex dumps', () => {
  it('rejects out-of-order offsets and junk tokens', () => {
    expect(() => parseLspciHexDump(['00:' + ' 00'.repeat(16), '20: 00'])).toThrow(/offset 0x10 expected/);
    expect(() => parseHexBytes('86 80 zz')).toThrow(/'zz'/);
  });
});
