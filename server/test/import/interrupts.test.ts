import { describe, expect, it } from 'vitest';
import { parseProcInterrupts } from '../../src/import/interrupts.js';
import { ImportError } from '../../src/import/types.js';
import { read } from './helpers.js';

describe('/proc/interrupts (CAP-IR-01)', () => {
  it('real firecracker guest: per-device PCI-MSIX chips, none remapped', () => {
    const text = read('firecracker-capture/host-summary.txt').split('## proc_interrupts\n')[1].split('## dmesg')[0];
    const f = parseProcInterrupts(text, 'host-summary.txt');
    expect(f.remapping).toBe('disabled');
    expect(f.remappedLines).toBe(0);
    expect(f.plainLines).toBe(16);
    expect(f.perDeviceNaming).toBe(true);
    expect(f.perDevice.get('0000:00:03.0')).toBe('not-remapped');
  });

  it('real /proc/interrupts of this VM (IO-APIC + PCI-MSIX, not remapped)', () => {
    const f = parseProcInterrupts(read('sysfs-this-vm-root/proc/interrupts'), 'interrupts');
    expect(f.remapping).toBe('disabled');
  });

  it('old (≤ 6.1) and new (≥ 6.12) remapped chip names; DMAR-MSI is not evidence', () => {
    const old = '           CPU0       CPU1\n  0:   20  0   IR-IO-APIC    2-edge      timer\n 24:  0  0  DMAR-MSI    0-edge      dmar0\n 25: 100  0  IR-PCI-MSI 524288-edge      nvme0q0\n';
    expect(parseProcInterrupts(old, 'old').remapping).toBe('enabled');
    const nu = '  CPU0\n 40: 3 IR-PCI-MSIX-0000:3d:00.0 2-edge mlx5\n';
    const f = parseProcInterrupts(nu, 'new');
    expect(f.perDevice.get('0000:3d:00.0')).toBe('remapped');
    const dmarOnly = '  CPU0\n 24: 0 DMAR-MSI 0-edge dmar0\n';
    expect(parseProcInterrupts(dmarOnly, 'x').remapping).toBe('unknown');
  });

  it('mixed evidence is flagged', () => {
    const f = parseProcInterrupts('  CPU0\n 1: 0 IR-IO-APIC 1-edge i8042\n 30: 0 PCI-MSI-0000:00:02.0 0-edge foo\n', 'm');
    expect(f.mixed).toBe(true);
  });

  it('garbage gets a located error', () => {
    expect(() => parseProcInterrupts('hello world\n', 'irq.txt')).toThrow(ImportError);
    expect(() => parseProcInterrupts('hello world\n', 'irq.txt')).toThrow(/^irq\.txt:1: expected the \/proc\/interrupts header/);
    expect(() => parseProcInterrupts('  CPU0\n 1: 0 IO-APIC 1-edge x\n@@@ broken\n', 'irq.txt')).toThrow(/irq\.txt:3:/);
  });
});
